"""Early-risk metrics as CLEF eRisk defines them: ERDE, F_latency, latency-weighted
precision / recall, delays of true positives, and ranking measures after n writings.

Every function takes per-user arrays: ``y_true`` (1 = at risk), ``decisions`` (1 = an
alert was raised), ``delays`` (how many writings had been read when the decision was
made; for a user never alerted, how many were read in all).

Definitions
-----------
ERDE_o (Losada & Crestani, 2016), mean over users of
    false positive  c_fp (share of positives in the collection, as in eRisk)
    false negative  c_fn = 1
    true positive   lc_o(k) * c_tp,  lc_o(k) = 1 - 1 / (1 + e^(k - o)),  c_tp = 1
    true negative   0
F_latency (Sadeque et al., 2018)
    F1 x speed,  speed = 1 - median over true positives of penalty(k),
    penalty(k) = -1 + 2 / (1 + e^(-p (k - 1))),  p = 0.0078 (eRisk's value)
    (0 when there is no true positive)
Latency-weighted precision / recall (depscreen's names for the two halves of the same
idea): each true positive counts ``1 - penalty(k)`` instead of 1,
    lw-precision = sum over TP of (1 - penalty(k)) / number of alerts,
    lw-recall    = sum over TP of (1 - penalty(k)) / number of positives.
Ranking after n writings (eRisk 2021+): users ranked by the score each had after reading
``min(n, own writings)``; P@10 = at-risk users among the first 10 / 10; NDCG@k with
binary relevance, DCG = sum_i rel_i / log2(i + 1) over ranks i = 1..k, divided by the
DCG of the ideal order. Ties keep the input order (a stable sort).

Example
-------
>>> round(erde([1, 0, 1], [1, 1, 0], [5, 3, 10], o=5), 4)   # TP at k=o: 0.5; FP: 2/3; FN: 1
0.7222
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

#: eRisk's F_latency penalty parameter (Sadeque et al., 2018).
P_LATENCY = 0.0078
#: Writings after which eRisk ranks users (P@10, NDCG@10, NDCG@100).
RANKING_POINTS = (1, 100, 500, 1000)


def _arrays(y_true, decisions, delays=None):
    y = np.asarray(y_true, dtype=int).ravel()
    d = np.asarray(decisions, dtype=int).ravel()
    if len(y) != len(d):
        raise ValueError(f"{len(y)} labels but {len(d)} decisions")
    bad = sorted(set(np.unique(np.concatenate([y, d]))) - {0, 1})
    if bad:
        raise ValueError(f"labels and decisions must be 0 or 1, got {bad}")
    if delays is None:
        return y, d, None
    k = np.asarray(delays, dtype=float).ravel()
    if len(k) != len(y):
        raise ValueError(f"{len(y)} labels but {len(k)} delays")
    if np.any(k[d == 1] < 1):
        raise ValueError("an alert needs a delay of at least 1 writing")
    return y, d, k


def latency_cost(k: Any, o: float) -> np.ndarray:
    """ERDE's latency cost ``lc_o(k) = 1 - 1 / (1 + e^(k - o))`` (0.5 at ``k = o``)."""
    from scipy.special import expit

    # 1 - 1/(1+e^(k-o)) is the logistic function of (k - o); expit does not overflow
    return expit(np.asarray(k, dtype=float) - o)


def erde(y_true, decisions, delays, *, o: float, c_fp: float | None = None, c_fn: float = 1.0,
         c_tp: float = 1.0) -> float:
    """Early risk detection error ERDE_o (lower is better; 0 is perfect).

    ``c_fp`` defaults to the share of positives among the users, as in eRisk.
    """
    y, d, k = _arrays(y_true, decisions, delays)
    if len(y) == 0:
        return math.nan
    c_fp = float(y.mean()) if c_fp is None else float(c_fp)
    cost = np.zeros(len(y))
    cost[(d == 1) & (y == 0)] = c_fp
    cost[(d == 0) & (y == 1)] = c_fn
    tp = (d == 1) & (y == 1)
    cost[tp] = latency_cost(k[tp], o) * c_tp
    return float(cost.mean())


def latency_penalty(k: Any, p: float = P_LATENCY) -> np.ndarray:
    """F_latency's penalty ``-1 + 2 / (1 + e^(-p (k - 1)))``: 0 at the first writing."""
    k = np.asarray(k, dtype=float)
    return -1.0 + 2.0 / (1.0 + np.exp(-p * (k - 1.0)))


def _prf(y: np.ndarray, d: np.ndarray) -> tuple[float, float, float]:
    tp = int(((d == 1) & (y == 1)).sum())
    alerts = int(d.sum())
    positives = int(y.sum())
    precision = tp / alerts if alerts else 0.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def speed(y_true, decisions, delays, p: float = P_LATENCY) -> float:
    """``1 - median penalty`` of the true positives (0 when there is none)."""
    y, d, k = _arrays(y_true, decisions, delays)
    tp = (d == 1) & (y == 1)
    if not tp.any():
        return 0.0
    return float(1.0 - np.median(latency_penalty(k[tp], p)))


