"""Prevalence estimation on synthetic scores with a known shift (issue 21).

The scores are exact posteriors of two Gaussian classes at the training share, so they
are calibrated to the training population and the screened populations differ from it
only in their share of positives: the setting the adjusted methods and EM are made for.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import norm

from depscreen.population.oof import OutOfFold
from depscreen.population.prevalence import (
    METHODS,
    MissingOutOfFold,
    bootstrap,
    estimate,
    estimate_all,
    estimate_with_interval,
    interval,
    training_prior,
)

SEP, SD = 1.0, 1.2  # class means -SEP / +SEP: ROC-AUC about 0.88, far from separable


def posteriors(x: np.ndarray, prior: float) -> np.ndarray:
    a = prior * norm.pdf(x, SEP, SD)
    b = (1 - prior) * norm.pdf(x, -SEP, SD)
    p = a / (a + b)
    return np.c_[1 - p, p]


def population(rng, n: int, share: float, train_prior: float = 0.5):
    """``n`` items with exactly ``round(share * n)`` positives: labels and calibrated
    (to ``train_prior``) probabilities."""
    y = np.zeros(n, dtype=int)
    y[: int(round(share * n))] = 1
    x = rng.normal(np.where(y == 1, SEP, -SEP), SD)
    return y, posteriors(x, train_prior)


@pytest.fixture(scope="module")
def oof():
    rng = np.random.default_rng(7)
    y, P = population(rng, 3000, 0.5)
    return OutOfFold(classes=[0, 1], y=y, proba=P)


def test_adjusted_methods_and_em_recover_a_known_shift(oof):
    rng = np.random.default_rng(11)
    for share in (0.05, 0.2, 0.8):
        y, P = population(rng, 4000, share)
        decided = (P[:, 1] >= 0.5).astype(int)
        cc = estimate("cc", P, decided=decided)[1]
        pcc = estimate("pcc", P)[1]
        # the naive counts are pulled toward the training share 0.5
        assert abs(cc - share) > 0.07 and abs(pcc - share) > 0.1
        assert (cc - share) * (0.5 - share) > 0
        for m in ("acc", "pacc", "em"):
            est = estimate(m, P, decided=decided, oof=oof)
            assert est.shape == (2,) and est.sum() == pytest.approx(1.0)
            assert abs(est[1] - share) < 0.03, (m, share, est)


def test_em_and_adjustment_match_quapy(oof):
    from quapy.method.aggregative import ACC, EMQ, PACC

    rng = np.random.default_rng(3)
    y, P = population(rng, 1500, 0.15)
    ours = estimate("em", P, oof=oof)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref, _ = EMQ.EM(training_prior(oof), P, epsilon=1e-10)
    assert ours == pytest.approx(ref, abs=1e-5)

    prior = training_prior(oof)
    M = PACC.getPteCondEstim(np.array([0, 1]), oof.y, oof.proba)
    ref_pacc = ACC.solve_adjustment(M, P.mean(axis=0), method="inversion", solver="exact-raise")
    assert estimate("pacc", P, oof=oof)[1] == pytest.approx(np.clip(ref_pacc[1], 0, 1), abs=1e-9)

    oof_labels = (oof.proba / prior).argmax(axis=1)
    test_labels = (P / prior).argmax(axis=1)
    M = ACC.getPteCondEstim(np.array([0, 1]), oof.y, oof_labels)
    ref_acc = ACC.solve_adjustment(M, np.bincount(test_labels, minlength=2) / len(P), method="inversion",
                                   solver="exact-raise")
    assert estimate("acc", P, oof=oof)[1] == pytest.approx(np.clip(ref_acc[1], 0, 1), abs=1e-9)


def test_three_classes_recover_a_known_shift():
    rng = np.random.default_rng(5)
    means = np.array([-2.0, 0.0, 2.0])

    def sample(counts, prior):
        y = np.repeat(np.arange(3), counts)
        x = rng.normal(means[y], 1.0)
        lik = norm.pdf(x[:, None], means[None, :], 1.0) * prior[None, :]
        return y, lik / lik.sum(axis=1, keepdims=True)

    prior = np.array([1 / 3, 1 / 3, 1 / 3])
    y, P = sample([1000, 1000, 1000], prior)
    oof = OutOfFold(classes=["low", "mid", "high"], y=y, proba=P)
    truth = np.array([0.7, 0.2, 0.1])
    _, Pt = sample((truth * 3000).astype(int), prior)
    for m in ("acc", "pacc", "em"):
        est = estimate(m, Pt, oof=oof)
        assert est.sum() == pytest.approx(1.0)
        assert np.abs(est - truth).max() < 0.04, (m, est)
    reps = bootstrap("pacc", Pt, oof=oof, n_boot=30, rng=0)
    assert reps.shape == (30, 3)


def test_intervals_cover_at_the_stated_rate(oof):
    """A seeded simulation: 80 screened populations per method, each with its own
    bootstrap interval; a 95 % interval must hold the true share in most of them (a
    binomial 95 % band around 0.95 for 80 trials reaches down to about 0.90) and must
    not be uselessly wide."""
    rng = np.random.default_rng(2024)
    reps, hits, widths = 80, {m: 0 for m in ("acc", "pacc", "em")}, {m: [] for m in ("acc", "pacc", "em")}
    for r in range(reps):
        share = rng.choice([0.1, 0.3, 0.6])
        y, P = population(rng, 400, share)
        truth = y.mean()
        for m in hits:
            e = estimate_with_interval(m, P, oof=oof, n_boot=200, rng=r)
            hits[m] += e.low[1] <= truth <= e.high[1]
            widths[m].append(e.high[1] - e.low[1])
    for m in hits:
        assert hits[m] / reps >= 0.87, (m, hits[m])
        assert np.mean(widths[m]) < 0.25, (m, np.mean(widths[m]))


def test_the_bootstrap_resamples_the_out_of_fold_scores_too():
    """With few out-of-fold items the error rates are uncertain: the interval that
    resamples them is wider than one that takes them as exact."""
    rng = np.random.default_rng(8)
    y, P = population(rng, 120, 0.5)
    small = OutOfFold(classes=[0, 1], y=y, proba=P)
    _, Pt = population(rng, 3000, 0.2)
    both = interval(bootstrap("acc", Pt, oof=small, n_boot=400, rng=1))
    items_only = interval(bootstrap("acc", Pt, oof=small, n_boot=400, rng=1, resample_oof=False))
    assert (both[1] - both[0])[1] > 1.5 * (items_only[1] - items_only[0])[1]


def test_estimates_are_seeded_and_methods_are_checked(oof):
    rng = np.random.default_rng(1)
    _, P = population(rng, 300, 0.3)
    decided = (P[:, 1] > 0.5).astype(int)
    a = estimate_all(METHODS, P, decided=decided, oof=oof, n_boot=50, seed=4)
    b = estimate_all(["em"], P, oof=oof, n_boot=50, seed=4)
    assert a["em"].low.tolist() == b["em"].low.tolist()
    with pytest.raises(ValueError, match="unknown prevalence method 'median'"):
        estimate("median", P)
    with pytest.raises(MissingOutOfFold, match="retrain"):
        estimate("em", P)
    with pytest.raises(ValueError, match="predicted labels"):
        estimate("cc", P)
    with pytest.raises(ValueError, match="at least one"):
        estimate("pcc", np.zeros((0, 2)))
