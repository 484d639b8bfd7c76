"""`depscreen data convert / inspect / formats` through typer's CliRunner."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

import depscreen.cli.data  # noqa: F401  (attaches the data commands)
from depscreen.cli import app
from depscreen.corpus import read_jsonl
from depscreen.corpus.readers import READERS

runner = CliRunner()


def _tweets(tmp_path):
    path = tmp_path / "tweets.csv"
    rows = [
        ["alice", "2012-03-01 10:00", "so tired of everything http://x.io/1", "1"],
        ["alice", "2012-03-02 10:00", "", "1"],
        ["alice", "2012-02-01 10:00", "cannot sleep", "1"],
        ["bob", "2017-01-01 10:00", "new phone https://t.co/y", "0"],
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["author", "created", "body", "y"])
        writer.writerows(rows)
    return path


def test_help_lists_every_format():
    result = runner.invoke(app, ["data", "convert", "--help"], terminal_width=400)
    assert result.exit_code == 0
    for name in READERS:
        assert name in result.output
    formats = runner.invoke(app, ["data", "formats"], terminal_width=200)
    assert formats.exit_code == 0 and all(name in formats.output for name in READERS)


def test_convert_generic_csv_with_report_and_pseudonyms(tmp_path):
    out = tmp_path / "corpus.jsonl"
    report = tmp_path / "report.json"
    args = [
        "data", "convert", str(_tweets(tmp_path)), "--format", "csv", "--text-col", "body",
        "--label-col", "y", "--user-col", "author", "--time-col", "created", "--out", str(out),
        "--pseudonymise", "--salt", "pepper", "--lang", "en", "--report", str(report),
    ]
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    corpus = read_jsonl(out)
    assert len(corpus) == 2 and all(u.user_id.startswith("u_") for u in corpus)
    alice = next(u for u in corpus if u.label == 1)
    assert [p.time[:10] for p in alice.posts] == ["2012-02-01", "2012-03-01"]
    assert alice.posts[0].lang == "en"
    assert "skipped: empty text" in result.output and "tweets.csv:3" in result.output
    assert "so tired" not in result.output and "alice" not in result.output
    data = json.loads(report.read_text())
    assert data["skipped"] == {"empty text": 1} and data["level"] == "user"


def test_convert_binarises_with_positive(tmp_path):
    src = tmp_path / "dev.tsv"
    src.write_text("PID\tText data\tLabel\np1\tok\tnot depression\np2\tbad\tsevere\np3\tmeh\tmoderate\n", encoding="utf-8")
    out = tmp_path / "ltedi.jsonl"
    result = runner.invoke(app, ["data", "convert", str(src), "-f", "ltedi", "-o", str(out), "--positive", "severe", "--positive", "moderate"])
    assert result.exit_code == 0, result.output
    assert read_jsonl(out).labels == [0, 1, 1]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--format", "cssrs", "--text-col", "body"], "does not take --text-col"),
        (["--format", "csv", "--text-col", "nope"], "missing columns 'nope', 'label'"),
        (["--format", "csv", "--text-col", "body", "--label-col", "y", "--positive", "2"], "not found"),
    ],
)
def test_convert_errors_are_clear(tmp_path, extra, message):
    result = runner.invoke(app, ["data", "convert", str(_tweets(tmp_path)), "-o", str(tmp_path / "o.jsonl"), *extra], terminal_width=300)
    assert result.exit_code == 2
    assert message in result.output


def test_inspect_writes_json_and_warns_on_confounds(tmp_path):
    rows = []
    for i in range(8):
        for j in range(4):
            depressed = i < 4
            year = 2010 + (i + j) % 5 if depressed else 2016 + j % 2
            link = "http://x.io/a" if depressed else "https://t.co/b"
            rows.append([f"user{i}", f"{year}-0{j + 1}-01 10:00", f"post {i} {j} {link}", int(depressed)])
    src = tmp_path / "c.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["user", "time", "text", "label"])
        writer.writerows(rows)
    out = tmp_path / "c.jsonl"
    assert runner.invoke(app, ["data", "convert", str(src), "-f", "csv", "--user-col", "user", "--time-col", "time", "-o", str(out)]).exit_code == 0
    result = runner.invoke(app, ["data", "inspect", str(out), "--json", str(tmp_path / "i.json"), "--lang-sample", "0"], terminal_width=200)
    assert result.exit_code == 0, result.output
    info = json.loads((tmp_path / "i.json").read_text())
    assert info["labels"] == {"0": 4, "1": 4}
    assert {w["kind"] for w in info["confounds"]} >= {"time", "links"}
    assert "confounds" in result.output and "post 1 2" not in result.output


def test_inspect_missing_file(tmp_path):
    result = runner.invoke(app, ["data", "inspect", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.output


@pytest.mark.shared_data
def test_inspect_real_mental_health_twitter_warns(shared_data, tmp_path):
    src = shared_data / "en/mental-health-twitter/Mental-Health-Twitter.csv"
    result = runner.invoke(
        app,
        ["data", "inspect", str(src), "--format", "mental-health-twitter", "--lang-sample", "0", "--json", str(tmp_path / "m.json")],
        terminal_width=300,
    )
    assert result.exit_code == 0, result.output
    info = json.loads((tmp_path / "m.json").read_text())
    assert info["time"]["by_label"]["1"]["min_year"] == 2009
    assert info["time"]["by_label"]["0"]["min_year"] == 2016
    kinds = {w["kind"] for w in info["confounds"]}
    assert {"time", "links"} <= kinds
    links = next(w for w in info["confounds"] if w["kind"] == "links" and w["pattern"] == "https")
    assert links["share_of_links"]["0"] > 0.9 > links["share_of_links"]["1"]


def test_inspect_json_null_text_is_a_clear_error(tmp_path):
    path = tmp_path / "null.jsonl"
    path.write_text('{"user_id": "a", "label": 1, "posts": [{"text": null}]}\n', encoding="utf-8")
    result = runner.invoke(app, ["data", "inspect", str(path), "--lang-sample", "0"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "null.jsonl:1" in result.output and "null" in result.output
