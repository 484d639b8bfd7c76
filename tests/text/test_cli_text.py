"""``depscreen text ...`` commands."""

import json

from typer.testing import CliRunner

from depscreen.cli import _register, app
from depscreen.corpus import Post, User, UserCorpus, read_jsonl, write_jsonl

_register()
runner = CliRunner()


def test_normalise_and_tokenize_commands():
    result = runner.invoke(app, ["text", "normalise", "Sooooo tired!!!!! https://t.co/x @ana", "--lowercase"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "soo tired!! <url> <user>"
    result = runner.invoke(app, ["text", "tokenize", "--lang", "en", "--stopwords", "--json"],
                           input="I do not want to be here\nnobody cares about me\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert lines == [["i", "not", "want"], ["nobody", "cares", "me"]]
    result = runner.invoke(app, ["text", "detect", "aku capek banget hari ini"])
    assert result.stdout.strip() == "id"


def test_filter_disclosure_command_writes_corpus_and_report(tmp_path):
    corpus = UserCorpus([
        User("a", 1, [Post("I was diagnosed with depression last year"), Post("rainy day")]),
        User("b", 1, [Post("我确诊抑郁症了")]),
        User("c", 0, [Post("depression is awful")]),
    ])
    src, out, rep = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "rep.json"
    write_jsonl(corpus, src)
    # the default scope removes every mention of a diagnosis or depression
    result = runner.invoke(app, ["text", "filter-disclosure", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "removed 3 of 4 posts; touched 3 of 3 users (2 left with no posts, kept)" in result.stdout
    result = runner.invoke(app, ["text", "filter-disclosure", str(src), "--out", str(out), "--json", str(rep),
                                 "--scope", "narrow"])
    assert result.exit_code == 0, result.output
    assert "removed 2 of 4 posts; touched 2 of 3 users (1 left with no posts, kept)" in result.stdout
    assert [len(u.posts) for u in read_jsonl(out)] == [1, 0, 1]
    report = json.loads(rep.read_text(encoding="utf-8"))
    assert report["per_label"]["1"]["posts_removed"] == 2 and report["users_emptied"] == 1
    assert "diagnosed with depression" not in result.output  # counts only, no post text
    missing = runner.invoke(app, ["text", "filter-disclosure", str(tmp_path / "nope.jsonl"), "--out", str(out)])
    assert missing.exit_code == 2 and "no such file" in missing.output
