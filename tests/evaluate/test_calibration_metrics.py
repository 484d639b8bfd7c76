"""evaluate/metrics: Brier, ECE (named bins), log-loss and the reliability tables behind the diagram."""

from __future__ import annotations

import numpy as np
import pytest

from depscreen.evaluate.diagnostics_plots import plot_reliability
from depscreen.evaluate.metrics import (
    ECE_BINS, compute_metrics, ece_from_bins, expected_calibration_error, metric_label, reliability_bins,
    sum_reliability,
)


def test_ece_by_hand_and_bins_add_over_folds():
    scores = np.array([0.05, 0.15, 0.15, 0.95, 0.95, 0.95, 0.95])
    hits = np.array([0, 0, 1, 1, 1, 1, 0])
    # bins: [0, .1): one item, score .05, no hit; [.1, .2): two items, mean .15, share .5; [.9, 1]: four, .95 vs .75
    expected = (1 * 0.05 + 2 * 0.35 + 4 * 0.20) / 7
    assert expected_calibration_error(scores, hits) == pytest.approx(expected)
    whole = reliability_bins(scores, hits)
    parts = sum_reliability([reliability_bins(scores[:3], hits[:3]), reliability_bins(scores[3:], hits[3:])])
    assert parts["count"] == whole["count"] and ece_from_bins(parts) == pytest.approx(expected)
    assert whole["bins"] == ECE_BINS and str(ECE_BINS) in metric_label("ece")


def test_compute_metrics_reports_calibration_for_binary_and_levels():
    y = [0, 0, 1, 1]
    good = compute_metrics(y, y, proba=[[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.1, 0.9]], classes=[0, 1], task="binary")
    bad = compute_metrics(y, y, proba=[[0.51, 0.49], [0.51, 0.49], [0.49, 0.51], [0.49, 0.51]], classes=[0, 1],
                          task="binary")
    assert good.values["brier"] < bad.values["brier"] and good.values["log_loss"] < bad.values["log_loss"]
    assert good.values["ece"] < bad.values["ece"] and good.reliability["kind"] == "positive"
    assert "reliability" in good.to_dict()
    P = np.eye(3)[[0, 1, 1]] * 0.9 + 0.1 / 3  # the last item (level 2) is put at level 1
    levels = compute_metrics([0, 1, 2], [0, 1, 1], proba=P, classes=[0, 1, 2], task="ordinal")
    assert levels.reliability["kind"] == "top-label"
    a, b = 0.9 + 0.1 / 3, 0.1 / 3  # right rows: (1 - a)^2 + 2 b^2; the wrong row: b^2 + a^2 + (1 - b)^2
    assert levels.values["brier"] == pytest.approx((2 * ((1 - a) ** 2 + 2 * b ** 2) + b ** 2 + a ** 2 + (1 - b) ** 2) / 3)
    assert levels.values["log_loss"] == pytest.approx(-(2 * np.log(a) + np.log(b)) / 3)
    none = compute_metrics(y, y, classes=[0, 1], task="binary")
    assert np.isnan(none.values["ece"]) and any("need predict_proba" in n for n in none.notes)


def test_reliability_png(tmp_path):
    rng = np.random.default_rng(0)
    s = rng.random(500)
    table = reliability_bins(s, rng.random(500) < s)
    path = plot_reliability({"model": table}, tmp_path / "rel.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
