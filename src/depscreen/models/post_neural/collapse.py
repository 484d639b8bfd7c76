"""What a post-level classifier does when its network collapsed to one class.

A collapsed (*degenerate*) :class:`~.training.TrainingRun` predicts one class for every
validation post. :func:`retry_plan` chooses the settings of the one retry (balanced
class weights; three times the epochs when the run was still improving when
``max_epochs`` ran out, else a third of the learning rate and twice the epochs),
:func:`collapse_message` names the likely cause and the fix, and :func:`resolve_collapse`
warns, retrains once through a callback, and keeps the retry if it is not degenerate;
else the best epoch of either run that predicts more than one class, when there is one.

Example
-------
>>> RETRY_MORE_EPOCHS, RETRY_LR_FACTOR, RETRY_EPOCH_FACTOR
(3, 0.3333333333333333, 2)
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any, Callable

from .training import TrainingRun

#: the one retry after a collapse: a network still improving when ``max_epochs`` ran out
#: gets this many times the epochs; one that stopped improving gets a lower learning
#: rate and more epochs
RETRY_MORE_EPOCHS = 3
RETRY_LR_FACTOR = 1 / 3
RETRY_EPOCH_FACTOR = 2

#: ``(class_weight, lr, max_epochs)`` of a retry
Plan = tuple[Any, float, int]

__all__ = ["DegenerateModelWarning", "Plan", "retry_plan", "collapse_message", "resolve_collapse"]


class DegenerateModelWarning(UserWarning):
    """A trained network predicts one class for every validation (or training) post."""


def retry_plan(run: TrainingRun) -> Plan:
    """Settings of the one retry after a collapse: (class_weight, lr, max_epochs).

    Balanced class weights unless other weights were given; if the collapsed run was
    still improving when it ran out of epochs it gets more epochs at the same rate,
    otherwise it stopped improving on one class and gets a lower rate (and more
    epochs to make up for it)."""
    weights = "balanced" if run.class_weight_spec is None else run.class_weight_spec
    if run.still_improving:
        return weights, run.lr, run.max_epochs * RETRY_MORE_EPOCHS
    return weights, run.lr * RETRY_LR_FACTOR, run.max_epochs * RETRY_EPOCH_FACTOR


def collapse_message(run: TrainingRun, plan: Plan | None, who: str) -> str:
    """The warning about a collapsed ``run`` of model ``who`` (name, architecture,
    input): the likely causes and what happens now (``plan`` None: nothing)."""
    causes = []
    if run.class_weight_spec is None:
        causes.append("an unweighted loss on imbalanced classes (use class_weight='balanced')")
    if run.still_improving:
        causes.append(f"too few updates: the loss was still falling when max_epochs="
                      f"{run.max_epochs} ran out (raise max_epochs or lr)")
    else:
        causes.append(f"a learning rate too high for this data (lr={run.lr:g}; try a "
                      "third of it with more max_epochs)")
    if plan is None:
        then = "keeping it (on_degenerate='warn')"
    else:
        then = (f"retraining once with class_weight={plan[0]!r}, lr={plan[1]:g}, "
                f"max_epochs={plan[2]}")
    return (
        f"{who} predicts one class ({run.predicted_class!r}) for all {run.n_checked} "
        f"{run.checked_on} posts: the network has collapsed. Likely cause: "
        f"{'; or '.join(causes)}. Compare with tfidf-lr. Now {then}."
    )


def resolve_collapse(
    first: TrainingRun,
    plan: Plan | None,
    retrain: Callable[[Plan], TrainingRun],
    *,
    who: str,
    name: str,
    stacklevel: int = 2,
) -> tuple[TrainingRun, dict[str, Any]]:
    """Warn about the collapsed ``first`` run and, with a ``plan``, retrain once;
    as a last resort keep the best epoch (of either run) that predicts more than one
    class. Returns the run to keep and the ``fallback_`` record (what was tried, what
    was kept). ``who`` names the model in the first warning, ``name`` (its class name)
    in the second; ``stacklevel`` is the one the caller would give ``warnings.warn``
    (default 2: the warnings point at the caller's caller)."""
    warnings.warn(collapse_message(first, plan, who), DegenerateModelWarning, stacklevel=stacklevel + 1)
    fallback: dict[str, Any] = {"first": first.summary(), "kept": "first"}
    if plan is None:
        return first, fallback
    second = retrain(plan)
    fallback["retry"] = second.summary()
    if not second.degenerate:
        fallback["kept"] = "retry"
        return second, fallback
    for label, candidate in (("first", first), ("retry", second)):
        epoch = candidate.checkpoint.restore_alternative(candidate.network)
        if epoch is not None:
            fallback["kept"] = f"{label}, epoch {epoch}"
            tail = (f"keeping epoch {epoch} of the {label} run, the best one that predicts "
                    "more than one class on the validation posts")
            kept = replace(candidate, best_epoch=epoch, degenerate=False)
            break
    else:
        tail, kept = "keeping the first network, which predicts one class", first
    warnings.warn(
        f"{name}: the retrained network predicts one class too; {tail}. "
        "This data may be too small or too noisy for this network: compare with tfidf-lr.",
        DegenerateModelWarning, stacklevel=stacklevel + 1,
    )
    return kept, fallback

