"""End to end on the command line: train lmilatt, predict --explain, mil explain / diagnose."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import depscreen.cli.evaluate  # noqa: F401  (attaches train / predict)
import depscreen.cli.mil  # noqa: F401  (attaches the mil group)
from depscreen.cli import app
from depscreen.corpus import write_jsonl
from depscreen.corpus.synthetic import make_sample_corpus

FAST = ["embedder=tfidf-svd", 'embedder_options={"n_components": 16}', "ae_epochs=1", "epochs=2",
        "hidden_size=8", "attention_size=8", "validation_split=0"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("milcli")
    corpus = make_sample_corpus(n_users=16, langs=("en",), seed=9, posts_per_user=(4, 8))
    data = write_jsonl(corpus, tmp / "users.jsonl")
    args = ["train", "--model", "lmilatt", "--data", str(data), "--out", str(tmp / "model")]
    for p in FAST:
        args += ["--param", p]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return tmp, data, corpus


def test_predict_with_explain_writes_weights_without_text(trained):
    tmp, data, corpus = trained
    out = tmp / "pred.csv"
    res = CliRunner().invoke(app, ["predict", str(tmp / "model"), str(data), "--out", str(out), "--explain"])
    assert res.exit_code == 0, res.output
    lines = (tmp / "pred.explanations.jsonl").read_text().splitlines()
    items = [json.loads(line) for line in lines]
    payload = {"items": items}
    assert len(items) == len(corpus)
    assert {"posts", "top_posts", "normalised_entropy"} <= set(items[0]["explanation"])
    blob = json.dumps(payload) + res.output
    assert not any(p.text in blob for u in corpus for p in u.posts)


def test_mil_explain_writes_html_and_reports_recall(trained):
    tmp, data, corpus = trained
    res = CliRunner().invoke(app, ["mil", "explain", str(tmp / "model"), str(data), "--out", str(tmp / "views")])
    assert res.exit_code == 0, res.output
    assert (tmp / "views" / "index.html").exists()
    assert len(list((tmp / "views").glob("user_*.html"))) == len(corpus)
    assert "Recall@10%" in res.output  # the sample carries planted-post truth
    assert not any(p.text in res.output for u in corpus for p in u.posts)


def test_mil_diagnose_writes_csv_and_plots(trained):
    tmp, data, _ = trained
    res = CliRunner().invoke(app, ["mil", "diagnose", str(tmp / "model"), str(data), "--out", str(tmp / "diag")])
    assert res.exit_code == 0, res.output
    for name in ("diagnostics.csv", "attention_entropy.png", "reconstruction_error.png"):
        assert (tmp / "diag" / name).exists()
    assert "near-uniform" in res.output


def test_mil_explain_rejects_a_post_level_corpus(trained, tmp_path):
    from depscreen.corpus import PostCorpus, PostRecord

    tmp, _, _ = trained
    posts = write_jsonl(PostCorpus([PostRecord("1", "a", 0), PostRecord("2", "b", 1)]), tmp_path / "p.jsonl")
    res = CliRunner().invoke(app, ["mil", "explain", str(tmp / "model"), str(posts), "--out", str(tmp_path / "v")])
    assert res.exit_code != 0 and "user-level" in res.output
