"""Metrics from scikit-learn, per task, that never crash on a degenerate fold.

Tasks
-----
``binary``      accuracy, precision / recall / F1 of the positive class, macro P / R / F1,
                ROC-AUC, PR-AUC (average precision), confusion matrix; and the screening
                rates of the positive class: sensitivity (= recall), specificity, PPV
                (= precision) and NPV.
``multiclass``  accuracy, macro and weighted P / R / F1, one-vs-rest ROC-AUC and PR-AUC
                (macro over the classes where they are defined), confusion matrix.
``ordinal``     everything of ``multiclass`` plus MAE / RMSE of the predicted labels, MAE /
                RMSE of the expected value under ``predict_proba``, quadratic-weighted kappa.
``regression``  MAE, RMSE, R2.

Calibration (every classification task, with ``proba``): ``brier`` (binary: mean squared
error of P(positive); more classes: the mean over items of the squared error summed
over the classes, Brier's original score), ``log_loss`` (mean negative log-probability
of the true class, probabilities clipped at 1e-15), and ``ece``, the expected
calibration error over :data:`ECE_BINS` equal-width bins (binary: of P(positive) against
the share of positives; more classes: of the top class's probability against accuracy,
"top-label" ECE as in Guo et al., 2017); :data:`METRIC_LABELS` names the bins wherever a
report shows it. Each fold also keeps its binned counts (``FoldMetrics.reliability``)
so that a reliability diagram can be drawn over all folds
(:func:`sum_reliability`, :func:`depscreen.evaluate.report.reliability_chart`).

A metric that is undefined on a fold -- ROC-AUC when the fold's true labels hold a single
class, recall of a class that is absent from the truth -- is ``NaN`` with a note saying
why; :func:`summarize` leaves NaN out of the mean and reports how many folds it left out.
Screening rates (:func:`screening_rates`) are also kept as counts per fold
(``FoldMetrics.screening``: true / false positives and negatives of "the positive
class", or of "level k or above" for each level k of an ordinal task, or of the group an
operating point names), so that a cross-validation can pool them over its test folds and
give each rate a 95 % Wilson score interval (:func:`proportion_interval`).

Precision of a class the model never predicts is 0 (scikit-learn's ``zero_division=0``):
predicting a single class is a failure to score, not an undefined quantity, and the
number of such folds is counted separately (``single_class_prediction``).

Example
-------
>>> m = compute_metrics([0, 0, 1, 1], [0, 1, 1, 1], proba=[[.9, .1], [.4, .6], [.2, .8], [.3, .7]],
...                     classes=[0, 1], task="binary")
>>> round(m.values["f1"], 3), m.values["roc_auc"]
(0.8, 1.0)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from sklearn import metrics as skm

from ..task import positive_label  # noqa: F401  (re-exported: the harness's positive class)
from .degenerate import constant_predictions

TASKS = ("binary", "multiclass", "ordinal", "regression")

# Which summary metrics a report shows first, per task.
HEADLINE = {
    "binary": ["accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc", "pr_auc", "brier", "ece", "log_loss"],
    "multiclass": ["accuracy", "precision_macro", "recall_macro", "f1_macro", "roc_auc_ovr", "brier", "ece",
                   "log_loss"],
    "ordinal": ["accuracy", "f1_macro", "mae", "rmse", "mae_expected", "qwk", "brier", "ece", "log_loss"],
    "regression": ["mae", "rmse", "r2"],
}

# Lower is better for these; everything else is higher-is-better.
LOWER_IS_BETTER = {"mae", "rmse", "mae_expected", "rmse_expected", "brier", "ece", "log_loss"}

#: Equal-width bins of the expected calibration error (``ece``) and the reliability diagram.
ECE_BINS = 10

#: How a report names a metric whose key alone does not say enough.
METRIC_LABELS = {"ece": f"ece ({ECE_BINS} equal-width bins)"}


def metric_label(name: str) -> str:
    """The name a report shows for metric ``name`` (:data:`METRIC_LABELS`, else the key)."""
    return METRIC_LABELS.get(name, name)


def infer_task(y: Sequence[Any]) -> str:
    """Guess the task from the labels, by the rule the models use too
    (:func:`depscreen.task.infer_task`).

    Non-integral numbers -> ``regression`` (whatever their count); two distinct labels
    -> ``binary``; integers (or integral floats) with more than two levels ->
    ``ordinal``; strings -> ``multiclass``. Pass ``task=`` explicitly where the guess is
    wrong (e.g. unordered integer classes).

    >>> infer_task([0, 1, 1]), infer_task([0, 1, 2, 4]), infer_task(["joy", "sad", "anger"])
    ('binary', 'ordinal', 'multiclass')
    """
    from ..task import infer_task as shared_infer_task

    return shared_infer_task(y)


def check_task(task: str | None, y: Sequence[Any]) -> str:
    """``task`` validated against the labels, or inferred when None
    (:func:`depscreen.task.check_task`)."""
    from ..task import check_task as shared_check_task

    return shared_check_task(task, y)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


@dataclass
class FoldMetrics:
    """Metrics of one fold: scalar ``values`` (NaN where undefined), the confusion matrix
    over ``labels`` (rows = truth, columns = prediction), and notes on anything undefined."""

    values: dict[str, float]
    confusion: list[list[int]] | None = None
    labels: list[Any] | None = None
    notes: list[str] = field(default_factory=list)
    single_class_prediction: bool = False
    screening: dict[str, dict[str, int]] = field(default_factory=dict)
    reliability: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "values": {k: _json_float(v) for k, v in self.values.items()},
            "confusion_matrix": self.confusion,
            "labels": _jsonable_labels(self.labels),
            "notes": list(self.notes),
            "single_class_prediction": self.single_class_prediction,
            "screening": {k: dict(v) for k, v in self.screening.items()},
        }
        if self.reliability is not None:
            out["reliability"] = self.reliability
        return out


def reliability_bins(scores: Any, hits: Any, bins: int = ECE_BINS, kind: str = "positive") -> dict[str, Any]:
    """Equal-width bins of ``scores`` in [0, 1] with, per bin, the item count, the sum of
    the scores and the number of ``hits`` (items whose event happened: a positive, or a
    correct top class). JSON values; bins of several folds add up (:func:`sum_reliability`)."""
    s = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    h = np.asarray(hits, dtype=float)
    if s.shape != h.shape or s.ndim != 1:
        raise ValueError(f"scores and hits must be two vectors of one length, got {s.shape} and {h.shape}")
    idx = np.minimum((s * bins).astype(int), bins - 1)
    return {
        "bins": int(bins),
        "kind": kind,
        "count": np.bincount(idx, minlength=bins).astype(int).tolist(),
        "sum_score": np.bincount(idx, weights=s, minlength=bins).tolist(),
        "sum_hits": np.bincount(idx, weights=h, minlength=bins).tolist(),
    }


def ece_from_bins(table: dict[str, Any]) -> float:
    """Expected calibration error of a :func:`reliability_bins` table: the
    count-weighted mean gap between each bin's mean score and its share of hits."""
    n = np.asarray(table["count"], dtype=float)
    if n.sum() == 0:
        return math.nan
    gap = np.abs(np.asarray(table["sum_score"], dtype=float) - np.asarray(table["sum_hits"], dtype=float))
    return float(gap.sum() / n.sum())


