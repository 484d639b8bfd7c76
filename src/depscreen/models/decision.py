"""Decision rules chosen on out-of-fold probabilities: from class probabilities to labels.

A classifier trained with balanced class weights ranks well but its ``argmax`` over-predicts
the rare classes (it acts as if every class were equally common), and ``argmax`` ignores
the order of severity levels. These helpers pick a better rule from held-out (inner,
out-of-fold) probabilities of the training data only, never from the data the model is
later scored on:

* :func:`best_threshold` -- two classes: the cut on P(positive) that maximises F1 of the
  positive class or macro-F1 over the out-of-fold scores;
* :func:`median_level` -- ordered levels: the median of the predicted level distribution,
  the level that minimises the expected absolute error (no parameter to tune);
* :func:`ordinal_cutpoints` -- ordered numeric levels: cut points on the expected level
  ``sum(p * level)`` that maximise an ordinal objective (coordinate ascent from plain
  rounding); :func:`apply_cutpoints` turns expected levels into level indices.

Metrics are on class indices ``0..K-1`` (``levels`` gives the numeric value of each).

Example
-------
>>> import numpy as np
>>> s = np.array([0.1, 0.2, 0.3, 0.35, 0.8, 0.9]); y = np.array([0, 0, 0, 1, 1, 1])
>>> t, f1 = best_threshold(s, y, "f1"); round(t, 3), f1
(0.325, 1.0)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

BINARY_METRICS = ("f1", "f1_macro")
ORDINAL_METRICS = ("f1_macro", "mae", "macro_mae")


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
    sweep changes nothing. Returns ``(cutpoints, metric value)``."""
    levels = np.asarray(levels, dtype=float)
    values = np.asarray(values, dtype=float)
    y = np.asarray(y)
    cuts = (levels[:-1] + levels[1:]) / 2
    grid = np.unique(np.quantile(values, np.linspace(0, 1, candidates + 1)))
    grid = np.unique(np.r_[(grid[:-1] + grid[1:]) / 2, cuts])
    best = ordinal_metric(y, apply_cutpoints(values, cuts), levels, metric)
    for _ in range(sweeps):
        moved = False
        for j in range(len(cuts)):
            lo = cuts[j - 1] if j > 0 else -np.inf
            hi = cuts[j + 1] if j + 1 < len(cuts) else np.inf
            for c in grid[(grid >= lo) & (grid <= hi)]:
                trial = cuts.copy()
                trial[j] = c
                score = ordinal_metric(y, apply_cutpoints(values, trial), levels, metric)
                if score > best + 1e-12:
                    best, cuts, moved = score, trial, True
        if not moved:
            break
    return cuts, float(best)
