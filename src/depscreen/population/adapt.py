"""Adapting calibrated probabilities to the class shares of the population being scored.

A model's probabilities are calibrated to its training population. Where the screened
population has another share of cases, Bayes' rule says how each probability changes
when only the case mix changes (Saerens, Latinne and Decaestecker, 2002)::

    p_new(k | x)  ∝  p(k | x) * share_new(k) / share_train(k)

:func:`reweight` applies it; :func:`adapt` first estimates the new shares on the
unlabelled items themselves (:mod:`.prevalence`, EM by default) and then re-weights. The
decision rule (a threshold, a median level) is then applied to the re-weighted
probabilities.

This is right when the population differs from the training one *only* in its case mix
(a "prior shift"). A real new population also writes differently; then the estimated
share can overshoot and adapted decisions can be worse than unadapted ones (see
``docs/population.md`` and ``docs/results/prevalence.md``).

Example
-------
>>> import numpy as np
>>> reweight(np.array([[0.5, 0.5]]), np.array([0.5, 0.5]), np.array([0.9, 0.1])).round(2).tolist()
[[0.9, 0.1]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .oof import OutOfFold
from .prevalence import check_method, estimate, training_prior

#: Fewer items than this give a share estimate too noisy to adapt decisions to.
MIN_ITEMS = 50


def reweight(proba: np.ndarray, train_prior: np.ndarray, target_prior: np.ndarray) -> np.ndarray:
    """``proba`` (``(n, K)``, calibrated to ``train_prior``) re-weighted by
    ``target_prior / train_prior`` and renormalised per row."""
    proba = np.asarray(proba, dtype=float)
    ratio = np.asarray(target_prior, dtype=float) / np.maximum(np.asarray(train_prior, dtype=float), 1e-12)
    out = proba * ratio[None, :]
    total = out.sum(axis=1, keepdims=True)
    return np.divide(out, total, out=np.full_like(out, 1.0 / out.shape[1]), where=total > 0)


@dataclass
class Adaptation:
    """What :func:`adapt` did: the method, the training and estimated shares, and any
    warnings (few items)."""

    method: str
    classes: list
    train_shares: np.ndarray
    shares: np.ndarray
    n_items: int
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n_items": self.n_items,
            "train_shares": {str(c): round(float(v), 6) for c, v in zip(self.classes, self.train_shares)},
            "estimated_shares": {str(c): round(float(v), 6) for c, v in zip(self.classes, self.shares)},
            "warnings": list(self.warnings),
        }


def adapt(proba: np.ndarray, oof: OutOfFold | None, *, method: str = "em",
          decided: np.ndarray | None = None) -> tuple[np.ndarray, Adaptation]:
    """Estimate the class shares of the items behind ``proba`` by ``method`` and return
    the probabilities re-weighted to them, with an :class:`Adaptation` record.

    Needs the model's out-of-fold scores (for the training shares and, for ``acc`` /
    ``pacc``, the error rates); fewer than :data:`MIN_ITEMS` items give a warning.
    """
    method = check_method(method)
    if oof is None:
        raise ValueError("prior adaptation needs the training data's out-of-fold scores stored with the model; "
                         "this model has none: retrain it with `depscreen train` (depscreen-default stores them)")
    proba = np.asarray(proba, dtype=float)
    warnings = []
    if len(proba) < MIN_ITEMS:
        warnings.append(f"prior adaptation on {len(proba)} items (fewer than {MIN_ITEMS}): the estimated share "
                        "is noisy and may move decisions the wrong way")
    shares = estimate(method, proba, decided=decided, oof=oof)
    prior = training_prior(oof)
    return reweight(proba, prior, shares), Adaptation(method, list(oof.classes), prior, shares, len(proba), warnings)
