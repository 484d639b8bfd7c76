"""``depscreen prevalence`` and ``depscreen predict --adapt-priors`` (issue 21)."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

import depscreen.cli.evaluate  # noqa: F401  (attaches the commands)
import depscreen.cli.prevalence  # noqa: F401
from depscreen.cli import app
from depscreen.corpus import PostCorpus, write_jsonl
from depscreen.corpus.synthetic import make_sample_posts

runner = CliRunner()


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("prev")
    train = make_sample_posts(n=240, langs=("en",), seed=1, positive_share=0.5)
    screen = make_sample_posts(n=180, langs=("en",), seed=2, positive_share=0.2)
    for i, r in enumerate(screen.records):
        r.meta["time"] = f"2024-{1 + i % 3:02d}-1{i % 9}T10:00:00"
    write_jsonl(train, root / "train.jsonl")
    write_jsonl(screen, root / "screen.jsonl")
    write_jsonl(PostCorpus([]), root / "empty.jsonl")
    _ok(runner.invoke(app, ["train", "--data", str(root / "train.jsonl"), "--out", str(root / "default"),
                            "--model", "depscreen-default", "--param", "embedder=null"]))
    _ok(runner.invoke(app, ["train", "--data", str(root / "train.jsonl"), "--out", str(root / "lr"),
                            "--model", "tfidf-lr"]))
    return root


def test_prevalence_table_json_csv_and_plot(files, tmp_path):
    out = tmp_path / "res"
    r = _ok(runner.invoke(app, ["prevalence", str(files / "default"), str(files / "screen.jsonl"), "--by", "month",
                                "--n-boot", "100", "--json", str(out / "s.json"), "--csv", str(out / "s.csv"),
                                "--plot", str(out / "s.png")]))
    assert "estimated share of posts" in r.output and "2024-02" in r.output and "not a diagnos" in r.output
    data = json.loads((out / "s.json").read_text())
    assert [g["group"] for g in data["groups"]] == ["all", "2024-01", "2024-02", "2024-03"]
    em = data["groups"][0]["estimates"]["em"]["1"]
    assert abs(em["estimate"] - 0.2) < 0.08 and em["low"] < em["estimate"] < em["high"]
    rows = list(csv.DictReader((out / "s.csv").open()))
    assert len(rows) == 4 * 5 * 2 and {r["method"] for r in rows} == {"cc", "pcc", "acc", "pacc", "em"}
    assert "disclaimer" in json.loads((out / "s.csv.meta.json").read_text())
    assert (out / "s.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(out.glob(".*partial*"))


def test_bad_input_writes_nothing(files, tmp_path):
    out = tmp_path / "x.json"
    r = runner.invoke(app, ["prevalence", str(files / "lr"), str(files / "screen.jsonl"), "--method", "em",
                            "--json", str(out)])
    assert r.exit_code == 2 and "retrain it with `depscreen train`" in r.output and not out.exists()
    r = runner.invoke(app, ["prevalence", str(files / "default"), str(files / "empty.jsonl"), "--json", str(out)])
    assert r.exit_code == 2 and "error:" in r.output and not out.exists()
    r = runner.invoke(app, ["prevalence", str(files / "default"), str(files / "screen.jsonl"), "--by", "meta.region",
                            "--json", str(out)])
    assert r.exit_code == 2 and "none of the 180 items carries the field 'region'" in r.output and not out.exists()
    r = runner.invoke(app, ["prevalence", str(files / "default"), str(files / "screen.jsonl"), "--plot",
                            str(tmp_path / "p.png")])
    assert r.exit_code == 2 and "--by month" in r.output
    assert "Traceback" not in r.output


def test_predict_adapt_priors_records_the_shares(files, tmp_path):
    out = tmp_path / "pred.csv"
    r = _ok(runner.invoke(app, ["predict", str(files / "default"), str(files / "screen.jsonl"), "--out", str(out),
                                "--adapt-priors"]))
    assert "prior adaptation (em)" in r.output
    meta = json.loads((tmp_path / "pred.csv.meta.json").read_text())
    shares = meta["prior_adaptation"]["estimated_shares"]
    assert abs(shares["1"] - 0.2) < 0.08 and meta["prior_adaptation"]["train_shares"]["1"] == pytest.approx(0.5, abs=0.05)
    r = runner.invoke(app, ["predict", str(files / "lr"), str(files / "screen.jsonl"), "--out",
                            str(tmp_path / "p2.csv"), "--adapt-priors"])
    assert r.exit_code == 2 and "retrain" in r.output and not (tmp_path / "p2.csv").exists()
