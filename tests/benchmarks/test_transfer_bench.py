"""benchmarks/transfer.py: the quick path on synthetic data end to end (md and json agree),
and the pieces the verdicts rest on (resampling to a case mix, ECE, the paired tests)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import _peers  # noqa: E402
import transfer  # noqa: E402


class _FakeUse:
    """Deterministic stand-in for USE vectors (no model load in a unit test)."""

    def embed(self, texts):
        return np.asarray([[t.count("a") / 10, len(t) / 100, t.count(" ") / 20, 1.0] for t in texts], dtype=np.float32)


@pytest.fixture
def light_systems(monkeypatch):
    """The benchmark's systems with depscreen-default on TF-IDF alone (no embedder to
    load) and the USE peer on fake vectors; everything else as the script builds it."""
    from depscreen.models.default import DefaultClassifier

    monkeypatch.setattr(_peers, "use_embedder", lambda cache_dir=None: _FakeUse())
    real = transfer.make_systems

    def systems(zh, binary, seed, uncalibrated=False):
        out = real(zh, binary, seed, uncalibrated)
        out[transfer.CLAIM] = lambda: DefaultClassifier(embedder=None, cache_dir=None)
        if transfer.UNCAL in out:
            out[transfer.UNCAL] = lambda: DefaultClassifier(embedder=None, cache_dir=None,
                                                            **transfer.uncalibrated_params())
        return out

    monkeypatch.setattr(transfer, "make_systems", systems)


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w.])-?\d+\.\d{3}(?!\d)", text))


def _json_numbers(obj, out: set[str]) -> set[str]:
    if isinstance(obj, dict):
        for v in obj.values():
            _json_numbers(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _json_numbers(v, out)
    elif isinstance(obj, float) and obj == obj:
        for v in (obj, -obj, abs(obj)):
            out.add(f"{v:.3f}")
            out.add(f"{v:+.3f}".lstrip("+"))
    elif isinstance(obj, str):
        out |= _numbers(obj)
    return out


def test_quick_synthetic_run_writes_agreeing_md_and_json(tmp_path, light_systems):
    assert transfer.main(["--synthetic", "--quick", "--results-dir", str(tmp_path)]) == 0
    md = (tmp_path / "transfer.md").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "transfer.json").read_text(encoding="utf-8"))
    assert data["synthetic"] is True and "Synthetic data only" in md
    summary = md.split("## Summary", 1)[1].split("\n## ", 1)[0]
    bullets = [line for line in summary.splitlines() if line.startswith("- ")]
    assert bullets and all(line.startswith("- synthetic data:") for line in bullets)
    # every 3-decimal number in the markdown comes from the json
    missing = _numbers(md) - _json_numbers(data, set())
    assert not missing, sorted(missing)[:10]
    # every family's verdicts: one per (setting, metric, other system), Holm over all of them
    for fam in ("cross", "binary_mix", "level_mix"):
        tests = data[fam]["tests"]
        assert data[fam]["comparisons"] == len(tests) > 0
        assert {t["verdict"] for t in tests} <= {"win", "tie", "loss"}
        assert all(t["holm_p"] >= t["p_two_sided"] - 1e-12 for t in tests)
        assert f"{data[fam]['comparisons']} comparisons" in md
    systems = data["cross"]["pairs"]["synthetic-a -> synthetic-b"]["systems"]
    assert {"word-lr+tuned", "word+char-lr+tuned", "use-lr+tuned"} <= set(systems)
    assert all("+tuned" not in m for m in data["level_mix"]["sets"]["synthetic-levels"]["mixes"]["as sampled"]["systems"])
    mixes = data["binary_mix"]["sets"]["synthetic-a"]["mixes"]
    assert set(mixes) == {"as sampled", *(f"positive share {s:g}" for s in transfer.SHARES)}
    for s in transfer.SHARES:
        assert mixes[f"positive share {s:g}"]["shares"][1] == pytest.approx(s, abs=0.02)
    sens = data["binary_mix"]["sets"]["synthetic-a"]["requested_sensitivity"]
    assert len(sens["per_fold_sensitivity"]) == 3 and set(data["targets"]) >= {"ece", "sensitivity", "cross_dataset"}


def test_resampled_folds_reach_the_requested_mix():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(70, int), np.ones(30, int)]
    tests = [np.arange(0, 100, 2), np.arange(1, 100, 2)]
    idx = transfer.resample_folds(y, tests, np.asarray([0.9, 0.1]), rng)
    assert len(idx) == 100 and y[idx].mean() == pytest.approx(0.1)
    assert set(idx[y[idx] == 1]) <= set(np.flatnonzero(y == 1))
    shares = transfer.level_shares(np.asarray([50, 30, 20]), -1, 0.5)
    assert shares == pytest.approx([0.3125, 0.1875, 0.5])


def test_ece_is_zero_when_calibrated_and_large_when_not():
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 20000)
    y = (rng.uniform(0, 1, 20000) < p).astype(int)
    proba = np.c_[1 - p, p]
    assert transfer.ece(y, proba, True) < 0.02
    squashed = np.c_[1 - p**3, p**3]  # systematically too low
    assert transfer.ece(y, squashed, True) > 0.15
    assert transfer.brier(y, proba) < transfer.brier(y, squashed)


def test_paired_tests_find_a_clear_loss_and_holm_counts_every_comparison():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 400)
    good = np.where(rng.uniform(size=400) < 0.9, y, 1 - y)
    bad = np.where(rng.uniform(size=400) < 0.6, y, 1 - y)
    tests = transfer.paired_tests(y, {transfer.CLAIM: bad, "peer-a": good, "peer-b": bad.copy()},
                                  np.asarray([0, 1]), [("f1_macro", True)], 3, 500, "s")
    assert transfer.set_verdicts(tests) == 2
    verdicts = {t["peer"]: t["verdict"] for t in tests}
    assert verdicts == {"peer-a": "loss", "peer-b": "tie"}


def test_tuned_peer_labels_come_from_its_tuned_threshold(monkeypatch):
    """The harness takes a TunedThresholdClassifierCV peer's labels from its own tuned
    threshold, not from the most probable class."""
    from depscreen.corpus.synthetic import make_sample_posts

    monkeypatch.setattr(_peers, "use_embedder", lambda cache_dir=None: _FakeUse())
    X, _, y = _peers.samples(make_sample_posts(n=160, langs=("en",), seed=5, positive_share=0.3))
    thresholds = []
    factories = {"word-lr+tuned": _peers.make_tuned_peers(cv=3)["word-lr+tuned"]}
    folds = _peers.seeded_folds(y, 2, 1, 7)
    oof = _peers.cross_val_oof(factories, X, y, folds, ["f1_macro"],
                               on_fit=lambda m, model: thresholds.append(model.best_threshold_))
    for (_, te), t in zip(folds[0], thresholds):
        expected = (oof.proba["word-lr+tuned"][0][te, 1] >= t).astype(int)
        assert np.array_equal(oof.pred["word-lr+tuned"][0][te], expected)