def expected_calibration_error(scores: Any, hits: Any, bins: int = ECE_BINS) -> float:
    """ECE over ``bins`` equal-width bins: the sum over bins of (share of items in the
    bin) x |mean score - share of hits|.

    >>> round(expected_calibration_error([0.1, 0.1, 0.9, 0.9], [0, 0, 1, 1]), 3)
    0.1
    """
    return ece_from_bins(reliability_bins(scores, hits, bins))


def sum_reliability(tables: Sequence[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Reliability tables of several folds added bin by bin (None when there are none
    or they disagree on the bins)."""
    tables = [t for t in tables if t]
    if not tables or len({(t["bins"], t["kind"]) for t in tables}) != 1:
        return None
    out: dict[str, Any] = {"bins": tables[0]["bins"], "kind": tables[0]["kind"]}
    for key in ("count", "sum_score", "sum_hits"):
        out[key] = np.sum([t[key] for t in tables], axis=0).tolist()
    out["count"] = [int(c) for c in out["count"]]
    return out


def calibration_metrics(P: Any, y_idx: Any, pos: int | None = None,
                        bins: int = ECE_BINS) -> tuple[dict[str, float], dict[str, Any]]:
    """Brier score, log-loss and ECE of probabilities ``P`` (n, K) against true class
    indices ``y_idx``, and the reliability table. ``pos``: the positive column of a
    binary task (ECE and Brier of P(positive)); None: top-label ECE, multi-class Brier."""
    P = np.asarray(P, dtype=float)
    y_idx = np.asarray(y_idx, dtype=int)
    n, K = P.shape
    onehot = np.zeros((n, K))
    onehot[np.arange(n), y_idx] = 1.0
    log_loss = float(-np.mean(np.log(np.clip(P[np.arange(n), y_idx], 1e-15, 1.0))))
    if pos is not None:
        brier = float(np.mean((P[:, pos] - onehot[:, pos]) ** 2))
        table = reliability_bins(P[:, pos], onehot[:, pos], bins, "positive")
    else:
        brier = float(np.mean(np.sum((P - onehot) ** 2, axis=1)))
        table = reliability_bins(P.max(axis=1), P.argmax(axis=1) == y_idx, bins, "top-label")
    return {"brier": brier, "ece": ece_from_bins(table), "log_loss": log_loss}, table


def compute_metrics(
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    *,
    proba: Any = None,
    classes: Sequence[Any] | None = None,
    task: str | None = None,
    pos_label: Any = None,
) -> FoldMetrics:
    """All metrics of ``task`` for one fold.

    Parameters
    ----------
    y_true, y_pred : true and predicted labels (regression: numbers).
    proba : ``(n_samples, n_classes)`` scores whose columns follow ``classes``; optional
        (ROC-AUC, PR-AUC and the expected-value errors are NaN without it).
    classes : every class of the task in a fixed order (the column order of ``proba`` and of
        the confusion matrix). Defaults to the sorted union of ``y_true`` and ``y_pred``.
    task : see :data:`TASKS`; inferred from ``y_true`` when None.
    pos_label : the positive class of a binary task (default :func:`positive_label`).
    """
    y_true = list(y_true)
    y_pred = list(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}")
    if not y_true:
        raise ValueError("cannot compute metrics on an empty fold")
    if task is None:
        task = infer_task(list(y_true) + list(classes or []))
    if task == "regression":
        return _regression(np.asarray(y_true, float), np.asarray(y_pred, float))
    if classes is None:
        classes = sorted(set(y_true) | set(y_pred), key=_sort_key)
    classes = list(classes)
    P = None
    if proba is not None:
        P = np.asarray(proba, dtype=float)
        if P.shape != (len(y_true), len(classes)):
            raise ValueError(
                f"proba has shape {P.shape}, expected ({len(y_true)}, {len(classes)}) "
                "(one column per class, in the order of `classes`)"
            )
    notes: list[str] = []
    values: dict[str, float] = {}
    present = set(y_true)
    values["accuracy"] = float(skm.accuracy_score(y_true, y_pred))
    labels_seen = [c for c in classes if c in present or c in set(y_pred)]
    p, r, f, _ = _prfs(y_true, y_pred, labels_seen, average="macro")
    values.update(precision_macro=p, recall_macro=r, f1_macro=f)
    p, r, f, _ = _prfs(y_true, y_pred, labels_seen, average="weighted")
    values.update(precision_weighted=p, recall_weighted=r, f1_weighted=f)
    if len(present) < len(classes):
        missing = [c for c in classes if c not in present]
        notes.append(f"classes absent from the fold's truth: {missing}; macro scores use the rest")

    if task == "binary":
        if pos_label is None:
            pos_label = positive_label(classes)
        if pos_label not in classes:
            raise ValueError(f"positive label {pos_label!r} is not one of the classes {classes}")
        p, r, f, _ = _prfs(y_true, y_pred, [pos_label], average=None)
        values.update(precision=float(p[0]), recall=float(r[0]), f1=float(f[0]))
        if pos_label not in present:
            values["recall"] = math.nan
            if pos_label not in set(y_pred):
                values["f1"] = math.nan
            notes.append("recall undefined: no positive sample in the fold's truth")
        if P is not None:
            score = P[:, classes.index(pos_label)]
            truth = np.array([t == pos_label for t in y_true])
            if truth.all() or not truth.any():
                values["roc_auc"] = values["pr_auc"] = math.nan
                notes.append("ROC-AUC / PR-AUC undefined: a single class in the fold's truth")
            else:
                values["roc_auc"] = float(skm.roc_auc_score(truth, score))
                values["pr_auc"] = float(skm.average_precision_score(truth, score))
        else:
            values["roc_auc"] = values["pr_auc"] = math.nan
            notes.append("ROC-AUC / PR-AUC need predict_proba")
    else:
        if P is not None:
            aucs, aps = [], []
            for j, c in enumerate(classes):
                truth = np.array([t == c for t in y_true])
                if truth.any() and not truth.all():
                    aucs.append(skm.roc_auc_score(truth, P[:, j]))
                    aps.append(skm.average_precision_score(truth, P[:, j]))
            values["roc_auc_ovr"] = float(np.mean(aucs)) if aucs else math.nan
            values["pr_auc_ovr"] = float(np.mean(aps)) if aps else math.nan
            if len(aucs) < len(classes):
                notes.append(
                    f"one-vs-rest ROC-AUC / PR-AUC averaged over {len(aucs)} of "
                    f"{len(classes)} classes (the others are absent from the fold's truth)"
                )
        else:
            values["roc_auc_ovr"] = values["pr_auc_ovr"] = math.nan
            notes.append("ROC-AUC / PR-AUC need predict_proba")

    if task == "ordinal":
        t = np.asarray(y_true, dtype=float)
        yp = np.asarray(y_pred, dtype=float)
        values["mae"] = float(skm.mean_absolute_error(t, yp))
        values["rmse"] = float(np.sqrt(skm.mean_squared_error(t, yp)))
        if P is not None:
            expected = P @ np.asarray(classes, dtype=float)
            values["mae_expected"] = float(skm.mean_absolute_error(t, expected))
            values["rmse_expected"] = float(np.sqrt(skm.mean_squared_error(t, expected)))
        else:
            values["mae_expected"] = values["rmse_expected"] = math.nan
        values["qwk"] = _qwk(y_true, y_pred, classes)

    reliability = None
    if P is not None and all(t in classes for t in y_true):
        y_idx = np.asarray([classes.index(t) for t in y_true])
        pos = classes.index(pos_label) if task == "binary" else None
        cal, reliability = calibration_metrics(P, y_idx, pos)
        values.update(cal)
    else:
        values["brier"] = values["ece"] = values["log_loss"] = math.nan
        notes.append("Brier / ECE / log-loss need predict_proba" if P is None
                     else "Brier / ECE / log-loss undefined: a true label outside the model's classes")

    cm = skm.confusion_matrix(y_true, y_pred, labels=classes).tolist()
    single = constant_predictions(y_true, y_pred, items="item of the fold")
    if single:
        notes.append(f"the model {single}")
    groups = screening_groups(y_true, y_pred, classes, task, pos_label)
    screening = {name: confusion_counts(cases, flagged) for name, (cases, flagged) in groups.items()}
    if task == "binary":
        values.update(screening_values(next(iter(screening.values()))))
    return FoldMetrics(values, cm, classes, notes, bool(single), screening, reliability)


# ------------------------------------------------------------------- screening rates
#: The screening rates, each as (numerator, denominator) of the 2 x 2 counts.
SCREENING_RATES = {
    "sensitivity": ("tp", ("tp", "fn")),
    "specificity": ("tn", ("tn", "fp")),
    "ppv": ("tp", ("tp", "fp")),
    "npv": ("tn", ("tn", "fn")),
}


def screening_groups(
    y_true: Sequence[Any], y_pred: Sequence[Any], classes: Sequence[Any], task: str, pos_label: Any = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The case / flagged pairs whose screening rates a fold reports, by the predicted
    labels: the positive class for a binary task, ``level >= k`` for every level but the
    lowest of an ordinal task; none for nominal classes or regression."""
    t = np.asarray(list(y_true), dtype=object)
    p = np.asarray(list(y_pred), dtype=object)
    if task == "binary":
        pos = positive_label(list(classes)) if pos_label is None else pos_label
        return {f"class {pos}": (t == pos, p == pos)}
    if task == "ordinal":
        tf, pf = t.astype(float), p.astype(float)
        return {f"level >= {c}": (tf >= float(c), pf >= float(c)) for c in list(classes)[1:]}
    return {}


def confusion_counts(cases: Sequence[bool], flagged: Sequence[bool]) -> dict[str, int]:
    """True / false positives and negatives of ``flagged`` against ``cases``."""
    cases = np.asarray(cases, dtype=bool)
    flagged = np.asarray(flagged, dtype=bool)
    return {"tp": int(np.sum(cases & flagged)), "fp": int(np.sum(~cases & flagged)),
            "fn": int(np.sum(cases & ~flagged)), "tn": int(np.sum(~cases & ~flagged))}


def screening_values(counts: dict[str, int]) -> dict[str, float]:
    """Sensitivity, specificity, PPV and NPV of one fold's counts (NaN where a
    denominator is 0)."""
    out = {}
    for name, (num, den) in SCREENING_RATES.items():
        n = sum(counts[d] for d in den)
        out[name] = counts[num] / n if n else math.nan
    return out


def proportion_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``k / n`` (scipy's
    ``binomtest(k, n).proportion_ci(method="wilson")``): unlike the normal
    approximation it stays inside [0, 1] and keeps its coverage near 0 and 1, where
    sensitivities and specificities live. ``(nan, nan)`` when ``n`` is 0."""
    from scipy.stats import binomtest

    if n <= 0:
        return math.nan, math.nan
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def screening_rates(counts: dict[str, int], *, repeats: int = 1, confidence: float = 0.95) -> dict[str, dict[str, Any]]:
    """Each screening rate of ``counts`` pooled over test folds, with its Wilson interval.

    ``repeats`` is how many times each item was tested (repeated k-fold): the value is the
    pooled proportion, and the interval is computed on the counts per repetition
    (``k / repeats`` rounded, ``n / repeats``), since repeating the folds adds no new items.
    """
    out: dict[str, dict[str, Any]] = {}
    for name, (num, den) in SCREENING_RATES.items():
        k = counts.get(num, 0)
        n = sum(counts.get(d, 0) for d in den)
        lo, hi = proportion_interval(round(k / repeats), n // repeats, confidence) if n else (math.nan, math.nan)
        out[name] = {"value": _json_float(k / n if n else math.nan), "low": _json_float(lo),
                     "high": _json_float(hi), "k": int(k), "n": int(n)}
    return out


def _qwk(y_true, y_pred, classes) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        k = skm.cohen_kappa_score(y_true, y_pred, labels=classes, weights="quadratic")
    return float(k) if np.isfinite(k) else math.nan


def _prfs(y_true, y_pred, labels, average):
    p, r, f, s = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=average, zero_division=0
    )
    if average is None:
        return p, r, f, s
    return float(p), float(r), float(f), s


def _regression(t: np.ndarray, p: np.ndarray) -> FoldMetrics:
    values = {
        "mae": float(skm.mean_absolute_error(t, p)),
        "rmse": float(np.sqrt(skm.mean_squared_error(t, p))),
    }
    notes = []
    if len(t) < 2 or np.all(t == t[0]):
        values["r2"] = math.nan
        notes.append("R2 undefined: the fold's true values are constant")
    else:
        values["r2"] = float(skm.r2_score(t, p))
    constant = constant_predictions(t, p, numeric=True, items="item of the fold")
    if constant:
        notes.append(f"the model {constant}")
    return FoldMetrics(values, None, None, notes, bool(constant))


@dataclass
class MetricSummary:
    """Mean and sample standard deviation (ddof=1) of one metric over folds, NaN folds left out."""

    mean: float
    std: float
    n: int
    n_nan: int

    def to_dict(self) -> dict[str, Any]:
        return {"mean": _json_float(self.mean), "std": _json_float(self.std), "n": self.n, "n_nan": self.n_nan}

    def format(self, digits: int = 3) -> str:
        if math.isnan(self.mean):
            return "n/a"
        txt = f"{self.mean:.{digits}f} ± {self.std:.{digits}f}" if not math.isnan(self.std) else f"{self.mean:.{digits}f}"
        if self.n_nan:
            txt += f" ({self.n_nan} NaN)"
        return txt


def summarize(folds: Sequence[FoldMetrics]) -> tuple[dict[str, MetricSummary], list[str]]:
    """Mean ± std of each metric over ``folds``; returns the summaries and notes naming
    every metric that was undefined (NaN) on some folds and left out of its mean."""
    names: list[str] = []
    for fm in folds:
        for k in fm.values:
            if k not in names:
                names.append(k)
    out: dict[str, MetricSummary] = {}
    notes: list[str] = []
    for name in names:
        arr = np.array([fm.values.get(name, math.nan) for fm in folds], dtype=float)
        ok = arr[~np.isnan(arr)]
        n_nan = int(len(arr) - len(ok))
        mean = float(ok.mean()) if len(ok) else math.nan
        std = float(ok.std(ddof=1)) if len(ok) > 1 else (0.0 if len(ok) == 1 else math.nan)
        out[name] = MetricSummary(mean, std, int(len(ok)), n_nan)
        if n_nan:
            notes.append(f"{name}: undefined on {n_nan} of {len(arr)} folds, left out of the mean")
    return out, notes


def sum_confusion(folds: Sequence[FoldMetrics]) -> list[list[int]] | None:
    """Confusion matrices added over folds (all folds share one label order)."""
    mats = [np.asarray(fm.confusion) for fm in folds if fm.confusion is not None]
    if not mats:
        return None
    return np.sum(mats, axis=0).astype(int).tolist()


def _sort_key(v: Any):
    return (0, float(v), "") if _is_number(v) or isinstance(v, (bool, np.bool_)) else (1, 0.0, str(v))


def _json_float(v: float) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _jsonable_labels(labels):
    if labels is None:
        return None
    return [x.item() if isinstance(x, np.generic) else x for x in labels]
