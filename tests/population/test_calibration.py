"""population/calibration: maps fitted on out-of-fold probabilities, checked against known miscalibration."""

from __future__ import annotations

import json

import numpy as np
import pytest

from depscreen.evaluate.metrics import calibration_metrics, expected_calibration_error
from depscreen.population.calibration import (
    ISOTONIC_MIN_ITEMS, MIN_CLASS_MEMBERS, MIN_SCALE, TemperatureCalibrator, VectorCalibrator, calibrator_from_state,
    fit_calibrator,
)


def _binary(n, share, rng):
    """True P(positive) from a logistic model, labels drawn from it: calibrated by construction."""
    z = rng.normal(0, 1.5, n) + np.log(share / (1 - share))
    p = 1 / (1 + np.exp(-z))
    y = (rng.random(n) < p).astype(int)
    return p, y


def _distort(p, scale, shift):
    """A known miscalibration on the logit: over-confident (scale > 1) and shifted."""
    z = np.log(p / (1 - p)) * scale + shift
    q = 1 / (1 + np.exp(-z))
    return np.column_stack([1 - q, q])


@pytest.mark.parametrize("method", ["sigmoid", "isotonic", "temperature", "vector", "auto"])
@pytest.mark.parametrize("share", [0.05, 0.3])
def test_calibration_lowers_ece_on_held_out_scores(method, share):
    rng = np.random.default_rng(11)
    p, y = _binary(6000, share, rng)
    raw = _distort(p, 2.5, 1.2)  # over-confident and pushed toward the positive class
    fit = fit_calibrator(raw[:3000], y[:3000], method)
    assert fit.calibrator is not None and fit.note == ""
    held = raw[3000:]
    before = expected_calibration_error(held[:, 1], y[3000:])
    after = expected_calibration_error(fit.transform(held)[:, 1], y[3000:])
    truth = expected_calibration_error(p[3000:], y[3000:])  # what a perfect map reaches (sampling noise)
    assert before > 0.05
    if method == "temperature":  # one number: fixes the confidence, not the shift toward positives
        assert after < before
    else:
        assert after < before / 3 and after < truth + 0.01
    if method != "isotonic":  # a scaling map keeps the ranking
        assert np.array_equal(np.argsort(fit.transform(held)[:, 1], kind="stable"),
                              np.argsort(held[:, 1], kind="stable"))


def test_vector_scaling_undoes_balanced_class_weights_temperature_cannot():
    """Probabilities calibrated to equal class shares (what balanced weights give), on a
    70 / 25 / 5 population: vector scaling restores the shares, temperature cannot."""
    rng = np.random.default_rng(3)
    prior = np.array([0.70, 0.25, 0.05])
    n = 6000
    y = rng.choice(3, n, p=prior)
    means = np.eye(3) * 1.5
    x = means[y] + rng.normal(0, 1, (n, 3))
    lik = np.exp(-0.5 * ((x[:, None, :] - means[None]) ** 2).sum(-1))
    true = lik * prior / (lik * prior).sum(1, keepdims=True)
    balanced = lik / lik.sum(1, keepdims=True)  # the same evidence with equal shares
    tr, te = slice(0, 3000), slice(3000, None)
    vec = fit_calibrator(balanced[tr], y[tr], "auto")
    assert vec.method == "vector"
    temp = TemperatureCalibrator().fit(balanced[tr], y[tr])
    share = np.bincount(y[te], minlength=3) / len(y[te])
    assert np.abs(vec.transform(balanced[te]).mean(0) - share).max() < 0.02
    assert np.abs(temp.transform(balanced[te]).mean(0) - share).max() > 0.1
    ll = {name: calibration_metrics(P, y[te])[0]["log_loss"]
          for name, P in [("raw", balanced[te]), ("vector", vec.transform(balanced[te])), ("true", true[te])]}
    assert ll["vector"] < ll["raw"] and ll["vector"] < ll["true"] + 0.02


def test_state_is_json_and_rebuilds_the_same_map():
    rng = np.random.default_rng(5)
    p, y = _binary(2500, 0.2, rng)
    raw = _distort(p, 0.5, -0.5)
    for method in ("sigmoid", "isotonic", "temperature", "vector"):
        cal = fit_calibrator(raw, y, method).calibrator
        state = json.loads(json.dumps(cal.get_state()))
        again = calibrator_from_state(state)
        np.testing.assert_allclose(again.transform(raw), cal.transform(raw))
        assert np.allclose(cal.transform(raw).sum(1), 1.0)
    with pytest.raises(ValueError, match="unknown calibration method"):
        calibrator_from_state({"method": "pickle"})


def test_thin_data_falls_back_and_says_why():
    rng = np.random.default_rng(0)
    p, y = _binary(200, 0.3, rng)
    y[:] = 0
    y[: MIN_CLASS_MEMBERS - 1] = 1
    fit = fit_calibrator(_distort(p, 2, 0), y, "auto", classes=np.array(["control", "depressed"]))
    assert fit.calibrator is None and fit.method is None
    assert "'depressed'" in fit.note and f"{MIN_CLASS_MEMBERS - 1} out-of-fold" in fit.note
    np.testing.assert_allclose(fit.transform(_distort(p, 2, 0)), _distort(p, 2, 0))  # left as it was
    none = fit_calibrator(None, None, "auto")
    assert none.calibrator is None and "no out-of-fold" in none.note
    p, y = _binary(ISOTONIC_MIN_ITEMS - 1, 0.3, rng)
    iso = fit_calibrator(_distort(p, 2, 0), y, "isotonic")
    assert iso.method == "sigmoid" and "isotonic" in iso.note
    with pytest.raises(ValueError, match="calibration must be one of"):
        fit_calibrator(_distort(p, 2, 0), y, "platt")


def test_scales_never_reverse_the_ranking():
    rng = np.random.default_rng(9)
    p, y = _binary(1000, 0.4, rng)
    reversed_scores = _distort(1 - p, 1, 0)  # anti-correlated with the labels
    cal = VectorCalibrator().fit(reversed_scores, y)
    assert np.all(cal.coef_ >= 0)
    with pytest.warns(RuntimeWarning, match="barely rank"):
        flat = fit_calibrator(reversed_scores, y, "sigmoid")  # the best non-reversing map is a constant
    assert flat.calibrator.coef_[0] >= 0 and "no held-out signal" in flat.note


def test_scores_that_do_not_rank_are_calibrated_to_one_value_and_the_note_says_so():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 300)
    noise = rng.uniform(0.4, 0.5, 300)  # out-of-fold probabilities that do not rank: a small training set
    with pytest.warns(RuntimeWarning, match="no held-out signal"):
        fit = fit_calibrator(np.column_stack([1 - noise, noise]), y, "auto")
    assert fit.method == "sigmoid" and f"< {MIN_SCALE}" in fit.note
    assert np.ptp(fit.transform(np.column_stack([1 - noise, noise]))[:, 1]) < 0.05
    p, y = _binary(300, 0.3, rng)  # the same size with a ranking: calibrated, no note
    ranked = fit_calibrator(_distort(p, 2, 0.5), y, "auto")
    assert ranked.calibrator.coef_[0] > MIN_SCALE and ranked.note == ""
