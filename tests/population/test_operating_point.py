"""Operating points: parsing, choosing on out-of-fold scores, held-out behaviour, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from depscreen.population.oof import OutOfFold
from depscreen.population.operating_point import (
    ChosenPoint,
    OperatingPoint,
    OperatingPointError,
    choose_point,
)


# ------------------------------------------------------------------------- synthetic scores
def _binary(n_pos: int, n_neg: int, seed: int, shift: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    """Labels and a (K=2) probability matrix from a known score distribution: logits
    N(0, 1) for non-cases and N(shift, 1) for cases."""
    rng = np.random.default_rng(seed)
    y = np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)]
    p = 1 / (1 + np.exp(-(rng.normal(size=len(y)) + shift * y - 0.5)))
    return y, np.c_[1 - p, p]


def _levels(n: int, seed: int, K: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Ordered levels 0..K-1 and probabilities from a noisy proportional-odds model."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, size=n)
    latent = y + rng.normal(scale=1.0, size=n)
    cuts = np.arange(K - 1) + 0.5
    cum = 1 / (1 + np.exp(-(latent[:, None] - cuts[None, :]) * 1.5))  # P(level > j)
    upper = np.c_[np.ones(n), cum]
    lower = np.c_[cum, np.zeros(n)]
    return y, np.clip(upper - lower, 1e-9, None)


# ------------------------------------------------------------------------- parsing
@pytest.mark.parametrize("text, kind, value, level", [
    ("sensitivity=0.90", "sensitivity", 0.9, None),
    ("Specificity = 0.95", "specificity", 0.95, None),
    ("threshold=0.3", "threshold", 0.3, None),
    ("f1_macro", "f1_macro", None, None),
    ("model", "model", None, None),
    ("sensitivity=90%@2", "sensitivity", 0.9, "2"),
    ("f1_macro@severe", "f1_macro", None, "severe"),
])
def test_parse_reads_every_kind(text, kind, value, level):
    point = OperatingPoint.parse(text)
    assert (point.kind, point.level) == (kind, level)
    assert point.value == pytest.approx(value) if value is not None else point.value is None
    assert OperatingPoint.parse(str(point)) == point


@pytest.mark.parametrize("text, words", [
    ("sensitvity=0.9", "did you mean 'sensitivity'"),
    ("sensitivity", "needs a value"),
    ("sensitivity=high", "not a number"),
    ("sensitivity=90", "write 0.9"),
    ("specificity=0", "above 0"),
    ("threshold=1.2", "between 0 and 1"),
    ("f1_macro=0.5", "takes no value"),
    ("model@2", "takes no level"),
    ("sensitivity=0.9@", "nothing after '@'"),
    ("", "cannot read"),
])
def test_parse_refuses_bad_syntax_with_a_clear_message(text, words):
    with pytest.raises(OperatingPointError, match=words.replace("(", r"\(")):
        OperatingPoint.parse(text)


# ------------------------------------------------------------------------- choosing
@pytest.mark.parametrize("target", [0.8, 0.9, 0.95])
def test_sensitivity_threshold_is_in_the_gap_below_the_mth_case(target):
    y, proba = _binary(400, 900, seed=1)
    point = choose_point(f"sensitivity={target}", [0, 1], OutOfFold([0, 1], y, proba))
    s = proba[:, 1]
    cases = np.sort(s[y == 1])[::-1]
    m = math.ceil(target * len(cases))
    c_m = cases[m - 1]
    # c_m is the largest threshold with out-of-fold sensitivity >= target: just above it, too few are caught
    assert np.mean(s[y == 1] >= c_m) >= target
    assert np.mean(s[y == 1] >= np.nextafter(c_m, 1)) < target
    # the chosen threshold sits between c_m and the next lower score of any item
    assert point.threshold <= c_m
    assert point.threshold > s[s < c_m].max()
    assert point.oof["sensitivity"] == pytest.approx(m / len(cases))
    assert point.oof["sensitivity"] >= target


def test_specificity_threshold_leaves_the_requested_share_of_non_cases_unflagged():
    y, proba = _binary(300, 700, seed=2)
    point = choose_point("specificity=0.95", [0, 1], OutOfFold([0, 1], y, proba))
    s = proba[:, 1]
    assert np.mean(s[y == 0] < point.threshold) >= 0.95
    assert point.oof["specificity"] == pytest.approx(math.ceil(0.95 * 700) / 700)
    assert point.oof["tp"] + point.oof["fn"] == 300 and point.oof["fp"] + point.oof["tn"] == 700


@pytest.mark.parametrize("kind, target", [("sensitivity", 0.9), ("specificity", 0.9), ("sensitivity", 0.8)])
def test_requested_rate_is_met_on_held_out_synthetic_folds(kind, target):
    """Chosen on one sample's out-of-fold scores, the rate holds on five new samples of
    the same population. Each held-out rate has a sampling SD of sqrt(t(1-t)/n) and the
    threshold's own estimate about as much again, so a fold may miss by
    3 * sqrt(2 t (1-t) / n) (0.026 for t = 0.9, n = 800) and the mean of five folds by
    3 * sqrt(t (1-t) / n * (1 + 1/5)) (0.019)."""
    n = 800
    y, proba = _binary(n, n, seed=10)
    point = choose_point(f"{kind}={target}", [0, 1], OutOfFold([0, 1], y, proba))
    rates = []
    for seed in range(11, 16):
        yt, pt = _binary(n, n, seed=seed)
        flagged = point.flag(pt)
        rates.append(flagged[yt == 1].mean() if kind == "sensitivity" else (~flagged[yt == 0]).mean())
    fold_tol = 3 * math.sqrt(2 * target * (1 - target) / n)
    mean_tol = 3 * math.sqrt(target * (1 - target) / n * (1 + 1 / 5))
    assert all(abs(r - target) <= fold_tol for r in rates), rates
    assert abs(np.mean(rates) - target) <= mean_tol, rates


def test_threshold_and_f1_macro_points():
    from depscreen.population.decision import best_threshold

    y, proba = _binary(200, 600, seed=3)
    oof = OutOfFold([0, 1], y, proba)
    fixed = choose_point("threshold=0.5", [0, 1], oof)
    assert fixed.threshold == 0.5
    assert fixed.oof["sensitivity"] == pytest.approx(np.mean(proba[y == 1, 1] >= 0.5))
    f1 = choose_point("f1_macro", [0, 1], oof)
    assert f1.threshold == pytest.approx(best_threshold(proba[:, 1], y == 1, "f1_macro")[0])
    assert choose_point("model", [0, 1], oof) is None


# ------------------------------------------------------------------------- cannot reach
def test_unreachable_sensitivity_names_the_closest_reachable_point():
    # the lowest-scored training item is a case: catching every case flags every item
    y = np.array([1, 0, 0, 1, 1, 0, 1])
    s = np.array([0.05, 0.1, 0.2, 0.6, 0.7, 0.3, 0.9])
    oof = OutOfFold([0, 1], y, np.c_[1 - s, s])
    with pytest.raises(OperatingPointError) as err:
        choose_point("sensitivity=1.0", [0, 1], oof)
    message = str(err.value)
    assert "cannot be reached" in message and "flag every training item" in message
    assert "closest reachable point is sensitivity=0.750" in message  # 3 of 4 cases score above 0.05
    assert "\n" not in message


def test_unreachable_specificity_and_out_of_range_threshold():
    y = np.array([0, 1, 0, 1, 0])
    s = np.array([0.95, 0.8, 0.1, 0.6, 0.3])
    oof = OutOfFold([0, 1], y, np.c_[1 - s, s])
    with pytest.raises(OperatingPointError, match=r"flag no training item; the closest reachable point is specificity=0\.667"):
        choose_point("specificity=1", [0, 1], oof)
    with pytest.raises(OperatingPointError, match="flags no training item"):
        choose_point("threshold=0.99", [0, 1], oof)


def test_model_without_out_of_fold_scores_is_told_to_retrain():
    with pytest.raises(OperatingPointError, match="retrain"):
        choose_point("sensitivity=0.9", [0, 1], None)
    point = choose_point("threshold=0.4", [0, 1], None)  # needs no out-of-fold scores
    assert point.threshold == 0.4 and point.oof is None


# ------------------------------------------------------------------------- levels
def test_ordered_levels_use_level_or_above():
    y, proba = _levels(1500, seed=4)
    oof = OutOfFold(list(range(5)), y, proba)
    point = choose_point("sensitivity=0.9@3", list(range(5)), oof)
    assert point.ordered and point.cases == [3, 4] and point.level == 3
    score = proba[:, 3:].sum(axis=1)
    assert np.array_equal(point.flag(proba), score >= point.threshold)
    assert np.mean(score[y >= 3] >= point.threshold) >= 0.9
    assert point.oof["n_cases"] == int(np.sum(y >= 3))
    # held out: the "3 or above" sensitivity holds on a new sample
    yt, pt = _levels(1500, seed=5)
    caught = point.flag(pt)[yt >= 3].mean()
    assert abs(caught - 0.9) <= 3 * math.sqrt(2 * 0.09 / np.sum(yt >= 3))


def test_ordered_labels_move_to_the_side_the_point_decides():
    classes = [0, 1, 2, 3, 4]
    point = ChosenPoint("threshold=0.3@2", "threshold", 0.3, classes, [2, 3, 4], 2, True, 0.3)
    proba = np.array([
        [0.6, 0.2, 0.1, 0.05, 0.05],   # P(>=2) = 0.2: not flagged, model says 0 -> stays 0
        [0.3, 0.35, 0.2, 0.1, 0.05],   # P(>=2) = 0.35: flagged, model says 1 -> moved up to 2
        [0.1, 0.1, 0.2, 0.3, 0.3],     # flagged, model says 4 -> stays 4
        [0.4, 0.35, 0.05, 0.1, 0.1],   # P(>=2) = 0.25: not flagged, model says 3 -> moved down to 1
    ])
    labels = point.decide(proba, [0, 1, 4, 3])
    assert labels.tolist() == [0, 2, 4, 1]


def test_level_errors_are_clear():
    y, proba = _levels(300, seed=6)
    oof = OutOfFold(list(range(5)), y, proba)
    with pytest.raises(OperatingPointError, match=r"name the cases with @LEVEL .*sensitivity=0.9@1"):
        choose_point("sensitivity=0.9", list(range(5)), oof)
    with pytest.raises(OperatingPointError, match="'0 or above' is every item"):
        choose_point("sensitivity=0.9@0", list(range(5)), oof)
    with pytest.raises(OperatingPointError, match="level 'moderate' is not a class of this model; its classes are 0, 1"):
        choose_point("sensitivity=0.9@moderate", list(range(5)), oof)
    with pytest.raises(OperatingPointError, match="positive class '1'"):
        choose_point("sensitivity=0.9@0", [0, 1], OutOfFold([0, 1], *_binary(20, 20, seed=1)))


def test_named_classes_take_one_class_against_the_rest():
    rng = np.random.default_rng(7)
    classes = ["anger", "joy", "sadness"]
    y = rng.integers(0, 3, size=600)
    logits = rng.normal(size=(600, 3)) + 2.0 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    point = choose_point("sensitivity=0.85@sadness", classes, OutOfFold(classes, y, proba))
    assert not point.ordered and point.cases == ["sadness"]
    assert point.oof["sensitivity"] >= 0.85
    labels = point.decide(proba, np.asarray(classes)[proba.argmax(axis=1)])
    assert np.array_equal(labels == "sadness", point.flag(proba))


def test_chosen_point_round_trips_through_json():
    import json

    y, proba = _levels(400, seed=8)
    point = choose_point("specificity=0.8@2", list(range(5)), OutOfFold(list(range(5)), y, proba))
    back = ChosenPoint.from_dict(json.loads(json.dumps(point.to_dict())))
    assert back == point
    assert np.array_equal(back.flag(proba), point.flag(proba))
    with pytest.raises(OperatingPointError, match="choose it again"):
        ChosenPoint.from_dict({"spec": "x"})


def test_regression_labels_take_no_point():
    from depscreen.population.operating_point import cases_for

    with pytest.raises(OperatingPointError, match="for classifiers"):
        cases_for(OperatingPoint.parse("sensitivity=0.9"), [0.5, 1.5, 2.25])


def test_the_models_own_rule_applies_to_a_regression_model_too():
    from depscreen.population.operating_point import OperatingPointError, choose_for_model

    class Regressor:  # fitted, no classes_: a score, not a label
        oof_ = None

    assert choose_for_model("model", Regressor()) is None
    with pytest.raises(OperatingPointError, match="operating points are for classifiers"):
        choose_for_model("sensitivity=0.9", Regressor())
