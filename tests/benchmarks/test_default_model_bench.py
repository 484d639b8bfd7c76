"""benchmarks/default_model.py: metrics and the paired verdict (no data sets needed)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import default_model as dm  # noqa: E402


def test_fast_metrics_match_scikit_learn():
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    classes = np.asarray([0, 1, 2])
    assert dm.metric("f1_macro", y, p, None, classes) == pytest.approx(f1_score(y, p, average="macro"))
    assert dm.metric("mae", y, p, None, classes) == pytest.approx(np.abs(y - p).mean())
    yb, pb = y % 2, p % 2
    assert dm.metric("f1", yb, pb, None, np.asarray([0, 1])) == pytest.approx(f1_score(yb, pb))


def test_paired_bootstrap_verdicts():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    good = np.where(rng.random(400) < 0.95, y, 1 - y)
    bad = np.where(rng.random(400) < 0.70, y, 1 - y)
    classes = np.asarray([0, 1])
    win = dm.paired_bootstrap(y, [good], [bad], [None], [None], "f1_macro", True, classes, seed=0)
    assert win["verdict"] == "win" and win["ci95"][0] > 0
    loss = dm.paired_bootstrap(y, [bad], [good], [None], [None], "f1_macro", True, classes, seed=0)
    assert loss["verdict"] == "loss"
    tie = dm.paired_bootstrap(y, [good], [good], [None], [None], "f1_macro", True, classes, seed=0)
    assert tie["verdict"] == "tie" and tie["diff"] == 0
    # lower is better (MAE): the more accurate model wins
    mae = dm.paired_bootstrap(y, [good], [bad], [None], [None], "mae", False, classes, seed=0)
    assert mae["verdict"] == "win" and mae["diff"] < 0
    counts = dm.sign_counts([0.5, 0.6, 0.7], [0.6, 0.6, 0.6], higher=True)
    assert counts == {"better": 1, "worse": 1, "equal": 1}
