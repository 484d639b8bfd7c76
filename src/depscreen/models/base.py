"""What every depscreen model shares: input conversion, the fitted check, save / load.

Models follow scikit-learn's estimator API (``__init__`` stores keyword parameters,
``fit`` returns ``self``, learned state ends in ``_``), so scikit-learn's model
selection tools work with them. ``X`` is a sequence of :class:`~depscreen.corpus.User`
for user-level data or a sequence of ``str`` for post-level data.

A model that can score a user's growing post prefix incrementally (early detection)
has a public ``stepper()`` that returns a :class:`~depscreen.models.stepping.Stepper`
(``init(user)``, ``advance(states, new_posts) -> scores``), or None when it cannot step;
callers ask through :func:`~depscreen.models.stepping.stepper_of` and re-score the
prefix where there is none. The stepper lives beside its model and is tested to give
the model's own score on every prefix.

A saved model is a folder: ``config.json`` (registry name, parameters, depscreen
version, anything needed to rebuild) plus weights in safetensors (torch) or skops
(scikit-learn), and ``manifest.json`` (every file's sha256, checked at load). Nothing
is ever unpickled. :mod:`depscreen.models.folder` reads and writes the folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..corpus.types import PostCorpus, User, UserCorpus
from ..fitted import check_fitted  # noqa: F401  (models import it from here)
from . import folder as model_folder


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


@dataclass
class Forward:
    """Everything one pass of a fitted model over a batch gives.

    ``predict``, ``predict_proba``, ``explain`` and :func:`depscreen.score` all read
    from it, so a model runs its network (or its vectoriser) once per batch.

    Attributes
    ----------
    predictions : labels in the training label space (values for a regression head).
    proba : ``(n, len(classes_))`` class probabilities in ``classes_`` order, or None
        (regression heads).
    scores : one number per sample that grows with risk: P(positive class) for a
        binary task, the expected level for ordinal / multiclass levels, the value for
        regression; None when a model cannot say.
    explanations : one dict per sample when asked (``explain=True``), else None. Every
        model uses the same schema (``docs/explanations.md``): ``prediction``, ``score``,
        and, where the model can say, ``top_features`` (``feature``, ``contribution``),
        ``top_posts`` (``index``, ``weight``) and ``posts`` (every post: ``index``,
        ``id``, ``time``, ``weight``, ``used``). Never post text.
    """

    predictions: np.ndarray
    proba: np.ndarray | None = None
    scores: np.ndarray | None = None
    explanations: list[dict[str, Any]] | None = None

    def __len__(self) -> int:
        return len(self.predictions)


def forward(model: Any, X: Sequence[Any], *, explain: bool = False, top_k: int = 5) -> Forward:
    """Run ``model`` once over ``X``: predictions, probabilities, scores, explanations.

    Models implement ``_forward(X, explain=..., top_k=...) -> Forward``; for any other
    scikit-learn style estimator this falls back to ``predict`` / ``predict_proba`` /
    ``explain`` (separate passes).
    """
    if not hasattr(X, "embeddings"):  # precomputed bags (mil.EmbeddedUsers) pass as they are
        X = list(X)
    own = getattr(model, "_forward", None)
    if callable(own):
        return own(X, explain=explain, top_k=top_k)
    preds = np.asarray(model.predict(X))
    proba = np.asarray(model.predict_proba(X), dtype=float) if hasattr(model, "predict_proba") else None
    scores = risk_scores(proba, getattr(model, "classes_", None)) if proba is not None else None
    explanations = None
    if explain:
        if not callable(getattr(model, "explain", None)):
            raise ValueError(f"{type(model).__name__} cannot explain its predictions (no explain method)")
        import inspect

        takes_top_k = "top_k" in inspect.signature(model.explain).parameters
        explanations = model.explain(X, top_k=top_k) if takes_top_k else model.explain(X)
    return Forward(preds, proba, scores, explanations)


class ForwardPredictMixin:
    """``predict`` and ``predict_proba`` of a model that implements ``_forward``
    (:func:`forward`): each reads its part of one pass over ``X``."""

    def predict(self, X: Sequence[Any]) -> np.ndarray:
        """Labels in the training label space (values for a regression head)."""
        return self._forward(X).predictions

    def predict_proba(self, X: Sequence[Any]) -> np.ndarray:
        """Class probabilities ``(n_samples, n_classes)`` in the order of ``classes_``."""
        return self._forward(X).proba


def risk_scores(proba: np.ndarray, classes: Sequence[Any] | None) -> np.ndarray | None:
    """One risk number per row of ``proba``, where the labels say what "more" means.

    Two classes: P(positive class) (1, or the last sorted class). More classes with
    numeric labels (levels 0-4): the expected level, ``sum(p * level)``. Nominal classes
    (``"moderate"``, ``"not depression"``, ``"severe"``): None, because no order is known;
    look at the class probabilities instead.
    """
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or proba.shape[1] < 2:
        return None
    classes = list(classes) if classes is not None else list(range(proba.shape[1]))
    if len(classes) != proba.shape[1]:
        raise ValueError(f"{proba.shape[1]} probability columns for {len(classes)} classes")
    if len(classes) == 2:
        from ..task import positive_label

        return proba[:, classes.index(positive_label(classes))]
    if all(isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool) for c in classes):
        return proba @ np.asarray(classes, dtype=float)
    return None


def aligned_proba(proba: np.ndarray, have: Sequence[Any], want: Sequence[Any]) -> np.ndarray:
    """``proba`` columns reordered (zeros for a class the sub-model never saw) to ``want``:
    a sub-model's probabilities (columns in its ``classes_``, ``have``) in the class
    order of the model that holds it."""
    have = list(have)
    want = list(want)
    if have == want:
        return np.asarray(proba, dtype=float)
    out = np.zeros((len(proba), len(want)))
    for j, c in enumerate(have):
        out[:, want.index(c)] = proba[:, j]
    return out


def explanation_score(scores: np.ndarray | None, proba: np.ndarray | None, i: int) -> float | None:
    """The ``score`` of sample ``i``'s explanation: its risk score, or, for nominal
    classes, the probability of the predicted class."""
    if scores is not None:
        return float(scores[i])
    if proba is not None:
        return float(np.max(proba[i]))
    return None


def check_input_level(model: Any, data: Any, name: str | None = None) -> None:
    """Refuse a corpus the model cannot read, with a message that says what to do.

    ``data`` is a :class:`UserCorpus`, a :class:`PostCorpus`, or the level itself
    (``"user"`` / ``"post"``). A model with ``input_level = "user"`` refuses posts and one
    with ``"post"`` refuses users; ``"any"`` (the default) takes both.
    """
    name = name or _model_label(model)
    level = getattr(model, "input_level", "any")
    if isinstance(data, UserCorpus):
        data_level, what = "user", f"corpus '{data.name}'"
    elif isinstance(data, PostCorpus):
        data_level, what = "post", f"corpus '{data.name}'"
    elif data in ("user", "post"):
        data_level, what = data, "the input"
    else:
        raise TypeError(f"expected a UserCorpus, PostCorpus, 'user' or 'post', got {type(data).__name__}")
    if level not in ("user", "post", "any"):
        raise ValueError(f"model '{name}' has an unknown input_level {level!r}")
    if level == "user" and data_level == "post":
        raise ValueError(
            f"model '{name}' scores users (input_level='user') but {what} is "
            "post-level (one labelled post per line); give it a user-level corpus "
            '({"user_id", "label", "posts": [...]}) or pick a post-level model'
        )
    if level == "post" and data_level == "user":
        raise ValueError(
            f"model '{name}' scores single posts (input_level='post') but {what} "
            "is user-level; evaluate it on a post-level corpus, or score each post of the "
            "users with `depscreen predict --per-post`"
        )


def _model_label(model: Any) -> str:
    from .registry import model_label

    return model_label(model)


class SavableMixin:
    """Folder-based save / load with a JSON config; subclasses write their own weights.

    Subclasses implement ``_save_weights(folder) -> dict`` (extra config entries) and
    ``_load_weights(folder, config)``.
    """

    def save(self, folder: str | Path) -> Path:
        """Write the weights, ``config.json`` and, last, the folder's file manifest
        (:mod:`depscreen.models.folder`)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        extra = dict(self._save_weights(folder) or {})
        oof_files = save_out_of_fold(self, folder)
        if oof_files:
            extra["out_of_fold"] = oof_files
        model_folder.write_config(folder, self, self.get_params(deep=False), extra)
        model_folder.seal(folder)
        return folder

    @classmethod
    def load(cls, folder: str | Path):
        """Rebuild a model from a folder written by :meth:`save`: its files are checked
        against the manifest first, its parameters get back the types the class gives
        them (tuples, see :func:`depscreen.models.folder.restore_params`)."""
        with model_folder.checked(folder) as folder:
            config = model_folder.read_config(folder)
            model = cls(**model_folder.restore_params(cls, config["params"]))
            model._load_weights(folder, config)
            attach_out_of_fold(model, folder)
        return model

    def _save_weights(self, folder: Path) -> dict[str, Any]:  # pragma: no cover - interface
        raise NotImplementedError

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError


def load_model(folder: str | Path):
    """Load any saved depscreen model folder (dispatches on ``config.json``).

    Every file is checked against the folder's manifest first; a missing, truncated or
    changed file, a damaged ``config.json`` or a weights file the model cannot read is a
    :class:`~depscreen.models.folder.ModelFolderError` whose one line names the folder
    and the file.
    """
    from .registry import model_class

    with model_folder.checked(folder) as folder:
        config = model_folder.read_config(folder)
        if not config.get("model"):
            raise model_folder.ModelFolderError(
                f"model folder {folder}: {model_folder.CONFIG_NAME} field 'model' is missing")
        cls = model_class(config["model"])
        try:
            model = cls.load(folder)
        except model_folder.ModelFolderError:
            raise
        except json.JSONDecodeError as exc:  # a damaged JSON file the model reads itself
            raise model_folder.load_error(folder, exc) from None
        except (ValueError, TypeError):  # the model's own message names the file and field
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a damaged weights file in an unverified folder
            raise model_folder.load_error(folder, exc) from None
    return attach_out_of_fold(model, folder)


def save_out_of_fold(model: Any, folder: Path) -> list[str]:
    """Write the model's out-of-fold scores (``oof_``, a
    :class:`depscreen.population.oof.OutOfFold`) into ``folder``; the file names written
    (none when the model has no such scores). Called by every model's save before the
    folder's config (and any manifest of its files) is written."""
    from ..population.oof import OOF_ARRAYS, OOF_META

    oof = getattr(model, "oof_", None)
    if oof is None:  # a folder saved over: no stale scores of an earlier model
        for name in (OOF_ARRAYS, OOF_META):
            (Path(folder) / name).unlink(missing_ok=True)
        return []
    return oof.save(folder)


def attach_out_of_fold(model: Any, folder: Path) -> Any:
    """Give a loaded model its stored out-of-fold scores as ``oof_`` (None when the
    folder has none: saved before they were stored, or by a model that computes none)."""
    from ..population.oof import OutOfFold

    if getattr(model, "oof_", None) is None:
        try:
            model.oof_ = OutOfFold.load(folder)
        except AttributeError:  # a model class that refuses new attributes keeps none
            pass
    return model
