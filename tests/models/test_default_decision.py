"""depscreen-default's decision rule: chosen on inner out-of-fold probabilities only."""

from __future__ import annotations

import json

import numpy as np
import pytest

from depscreen.models.base import load_model
from depscreen.population.decision import (
    apply_cutpoints, apply_rule, best_threshold, choose_rule, cost_levels, median_level, ordinal_cutpoints,
    ordinal_metric,
)
from depscreen.models.default import DefaultClassifier

SAD = ["so tired and sad all the time", "i feel empty and hopeless", "cannot sleep again, crying",
       "nothing matters, i am so alone", "everything hurts and i am tired"]
FINE = ["great match today with friends", "lovely dinner out tonight", "fun party, great music",
        "sunny walk by the river", "new recipe turned out well"]
MID = ["a bit low today but ok", "meh week, tired but fine", "work was hard, feeling flat",
       "not great, not terrible", "slow day, bit down"]


def _value_at(scores, y, t, metric):
    """F1 of the positive class, or macro-F1, of predicting positive when score >= t."""
    pred = scores >= t
    f1s = []
    for cls in (True, False):
        tp = np.sum((pred == cls) & (y == cls))
        wrong = np.sum(pred != y)
        f1s.append(2 * tp / max(2 * tp + wrong, 1))
    return f1s[0] if metric == "f1" else float(np.mean(f1s))


@pytest.mark.parametrize("metric", ["f1", "f1_macro"])
def test_best_threshold_matches_a_brute_force_search(metric):
    rng = np.random.default_rng(3)
    y = (rng.random(300) < 0.2).astype(int)
    scores = np.round(np.clip(0.25 * y + rng.normal(0.4, 0.2, 300), 0, 1), 2)  # ties included
    t, value = best_threshold(scores, y, metric)
    assert value == pytest.approx(max(_value_at(scores, y == 1, c, metric) for c in np.unique(scores)))
    assert _value_at(scores, y == 1, t, metric) == pytest.approx(value)  # the returned cut reaches it
    with pytest.raises(ValueError, match="both classes"):
        best_threshold(scores, np.zeros(300), metric)


