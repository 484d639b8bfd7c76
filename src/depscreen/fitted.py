"""The one "used before fit" check, shared by every estimator-like piece of depscreen.

It lives at the package root (not in ``models``) so that upstream rooms such as
``features`` can use it without importing the models.
"""

from __future__ import annotations

from typing import Any

from sklearn.exceptions import NotFittedError


def check_fitted(model: Any, attribute: str) -> None:
    """Raise a clear error when ``model`` is used before ``fit``."""
    if not hasattr(model, attribute):
        raise NotFittedError(
            f"{type(model).__name__} is not fitted yet: call fit(X, y) before using it"
        )
