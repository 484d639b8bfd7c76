"""Incremental scoring for ``depscreen-default`` (:class:`~depscreen.models.default.DefaultClassifier`).

The TF-IDF model is stepped by its running TF-IDF sums (:mod:`.tfidf_stepper`); when the
model is stacked with a sentence embedder, the user's mean post vector is kept as a
running sum too (each post embedded once) and the two models' probabilities are combined
by the model's own stacking (its weighted product of experts), then calibrated. The score equals the
model's own on every prefix of the timeline (tested).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..corpus.types import User
from ..text.normalise import redact
from ..text.segment import segment_cjk
from .base import aligned_proba
from .stepping import update_embedding_means
from .tfidf_stepper import LinearTfidfStepper


class DefaultStepper(LinearTfidfStepper):
    """Running TF-IDF sums (+ a running mean of post vectors when stacked) for a fitted
    :class:`~depscreen.models.default.DefaultClassifier`; ``TypeError`` for a layout it
    cannot follow."""

    def __init__(self, model: Any):
        super().__init__([model.word_, model.char_], model.tfidf_lr_, sep=model.sep, classes=model.classes_,
                         preprocessors=[segment_cjk, None], redact=redact if model.redact else None,
                         calibrator=getattr(model, "calibrator_", None))
        self.model = model
        self.stacked = _is_stacked(model)
        if self.stacked:
            self.embed_lr = model.embed_lr_
            self.name = "tfidf-incremental+embedding-mean"

    def init(self, user: User) -> dict[str, Any]:
        st = super().init(user)
        if self.stacked:
            st["emb_sum"] = None
            st["n"] = 0
        return st

    def combine(self, states, new_posts, proba):
        """The stacked model's probabilities: its TF-IDF model's (``proba``) and its
        embedding model's on the mean post vector so far, as a weighted product."""
        if not self.stacked:
            return proba
        texts = [self.redact(p.text) if self.redact else p.text for posts in new_posts for p in posts]
        E = update_embedding_means(states, new_posts, self.model._embedder().embed, self.embed_lr.coef_.shape[1],
                                   texts)
        p_e = aligned_proba(self.embed_lr.predict_proba(E), self.embed_lr.classes_, self.classes)
        return self.model._stacked(proba, p_e)


def _is_stacked(model: Any) -> bool:
    """Whether a fitted default model combines its TF-IDF and embedding models (a weighted
    product of their probabilities); a stacking it does not know raises TypeError."""
    if getattr(model, "stacked_", None) is False:
        return False
    if getattr(model, "stacked_", False) and hasattr(model, "stack_weights_"):
        return True
    if getattr(model, "embed_lr_", None) is None:
        return False
    raise TypeError("unrecognised stacking in the default model")