def f_latency(y_true, decisions, delays, p: float = P_LATENCY) -> float:
    """F1 x speed (Sadeque et al., 2018); higher is better."""
    y, d, k = _arrays(y_true, decisions, delays)
    return float(_prf(y, d)[2] * speed(y, d, k, p))


def latency_weighted_precision_recall(y_true, decisions, delays, p: float = P_LATENCY) -> tuple[float, float]:
    """Precision and recall where each true positive counts ``1 - penalty(k)``."""
    y, d, k = _arrays(y_true, decisions, delays)
    tp = (d == 1) & (y == 1)
    credit = float((1.0 - latency_penalty(k[tp], p)).sum())
    alerts, positives = int(d.sum()), int(y.sum())
    return (credit / alerts if alerts else 0.0, credit / positives if positives else 0.0)


def tp_delays(y_true, decisions, delays) -> tuple[float, float]:
    """Mean and median delay (writings read) of the true positives; NaN when none."""
    y, d, k = _arrays(y_true, decisions, delays)
    tp = (d == 1) & (y == 1)
    if not tp.any():
        return math.nan, math.nan
    return float(k[tp].mean()), float(np.median(k[tp]))


def _ranked(scores, y_true) -> np.ndarray:
    s = np.asarray(scores, dtype=float).ravel()
    y = np.asarray(y_true, dtype=int).ravel()
    if len(s) != len(y):
        raise ValueError(f"{len(s)} scores but {len(y)} labels")
    order = np.argsort(-s, kind="stable")
    return y[order]


def precision_at_k(scores, y_true, k: int = 10) -> float:
    """At-risk users among the ``k`` highest scores, divided by ``k``."""
    rel = _ranked(scores, y_true)[:k]
    return float(rel.sum() / k)


def ndcg_at_k(scores, y_true, k: int) -> float:
    """NDCG@k with binary relevance (NaN when no user is at risk)."""
    rel = _ranked(scores, y_true)[:k].astype(float)
    ideal = np.sort(np.asarray(y_true, dtype=float))[::-1][:k]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    best = float((ideal * discount[: len(ideal)]).sum())
    if best == 0:
        return math.nan
    return float((rel * discount[: len(rel)]).sum() / best)


def scores_after(streams: Sequence[Any], n: int) -> np.ndarray:
    """Each stream's score once ``min(n, own writings)`` writings were read.

    A stream has ``scores`` and ``seen`` (writings read after each step); the score of
    the last step with ``seen <= n`` is taken (the first step when even that read more).
    """
    out = np.empty(len(streams))
    for i, s in enumerate(streams):
        seen = np.asarray(s.seen)
        if len(seen) == 0:
            out[i] = math.nan
            continue
        j = int(np.searchsorted(seen, n, side="right")) - 1
        out[i] = s.scores[max(j, 0)]
    return out


def ranking_metrics(streams: Sequence[Any], y_true, points: Iterable[int] = RANKING_POINTS) -> dict[str, float]:
    """P@10, NDCG@10 and NDCG@100 after each number of writings in ``points``."""
    out: dict[str, float] = {}
    for n in points:
        s = np.nan_to_num(scores_after(streams, n), nan=-np.inf)
        out[f"p@10_{n}"] = precision_at_k(s, y_true, 10)
        out[f"ndcg@10_{n}"] = ndcg_at_k(s, y_true, 10)
        out[f"ndcg@100_{n}"] = ndcg_at_k(s, y_true, 100)
    return out


def decision_metrics(y_true, decisions, delays, *, p: float = P_LATENCY) -> dict[str, float]:
    """Every decision-based measure at once: ERDE_5, ERDE_50, F_latency, precision, recall,
    F1, speed, latency-weighted precision / recall, mean / median delay of true positives."""
    y, d, k = _arrays(y_true, decisions, delays)
    precision, recall, f1 = _prf(y, d)
    lwp, lwr = latency_weighted_precision_recall(y, d, k, p)
    mean_delay, median_delay = tp_delays(y, d, k)
    return {
        "erde5": erde(y, d, k, o=5),
        "erde50": erde(y, d, k, o=50),
        "f_latency": f_latency(y, d, k, p),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "speed": speed(y, d, k, p),
        "lw_precision": lwp,
        "lw_recall": lwr,
        "tp_delay_mean": mean_delay,
        "tp_delay_median": median_delay,
        "alerts": float(d.sum()),
    }


#: Lower is better for these keys; higher for every other measure.
LOWER_IS_BETTER = frozenset({"erde5", "erde50", "tp_delay_mean", "tp_delay_median"})


def objective_value(metrics: Mapping[str, float], objective: str) -> float:
    """A number to *minimise* for ``objective`` (a key of :func:`decision_metrics`)."""
    if objective not in metrics:
        raise ValueError(f"unknown objective {objective!r}; choose from {', '.join(sorted(metrics))}")
    value = metrics[objective]
    if value is None or math.isnan(value):
        return math.inf
    return value if objective in LOWER_IS_BETTER else -value
