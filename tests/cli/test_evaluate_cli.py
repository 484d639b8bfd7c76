from __future__ import annotations

import csv
import json
import random

import pytest
from typer.testing import CliRunner

import depscreen.cli.evaluate  # noqa: F401  (attaches the commands)
from depscreen.cli import app
from depscreen.corpus import Post, PostCorpus, PostRecord, User, UserCorpus, write_jsonl

SAD = ["hopeless", "empty", "tired", "alone", "worthless", "numb"]
NEUTRAL = ["coffee", "match", "recipe", "garden", "movie", "beach", "office", "music", "train", "book"]
SECRET = "zqxsecretword"  # planted in every text: must never reach the console


def _text(rng, sad: bool) -> str:
    words = rng.sample(NEUTRAL, 4) + ([rng.choice(SAD), rng.choice(SAD)] if sad else []) + [SECRET]
    rng.shuffle(words)
    return " ".join(words) + f" {rng.randrange(10**6)}"


@pytest.fixture
def user_file(tmp_path):
    rng = random.Random(1)
    users = [
        User(f"u{i}", i % 2, [Post(_text(rng, bool(i % 2) and rng.random() < 0.7), time=f"2021-0{1 + j}-01") for j in range(4)])
        for i in range(40)
    ]
    users.append(User("u0-copy", 0, [Post(users[0].posts[0].text)]))  # exact copy of another user's text
    return write_jsonl(UserCorpus(users), tmp_path / "users.jsonl")


@pytest.fixture
def post_file(tmp_path):
    rng = random.Random(2)
    recs = [PostRecord(f"p{i}", _text(rng, bool(i % 2)), i % 2) for i in range(60)]
    return write_jsonl(PostCorpus(recs), tmp_path / "posts.jsonl")


runner = CliRunner()


def _ok(result):
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    return result


def test_evaluate_writes_metrics_json(user_file, tmp_path):
    out = tmp_path / "metrics.json"
    html = tmp_path / "report.html"
    r = _ok(runner.invoke(app, [
        "evaluate", "--model", "majority", "--model", "tfidf-lr", "--data", str(user_file),
        "--cv", "4", "--seed", "7", "--json", str(out), "--html", str(html), "--no-progress",
        "--param", "tfidf-lr:class_weight=balanced", "--param", "C=2",
    ]))
    assert "not a diagnosis" in r.output
    data = json.loads(out.read_text())
    assert data["seed"] == 7 and data["cv"] == 4
    assert len(data["fold_sizes"]) == 4 and all({"train", "test"} <= set(fs) for fs in data["fold_sizes"])
    assert data["dedup"]["cross_user_removed"] == 1 and data["dedup"]["users_emptied"] == 1
    assert sum(fs["test"] for fs in data["fold_sizes"]) == 40
    res = data["results"]["tfidf-lr"]
    assert res["params"]["class_weight"] == "balanced" and res["params"]["C"] == 2
    for name in ("accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc", "pr_auc"):
        assert {"mean", "std"} <= set(res["metrics"][name])
    assert res["metrics"]["f1"]["mean"] > data["results"]["majority"]["metrics"]["f1"]["mean"]
    assert data["results"]["majority"]["single_class_folds"] == 4
    assert data["command"]["seed"] == 7
    assert "not a diagnosis" in data["disclaimer"]
    assert "data:image/png;base64," in html.read_text()


