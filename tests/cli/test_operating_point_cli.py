"""--operating-point on train / predict / evaluate: stored, applied, overridden, reported;
bad input is one line, never a traceback."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from typer.testing import CliRunner

import depscreen.cli.evaluate  # noqa: F401  (attaches the commands)
from depscreen.cli import app
from depscreen.corpus import write_jsonl
from depscreen.corpus.synthetic import make_sample_posts

runner = CliRunner()
FAST = ["--param", "embedder=null"]  # depscreen-default without the sentence encoder


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("op-cli")
    train = write_jsonl(make_sample_posts(n=300, seed=3, positive_share=0.3), root / "train.jsonl")
    test = write_jsonl(make_sample_posts(n=120, seed=4, positive_share=0.3), root / "test.jsonl")
    out = root / "model"
    result = runner.invoke(app, ["train", "--data", str(train), "--out", str(out), *FAST,
                                 "--operating-point", "sensitivity=0.9"])
    assert result.exit_code == 0, result.output
    return {"root": root, "train": train, "test": test, "model": out, "train_output": result.output}


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_train_says_and_stores_the_point(files):
    assert "operating point sensitivity=0.9: flag when P(1) >=" in files["train_output"]
    assert "training out-of-fold: sensitivity" in files["train_output"]
    record = json.loads((files["model"] / "training.json").read_text())
    assert record["operating_point"]["spec"] == "sensitivity=0.9"


def test_predict_applies_the_stored_point_and_an_override(files):
    out = files["root"] / "pred.csv"
    result = runner.invoke(app, ["predict", str(files["model"]), str(files["test"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    stored = json.loads((files["model"] / "training.json").read_text())["operating_point"]["threshold"]
    rows = _rows(out)
    assert all(int(r["flagged"]) == (float(r["proba_1"]) >= stored - 5e-7) for r in rows)  # CSV has 6 decimals
    assert all(int(r["predicted"]) == int(r["flagged"]) for r in rows)

    out2 = files["root"] / "pred2.csv"
    result = runner.invoke(app, ["predict", str(files["model"]), str(files["test"]), "--out", str(out2),
                                 "--operating-point", "specificity=0.99"])
    assert result.exit_code == 0, result.output
    assert "operating point specificity=0.99" in result.output
    meta = json.loads((files["root"] / "pred2.csv.meta.json").read_text())
    assert meta["operating_point"]["spec"] == "specificity=0.99"
    assert sum(int(r["flagged"]) for r in _rows(out2)) <= sum(int(r["flagged"]) for r in rows)


@pytest.mark.parametrize("point, words", [
    ("sensitivty=0.9", "unknown operating point 'sensitivty'; did you mean 'sensitivity'"),
    ("sensitivity=90", "write 0.9 for 90 %"),
    ("threshold=1.0", "flags no training item"),
])
def test_bad_points_are_one_line(files, point, words):
    result = runner.invoke(app, ["predict", str(files["model"]), str(files["test"]), "--out",
                                 str(files["root"] / "x.csv"), "--operating-point", point])
    assert result.exit_code != 0
    assert words in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_train_refuses_bad_syntax_before_fitting(files, tmp_path):
    result = runner.invoke(app, ["train", "--data", str(files["train"]), "--out", str(tmp_path / "m"), *FAST,
                                 "--operating-point", "sensitivity"])
    assert result.exit_code != 0 and "needs a value" in result.output
    assert not (tmp_path / "m").exists()


def test_old_folder_is_told_to_retrain(files, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(files["model"], old)
    for name in ("out_of_fold.safetensors", "out_of_fold.json", "manifest.json"):
        (old / name).unlink(missing_ok=True)
    result = runner.invoke(app, ["predict", str(old), str(files["test"]), "--out", str(tmp_path / "p.csv"),
                                 "--operating-point", "sensitivity=0.8"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "retrain it" in " ".join(result.output.split())


def test_evaluate_reports_rates_with_intervals_at_the_point(files, tmp_path):
    js, page = tmp_path / "m.json", tmp_path / "r.html"
    result = runner.invoke(app, ["evaluate", "-m", "depscreen-default", *FAST, "--data", str(files["train"]),
                                 "--cv", "3", "--no-progress", "--operating-point", "sensitivity=0.9",
                                 "--json", str(js), "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert "screening rates at the operating point" in result.output
    rates = json.loads(js.read_text())["results"]["depscreen-default"]["screening"]
    assert rates["at"] == "sensitivity=0.9"
    sens = rates["groups"]["class 1"]["sensitivity"]
    assert sens["low"] <= sens["value"] <= sens["high"] and sens["n"] == 90  # every case tested once
    for name in ("specificity", "ppv", "npv"):
        assert rates["groups"]["class 1"][name]["k"] <= rates["groups"]["class 1"][name]["n"]
    assert "Screening rates at the operating point" in page.read_text()


def test_evaluate_refuses_a_level_the_labels_lack_before_fitting(files):
    result = runner.invoke(app, ["evaluate", "-m", "depscreen-default", *FAST, "--data", str(files["train"]),
                                 "--cv", "3", "--no-progress", "--operating-point", "sensitivity=0.9@7"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "level '7' is not a class of this model; its classes are 0, 1" in " ".join(result.output.split())
