"""From users to the bags LMILAtt reads: the embedder, the vectors, the time-ordered bags.

The model names its embedder by a spec (``"use"``, ``"e5"``, ``"tfidf-svd"``,
``"hf:PATH"`` or a saved embedder folder; see :func:`depscreen.embed.get_embedder`),
which owns its on-disk cache; an embedder object works too. Every post reaches a vector
through :func:`depscreen.embed.embed_corpus`, the one road from users to vectors.
:class:`~depscreen.models.mil.bags.EmbeddedUsers` carries vectors computed elsewhere
(a benchmark that embeds once for many models) together with the name of their space.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...corpus.types import User, UserCorpus
from .bags import EmbeddedUsers, make_bag

#: ``center="auto"`` centres post vectors whose mean pairwise cosine (the squared norm of
#: the mean of unit vectors) exceeds this: e5 ~0.86, USE ~0.23 on the same posts
CENTER_AUTO_COSINE = 0.5


def resolve_embedder(spec: Any, options: dict | None = None):
    """The embedder object for ``spec``: built (with its default cache) from a spec string
    or a saved folder, or the object itself (it needs ``name``, ``dim``, ``embed``)."""
    if isinstance(spec, str):
        from ...embed.registry import get_embedder

        return get_embedder(spec, **(options or {}))
    from ...embed.base import Embedder

    if isinstance(spec, Embedder):  # (an unfitted one has no name yet)
        return spec
    for attr in ("name", "dim", "embed"):
        if not hasattr(spec, attr):
            raise TypeError(f"embedder object lacks '{attr}' (needs .name, .dim, .embed)")
    return spec


def fit_if_needed(embedder, users: Sequence[User]):
    """Fit a corpus-fitted embedder (``tfidf-svd``) on the distinct posts of ``users``."""
    if hasattr(embedder, "fit") and not getattr(embedder, "is_fitted", True):
        embedder.fit(list(dict.fromkeys(p.text for u in users for p in u.posts)))
    return embedder


def embed_users(embedder, users: Sequence[User], *, progress: bool = False) -> list[np.ndarray]:
    """One ``(n_posts, dim)`` float32 array per user, through :func:`embed_corpus`."""
    from ...embed.cache import embed_corpus

    return embed_corpus(embedder, list(users), progress=progress).per_user()


def embedded_users(embedder, users: Sequence[User] | UserCorpus, *, progress: bool = False) -> EmbeddedUsers:
    """``users`` with their post vectors, as :class:`EmbeddedUsers` (embed once, share)."""
    users = list(users.users if isinstance(users, UserCorpus) else users)
    out = EmbeddedUsers(users, embed_users(embedder, users, progress=progress), embedder.name)
    out.meta["embedder"] = embedder
    return out


def check_users(X, model: str = "LMILAttClassifier") -> list[User]:
    """``X`` as a list of users; a clear error for post-level input."""
    users = list(X.users if isinstance(X, UserCorpus) else X)
    for i, u in enumerate(users):
        if not isinstance(u, User):
            raise TypeError(f"{model} takes users (input_level='user'); sample {i} is {type(u).__name__}")
    return users


class EmbeddingMixin:
    """Embedder resolution, the trained-space check and bag making for LMILAtt."""

    def _resolve_embedder(self):
        """The embedder object this model embeds with (``embedder_`` once fitted)."""
        if getattr(self, "embedder_", None) is not None:
            return self.embedder_
        return resolve_embedder(self.embedder, self.embedder_options)

    def _check_embedder_request(self) -> None:
        """Refuse to predict when the embedder asked for is not the one trained on."""
        requested = self.embedder if isinstance(self.embedder, str) else self.embedder.name
        trained = (self.embedder_request_, self.embedder_name_)
        if requested not in trained:
            raise ValueError(
                f"this model was trained on embeddings from '{self.embedder_name_}' "
                f"(embedder={self.embedder_request_!r}); it cannot score a corpus embedded "
                f"with '{requested}'. Use the embedder it was trained with, or retrain."
            )

    def _embed_users(self, users: Sequence[User], embedder) -> list[np.ndarray]:
        return embed_users(embedder, users, progress=bool(self.progress))

    def _as_users_and_embeddings(self, X):
        """``(users, per-user embeddings)`` from a list of users or :class:`EmbeddedUsers`."""
        if isinstance(X, EmbeddedUsers):
            if X.embedder != self.embedder_name_:
                raise ValueError(
                    f"these users were embedded with '{X.embedder}' but the model was trained on "
                    f"'{self.embedder_name_}'; embed them with the same backend"
                )
            return list(X.users), list(X.embeddings)
        users = check_users(X, type(self).__name__)
        return users, self._embed_users(users, self.embedder_)

    def _fit_embedder(self, users: Sequence[User]):
        self.embedder_ = fit_if_needed(self._resolve_embedder(), users)
        return self.embedder_

    def _fit_center(self, embeddings: Sequence[np.ndarray]) -> np.ndarray | None:
        """The mean training post vector to subtract (``center``), or None."""
        if self.center is False:
            return None
        rows = [e for e in embeddings if len(e)]
        if not rows:
            return None
        x = np.concatenate(rows).astype(np.float64)
        if self.center == "auto":
            unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
            spread = unit.mean(axis=0)  # its squared norm: the mean pairwise cosine of the posts
            if float(spread @ spread) <= CENTER_AUTO_COSINE:
                return None
        return x.mean(axis=0).astype(np.float32)

    def _centred(self, embeddings: np.ndarray) -> np.ndarray:
        mean = getattr(self, "embedding_mean_", None)
        if mean is None or not len(embeddings):
            return embeddings
        x = np.asarray(embeddings, dtype=np.float32) - mean
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)

    def _bags(self, users, embeddings):
        return [make_bag(u, self._centred(e), self.max_posts, self.long_timeline) for u, e in zip(users, embeddings)]
