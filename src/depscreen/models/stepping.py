"""Incremental scoring: what a model's ``stepper()`` returns.

Early detection reads each user's posts in time order and scores the user after every
step. A model that can do this cheaper than re-scoring the whole history returns a
:class:`Stepper` from its public ``stepper()`` method; a model that cannot returns None
(or has no such method) and :mod:`depscreen.early.runner` re-scores the prefix read so
far instead. A stepper lives beside its model (:mod:`.tfidf_stepper`,
:mod:`.default_stepper`, :mod:`.mil.stepper`), so a change inside a model and the code
that steps it change together; early detection only asks for it (:func:`stepper_of`).

Every stepper promises the model's own score on each prefix of the timeline (tested per
model against re-scoring).
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

from ..corpus.types import Post, User


@runtime_checkable
class Stepper(Protocol):
    """Scores users from a growing prefix of their posts, one state per user.

    The runner calls :meth:`init` once per user, then :meth:`advance` once per step with
    every user still reading (so a stepper can batch). Concrete steppers may subclass
    this class to inherit the defaults of ``name`` and ``incremental``.

    Attributes
    ----------
    name : what a run record calls the stepper (e.g. ``"tfidf-incremental"``).
    incremental : True when a step costs only the new posts; False for re-scoring.
    """

    name: str = "stepper"
    incremental: bool = True

    def init(self, user: User) -> Any:
        """A fresh state for ``user`` (nothing read yet)."""
        ...  # pragma: no cover - interface

    def advance(self, states: list[Any], new_posts: list[list[Post]]) -> np.ndarray:
        """Add ``new_posts[i]`` to ``states[i]`` (in place) and return each user's score
        on everything read so far, one float per state."""
        ...  # pragma: no cover - interface


def stepper_of(model: Any) -> Stepper | None:
    """The model's incremental stepper, or None when it has none.

    Asks the model's public ``stepper()``.
    """
    own = getattr(model, "stepper", None)
    return own() if callable(own) else None


def update_embedding_means(states: list[dict[str, Any]], new_posts: list[list[Post]], embed: Callable,
                           dim: int, texts: list[str] | None = None) -> np.ndarray:
    """Add each user's new post vectors to their running sum (``state["emb_sum"]``,
    ``state["n"]``; each post embedded once, in one ``embed`` call) and return every user's
    mean vector so far, float32 ``(n_users, dim)``; a user with no posts yet is zeros.
    ``texts``: the new posts' texts as the embedder should see them (default: as posted)."""
    if texts is None:
        texts = [p.text for posts in new_posts for p in posts]
    vectors = np.asarray(embed(texts), dtype=np.float64) if texts else None
    start = 0
    for st, posts in zip(states, new_posts):
        if posts:
            part = vectors[start : start + len(posts)].sum(axis=0)
            st["emb_sum"] = part if st["emb_sum"] is None else st["emb_sum"] + part
            st["n"] += len(posts)
            start += len(posts)
    return np.vstack([st["emb_sum"] / st["n"] if st["n"] else np.zeros(dim) for st in states]).astype(np.float32)


__all__ = ["Stepper", "stepper_of", "update_embedding_means"]