def test_evaluate_bad_inputs_exit_clearly(post_file, tmp_path):
    r = runner.invoke(app, ["evaluate", "--model", "nope", "--data", str(post_file)])
    assert r.exit_code == 2 and "unknown model" in r.output
    r = runner.invoke(app, ["evaluate", "--model", "majority", "--data", str(tmp_path / "missing.jsonl")])
    assert r.exit_code == 2 and "not found" in r.output
    r = runner.invoke(app, ["evaluate", "--model", "tfidf-lr", "--data", str(post_file), "--param", "bogus=1"])
    assert r.exit_code == 2 and "no model" in r.output and "bogus" in r.output
    r = runner.invoke(app, ["evaluate", "--model", "majority", "--data", str(post_file), "--task", "fancy"])
    assert r.exit_code == 2 and "--task" in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "text": "a", "label": 0}\n{oops\n')
    r = runner.invoke(app, ["evaluate", "--model", "majority", "--data", str(bad)])
    assert r.exit_code == 2 and "bad.jsonl:2" in r.output


def test_compare_needs_two_models(post_file, tmp_path):
    r = runner.invoke(app, ["compare", "--model", "majority", "--data", str(post_file)])
    assert r.exit_code == 2
    md = tmp_path / "table.md"
    _ok(runner.invoke(app, ["compare", "-m", "majority", "-m", "tfidf-lr", "-d", str(post_file), "--cv", "3",
                            "--markdown", str(md), "--no-progress"]))
    table, rates = md.read_text().split("\n\n| model | cases |")  # the comparison, then the screening rates
    assert table.count("\n| ") == 3 and "not a diagnosis" in table
    assert rates.count("\n| ") == 2 and "[95 % Wilson score interval]" in rates  # one row per model


def _read_csv(path):
    """A plain CSV (pandas reads it as is); the disclaimer sits in the sidecar."""
    lines = path.read_text().splitlines()
    assert not lines[0].startswith("#")
    meta = json.loads(path.with_name(path.name + ".meta.json").read_text())
    assert "not a diagnosis" in meta["disclaimer"]
    return list(csv.DictReader(lines))


def test_train_predict_explain_round_trip(user_file, tmp_path):
    model_dir = tmp_path / "model"
    _ok(runner.invoke(app, ["train", "--model", "tfidf-lr", "--data", str(user_file), "--out", str(model_dir),
                            "--param", "analyzer=both"]))
    assert (model_dir / "config.json").exists() and (model_dir / "arrays.safetensors").exists()
    training = json.loads((model_dir / "training.json").read_text())
    assert training["dedup"]["cross_user_removed"] == 1 and training["params"]["analyzer"] == "both"
    out = tmp_path / "pred.csv"
    _ok(runner.invoke(app, ["predict", str(model_dir), str(user_file), "--out", str(out), "--explain"]))
    rows = _read_csv(out)
    assert len(rows) == 41 and set(rows[0]) == {"user_id", "true_label", "predicted", "score", "proba_0", "proba_1"}
    assert abs(float(rows[0]["proba_0"]) + float(rows[0]["proba_1"]) - 1) < 1e-4
    assert float(rows[0]["score"]) == float(rows[0]["proba_1"])
    items = [json.loads(line) for line in (tmp_path / "pred.explanations.jsonl").read_text().splitlines()]
    assert len(items) == 41 and items[0]["user_id"] == "u0"
    assert "top_posts" in items[0]["explanation"] and items[0]["explanation"]["prediction"] in (0, 1)


def test_predict_per_post(user_file, post_file, tmp_path):
    model_dir = tmp_path / "post-model"
    _ok(runner.invoke(app, ["train", "-m", "tfidf-lr", "-d", str(post_file), "-o", str(model_dir)]))
    out = tmp_path / "per_post.csv"
    _ok(runner.invoke(app, ["predict", str(model_dir), str(user_file), "--out", str(out), "--per-post"]))
    rows = _read_csv(out)
    assert len(rows) == 40 * 4 + 1
    assert {"user_id", "post_index", "post_id", "predicted", "score"} <= set(rows[0])
    assert [r["post_index"] for r in rows[:4]] == ["0", "1", "2", "3"]
    r = runner.invoke(app, ["predict", str(model_dir), str(post_file), "--out", str(out), "--per-post"])
    assert r.exit_code == 2 and "user-level corpus" in r.output


def test_majority_explains_nothing_and_bad_folders_are_refused(post_file, tmp_path):
    model_dir = tmp_path / "maj"
    _ok(runner.invoke(app, ["train", "-m", "majority", "-d", str(post_file), "-o", str(model_dir)]))
    _ok(runner.invoke(app, ["predict", str(model_dir), str(post_file), "--out", str(tmp_path / "p.csv"), "--explain"]))
    first = json.loads((tmp_path / "p.explanations.jsonl").read_text().splitlines()[0])
    assert first["explanation"]["top_features"] == [] and "score" in first["explanation"]
    rows = _read_csv(tmp_path / "p.csv")
    assert len(rows) == 60 and "id" in rows[0]
    r = runner.invoke(app, ["predict", str(tmp_path), str(post_file), "--out", str(tmp_path / "q.csv")])
    assert r.exit_code == 2 and "not a depscreen model folder" in r.output


def test_models_lists_registry():
    r = _ok(runner.invoke(app, ["models"]))
    assert "majority" in r.output and "tfidf-lr" in r.output and "any" in r.output


def test_single_class_models_are_warned_about_with_the_fix(tmp_path):
    """An imbalanced set where plain tfidf-lr predicts the majority class everywhere:
    evaluate and train both say so and name class_weight=balanced."""
    rng = random.Random(3)
    recs = [PostRecord(f"p{i}", _text(rng, i < 18), int(i < 18)) for i in range(300)]
    data = write_jsonl(PostCorpus(recs), tmp_path / "skewed.jsonl")
    r = _ok(runner.invoke(app, ["evaluate", "-m", "tfidf-lr", "-d", str(data), "--cv", "3", "--no-progress"]))
    assert "warning:" in r.output and "class_weight=balanced" in r.output
    r = _ok(runner.invoke(app, ["train", "-m", "tfidf-lr", "-d", str(data), "-o", str(tmp_path / "m")]))
    assert "warning:" in r.output and "class_weight=balanced" in r.output
    r = _ok(runner.invoke(app, ["evaluate", "-m", "tfidf-lr", "-d", str(data), "--cv", "3", "--no-progress",
                                "-p", "class_weight=balanced", "-p", "C=10"]))
    assert "warning:" not in r.output
