"""Decision rules chosen on out-of-fold probabilities: from class probabilities to labels.

The rules work on **calibrated** probabilities (:mod:`depscreen.population.calibration`):
probabilities that hold on the training population whatever class weights the model
was fitted with, so a rule chosen on them does not move when the class weights change.
Every rule is chosen on held-out (inner, out-of-fold) probabilities of the training
data only, never on the data the model is later scored on:

* :func:`best_threshold` -- two classes: the cut on P(positive) that maximises F1 of the
  positive class or macro-F1 over the out-of-fold scores;
* :func:`median_level` -- ordered levels: the median of the predicted level distribution,
  the level that minimises the expected absolute error (no parameter to tune);
* :func:`ordinal_cutpoints` -- ordered numeric levels: cut points on the expected level
  ``sum(p * level)`` that maximise an ordinal objective (coordinate ascent from plain
  rounding); :func:`apply_cutpoints` turns expected levels into level indices.
* :func:`cost_levels` -- ordered levels: the least expected cost for a cost that mixes
  level distance and class-balanced error (the default, see below);
* :func:`choose_rule` / :func:`apply_rule` -- the rule a model stores (a small JSON dict)
  and how ``predict`` applies it.

The default rule for ordered levels (``"f1_macro_mae"``)
--------------------------------------------------------
Two ordinal metrics pull apart. The mean absolute error (MAE) is smallest for the
median of a calibrated level distribution, which keeps most predictions on the common
levels; macro-F1 rewards finding the rare levels, which costs MAE. A rule tuned for one
loses on the other (on a public severity set: argmax of balanced probabilities, macro-F1
0.443 / MAE 0.496; the median of unweighted ones, 0.317 / 0.475). The default is the
Bayes decision (least expected cost under the calibrated probabilities) for a cost that
mixes the two, :func:`cost_levels`::

    cost(true k, predicted j) = lam * |level_k - level_j| / range
                              + (1 - lam) * [k != j] / (K * share_k)

``lam = 1`` is the median (least expected absolute error), ``lam = 0`` the argmax of
``p_k / share_k`` (the most expected per-level recall, what balanced class weights aim
at). One number, ``lam``, is chosen on the out-of-fold calibrated probabilities: the
best macro-F1 among the values whose MAE is **no worse than that of the most probable
level** (argmax, the rule of every plain classifier), ties to the larger ``lam``; argmax
itself is a candidate, and the rule when no ``lam`` beats it. So on
held-out scores it gives up no MAE against argmax and spends the room between argmax
and the median on the rare levels; the median (``lam = 1``) is always a candidate. The
class shares are the training data's, so the rule moves with neither the class
weights nor the data it is later scored on. Choose ``decision_metric="mae"`` (or
``"median"``) when the error in levels is all that counts, ``"f1_macro"`` when every
level must be found whatever the error in levels.

Metrics are on class indices ``0..K-1`` (``levels`` gives the numeric value of each).

Example
-------
>>> import numpy as np
>>> s = np.array([0.1, 0.2, 0.3, 0.35, 0.8, 0.9]); y = np.array([0, 0, 0, 1, 1, 1])
>>> t, f1 = best_threshold(s, y, "f1"); round(t, 3), f1
(0.325, 1.0)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..jsonable import plain_value

BINARY_METRICS = ("f1", "f1_macro")
ORDINAL_METRICS = ("f1_macro", "mae", "macro_mae", "f1_macro_mae")
#: What ``decision_metric="auto"`` means per task.
AUTO_RULES = {"binary": "f1_macro", "ordinal": "f1_macro_mae"}


def best_threshold(scores: np.ndarray, y: np.ndarray, metric: str = "f1") -> tuple[float, float]:
    """The threshold ``t`` (predict positive when ``score >= t``) that maximises ``metric``
    (``"f1"``: F1 of the positive class; ``"f1_macro"``: mean F1 of both classes) over
    ``scores`` with true labels ``y`` (1 positive, 0 negative), and the metric's value
    there. ``t`` lies halfway between the two neighbouring scores the best cut separates;
    ties go to the cut nearest the middle of the tied run of cuts."""
    if metric not in BINARY_METRICS:
        raise ValueError(f"unknown binary decision metric {metric!r}; use one of {', '.join(BINARY_METRICS)}")
    s = np.asarray(scores, dtype=float)
    y = np.asarray(y).astype(bool)
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    n, P = len(s), int(y.sum())
    N = n - P
    if n == 0 or P == 0 or N == 0:
        raise ValueError("best_threshold needs both classes among the scored samples")
    k = np.flatnonzero(np.r_[s[1:] < s[:-1], True]) + 1  # predict the top k positive: distinct cuts only
    tp = np.cumsum(y)[k - 1].astype(float)
    fp = k - tp
    fn, tn = P - tp, N - fp
    f1 = 2 * tp / (2 * tp + fp + fn)
    value = f1 if metric == "f1" else (f1 + 2 * tn / np.maximum(2 * tn + fn + fp, 1)) / 2
    best = np.flatnonzero(value >= value.max() - 1e-12)
    j = best[len(best) // 2]
    cut = k[j]
    t = s[cut - 1] if cut == n else (s[cut - 1] + s[cut]) / 2
    return float(t), float(value[j])


def ordinal_metric(y: np.ndarray, pred: np.ndarray, levels: Sequence[float], metric: str) -> float:
    """Score of predicted level indices ``pred`` against ``y`` (higher is better: errors are
    negated). ``"mae"``: mean absolute error in level units; ``"macro_mae"``: the mean
    over true levels of each level's MAE (Baccianella et al., 2009: no level can be
    traded away because it is rare); ``"f1_macro"``."""
    levels = np.asarray(levels, dtype=float)
    y = np.asarray(y)
    pred = np.asarray(pred)
    K = len(levels)
    err = np.abs(levels[y] - levels[pred])
    if metric == "mae":
        return -float(err.mean())
    if metric == "macro_mae":
        present = np.unique(y)
        return -float(np.mean([err[y == k].mean() for k in present]))
    cm = np.bincount(y * K + pred, minlength=K * K).reshape(K, K).astype(float)
    denom = cm.sum(0) + cm.sum(1)
    f1 = np.divide(2 * np.diag(cm), denom, out=np.zeros(K), where=denom > 0).mean()
    if metric == "f1_macro":
        return float(f1)
    raise ValueError(f"unknown ordinal decision metric {metric!r}; use one of {', '.join(ORDINAL_METRICS)}")


def median_level(proba: np.ndarray) -> np.ndarray:
    """Index of the median of each row's distribution over ordered levels: the first
    level whose cumulative probability reaches one half."""
    return (np.cumsum(np.asarray(proba, dtype=float), axis=1) >= 0.5 - 1e-12).argmax(axis=1)


def apply_cutpoints(values: np.ndarray, cutpoints: Sequence[float]) -> np.ndarray:
    """Level index of each expected level: the number of cut points at or below it."""
    return np.searchsorted(np.asarray(cutpoints, dtype=float), np.asarray(values, dtype=float), side="right")


def ordinal_cutpoints(
    values: np.ndarray, y: np.ndarray, levels: Sequence[float], metric: str = "macro_mae",
    *, candidates: int = 200, sweeps: int = 4,
) -> tuple[np.ndarray, float]:
    """Increasing cut points on the expected level ``values`` that maximise
    :func:`ordinal_metric` against level indices ``y``; start from rounding to the
    nearest level (cut points halfway between levels) and move one cut point at a time to
    the best of ``candidates`` quantiles of ``values`` between its neighbours, until a
    sweep changes nothing. Returns ``(cutpoints, metric value)``. (``"f1_macro_mae"`` is
    not a cut-point rule: see :func:`cost_levels`.)"""
    levels = np.asarray(levels, dtype=float)
    values = np.asarray(values, dtype=float)
    y = np.asarray(y)
    if metric not in ("f1_macro", "mae", "macro_mae"):
        raise ValueError(f"cut points maximise f1_macro, mae or macro_mae, got {metric!r}")

    def key(trial: np.ndarray) -> tuple:
        return (ordinal_metric(y, apply_cutpoints(values, trial), levels, metric),)

    cuts = (levels[:-1] + levels[1:]) / 2
    grid = np.unique(np.quantile(values, np.linspace(0, 1, candidates + 1)))
    grid = np.unique(np.r_[(grid[:-1] + grid[1:]) / 2, (levels[:-1] + levels[1:]) / 2])
    best = key(cuts)
    for _ in range(sweeps):
        moved = False
        for j in range(len(cuts)):
            lo = cuts[j - 1] if j > 0 else -np.inf
            hi = cuts[j + 1] if j + 1 < len(cuts) else np.inf
            for c in grid[(grid >= lo) & (grid <= hi)]:
                trial = cuts.copy()
                trial[j] = c
                score = key(trial)
                if _better(score, best):
                    best, cuts, moved = score, trial, True
        if not moved:
            break
    return cuts, float(best[0])


def _better(a: tuple, b: tuple, tol: float = 1e-12) -> bool:
    """Lexicographic ``a > b`` with a tolerance on the numbers."""
    for x, z in zip(a, b):
        if isinstance(x, (bool, np.bool_)):
            if x != z:
                return bool(x)
            continue
        if x > z + tol:
            return True
        if x < z - tol:
            return False
    return False


def choose_rule(proba: np.ndarray | None, y_idx: np.ndarray | None, classes: Sequence[Any],
                metric: str = "auto") -> dict[str, Any]:
    """The decision rule for ``classes``, chosen on out-of-fold probabilities ``proba``
    (calibrated where the model calibrates) with true class indices ``y_idx``.

    ``metric``: ``"auto"`` (two classes: the macro-F1 threshold; ordered numeric levels:
    ``"f1_macro_mae"``, see the module docstring; named classes: ``argmax``),
    ``"argmax"``, ``"median"`` (levels), a binary metric (:data:`BINARY_METRICS`) or an
    ordinal one (:data:`ORDINAL_METRICS`). With no out-of-fold probabilities (``proba``
    None) only ``argmax`` and ``median`` can be given; anything else becomes ``argmax``.
    Returns a JSON-serialisable dict (``rule`` plus what it needs) for :func:`apply_rule`.
    """
    from ..task import infer_task, positive_label

    classes = list(classes)
    task = infer_task(classes)
    if metric == "auto":
        metric = AUTO_RULES.get(task, "argmax")
    if metric == "argmax" or (proba is None and metric != "median"):
        return {"rule": "argmax"}
    if task == "binary":
        if metric not in BINARY_METRICS:
            raise ValueError(f"decision_metric {metric!r} is for ordered levels; two classes take "
                             f"{', '.join(BINARY_METRICS)} or 'argmax'")
        pos = classes.index(positive_label(classes))
        t, value = best_threshold(np.asarray(proba)[:, pos], np.asarray(y_idx) == pos, metric)
        return {"rule": "threshold", "metric": metric, "positive": plain_value(classes[pos]),
                "threshold": t, "oof_value": value}
    if task != "ordinal":
        raise ValueError(f"decision_metric {metric!r} needs two classes or ordered numeric levels; "
                         f"classes {classes} take 'argmax'")
    if metric == "f1":
        raise ValueError("decision_metric 'f1' is for two classes; use 'f1_macro' for levels")
    if metric == "median":
        return {"rule": "median"}
    levels = np.asarray(classes, dtype=float)
    proba = np.asarray(proba, dtype=float)
    y_idx = np.asarray(y_idx)
    if metric == "f1_macro_mae":
        return _choose_cost_rule(proba, y_idx, levels)
    cuts, value = ordinal_cutpoints(proba @ levels, y_idx, levels, metric)
    return {"rule": "cutpoints", "metric": metric, "cutpoints": [float(c) for c in cuts], "oof_value": value}


LAMBDA_GRID = np.linspace(0.0, 1.0, 21)


def cost_levels(proba: np.ndarray, levels: Sequence[float], shares: Sequence[float], lam: float) -> np.ndarray:
    """Level indices with the least expected cost under ``proba`` for
    ``lam * |level distance| / range + (1 - lam) * [wrong] / (K * share of the true level)``
    (see the module docstring): ``lam = 1`` the median, ``lam = 0`` argmax of
    ``p / share``."""
    levels = np.asarray(levels, dtype=float)
    shares = np.clip(np.asarray(shares, dtype=float), 1e-12, None)
    K = len(levels)
    span = max(float(levels.max() - levels.min()), 1e-12)
    distance = np.abs(levels[:, None] - levels[None, :]) / span
    balanced = (1.0 - np.eye(K)) / (K * shares[:, None])
    cost = float(lam) * distance + (1.0 - float(lam)) * balanced  # (true k, predicted j)
    return (np.asarray(proba, dtype=float) @ cost).argmin(axis=1)


def _choose_cost_rule(proba: np.ndarray, y_idx: np.ndarray, levels: np.ndarray) -> dict[str, Any]:
    """``lam`` of :func:`cost_levels` with the best out-of-fold macro-F1 among those whose
    MAE is no worse than argmax's, ties to the larger ``lam``. Argmax itself is a
    candidate (it meets its own bound), so when no ``lam`` does better the rule is argmax."""
    shares = np.bincount(y_idx, minlength=len(levels)) / len(y_idx)
    argmax = proba.argmax(axis=1)
    bound = -ordinal_metric(y_idx, argmax, levels, "mae")
    f1_argmax = ordinal_metric(y_idx, argmax, levels, "f1_macro")
    best_key, best = (f1_argmax, -bound, -1.0), None  # argmax: the candidate to beat
    for lam in LAMBDA_GRID:
        pred = cost_levels(proba, levels, shares, lam)
        mae = -ordinal_metric(y_idx, pred, levels, "mae")
        if mae > bound + 1e-12:
            continue
        key = (ordinal_metric(y_idx, pred, levels, "f1_macro"), -mae, float(lam))
        if key > best_key:
            best_key, best = key, float(lam)
    common = {"metric": "f1_macro_mae", "oof_value": float(best_key[0]), "oof_mae": float(-best_key[1]),
              "mae_bound": float(bound)}
    if best is None:
        return {"rule": "argmax", **common}
    return {"rule": "cost", "lambda": best, "shares": [float(v) for v in shares], **common}


def apply_rule(rule: dict[str, Any] | None, proba: np.ndarray, classes: Sequence[Any]) -> np.ndarray:
    """Labels (values of ``classes``) from probabilities ``proba`` by a rule from
    :func:`choose_rule` (``argmax`` when ``rule`` is None)."""
    classes = np.asarray(classes)
    proba = np.asarray(proba, dtype=float)
    rule = rule or {"rule": "argmax"}
    kind = rule["rule"]
    if kind == "threshold":
        pos = list(classes).index(rule["positive"])
        return np.where(proba[:, pos] >= rule["threshold"], classes[pos], classes[1 - pos])
    if kind == "median":
        return classes[median_level(proba)]
    if kind == "cutpoints":
        return classes[apply_cutpoints(proba @ classes.astype(float), rule["cutpoints"])]
    if kind == "cost":
        return classes[cost_levels(proba, classes.astype(float), rule["shares"], rule["lambda"])]
    if kind != "argmax":
        raise ValueError(f"unknown decision rule {kind!r} in a saved model")
    return classes[proba.argmax(axis=1)]
