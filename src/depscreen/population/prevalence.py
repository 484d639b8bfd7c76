"""The share of each class in a screened population, with a bootstrap interval.

Counting a classifier's predicted labels answers "what share of this population shows
the signal?" wrongly whenever that share differs from the training set's: a model with
90 % sensitivity and 90 % specificity that sees 5 % cases flags about 14 % of the
people. The quantification literature corrects for it; this module implements its
standard methods on a model's probabilities for the screened items and on the
out-of-fold scores the model stored at training time (:class:`~.oof.OutOfFold`):

* ``cc`` -- classify and count: the share of the model's own predicted labels (biased;
  shown because it is what people compute by hand);
* ``pcc`` -- probabilistic classify and count: the mean calibrated probability (right
  when the share equals the training share, biased toward it otherwise);
* ``acc`` -- adjusted classify and count (Forman 2008): the count of "most probable
  class after dividing by the training share" corrected with that rule's true and false
  positive rates measured on the out-of-fold scores;
* ``pacc`` -- the probabilistic version of ``acc`` (Bella et al. 2010);
* ``em`` -- the expectation-maximisation re-estimation of priors of Saerens,
  Latinne and Decaestecker (2002): re-weights the calibrated probabilities until the
  share they imply is the share they are re-weighted to.

The adjustment solver and rate matrices follow QuaPy (Moreo, Esuli, Sebastiani), which
is a dependency: for more than two classes the adjusted methods call QuaPy's
``ACC.solve_adjustment`` (least squares on the simplex); QuaPy's ``EMQ.EM``,
``ACC`` and ``PACC`` are the reference the tests compare with. Here every method runs
on all bootstrap replicates at once (weights instead of copies), which is what makes a
1,000-replicate interval cheap.

The interval is a percentile bootstrap that resamples **both** the screened items and
the stored out-of-fold predictions (within each true class, so the training share stays
fixed): the error rates the adjusted methods divide by are estimates too. (``em`` reads
only the training share from the out-of-fold items, so for it only the screened items
are resampled.)

Example
-------
>>> import numpy as np
>>> from depscreen.population.oof import OutOfFold
>>> rng = np.random.default_rng(0)
>>> y = rng.random(2000) < 0.5
>>> s = np.clip(rng.normal(0.3 + 0.4 * y, 0.15), 0.01, 0.99)
>>> oof = OutOfFold(classes=[0, 1], y=y.astype(int), proba=np.c_[1 - s, s])
>>> t = rng.random(1000) < 0.1                      # the screened population: 10 % cases
>>> st = np.clip(rng.normal(0.3 + 0.4 * t, 0.15), 0.01, 0.99)
>>> est = estimate("acc", np.c_[1 - st, st], oof=oof)
>>> bool(abs(est[1] - t.mean()) < 0.05)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .oof import OutOfFold

METHODS = ("cc", "pcc", "acc", "pacc", "em")
METHOD_NAMES = {
    "cc": "classify and count",
    "pcc": "probabilistic classify and count",
    "acc": "adjusted classify and count",
    "pacc": "probabilistic adjusted classify and count",
    "em": "EM re-estimation of priors (Saerens-Latinne-Decaestecker)",
}
#: Methods that need the out-of-fold scores stored in the model folder.
NEEDS_OOF = frozenset({"acc", "pacc", "em"})
EM_TOL = 1e-6
EM_MAX_ITER = 1000
#: Bound on replicates x items x classes held in memory at once.
_CHUNK_CELLS = 4_000_000


class MissingOutOfFold(ValueError):
    """A method needs the training data's out-of-fold scores and the model has none."""


def check_method(method: str) -> str:
    """``method`` lower-cased, or a ValueError listing the methods."""
    m = str(method).strip().lower()
    if m not in METHODS:
        raise ValueError(f"unknown prevalence method {method!r}; use one of {', '.join(METHODS)}")
    return m


def training_prior(oof: OutOfFold) -> np.ndarray:
    """Each class's share among the training items the out-of-fold scores belong to:
    the share the calibrated probabilities are calibrated to."""
    return np.bincount(oof.y, minlength=len(oof.classes)) / len(oof.y)


