"""The main job: a small demo run writes every file, the page states what it is."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from depscreen.corpus import read_jsonl
from depscreen.corpus.synthetic import make_sample_corpus
from depscreen.demo import DEMO_BASELINES, DEMO_HEADLINE, TOOL_NOTICE, demo_models, run_demo, sample_stats
from depscreen.models import registry


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    # The baselines only: models that join the demo later must not slow this test down;
    # the default selection is tested on a patched registry below.
    return run_demo(out, n_users=60, seed=5, cv=3, models=["majority", "tfidf-lr"], progress=False)


def test_demo_writes_all_files(demo_run):
    files = demo_run["files"]
    assert set(files) == {"sample.jsonl", "comparison.md", "report.html", "metrics.png", "metrics.json"}
    for path in files.values():
        assert path.exists() and path.stat().st_size > 0
    assert files["metrics.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    sample = read_jsonl(files["sample.jsonl"])
    assert len(sample) == 60
    assert [u.to_dict() for u in sample] == [u.to_dict() for u in make_sample_corpus(n_users=60, seed=5)]


def test_report_has_disclaimer_notice_table_chart_and_stats(demo_run):
    page = demo_run["files"]["report.html"].read_text(encoding="utf-8")
    assert TOOL_NOTICE in page
    assert "SYNTHETIC" in page
    assert "<table>" in page and "<th>f1</th>" in page
    for model in demo_run["models"]:
        assert f"<td>{model}</td>" in page
    assert page.count("data:image/png;base64,") >= 1
    assert "60 users" in page and "planted depressive-signal posts" in page
    md = demo_run["files"]["comparison.md"].read_text(encoding="utf-8")
    assert "not a diagnosis" in md and "| model |" in md and "| tfidf-lr |" in md


def test_metrics_json_matches_the_run(demo_run):
    record = json.loads(demo_run["files"]["metrics.json"].read_text(encoding="utf-8"))
    assert record["demo"]["seed"] == 5 and record["demo"]["cv"] == 3
    assert record["sample"]["n_users"] == 60 and record["sample"]["synthetic"] is True
    results = record["comparison"]["results"]
    assert list(results) == demo_run["models"]
    assert record["comparison"]["cv"] == 3 and record["comparison"]["seed"] == 5
    for name, metrics in demo_run["metrics"].items():
        assert metrics["f1"]["mean"] == pytest.approx(results[name]["metrics"]["f1"]["mean"])


def test_baselines_score_every_user_once(demo_run):
    assert demo_run["models"][:2] == ["majority", "tfidf-lr"]
    comparison = demo_run["comparison"]
    n_users = comparison.results[0].corpus["n_items"]
    for result in comparison.results:
        assert sum(map(sum, result.confusion)) == n_users
    assert demo_run["metrics"]["majority"]["f1"]["mean"] == 0.0
    assert comparison["majority"].single_class_folds == 3
    assert comparison["tfidf-lr"].params["class_weight"] == "balanced"


def test_demo_is_deterministic(tmp_path, demo_run):
    again = run_demo(tmp_path, n_users=60, seed=5, cv=3, models=["majority", "tfidf-lr"], progress=False)
    assert again["metrics"] == demo_run["metrics"]


def test_sample_stats_counts():
    corpus = make_sample_corpus(n_users=30, seed=2)
    stats = sample_stats(corpus)
    assert stats["n_users"] == 30
    assert stats["n_posts"] == sum(len(u.posts) for u in corpus)
    assert stats["planted_posts"] == sum(p.label == 1 for u in corpus for p in u.posts)
    assert sum(row["users"] for row in stats["by_language"].values()) == 30


def test_demo_model_selection(monkeypatch):
    class FastUser:
        input_level = "user"
        demo_params = {"epochs": 1}

    class PostOnly:
        input_level = "post"
        demo_params = {}

    class NoDemo:
        input_level = "user"

    import sys
    import types

    mod = types.ModuleType("fake_demo_models")
    mod.FastUser, mod.PostOnly, mod.NoDemo = FastUser, PostOnly, NoDemo
    monkeypatch.setitem(sys.modules, "fake_demo_models", mod)
    monkeypatch.setitem(registry.MODELS, "zz-fast", "fake_demo_models:FastUser")
    monkeypatch.setitem(registry.MODELS, "zz-post", "fake_demo_models:PostOnly")
    monkeypatch.setitem(registry.MODELS, "zz-nodemo", "fake_demo_models:NoDemo")
    monkeypatch.setitem(registry.MODELS, "zz-broken", "fake_demo_models_missing:Nothing")

    default, default_skipped = demo_models()
    default_names = [n for n, _ in default]
    assert default_names[: len(DEMO_BASELINES)] == list(DEMO_BASELINES)
    assert set(default_names[len(DEMO_BASELINES):]) == {n for n in DEMO_HEADLINE if n in registry.MODELS}
    assert "--all-models" in default_skipped["zz-fast"]

    selected, skipped = demo_models(all_models=True)
    names = [n for n, _ in selected]
    assert names[: len(DEMO_BASELINES)] == list(DEMO_BASELINES)
    assert ("zz-fast", {"epochs": 1}) in selected
    assert "zz-post" not in names and "post-level" in skipped["zz-post"]
    assert "zz-nodemo" not in names and "demo_params" in skipped["zz-nodemo"]
    assert "import failed" in skipped["zz-broken"]

    assert demo_models(["zz-fast", "majority"])[0] == [("zz-fast", {"epochs": 1}), ("majority", {})]
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        demo_models(["nope"])
    with pytest.raises(ValueError, match="single posts"):
        demo_models(["zz-post"])


def test_cli_prints_table_and_writes_report(tmp_path):
    from depscreen.cli.demo import demo as demo_command

    cli = typer.Typer()
    cli.callback()(lambda: None)
    cli.command("demo")(demo_command)
    result = CliRunner().invoke(
        cli, ["demo", "--out", str(tmp_path), "--users", "30", "--cv", "2", "--seed", "3",
              "--model", "majority", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    assert "| majority |" in result.output and "not a diagnosis" in result.output
    assert (tmp_path / "report.html").exists()

    bad = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path), "--model", "nope", "--quiet"])
    assert bad.exit_code == 2 and "unknown model" in bad.output
