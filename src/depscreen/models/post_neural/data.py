"""Batch sources of the post-level networks for the shared training loop
(:class:`depscreen.models.training_loop.Trainer`, through :func:`batch_loader`).

Two kinds of input exist: rows of a sparse (expanded) TF-IDF matrix, densified one
batch at a time so 10k posts x a large vocabulary never sit densely in memory, and
token-id sequences padded per batch. Both answer ``batch(indices) -> (inputs, y)``
where ``inputs`` is the tuple of tensors passed to the network. Also the token
vocabulary of the ``"tokens"`` input (id 0 = padding, id 1 = unknown).
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np
import scipy.sparse as sp
import torch

PAD, UNK = "<pad>", "<unk>"

__all__ = ["SparseRows", "TokenSequences", "batch_loader", "build_vocabulary", "encode"]


class SparseRows:
    """Rows of a CSR matrix as float tensors, with optional integer targets."""

    def __init__(self, X: sp.spmatrix, y: np.ndarray | None = None):
        self.X = sp.csr_matrix(X, dtype=np.float32)
        self.y = None if y is None else torch.as_tensor(np.asarray(y), dtype=torch.long)
        if self.y is not None and len(self.y) != self.X.shape[0]:
            raise ValueError(f"{self.X.shape[0]} rows but {len(self.y)} targets")

    def __len__(self) -> int:
        return self.X.shape[0]

    def batch(self, idx):
        x = torch.from_numpy(self.X[idx].toarray())
        return (x,), (None if self.y is None else self.y[idx])


class TokenSequences:
    """Token-id sequences padded per batch to their longest member (capped earlier)."""

    def __init__(self, seqs: Sequence[np.ndarray], y: np.ndarray | None = None):
        self.seqs = [np.asarray(s, dtype=np.int64) for s in seqs]
        self.y = None if y is None else torch.as_tensor(np.asarray(y), dtype=torch.long)
        if self.y is not None and len(self.y) != len(self.seqs):
            raise ValueError(f"{len(self.seqs)} sequences but {len(self.y)} targets")

    def __len__(self) -> int:
        return len(self.seqs)

    def batch(self, idx):
        chosen = [self.seqs[i] for i in idx]
        lengths = torch.tensor([max(len(s), 1) for s in chosen], dtype=torch.long)
        ids = torch.zeros(len(chosen), int(lengths.max()), dtype=torch.long)
        for row, s in enumerate(chosen):
            ids[row, : len(s)] = torch.from_numpy(s)
        return (ids, lengths), (None if self.y is None else self.y[idx])


def batch_loader(batch_size: int):
    """The training loop's loader over :class:`SparseRows` / :class:`TokenSequences`:
    ``(inputs, y)`` batches of ``batch_size`` posts, in the order of the loop's seeded
    generator when shuffling, else in data order."""

    def loader(data, shuffle: bool, generator: torch.Generator | None):
        n = len(data)
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        for start in range(0, n, batch_size):
            yield data.batch(order[start : start + batch_size].numpy())

    return loader


def build_vocabulary(
    docs: Sequence[Sequence[str]], *, max_size: int | None = None, min_count: int = 1
) -> list[str]:
    """``[PAD, UNK, ...]`` then tokens by descending count (ties alphabetical)."""
    counts = Counter(t for doc in docs for t in doc)
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    if max_size is not None:
        words = words[: max(0, max_size - 2)]
    return [PAD, UNK] + words


def encode(docs: Sequence[Sequence[str]], vocabulary: Sequence[str], max_len: int) -> list[np.ndarray]:
    """Token lists -> id arrays (unknown -> 1), truncated to ``max_len``; empty -> [1]."""
    index = {w: i for i, w in enumerate(vocabulary)}
    out = []
    for doc in docs:
        ids = [index.get(t, 1) for t in doc[:max_len]]
        out.append(np.asarray(ids or [1], dtype=np.int64))
    return out
