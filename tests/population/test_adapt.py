"""Prior adaptation: re-weighting calibrated probabilities to an estimated share."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from depscreen.population.adapt import MIN_ITEMS, adapt, reweight
from depscreen.population.oof import OutOfFold


def _calibrated(rng, y, prior):
    x = rng.normal(np.where(y == 1, 1.0, -1.0), 1.0)
    a, b = prior * norm.pdf(x, 1.0), (1 - prior) * norm.pdf(x, -1.0)
    return np.c_[b / (a + b), a / (a + b)]


def test_reweight_is_bayes_rule_for_a_new_share():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.1).astype(int)
    x = rng.normal(np.where(y == 1, 1.0, -1.0), 1.0)
    at_half = np.c_[norm.pdf(x, -1.0), norm.pdf(x, 1.0)]
    at_half /= at_half.sum(axis=1, keepdims=True)
    a, b = 0.1 * norm.pdf(x, 1.0), 0.9 * norm.pdf(x, -1.0)
    exact = a / (a + b)
    moved = reweight(at_half, np.array([0.5, 0.5]), np.array([0.9, 0.1]))
    assert moved[:, 1] == pytest.approx(exact, abs=1e-12)
    assert moved.sum(axis=1) == pytest.approx(np.ones(len(x)))


def test_adapt_estimates_the_share_and_improves_accuracy_under_a_pure_prior_shift():
    rng = np.random.default_rng(1)
    y_tr = (rng.random(3000) < 0.5).astype(int)
    oof = OutOfFold(classes=[0, 1], y=y_tr, proba=_calibrated(rng, y_tr, 0.5))
    y = (rng.random(3000) < 0.08).astype(int)
    P = _calibrated(rng, y, 0.5)
    moved, record = adapt(P, oof)
    assert abs(record.shares[1] - y.mean()) < 0.03
    assert record.train_shares.tolist() == pytest.approx([0.5, 0.5], abs=0.02)
    acc_before = ((P[:, 1] >= 0.5) == y).mean()
    acc_after = ((moved[:, 1] >= 0.5) == y).mean()
    assert acc_after > acc_before + 0.05
    d = record.to_dict()
    assert set(d) >= {"method", "train_shares", "estimated_shares", "n_items", "warnings"}


def test_adapt_warns_on_few_items_and_needs_out_of_fold_scores():
    rng = np.random.default_rng(2)
    y_tr = (rng.random(500) < 0.5).astype(int)
    oof = OutOfFold(classes=[0, 1], y=y_tr, proba=_calibrated(rng, y_tr, 0.5))
    P = _calibrated(rng, np.zeros(MIN_ITEMS - 1, dtype=int), 0.5)
    _, record = adapt(P, oof)
    assert record.warnings and f"fewer than {MIN_ITEMS}" in record.warnings[0]
    with pytest.raises(ValueError, match="retrain"):
        adapt(P, None)