def balanced_labels(proba: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Class index of each row of ``proba`` after dividing by the training ``prior``:
    the most probable class if every class were equally common. For two classes, "P(pos)
    above the training share". ``acc`` counts these labels: unlike the default decision
    rule they give a true-positive rate well away from the false-positive rate, which
    keeps the adjustment stable."""
    return np.argmax(np.asarray(proba, dtype=float) / np.maximum(prior, 1e-12), axis=1)


@dataclass(frozen=True)
class _Inputs:
    """What every method reads: the screened items' probabilities and labels, and the
    out-of-fold scores (or None)."""

    proba: np.ndarray  # (n, K)
    decided: np.ndarray | None  # (n,) class indices of the model's own decisions (cc)
    oof: OutOfFold | None

    @property
    def K(self) -> int:
        return self.proba.shape[1]


def _onehot(idx: np.ndarray, K: int) -> np.ndarray:
    return np.eye(K)[np.asarray(idx, dtype=int)]


def _check(method: str, proba: np.ndarray, decided: np.ndarray | None, oof: OutOfFold | None) -> _Inputs:
    method = check_method(method)
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[1] < 2:
        raise ValueError(f"prevalence needs class probabilities of shape (n, K >= 2), got {proba.shape}")
    if len(proba) == 0:
        raise ValueError("prevalence needs at least one screened item")
    if method in NEEDS_OOF:
        if oof is None:
            raise MissingOutOfFold(
                f"method '{method}' needs the out-of-fold scores stored with the model at training time; "
                "this model has none (retrain it with `depscreen train` on a model that stores them, e.g. "
                "depscreen-default), or use --method cc / pcc")
        if len(oof.classes) != proba.shape[1]:
            raise ValueError(f"the out-of-fold scores have {len(oof.classes)} classes, the model gives "
                             f"{proba.shape[1]} probability columns")
        missing = [c for c, n in zip(oof.classes, np.bincount(oof.y, minlength=len(oof.classes))) if n == 0]
        if missing:
            raise ValueError(f"the out-of-fold scores have no item of class {missing}: cannot estimate its rates")
    if method == "cc":
        if decided is None:
            raise ValueError("method 'cc' needs the model's predicted labels")
        decided = np.asarray(decided, dtype=int)
        if decided.shape != (len(proba),):
            raise ValueError(f"{len(decided)} predicted labels for {len(proba)} probability rows")
    return _Inputs(proba, decided, oof)


# ------------------------------------------------------------------ the methods
def estimate(method: str, proba: np.ndarray, *, decided: np.ndarray | None = None,
             oof: OutOfFold | None = None) -> np.ndarray:
    """The estimated share of each class (length K, sums to 1) by ``method``.

    Parameters
    ----------
    method : one of :data:`METHODS`.
    proba : ``(n, K)`` calibrated probabilities of the screened items (``predict_proba``).
    decided : ``(n,)`` class indices the model predicted (needed by ``cc`` only).
    oof : the model's stored out-of-fold scores (needed by ``acc``, ``pacc``, ``em``).
    """
    inp = _check(method, proba, decided, oof)
    n = len(inp.proba)
    W = np.ones((1, n))
    V = None if inp.oof is None else np.ones((1, len(inp.oof.y)))
    return _batch(method, inp, W, V)[0]


def bootstrap(method: str, proba: np.ndarray, *, decided: np.ndarray | None = None,
              oof: OutOfFold | None = None, n_boot: int = 1000,
              rng: np.random.Generator | int | None = 0, resample_oof: bool = True) -> np.ndarray:
    """``(n_boot, K)`` bootstrap replicates of :func:`estimate`: each resamples the
    screened items with replacement and (``resample_oof``) the out-of-fold items with
    replacement within each true class."""
    inp = _check(method, proba, decided, oof)
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    rng = np.random.default_rng(rng)
    n = len(inp.proba)
    m = 0 if inp.oof is None else len(inp.oof.y)
    method = check_method(method)
    per = max(1, _CHUNK_CELLS // max(1, max(n, m) * inp.K))
    out = []
    for start in range(0, n_boot, per):
        b = min(per, n_boot - start)
        W = _resample_weights(rng, n, b)
        V = None  # em reads only the training share from the out-of-fold items: fixed
        if method in ("acc", "pacc"):
            V = _stratified_weights(rng, inp.oof.y, b) if resample_oof else np.ones((b, m))
        out.append(_batch(method, inp, W, V))
    return np.concatenate(out)


def interval(replicates: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of bootstrap ``replicates`` (``(B, K)``) at ``confidence``."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    a = (1 - confidence) / 2
    return np.quantile(replicates, a, axis=0), np.quantile(replicates, 1 - a, axis=0)


def _resample_weights(rng: np.random.Generator, n: int, b: int) -> np.ndarray:
    idx = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
    return np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(float)


def _stratified_weights(rng: np.random.Generator, y: np.ndarray, b: int) -> np.ndarray:
    m = len(y)
    V = np.zeros(b * m)
    offset = (np.arange(b) * m)[:, None]
    for k in np.unique(y):
        members = np.flatnonzero(y == k)
        idx = members[rng.integers(0, len(members), size=(b, len(members)))] + offset
        V += np.bincount(idx.ravel(), minlength=b * m)
    return V.reshape(b, m)


def _batch(method: str, inp: _Inputs, W: np.ndarray, V: np.ndarray | None) -> np.ndarray:
    """Estimates for every row of item weights ``W`` (``(B, n)``) and out-of-fold weights
    ``V`` (``(B, m)``); a row of ones is the plain estimate."""
    K = inp.K
    n_w = W.sum(axis=1, keepdims=True)
    if method == "cc":
        return W @ _onehot(inp.decided, K) / n_w
    if method == "pcc":
        return W @ inp.proba / n_w
    oof = inp.oof
    base_prior = training_prior(oof)
    if method == "em":
        return _em(inp.proba, W, np.repeat(base_prior[None, :], len(W), axis=0))
    if V is None:
        V = np.ones((len(W), len(oof.y)))
    Y = _onehot(oof.y, K)  # (m, K)
    class_w = V @ Y  # (B, K): weight of each true class among the out-of-fold items
    if method == "acc":
        test_scores = _onehot(balanced_labels(inp.proba, base_prior), K)
        oof_scores = _onehot(balanced_labels(oof.proba, base_prior), K)
    else:  # pacc
        test_scores, oof_scores = inp.proba, oof.proba
    q = W @ test_scores / n_w  # (B, K) unadjusted shares
    # M[b, i, j] = P(score i | true class j), from the weighted out-of-fold items
    M = np.stack([(V * Y[:, j]) @ oof_scores for j in range(K)], axis=2) / class_w[:, None, :]
    return _adjust(q, M)


def _adjust(q: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Solve ``q = M p`` for shares ``p`` on the simplex, replicate by replicate.

    Two classes: Forman's closed form ``(q - fpr) / (tpr - fpr)`` clipped to [0, 1]
    (the unadjusted share when ``tpr <= fpr``: the rule carries no signal). More
    classes: QuaPy's least-squares solver on the simplex, then clipped and normalised.
    """
    B, K = q.shape
    if K == 2:
        tpr, fpr = M[:, 1, 1], M[:, 1, 0]
        gap = tpr - fpr
        ok = gap > 1e-9
        p1 = np.where(ok, (q[:, 1] - fpr) / np.where(ok, gap, 1.0), q[:, 1])
        p1 = np.clip(p1, 0.0, 1.0)
        return np.c_[1 - p1, p1]
    import quapy.functional as F
    from quapy.method.aggregative import ACC

    out = np.empty_like(q)
    for b in range(B):
        p = ACC.solve_adjustment(class_conditional_rates=M[b], unadjusted_counts=q[b],
                                 method="inversion", solver="minimize")
        out[b] = F.normalize_prevalence(np.asarray(p, dtype=float), method="clip")
    return out


def _em(proba: np.ndarray, W: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Saerens-Latinne-Decaestecker EM for every replicate at once: posteriors
    ``proba`` calibrated to ``prior`` (``(B, K)``) are re-weighted by ``q / prior`` and
    renormalised, and ``q`` becomes their weighted mean, until ``q`` moves less than
    :data:`EM_TOL` (the same iteration as QuaPy's ``EMQ.EM``)."""
    prior = np.maximum(prior, 1e-12)
    n_w = W.sum(axis=1, keepdims=True)
    if proba.shape[1] == 2:
        return _em_binary(proba[:, 1], W, prior[:, 1])
    q = prior.copy()
    active = np.ones(len(q), dtype=bool)
    for _ in range(EM_MAX_ITER):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        ratio = q[idx] / prior[idx]  # (b, K)
        post = proba[None, :, :] * ratio[:, None, :]
        post /= post.sum(axis=2, keepdims=True)
        new = np.einsum("bn,bnk->bk", W[idx], post) / n_w[idx]
        moved = np.abs(new - q[idx]).max(axis=1)
        q[idx] = new
        active[idx[moved < EM_TOL]] = False
    return q


def _em_binary(p: np.ndarray, W: np.ndarray, prior: np.ndarray, iters: int = 60) -> np.ndarray:
    """Two classes: EM's fixed point is the maximum-likelihood share ``q``, the root of
    ``sum_i w_i (a_i - b_i) / (q a_i + (1 - q) b_i)`` with ``a = p / prior`` and
    ``b = (1 - p) / (1 - prior)``, which decreases in ``q`` (a concave likelihood): found
    by bisection for every replicate at once (EM itself crawls when the classes overlap)."""
    a = p[None, :] / prior[:, None]
    b = (1 - p[None, :]) / (1 - prior[:, None])
    d = a - b

    def slope(q):
        return np.einsum("bn,bn->b", W, d / (q[:, None] * a + (1 - q[:, None]) * b + 1e-300))

    lo, hi = np.zeros(len(prior)), np.ones(len(prior))
    q = np.where(slope(lo) <= 0, 0.0, np.where(slope(hi) >= 0, 1.0, np.nan))
    todo = np.isnan(q)
    for _ in range(iters):
        if not todo.any():
            break
        mid = (lo + hi) / 2
        up = slope(mid) > 0
        lo = np.where(todo & up, mid, lo)
        hi = np.where(todo & ~up, mid, hi)
    q = np.where(todo, (lo + hi) / 2, q)
    return np.c_[1 - q, q]


# ------------------------------------------------------------------ one group
@dataclass(frozen=True)
class Estimate:
    """One method's answer for one group: the share of each class with an interval."""

    method: str
    shares: np.ndarray  # (K,)
    low: np.ndarray  # (K,)
    high: np.ndarray  # (K,)


def estimate_with_interval(method: str, proba: np.ndarray, *, decided: np.ndarray | None = None,
                           oof: OutOfFold | None = None, n_boot: int = 1000, confidence: float = 0.95,
                           rng: np.random.Generator | int | None = 0) -> Estimate:
    """:func:`estimate` with a percentile bootstrap interval (:func:`bootstrap`)."""
    point = estimate(method, proba, decided=decided, oof=oof)
    reps = bootstrap(method, proba, decided=decided, oof=oof, n_boot=n_boot, rng=rng)
    lo, hi = interval(reps, confidence)
    return Estimate(check_method(method), point, lo, hi)


def estimate_all(methods: Sequence[str], proba: np.ndarray, *, decided: np.ndarray | None = None,
                 oof: OutOfFold | None = None, n_boot: int = 1000, confidence: float = 0.95,
                 seed: int = 0) -> dict[str, Estimate]:
    """:func:`estimate_with_interval` for each method, each with its own seeded stream
    (the same seed gives the same intervals whatever other methods are asked)."""
    out = {}
    for m in methods:
        m = check_method(m)
        rng = np.random.default_rng([int(seed), METHODS.index(m)])
        out[m] = estimate_with_interval(m, proba, decided=decided, oof=oof, n_boot=n_boot,
                                        confidence=confidence, rng=rng)
    return out
