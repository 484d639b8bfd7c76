"""Models that learned nothing: one class, or (nearly) one value, predicted for everything.

One place decides it and words the warning, for every road that shows it: ``train``
(``training.json`` and the screen), ``evaluate`` / ``compare`` (per fold, then in the
table's warnings) and the HTML / markdown reports.

* A classifier is degenerate on a set when it predicts a single class for all of it.
* A model with numeric outputs (a regression head, a score) is degenerate when the
  spread of its predictions is under :data:`CONSTANT_SPREAD` of the spread of the truth:
  ``10.2 +/- 0.1`` for every interview when the truth runs from 0 to 24 says nothing
  about any one interview.

The warning names the likely cause: class imbalance (with ``class_weight=balanced``
when the model takes it) or, for a model trained in epochs, too few epochs.

Example
-------
>>> constant_predictions([0, 1, 1, 0], [1, 1, 1, 1])
"predicts '1' for every item"
>>> constant_predictions([0.0, 12.0, 24.0, 6.0], [10.2, 10.1, 10.3, 10.2], numeric=True)
'predicts 10.2 +/- 0.071 for every item (truth 0 to 24, std 8.9)'
>>> constant_predictions([0.0, 12.0, 24.0], [2.0, 11.0, 20.0], numeric=True) is None
True
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ..jsonable import plain_value

__all__ = ["CONSTANT_SPREAD", "EPOCH_PARAMS", "constant_predictions", "likely_causes", "warning_message"]

#: Numeric predictions whose standard deviation is below this share of the truth's
#: standard deviation count as one value for everything.
CONSTANT_SPREAD = 0.1
#: Parameters that say a model is trained in epochs (named in the "too few epochs" cause).
EPOCH_PARAMS = ("max_epochs", "epochs", "ft_epochs", "ae_epochs")


def constant_predictions(
    truth: Sequence[Any], predicted: Sequence[Any], *, numeric: bool = False, items: str = "item"
) -> str | None:
    """How the predictions collapsed (``"predicts '0' for every item"``), or None.

    ``numeric`` compares the spread of numeric predictions with the spread of ``truth``
    (:data:`CONSTANT_SPREAD`); otherwise one predicted class for every item is degenerate.
    ``items`` names what was predicted (``"training item"``, ``"item of the fold"``).
    """
    predicted = np.asarray(predicted)
    if predicted.size == 0:
        return None
    if not numeric:
        values = np.unique(predicted)
        return f"predicts '{plain_value(values[0])}' for every {items}" if len(values) == 1 else None
    p = predicted.astype(float)
    t = np.asarray(truth, dtype=float)
    t = t[np.isfinite(t)]
    spread = float(np.std(t)) if t.size > 1 else 0.0
    if spread == 0.0 or float(np.std(p)) >= CONSTANT_SPREAD * spread:
        return None
    return (
        f"predicts {np.mean(p):.3g} +/- {np.std(p):.2g} for every {items} "
        f"(truth {t.min():g} to {t.max():g}, std {spread:.2g})"
    )


def likely_causes(params: Mapping[str, Any], label_counts: Mapping[Any, int] | None, model: str = "") -> list[str]:
    """Class imbalance (with the fix when the model has ``class_weight``) and too few epochs."""
    causes = []
    counts = [int(v) for v in (label_counts or {}).values()]
    if len(counts) >= 2 and sum(counts):
        share = min(counts) / sum(counts)
        cause = f"class imbalance (the smallest class is {share:.0%} of the data)"
        if "class_weight" in params and str(params.get("class_weight")) != "balanced":
            flag = f"--param {model}:class_weight=balanced" if model else "-p class_weight=balanced"
            cause += f"; try class_weight=balanced ({flag})"
        causes.append(cause)
    epochs = [k for k in EPOCH_PARAMS if k in params]
    if epochs:
        now = ", ".join(f"{k}={params[k]}" for k in epochs)
        causes.append(f"too few training epochs ({now}): raise them")
    return causes


def warning_message(
    what: str, *, params: Mapping[str, Any], label_counts: Mapping[Any, int] | None = None, model: str = ""
) -> str:
    """The warning: ``what`` happened (a sentence), that the model learned nothing that
    separates the items, and the likely causes."""
    message = f"{what}: it learned nothing that tells the items apart."
    causes = likely_causes(params, label_counts, model)
    if causes:
        message += " Likely cause: " + "; or ".join(causes) + "."
    return message