def test_ordinal_cutpoints_never_worse_than_rounding_and_stay_ordered():
    rng = np.random.default_rng(5)
    levels = np.arange(5.0)
    y = rng.choice(5, 400, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    values = np.clip(0.6 * y + 0.8 + rng.normal(0, 0.7, 400), 0, 4)  # squeezed toward the middle
    rounded = apply_cutpoints(values, (levels[:-1] + levels[1:]) / 2)
    for metric in ("macro_mae", "mae", "f1_macro"):
        cuts, value = ordinal_cutpoints(values, y, levels, metric)
        assert np.all(np.diff(cuts) >= 0) and len(cuts) == 4
        assert value == pytest.approx(ordinal_metric(y, apply_cutpoints(values, cuts), levels, metric))
        assert value >= ordinal_metric(y, rounded, levels, metric)
    cuts, _ = ordinal_cutpoints(values, y, levels, "macro_mae")
    assert ordinal_metric(y, apply_cutpoints(values, cuts), levels, "macro_mae") > ordinal_metric(
        y, rounded, levels, "macro_mae")  # the squeeze is undone


def test_median_level_has_the_least_expected_absolute_error():
    rng = np.random.default_rng(7)
    proba = rng.dirichlet(np.full(5, 0.7), 200)
    levels = np.arange(5.0)
    expected_error = np.abs(levels[:, None] - levels[None, :]) @ proba.T  # (candidate, row)
    best = expected_error.min(axis=0)
    assert np.allclose(expected_error[median_level(proba), np.arange(200)], best)
    assert median_level(np.array([[0.5, 0.0, 0.5], [0.1, 0.2, 0.7]])).tolist() == [0, 2]


def test_ordinal_metric_values():
    y, pred, levels = np.array([0, 0, 0, 2]), np.array([0, 0, 1, 0]), [0, 1, 2]
    assert ordinal_metric(y, pred, levels, "mae") == pytest.approx(-(1 + 2) / 4)
    assert ordinal_metric(y, pred, levels, "macro_mae") == pytest.approx(-(1 / 3 + 2) / 2)
    with pytest.raises(ValueError, match="unknown ordinal"):
        ordinal_metric(y, pred, levels, "auc")


def test_binary_threshold_chosen_on_out_of_fold_probabilities_only():
    rng = np.random.default_rng(0)
    words = sorted({w for t in SAD + FINE + MID for w in t.replace(",", "").split()})
    X = [" ".join(rng.choice(words, 8)) for _ in range(60)]
    y = rng.integers(0, 2, 60)  # labels unrelated to the text: only memorising fits them
    model = DefaultClassifier(embedder=None, Cs=(30.0,), calibration=None).fit(X, y)
    rule = model.decision_
    assert rule["rule"] == "threshold" and rule["metric"] == "f1_macro" and rule["positive"] == 1
    proba = model.predict_proba(X)
    _, in_sample_f1 = best_threshold(proba[:, 1], y, "f1_macro")
    assert in_sample_f1 > 0.95  # on its own training predictions the model looks perfect ...
    assert rule["oof_value"] < 0.85  # ... the rule was chosen on held-out predictions
    assert np.array_equal(model.predict(X), np.where(proba[:, 1] >= rule["threshold"], 1, 0))
    # calibrated on the same held-out predictions, the memorised scores say (nearly) nothing
    calibrated = DefaultClassifier(embedder=None, Cs=(30.0,)).fit(X, y).predict_proba(X)[:, 1]
    assert calibrated.std() < 0.5 * proba[:, 1].std()
    assert abs(calibrated.mean() - y.mean()) < 0.1


def test_threshold_rule_on_an_imbalanced_set_and_argmax_on_request():
    X = SAD[:3] * 3 + FINE * 6 + MID * 3
    y = [1] * 9 + [0] * 45
    auto = DefaultClassifier(embedder=None, Cs=(3.0,)).fit(X, y)
    plain = DefaultClassifier(embedder=None, Cs=(3.0,), decision_metric="argmax").fit(X, y)
    assert auto.decision_["rule"] == "threshold" and plain.decision_ == {"rule": "argmax"}
    assert np.array_equal(plain.predict(X), plain.predict_proba(X).argmax(1))
    positive = DefaultClassifier(embedder=None, Cs=(3.0,), decision_metric="f1").fit(X, y)
    assert auto.decision_["metric"] == "f1_macro" and positive.decision_["metric"] == "f1"
    assert auto.predict(["so tired and sad all the time"]).tolist() == [1]


def test_levels_get_cut_points_names_get_argmax_and_bad_pairs_fail():
    X = SAD * 4 + MID * 4 + FINE * 4
    levels = [2] * 20 + [1] * 20 + [0] * 20
    model = DefaultClassifier(embedder=None, Cs=(3.0,)).fit(X, levels)
    rule = model.decision_
    assert rule["metric"] == "f1_macro_mae" and rule["oof_mae"] <= rule["mae_bound"] + 1e-12  # argmax's MAE
    assert np.array_equal(model.predict(X), apply_rule(rule, model.predict_proba(X), model.classes_))
    median = DefaultClassifier(embedder=None, Cs=(3.0,), decision_metric="median").fit(X, levels)
    assert median.decision_ == {"rule": "median"}
    proba = median.predict_proba(X)
    assert np.array_equal(median.predict(X), median.classes_[median_level(proba)])
    cut = DefaultClassifier(embedder=None, Cs=(3.0,), decision_metric="mae").fit(X, levels)
    assert cut.decision_["rule"] == "cutpoints" and cut.decision_["metric"] == "mae"
    expected = cut.classes_[apply_cutpoints(cut.predict_proba(X) @ cut.classes_, cut.decision_["cutpoints"])]
    assert np.array_equal(cut.predict(X), expected)
    named = DefaultClassifier(embedder=None, Cs=(3.0,)).fit(X, [{2: "severe", 1: "mild", 0: "none"}[v] for v in levels])
    assert named.decision_ == {"rule": "argmax"}
    with pytest.raises(ValueError, match="ordered levels"):
        DefaultClassifier(embedder=None, Cs=(3.0,), decision_metric="mae").fit(X, [v > 0 for v in levels])
    with pytest.raises(ValueError, match="two classes"):
        DefaultClassifier(embedder=None, Cs=(3.0,), decision_metric="f1").fit(X, levels)
    with pytest.raises(ValueError, match="decision_metric must be"):
        DefaultClassifier(embedder=None, Cs=(3.0,), decision_metric="youden").fit(X, levels)


@pytest.mark.parametrize("labels, metric", [([1, 0, 0] * 20, "auto"), ([2, 1, 0] * 20, "mae")])
def test_save_load_keeps_the_decision_rule(tmp_path, labels, metric):
    X = [t for trio in zip(SAD, MID, FINE) for t in trio] * 4
    model = DefaultClassifier(embedder=None, Cs=(3.0,), decision_metric=metric).fit(X, labels)
    folder = model.save(tmp_path / "m")
    assert {p.suffix for p in folder.iterdir()} <= {".json", ".safetensors"}  # nothing pickled
    config = json.loads((folder / "config.json").read_text())
    assert config["fitted"]["decision"] == model.decision_
    again = load_model(folder)
    assert again.decision_ == model.decision_
    probe = X + ["tired and a bit low", "never seen words here"]
    assert np.array_equal(again.predict(probe), model.predict(probe))
    del config["fitted"]["decision"]  # a folder saved before decision rules: argmax
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "manifest.json").unlink()  # ... and before file manifests
    with pytest.warns(UserWarning):
        old = load_model(folder)
    assert old.decision_ == {"rule": "argmax"}
    assert np.array_equal(old.predict(probe), old.classes_[old.predict_proba(probe).argmax(1)])


