"""Calibration maps: from a model's probabilities to probabilities that hold on the training population.

A classifier fitted with balanced class weights acts as if every class were equally
common, so its probabilities are calibrated to equal class shares, not to the population
it was trained on; a regularised or stacked model is also over- or under-confident.
A calibrator is a small map fitted on **out-of-fold** probabilities of the training
items (:mod:`depscreen.population.oof`) with their true labels, by the *unweighted*
log-loss, so that after it "0.3" means "about 3 in 10 such items are cases" in the
training population, whatever class weights the model was fitted with.

Methods (``method=``)
---------------------
``"sigmoid"``
    Platt scaling on the logit: ``P(pos) = sigmoid(a * logit(p) + b)`` (two classes).
    For more classes the same idea on log-probabilities: one shared scale and one bias
    per class, ``softmax(a * log p + b)``. Two (or K + 1) numbers: safe on small sets.
``"temperature"``
    ``softmax(log p / T)`` (Guo et al., 2017): one number. Fixes over- or under-confidence
    but cannot move the class shares, so it cannot undo balanced class weights.
``"vector"``
    Vector scaling, ``softmax(w * log p + b)`` with one scale and one bias per class:
    fixes confidence and class shares per class (2K numbers).
``"isotonic"``
    A non-decreasing step function of P(class) (one-vs-rest and renormalised for more
    classes). Most flexible, but it overfits small sets and turns scores into ties, so it
    is used only with at least :data:`ISOTONIC_MIN_ITEMS` out-of-fold items; with fewer,
    ``sigmoid`` is used and the note says so (scikit-learn's guidance: isotonic
    calibration needs well over a thousand calibration samples).
``"auto"``
    ``sigmoid`` for two classes, ``vector`` for more (the per-class biases are what
    undo balanced class weights; temperature alone cannot).

The scaling maps are fitted by L-BFGS on the mean log-loss plus a small L2 pull
(``l2``) toward the identity map (scale 1, bias 0), so a tiny or separable sample
cannot send a scale to infinity; scales are kept non-negative, so a map never turns a
model's ranking upside down.

Every calibrator follows scikit-learn's estimator API (``fit(proba, y)`` with ``y`` the
class *indices*, ``transform(proba)``) and has a JSON-serialisable fitted state
(:meth:`get_state`, :func:`calibrator_from_state`): calibrators are saved in a model's
``config.json``, never pickled.

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> y = (rng.random(2000) < 0.2).astype(int)
>>> true_p = np.where(y == 1, rng.beta(5, 2, 2000), rng.beta(2, 5, 2000))
>>> over = np.column_stack([1 - true_p ** 0.3, true_p ** 0.3])  # scores pushed up
>>> fit = fit_calibrator(over, y, method="sigmoid")
>>> fit.method, fit.note
('sigmoid', '')
>>> bool(fit.calibrator.transform(over)[:, 1].mean() < over[:, 1].mean())
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from ..jsonable import plain_value

METHODS = ("auto", "sigmoid", "isotonic", "temperature", "vector")
#: Fewest members a class needs in the out-of-fold sample for a calibration map.
MIN_CLASS_MEMBERS = 5
#: Fewest out-of-fold items for an isotonic map (fewer: sigmoid, and the note says so).
ISOTONIC_MIN_ITEMS = 1000
#: Below this scale on the log-probabilities a sigmoid / temperature / vector map says the
#: out-of-fold probabilities carry (almost) no ranking -- a small training set whose
#: inner-fold models learnt little, or labels the text does not predict. The map is kept
#: (it is what the held-out evidence supports: scores close to one value), and a warning
#: and the note say so, since every user then gets nearly the same score.
MIN_SCALE = 0.1
_EPS = 1e-12
_PROBA_FLOOR = 1e-6  # isotonic output is kept inside (floor, 1 - floor): no log(0)


def _check_proba(proba: Any, n_classes: int | None = None) -> np.ndarray:
    P = np.asarray(proba, dtype=float)
    if P.ndim != 2 or P.shape[1] < 2:
        raise ValueError(f"expected class probabilities of shape (n, K >= 2), got {P.shape}")
    if n_classes is not None and P.shape[1] != n_classes:
        raise ValueError(f"calibrator was fitted on {n_classes} classes, got {P.shape[1]} probability columns")
    if not np.all(np.isfinite(P)):
        raise ValueError("class probabilities hold NaN or infinite values")
    return P


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class _Scaling(BaseEstimator):
    """``softmax(w * log p + b)``; subclasses say whether ``w`` is one number or one per
    class and whether there is a bias."""

    method = ""
    shared_scale = True
    bias = True

    def __init__(self, *, l2: float = 1e-3, max_iter: int = 200):
        self.l2 = l2
        self.max_iter = max_iter

    def fit(self, proba: Any, y: Any) -> "_Scaling":
        """Fit on probabilities ``proba`` (n, K) and true class indices ``y`` (n,)."""
        from scipy.optimize import minimize

        if float(self.l2) < 0:
            raise ValueError(f"l2 must be non-negative, got {self.l2}")
        P = _check_proba(proba)
        y = np.asarray(y, dtype=int)
        if len(y) != len(P):
            raise ValueError(f"{len(P)} probability rows but {len(y)} labels")
        n, K = P.shape
        if len(y) == 0 or y.min() < 0 or y.max() >= K:
            raise ValueError(f"labels must be class indices 0..{K - 1}")
        L = np.log(np.clip(P, _EPS, 1.0))
        Y = np.zeros((n, K))
        Y[np.arange(n), y] = 1.0
        nw = 1 if self.shared_scale else K
        nb = K if self.bias else 0
        theta0 = np.r_[np.ones(nw), np.zeros(nb)]
        l2 = float(self.l2)

        def unpack(theta):
            w = theta[:nw] if not self.shared_scale else np.full(K, theta[0])
            b = theta[nw:] if self.bias else np.zeros(K)
            return w, b

        def loss(theta):
            w, b = unpack(theta)
            Q = _softmax(L * w + b)
            value = -np.mean(np.log(np.clip(Q[np.arange(n), y], _EPS, 1.0))) + l2 * np.sum((theta - theta0) ** 2)
            G = (Q - Y) / n
            gw = (G * L).sum(axis=0)
            grad = [np.atleast_1d(gw.sum()) if self.shared_scale else gw]
            if self.bias:
                grad.append(G.sum(axis=0))
            return value, np.concatenate(grad) + 2 * l2 * (theta - theta0)

        bounds = [(0.0, None)] * nw + [(None, None)] * nb  # a scale >= 0: a map never reverses the ranking
        res = minimize(loss, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": int(self.max_iter)})
        w, b = unpack(res.x)
        self.coef_ = np.asarray(w, dtype=float)
        self.intercept_ = np.asarray(b, dtype=float) - np.mean(b)  # softmax is shift-invariant
        self.n_classes_ = K
        return self

    def transform(self, proba: Any) -> np.ndarray:
        """Calibrated probabilities for ``proba`` (n, K)."""
        from ..fitted import check_fitted

        check_fitted(self, "coef_")
        P = _check_proba(proba, self.n_classes_)
        return _softmax(np.log(np.clip(P, _EPS, 1.0)) * self.coef_ + self.intercept_)

    def get_state(self) -> dict[str, Any]:
        """The fitted map as JSON values (see :func:`calibrator_from_state`)."""
        from ..fitted import check_fitted

        check_fitted(self, "coef_")
        return {"method": self.method, "coef": [float(v) for v in self.coef_],
                "intercept": [float(v) for v in self.intercept_]}


class SigmoidCalibrator(_Scaling):
    """Platt scaling on the logit (two classes): ``sigmoid(a * logit(p) + b)``; for more
    classes one shared scale and a bias per class on the log-probabilities.

    Parameters
    ----------
    l2 : float
        Pull toward the identity map (scale 1, bias 0), added to the mean log-loss.
    max_iter : int
        L-BFGS iterations.
    """

    method = "sigmoid"
    shared_scale = True
    bias = True


class TemperatureCalibrator(_Scaling):
    """Temperature scaling ``softmax(log p / T)``: one number (``coef_ = 1 / T`` for every
    class); leaves the ranking and the argmax unchanged, cannot move class shares.
    Parameters as :class:`SigmoidCalibrator`."""

    method = "temperature"
    shared_scale = True
    bias = False


class VectorCalibrator(_Scaling):
    """Vector scaling ``softmax(w * log p + b)``, one scale and one bias per class.
    Parameters as :class:`SigmoidCalibrator`."""

    method = "vector"
    shared_scale = False
    bias = True


class IsotonicCalibrator(BaseEstimator):
    """A non-decreasing step map of each class's probability (one-vs-rest; rows
    renormalised for more than two classes, the positive class's map alone for two).
    Kept inside ``(1e-6, 1 - 1e-6)`` so that no calibrated probability is exactly 0 or 1."""

    method = "isotonic"

    def fit(self, proba: Any, y: Any) -> "IsotonicCalibrator":
        from sklearn.isotonic import IsotonicRegression

        P = _check_proba(proba)
        y = np.asarray(y, dtype=int)
        if len(y) != len(P):
            raise ValueError(f"{len(P)} probability rows but {len(y)} labels")
        K = P.shape[1]
        cols = [1] if K == 2 else list(range(K))
        self.x_, self.y_ = [], []
        for k in cols:
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(P[:, k], (y == k).astype(float))
            self.x_.append(np.asarray(iso.X_thresholds_, dtype=float))
            self.y_.append(np.asarray(iso.y_thresholds_, dtype=float))
        self.n_classes_ = K
        return self

    def transform(self, proba: Any) -> np.ndarray:
        from ..fitted import check_fitted

        check_fitted(self, "x_")
        P = _check_proba(proba, self.n_classes_)
        maps = [np.clip(np.interp(P[:, k if self.n_classes_ > 2 else 1], x, v), _PROBA_FLOOR, 1 - _PROBA_FLOOR)
                for k, (x, v) in enumerate(zip(self.x_, self.y_))]
        if self.n_classes_ == 2:
            return np.column_stack([1 - maps[0], maps[0]])
        Q = np.column_stack(maps)
        return Q / Q.sum(axis=1, keepdims=True)

    def get_state(self) -> dict[str, Any]:
        from ..fitted import check_fitted

        check_fitted(self, "x_")
        return {"method": self.method, "n_classes": int(self.n_classes_),
                "x": [a.tolist() for a in self.x_], "y": [a.tolist() for a in self.y_]}


CALIBRATORS = {c.method: c for c in (SigmoidCalibrator, TemperatureCalibrator, VectorCalibrator, IsotonicCalibrator)}


def calibrator_from_state(state: dict[str, Any]):
    """A fitted calibrator rebuilt from :meth:`get_state`'s JSON values."""
    method = state.get("method")
    if method not in CALIBRATORS:
        raise ValueError(f"unknown calibration method {method!r} in a saved model; known: {', '.join(CALIBRATORS)}")
    cal = CALIBRATORS[method]()
    if method == "isotonic":
        cal.x_ = [np.asarray(a, dtype=float) for a in state["x"]]
        cal.y_ = [np.asarray(a, dtype=float) for a in state["y"]]
        cal.n_classes_ = int(state["n_classes"])
    else:
        cal.coef_ = np.asarray(state["coef"], dtype=float)
        cal.intercept_ = np.asarray(state["intercept"], dtype=float)
        cal.n_classes_ = len(cal.intercept_)
    return cal


