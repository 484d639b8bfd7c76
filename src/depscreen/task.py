"""What kind of prediction task the labels describe: one rule for the harness and the models.

``infer_task(y)`` reads the labels and answers ``binary``, ``multiclass``, ``ordinal`` or
``regression``. :func:`depscreen.evaluate.metrics.check_task` (which metrics the harness
reports) and the models with an ``"auto"`` head (LMILAtt, MHIM) both call it, so a
corpus is never a regression problem to one and a classification to the other.

The rule, in order (labels that are ``None`` -- unlabelled users -- are ignored):

1. no labels, a single distinct label, a non-finite number (NaN, inf) or a mix of
   strings and numbers: a ``ValueError`` that says what to do;
2. any number that is not a whole number (``0.3``, ``2.5``): ``regression``. A score is a
   score however few distinct values the sample holds, so ``{0.3, 0.7}`` is regression;
   map such labels to classes first (``0`` / ``1`` or names) to treat them as classes;
3. exactly two distinct labels: ``binary`` (``0`` / ``1``, ``True`` / ``False``,
   ``0.0`` / ``1.0``, ``"control"`` / ``"depressed"``, ``1`` / ``2``);
4. more than two whole numbers (``0..4`` severity levels, ``2.0`` counts as ``2``):
   ``ordinal``;
5. more than two strings: ``multiclass``.

Pass the task explicitly where the guess is wrong (unordered integer classes are
``multiclass``): :func:`check_task` validates an explicit choice against the labels.

Example
-------
>>> infer_task([0, 1, 1]), infer_task([0, 1, 2, 4]), infer_task(["joy", "sad", "anger"])
('binary', 'ordinal', 'multiclass')
>>> infer_task([0.3, 0.7, 0.3]), infer_task([12.5, 3.0, 7.25])
('regression', 'regression')
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .jsonable import plain_value

TASKS = ("binary", "multiclass", "ordinal", "regression")


def is_number(v: Any) -> bool:
    """A real number label (bools are not numbers here: they are binary classes)."""
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def infer_task(y: Sequence[Any]) -> str:
    """The task the labels ``y`` describe (see the module docstring for the rule)."""
    values = [plain_value(v) for v in (y.tolist() if isinstance(y, np.ndarray) else y) if v is not None]
    if not values:
        raise ValueError("cannot infer the task: no labels")
    numbers = [v for v in values if is_number(v)]
    texts = [v for v in values if isinstance(v, str)]
    if numbers and len(numbers) != len(values):
        kinds = sorted({type(v).__name__ for v in values})
        raise ValueError(
            f"cannot infer the task from labels of mixed types ({kinds}); use one type "
            "(numbers for levels and scores, names for classes) or pass the task explicitly"
        )
    bad = next((v for v in numbers if not math.isfinite(float(v))), None)
    if bad is not None:
        raise ValueError(f"label {bad!r} is not a finite number; drop or fix those samples")
    distinct = set(values)
    if len(distinct) < 2:
        raise ValueError(f"need at least two distinct labels, every sample carries {values[0]!r}")
    if numbers and any(not float(v).is_integer() for v in numbers):
        return "regression"
    if len(distinct) == 2:
        return "binary"
    if numbers:
        return "ordinal"
    if len(texts) == len(values):
        return "multiclass"
    kinds = sorted({type(v).__name__ for v in values})
    raise ValueError(f"cannot infer the task from labels of type {kinds}; pass the task explicitly")


def check_task(task: str | None, y: Sequence[Any]) -> str:
    """``task`` validated against the labels ``y``, or inferred (:func:`infer_task`) when None."""
    if task is None:
        return infer_task(y)
    if task not in TASKS:
        raise ValueError(f"unknown task '{task}'; use one of {', '.join(TASKS)}")
    values = [v for v in y if v is not None]
    if task in ("ordinal", "regression") and not all(is_number(v) for v in values):
        bad = next(v for v in values if not is_number(v))
        raise ValueError(
            f"task '{task}' needs numeric labels, found {bad!r}; map the labels to numbers "
            "first (e.g. severity levels to 0..K-1)"
        )
    if task == "binary" and len(set(values)) > 2:
        raise ValueError(f"task 'binary' but the labels hold {len(set(values))} classes")
    return task


def label_sort_key(v: Any) -> tuple:
    """Numbers (and bools) first in numeric order, then strings: one order for classes."""
    return (0, float(v), "") if is_number(v) or isinstance(v, (bool, np.bool_)) else (1, 0.0, str(v))


def positive_label(classes: Sequence[Any]) -> Any:
    """The positive class of a binary task: 1 (or True) when present, else the last of the
    sorted classes (scikit-learn's convention).

    >>> positive_label([0, 1]), positive_label(["control", "depressed"])
    (1, 'depressed')
    """
    for c in classes:
        if (is_number(c) or isinstance(c, (bool, np.bool_))) and c == 1:
            return c
    return sorted(classes, key=label_sort_key)[-1]