def _calibrated_levels(n, shares, rng, separation=1.0):
    """Synthetic ordered levels with exactly calibrated probabilities: a latent score
    ``level * separation + noise`` and the Bayes posterior of each level given it."""
    K = len(shares)
    y = rng.choice(K, n, p=shares)
    x = y * separation + rng.normal(0, 1, n)
    lik = np.exp(-0.5 * (x[:, None] - np.arange(K)[None] * separation) ** 2)
    post = lik * np.asarray(shares) / (lik * np.asarray(shares)).sum(1, keepdims=True)
    return post, y


@pytest.mark.parametrize("shares", [[0.73, 0.17, 0.07, 0.03], [0.05, 0.15, 0.8], [0.4, 0.51, 0.09]])
def test_default_ordinal_rule_on_case_mixes_far_from_balanced(shares):
    """Chosen on one calibrated sample, scored on another of the same mix: the default
    rule keeps argmax's MAE (within sampling noise) and finds the rare levels better."""
    rng = np.random.default_rng(21)
    levels = np.arange(len(shares), dtype=float)
    P_fit, y_fit = _calibrated_levels(3000, shares, rng)
    P_new, y_new = _calibrated_levels(3000, shares, rng)
    rule = choose_rule(P_fit, y_fit, levels.astype(int), "auto")
    assert rule["rule"] in ("cost", "argmax") and rule["oof_mae"] <= rule["mae_bound"] + 1e-12
    pred = apply_rule(rule, P_new, np.arange(len(shares)))
    argmax, median = P_new.argmax(1), median_level(P_new)
    score = {name: (ordinal_metric(y_new, p, levels, "f1_macro"), -ordinal_metric(y_new, p, levels, "mae"))
             for name, p in [("rule", pred), ("argmax", argmax), ("median", median)]}
    assert score["rule"][1] <= score["argmax"][1] + 0.02
    assert score["rule"][0] >= score["argmax"][0] - 0.005
    assert score["rule"][0] >= score["median"][0] - 0.005
    # the binary threshold on the same kind of skewed, calibrated scores flags the rare class
    cases = y_new >= len(shares) - 1
    p_case = P_new[:, -1]
    t, _ = best_threshold(P_fit[:, -1], y_fit >= len(shares) - 1, "f1_macro")
    flagged = p_case >= t
    assert abs(flagged.mean() - cases.mean()) < 0.15  # neither everyone nor no one
    assert cases[flagged].mean() > cases.mean() and (~cases[~flagged]).mean() > (~cases).mean()


def test_cost_rule_ends_are_the_median_and_the_share_weighted_argmax():
    rng = np.random.default_rng(2)
    P = rng.dirichlet(np.full(4, 0.8), 300)
    shares = np.array([0.6, 0.25, 0.1, 0.05])
    levels = np.arange(4.0)
    assert np.array_equal(cost_levels(P, levels, shares, 1.0), median_level(P))
    assert np.array_equal(cost_levels(P, levels, shares, 0.0), (P / shares).argmax(1))