@dataclass
class CalibrationFit:
    """What :func:`fit_calibrator` did: the fitted map (None: left uncalibrated), the
    method used, and a note saying why when that is not what was asked for ("" otherwise)."""

    calibrator: Any
    method: str | None
    note: str = ""

    def transform(self, proba: np.ndarray) -> np.ndarray:
        return np.asarray(proba, dtype=float) if self.calibrator is None else self.calibrator.transform(proba)

    def state(self) -> dict[str, Any] | None:
        return None if self.calibrator is None else self.calibrator.get_state()


def check_method(method: str | None) -> None:
    """Refuse an unknown calibration method with the list of known ones."""
    if method is not None and method not in METHODS:
        raise ValueError(f"calibration must be one of {', '.join(METHODS)} or None, got {method!r}")


def resolve_method(method: str, n_classes: int) -> str:
    """``"auto"`` made concrete: ``sigmoid`` for two classes, ``vector`` for more."""
    check_method(method)
    if method == "auto":
        return "sigmoid" if n_classes == 2 else "vector"
    return method


def fit_calibrator(proba: np.ndarray | None, y: np.ndarray | None, method: str | None = "auto", *,
                   n_classes: int | None = None, classes: Any = None, l2: float = 1e-3) -> CalibrationFit:
    """Fit the calibration map ``method`` on out-of-fold probabilities ``proba`` with true
    class indices ``y``, or say why not.

    Never raises on thin data: with no out-of-fold probabilities (``proba`` None: the
    model could not hold any items out), or a class with fewer than
    :data:`MIN_CLASS_MEMBERS` members, the result has ``calibrator=None`` and a ``note``
    naming the class (from ``classes`` when given) and its count; ``isotonic`` with fewer than
    :data:`ISOTONIC_MIN_ITEMS` items falls back to ``sigmoid`` with a note. An unknown
    ``method`` is a ``ValueError`` (a caller's mistake, not thin data).
    """
    check_method(method)
    if method is None:
        return CalibrationFit(None, None, "calibration off (calibration=None)")
    if proba is None or y is None:
        return CalibrationFit(None, None, "left uncalibrated: no out-of-fold probabilities "
                              "(a class has too few members to hold any out)")
    P = _check_proba(proba, n_classes)
    y = np.asarray(y, dtype=int)
    K = P.shape[1]
    counts = np.bincount(y, minlength=K)
    if counts.min() < MIN_CLASS_MEMBERS:
        k = int(counts.argmin())
        name = f"class {plain_value(classes[k])!r}" if classes is not None else f"class index {k}"
        return CalibrationFit(None, None, f"left uncalibrated: {name} has {int(counts[k])} out-of-fold "
                              f"member(s), calibration needs at least {MIN_CLASS_MEMBERS} per class")
    concrete = resolve_method(method, K)
    note = ""
    if concrete == "isotonic" and len(y) < ISOTONIC_MIN_ITEMS:
        concrete = "sigmoid"
        note = (f"isotonic calibration needs at least {ISOTONIC_MIN_ITEMS} out-of-fold items, "
                f"got {len(y)}: used sigmoid")
    cal = CALIBRATORS[concrete]() if concrete == "isotonic" else CALIBRATORS[concrete](l2=l2)
    cal.fit(P, y)
    scale = getattr(cal, "coef_", None)
    if scale is not None and float(np.min(scale)) < MIN_SCALE:
        flat = (f"the out-of-fold probabilities barely rank the training items (the {concrete} map scales them by "
                f"{float(np.min(scale)):.3f}, < {MIN_SCALE}): no held-out signal at this size, so the calibrated "
                "scores are close to one value for everyone; more training data, or a model that ranks held-out "
                "items, is needed before its scores mean anything")
        warnings.warn(f"calibration: {flat}", RuntimeWarning, stacklevel=2)
        note = f"{note}; {flat}" if note else flat
    return CalibrationFit(cal, concrete, note)
