"""What every depscreen model shares: input conversion, the fitted check, save / load.

Models follow scikit-learn's estimator API (``__init__`` stores keyword parameters,
``fit`` returns ``self``, learned state ends in ``_``), so scikit-learn's model
selection tools work with them. ``X`` is a sequence of :class:`~depscreen.corpus.User`
for user-level data or a sequence of ``str`` for post-level data.

A saved model is a folder: ``config.json`` (registry name, parameters, depscreen
version, anything needed to rebuild) plus weights in safetensors (torch) or skops
(scikit-learn). Nothing is ever unpickled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from sklearn.exceptions import NotFittedError

from ..corpus.types import User

CONFIG_NAME = "config.json"


def as_documents(X: Sequence[Any], sep: str = "\n") -> list[str]:
    """One text per sample: a user's posts joined by ``sep``, or the post text itself."""
    docs = []
    for x in X:
        if isinstance(x, User):
            docs.append(sep.join(x.texts))
        elif isinstance(x, str):
            docs.append(x)
        else:
            raise TypeError(f"expected User or str samples, got {type(x).__name__}")
    return docs


def check_fitted(model: Any, attribute: str) -> None:
    """Raise a clear error when ``model`` is used before ``fit``."""
    if not hasattr(model, attribute):
        raise NotFittedError(
            f"{type(model).__name__} is not fitted yet: call fit(X, y) before using it"
        )


class SavableMixin:
    """Folder-based save / load with a JSON config; subclasses write their own weights.

    Subclasses implement ``_save_weights(folder) -> dict`` (extra config entries) and
    ``_load_weights(folder, config)``.
    """

    def save(self, folder: str | Path) -> Path:
        from .. import __version__
        from .registry import registered_name

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        extra = self._save_weights(folder)
        config = {
            "model": registered_name(self),
            "class": f"{type(self).__module__}:{type(self).__name__}",
            "params": _jsonable_params(self.get_params(deep=False)),
            "depscreen_version": __version__,
            **(extra or {}),
        }
        (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2, ensure_ascii=False))
        return folder

    @classmethod
    def load(cls, folder: str | Path):
        folder = Path(folder)
        config = json.loads((folder / CONFIG_NAME).read_text())
        model = cls(**config["params"])
        model._load_weights(folder, config)
        return model

    def _save_weights(self, folder: Path) -> dict[str, Any]:  # pragma: no cover - interface
        raise NotImplementedError

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError


def load_model(folder: str | Path):
    """Load any saved depscreen model folder (dispatches on ``config.json``)."""
    from .registry import model_class

    folder = Path(folder)
    config_path = folder / CONFIG_NAME
    if not config_path.exists():
        raise FileNotFoundError(f"{folder}: not a depscreen model folder (no {CONFIG_NAME})")
    config = json.loads(config_path.read_text())
    if not config.get("model"):
        raise ValueError(f"{config_path}: field 'model' is missing")
    return model_class(config["model"]).load(folder)


def _jsonable_params(params: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in params.items():
        try:
            json.dumps(value)
        except TypeError:
            raise TypeError(
                f"parameter '{key}' of type {type(value).__name__} cannot be saved in config.json"
            ) from None
        out[key] = value
    return out
