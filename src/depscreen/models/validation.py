"""The checks every model's ``fit`` makes on its training labels, worded once.

Each estimator's ``fit`` used to copy the same lines: labels as an array, as many labels
as samples, at least two classes, then the sorted classes, each label's index among them
and the class counts. :func:`check_fit_labels` does that for all of them (an empty ``y``
has no class, so it fails the two-class check).

>>> import numpy as np
>>> labels = check_fit_labels("MyModel", 4, ["b", "a", "b", "b"])
>>> labels.classes.tolist(), labels.index.tolist(), labels.counts.tolist()
(['a', 'b'], [1, 0, 1, 1], [1, 3])
>>> check_fit_labels("MyModel", 3, [1, 1, 1])
Traceback (most recent call last):
...
ValueError: MyModel needs at least two classes in the training labels
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

__all__ = ["FitLabels", "check_fit_labels"]


class FitLabels(NamedTuple):
    """Training labels checked by :func:`check_fit_labels`."""

    #: the labels as an array
    y: np.ndarray
    #: the distinct labels, sorted (what the estimator stores as ``classes_``)
    classes: np.ndarray
    #: each label's position in ``classes``
    index: np.ndarray
    #: how many labels of each class, in the order of ``classes``
    counts: np.ndarray


def check_fit_labels(model: Any, n_samples: int, y: Any, *, unit: str = "samples") -> FitLabels:
    """Check the labels ``y`` of ``n_samples`` training samples and return them with their
    classes, class indices and counts.

    Parameters
    ----------
    model
        The estimator being fitted (its class name words the message) or that name.
    n_samples
        How many samples ``X`` holds.
    y
        One label per sample.
    unit
        What a sample is, for the message (``samples``, ``posts``, ``users``).

    Raises
    ------
    ValueError
        ``X has 5 samples but y has 4 labels`` when the lengths differ;
        ``MODEL needs at least two classes in the training labels`` when ``y`` holds fewer
        than two distinct labels (none when it is empty).
    """
    y = np.asarray(y)
    if n_samples != len(y):
        raise ValueError(f"X has {n_samples} {unit} but y has {len(y)} labels")
    classes, index, counts = np.unique(y, return_inverse=True, return_counts=True)
    if len(classes) < 2:
        name = model if isinstance(model, str) else type(model).__name__
        raise ValueError(f"{name} needs at least two classes in the training labels")
    return FitLabels(y, classes, index.reshape(-1), counts)
