"""Bags of post embeddings: time order, the long-timeline policy, padding with masks.

A user is a *bag* of posts. The multi-instance model sees each bag as a sequence of
post embeddings in time order; users have different numbers of posts, so a batch is
padded to ``(n_users, max_len, dim)`` with a boolean ``mask`` (``True`` = a real
post). Every consumer of the padded tensor (the LSTM, attention, the autoencoder
loss) must honour the mask: padded slots carry no information and may hold any value.

Long-timeline policy (``policy``)
---------------------------------
``"recent"`` (default)
    Keep the ``max_posts`` most recent posts (the end of the time-ordered timeline);
    older posts are not seen by the model and get attention weight 0 in explanations
    (reported with ``used=False``).
``"chunks"``
    Keep every post. The timeline is cut into consecutive chunks of ``max_posts``
    posts; the LSTM runs over each chunk separately (its state restarts at each
    chunk, which bounds sequence length and memory per step), and attention pools
    over *all* posts of the user at once, so weights still sum to 1 per user.

Example
-------
>>> import numpy as np
>>> bags = [np.ones((3, 4), np.float32), np.ones((1, 4), np.float32)]
>>> x, mask = pad_bags(bags)
>>> x.shape, mask.sum(axis=1).tolist()
((2, 3, 4), [3, 1])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ...corpus.types import User

POLICIES = ("recent", "chunks")


def time_order(user: User) -> np.ndarray:
    """Indices of ``user.posts`` in time order (oldest first).

    Posts with a time are sorted by it (ISO 8601 strings sort chronologically);
    posts without one keep their relative order after the timed posts, as in
    :meth:`~depscreen.corpus.User.sort_posts`. The user object is not modified.
    """
    times = [p.time for p in user.posts]
    timed = [i for i, t in enumerate(times) if t]
    if len(timed) == len(times):  # the common case: one stable sort keyed at C speed
        return np.asarray(sorted(range(len(times)), key=times.__getitem__), dtype=np.int64)
    untimed = [i for i, t in enumerate(times) if not t]
    return np.asarray(sorted(timed, key=times.__getitem__) + untimed, dtype=np.int64)


def select_posts(n_posts: int, max_posts: int | None, policy: str = "recent") -> np.ndarray:
    """Positions (into a time-ordered timeline of ``n_posts``) that the model sees.

    ``"recent"`` keeps the last ``max_posts``; ``"chunks"`` keeps all of them.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown long-timeline policy '{policy}' (use one of {POLICIES})")
    if max_posts is not None and max_posts < 1:
        raise ValueError(f"max_posts must be >= 1, got {max_posts}")
    if policy == "recent" and max_posts is not None and n_posts > max_posts:
        return np.arange(n_posts - max_posts, n_posts, dtype=np.int64)
    return np.arange(n_posts, dtype=np.int64)


@dataclass
class Bag:
    """One user's bag as the model sees it.

    ``embeddings`` (n_used, dim) are in time order; ``post_index`` maps each row back
    to its position in ``user.posts``; ``n_posts`` is the user's full post count
    (posts dropped by the ``"recent"`` policy are the ones not in ``post_index``).
    """

    embeddings: np.ndarray
    post_index: np.ndarray
    n_posts: int


@dataclass
class EmbeddedUsers:
    """Users with their post embeddings already computed by a named backend.

    Passing this instead of a list of :class:`~depscreen.corpus.User` lets a model
    predict from cached embeddings without embedding again; ``embedder`` names the
    backend that produced them, so a model trained on another backend refuses them.
    ``embeddings[i]`` is aligned with ``users[i].posts`` (original order). Build one with
    :func:`depscreen.models.mil.embedding.embedded_users` (through
    :func:`depscreen.embed.embed_corpus`, the one road from users to vectors).
    """

    users: list[User]
    embeddings: list[np.ndarray]
    embedder: str
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.users) != len(self.embeddings):
            raise ValueError(
                f"EmbeddedUsers: {len(self.users)} users but {len(self.embeddings)} embedding arrays"
            )
        for user, emb in zip(self.users, self.embeddings):
            if emb.ndim != 2 or emb.shape[0] != len(user.posts):
                raise ValueError(
                    f"EmbeddedUsers: user '{user.user_id}' has {len(user.posts)} posts but "
                    f"embeddings of shape {tuple(emb.shape)}"
                )

    def __len__(self) -> int:
        return len(self.users)

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self.users[index]
        idx = np.arange(len(self.users))[index] if isinstance(index, slice) else index
        return EmbeddedUsers(
            [self.users[i] for i in idx], [self.embeddings[i] for i in idx], self.embedder, dict(self.meta)
        )

    def __iter__(self):
        return iter(self.users)


def make_bag(user: User, embeddings: np.ndarray, max_posts: int | None, policy: str = "recent") -> Bag:
    """Order ``user``'s post embeddings by time and apply the long-timeline policy."""
    if embeddings.shape[0] != len(user.posts):
        raise ValueError(
            f"user '{user.user_id}': {len(user.posts)} posts but {embeddings.shape[0]} embeddings"
        )
    order = time_order(user)
    keep = order[select_posts(len(order), max_posts, policy)]
    if len(keep) and np.array_equal(keep, np.arange(keep[0], keep[0] + len(keep))):
        kept = embeddings[keep[0] : keep[0] + len(keep)]  # posts already in time order: a view, no copy
    else:
        kept = embeddings[keep]
    return Bag(embeddings=np.ascontiguousarray(kept, dtype=np.float32), post_index=keep, n_posts=len(user.posts))


def padded_length(lengths: Sequence[int], chunk_len: int | None = None) -> int:
    """Length of the padded time axis: the longest bag, rounded up to whole chunks."""
    longest = max(max(lengths, default=1), 1)
    if chunk_len:
        return int(-(-longest // chunk_len) * chunk_len)
    return int(longest)


def pad_bags(
    bags: Sequence[np.ndarray], *, chunk_len: int | None = None, pad_value: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Stack variable-length ``(n_i, dim)`` arrays into ``(n, T, dim)`` plus a mask.

    Real posts come first in each row (right padding), so a forward LSTM never reads
    padding before a real post. With ``chunk_len`` the time axis is a whole number of
    chunks. ``pad_value`` exists for tests that prove padding is ignored.
    """
    if not len(bags):
        raise ValueError("pad_bags: no bags given")
    dims = {b.shape[1] for b in bags}
    if len(dims) != 1:
        raise ValueError(f"pad_bags: bags have different embedding sizes {sorted(dims)}")
    dim = dims.pop()
    lengths = [b.shape[0] for b in bags]
    T = padded_length(lengths, chunk_len)
    x = np.empty((len(bags), T, dim), dtype=np.float32)  # each value written once: posts, then padding
    mask = np.zeros((len(bags), T), dtype=bool)
    for i, b in enumerate(bags):
        n = b.shape[0]
        x[i, :n] = b
        x[i, n:] = pad_value
        mask[i, :n] = True
    return x, mask
