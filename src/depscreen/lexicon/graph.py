"""Candidate expansion and the semantic word graph (paper 002, step 3).

Every vocabulary word whose cosine similarity to some seed exceeds ``tc`` becomes a
candidate (``hops > 1`` repeats the expansion from the new candidates). The graph's
nodes are the seeds and the candidates; an edge joins two nodes whose similarity
exceeds ``tc`` and weighs that similarity. By default (``candidate_edges=False``, the
paper's graph) only *expansion* edges are kept: a word and the words it was expanded
from (seed - candidate for ``hops=1``; hop h - hop h+1 beyond). ``candidate_edges=True``
also links any two candidates above ``tc``, so propagation smooths over clusters of
related words. Seed-seed edges carry no information (seeds are clamped) and are left
out.

Example
-------
>>> import numpy as np
>>> from gensim.models import KeyedVectors
>>> kv = KeyedVectors(vector_size=2)
>>> kv.add_vectors(["sad", "blue", "happy"], np.array([[1, 0], [0.9, 0.1], [0, 1]], dtype=np.float32))
>>> from depscreen.lexicon.seeds import SeedSet
>>> g = build_graph(kv, SeedSet(["sad"], ["happy"]), tc=0.5)
>>> g.words, g.candidates
(['sad', 'happy', 'blue'], ['blue'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp
from gensim.models import KeyedVectors

from .seeds import SeedSet, is_wordlike


@dataclass
class WordGraph:
    """Nodes ``words`` (seeds first, in seed order, then candidates), the symmetric
    weighted ``adjacency`` (CSR, zero diagonal) and the seed labels (+1 / -1; 0 for
    candidates). ``missing_seeds`` lists seeds absent from the word vectors."""

    words: list[str]
    adjacency: sp.csr_matrix
    labels: np.ndarray
    n_seeds: int
    tc: float
    missing_seeds: list[str] = field(default_factory=list)

    @property
    def clamped(self) -> np.ndarray:
        mask = np.zeros(len(self.words), dtype=bool)
        mask[: self.n_seeds] = True
        return mask

    @property
    def candidates(self) -> list[str]:
        return self.words[self.n_seeds :]

    @property
    def n_edges(self) -> int:
        return int(self.adjacency.nnz // 2)


VECTOR_POSTPROCESS = ("none", "center", "abtt")


def postprocess_vectors(vectors: KeyedVectors, mode: str = "center", n_components: int = 2) -> KeyedVectors:
    """Make cosine similarity discriminative again before thresholding at Tc.

    Skip-gram vectors trained on a small corpus share a large common direction: on the
    32k Weibo posts of the lexicon benchmark the median cosine of two random words is
    0.69, so any Tc around 0.5 reaches nearly the whole vocabulary. ``"center"``
    subtracts the mean vector (median cosine then ~0); ``"abtt"`` also removes the top
    ``n_components`` principal directions ("all-but-the-top", Mu & Viswanath, ICLR 2018);
    ``"none"`` leaves the vectors as they are (large pretrained vectors, as in the paper).
    """
    if mode not in VECTOR_POSTPROCESS:
        raise ValueError(f"vector postprocess must be one of {VECTOR_POSTPROCESS}, got {mode!r}")
    if mode == "none":
        return vectors
    X = vectors.vectors.astype(np.float64)
    X = X - X.mean(axis=0)
    if mode == "abtt":
        _, _, vt = np.linalg.svd(X, full_matrices=False)
        top = vt[:n_components]
        X = X - (X @ top.T) @ top
    out = KeyedVectors(vector_size=X.shape[1])
    out.add_vectors(list(vectors.index_to_key), X.astype(np.float32))
    return out


def _similar_to(normed: np.ndarray, rows: np.ndarray, tc: float, allowed: np.ndarray, chunk: int) -> np.ndarray:
    """Indices of vocabulary words with cosine > tc to any of ``rows``."""
    hit = np.zeros(normed.shape[0], dtype=bool)
    for start in range(0, len(rows), chunk):
        sims = normed[rows[start : start + chunk]] @ normed.T
        hit |= (sims > tc).any(axis=0)
    return np.flatnonzero(hit & allowed)


def candidate_words(
    vectors: KeyedVectors,
    seeds: SeedSet,
    tc: float,
    *,
    hops: int = 1,
    word_filter: Callable[[str], bool] | None = is_wordlike,
    chunk: int = 256,
) -> tuple[SeedSet, list[str], list[str]]:
    """Seeds found in ``vectors``, the candidates they reach above ``tc`` (vocabulary
    order), and the seeds missing from ``vectors``."""
    kept, levels, missing = _expand(vectors, seeds, tc, hops, word_filter, chunk)
    return kept, list(levels), missing


def _expand(
    vectors: KeyedVectors,
    seeds: SeedSet,
    tc: float,
    hops: int,
    word_filter: Callable[[str], bool] | None,
    chunk: int,
) -> tuple[SeedSet, dict[str, int], list[str]]:
    """Seeds kept, candidate -> hop at which it was reached, seeds missing."""
    if not -1.0 <= tc < 1.0:
        raise ValueError(f"tc must be a cosine similarity in [-1, 1), got {tc}")
    if hops < 1:
        raise ValueError(f"hops must be >= 1, got {hops}")
    kept, missing = seeds.restrict(vectors.key_to_index)
    if not kept.depressive or not kept.control:
        raise ValueError(
            "no depressive or no non-depressive seed is in the word-vector vocabulary "
            f"({len(missing)} seeds missing, e.g. {missing[:5]})"
        )
    normed = vectors.get_normed_vectors()
    vocab = vectors.index_to_key
    allowed = np.ones(len(vocab), dtype=bool)
    if word_filter is not None:
        allowed = np.fromiter((word_filter(w) for w in vocab), dtype=bool, count=len(vocab))
    seed_idx = np.array([vectors.key_to_index[w] for w in kept.order], dtype=np.int64)
    allowed[seed_idx] = False
    level = np.zeros(len(vocab), dtype=np.int64)  # 0 = not reached, h = found at hop h
    frontier = seed_idx
    for hop in range(1, hops + 1):
        new = _similar_to(normed, frontier, tc, allowed & (level == 0), chunk)
        if not len(new):
            break
        level[new] = hop
        frontier = new
    found = np.flatnonzero(level)
    return kept, {vocab[i]: int(level[i]) for i in found}, missing


def _strongest(r: np.ndarray, c: np.ndarray, v: np.ndarray, k: int):
    """Keep the ``k`` largest values of each row (entries are grouped by row already)."""
    if k < 1:
        raise ValueError(f"max_neighbors must be >= 1, got {k}")
    order = np.lexsort((-v, r))  # by row, strongest first
    r, c, v = r[order], c[order], v[order]
    starts = np.r_[0, np.flatnonzero(np.diff(r)) + 1]
    rank = np.arange(len(r)) - np.repeat(starts, np.diff(np.r_[starts, len(r)]))
    keep = rank < k
    return r[keep], c[keep], v[keep]


def build_graph(
    vectors: KeyedVectors,
    seeds: SeedSet,
    tc: float = 0.5,
    *,
    hops: int = 1,
    candidate_edges: bool = False,
    max_neighbors: int | None = None,
    word_filter: Callable[[str], bool] | None = is_wordlike,
    chunk: int = 1024,
) -> WordGraph:
    """Expand ``seeds`` through ``vectors`` and build the weighted word graph.

    Parameters
    ----------
    vectors : word vectors (gensim ``KeyedVectors``).
    seeds : the labelled seeds; those missing from ``vectors`` are dropped and listed.
    tc : similarity threshold for candidates and edges (the paper's Tc).
    hops : expansion rounds (1 = words similar to a seed).
    candidate_edges : also link candidates to each other above ``tc`` (default: only
        expansion edges, as in the paper).
    max_neighbors : keep at most this many strongest edges per node before the graph is
        made symmetric (a k-nearest-neighbour graph, as in Hamilton et al.'s SentProp);
        None keeps every edge above ``tc``. Bounds memory when small-corpus vectors make
        many words similar.
    word_filter : which vocabulary words may become candidates (default: word-like).
    """
    kept, levels, missing = _expand(vectors, seeds, tc, hops, word_filter, 256)
    words = list(kept.order) + list(levels)
    n_seeds = len(kept)
    level = np.array([0] * n_seeds + list(levels.values()), dtype=np.int64)
    normed = vectors.get_normed_vectors()[[vectors.key_to_index[w] for w in words]]
    rows, cols, vals = [], [], []
    n = len(words)
    for start in range(0, n, chunk):
        block = normed[start : start + chunk] @ normed.T
        r, c = np.nonzero(block > tc)
        r = r + start
        keep = r != c
        keep &= ~((r < n_seeds) & (c < n_seeds))  # no seed-seed edges
        if not candidate_edges:  # expansion edges only: hop h to hop h + 1
            keep &= np.abs(level[r] - level[c]) == 1
        r, c = r[keep], c[keep]
        v = block[r - start, c]
        if max_neighbors is not None and len(r):
            r, c, v = _strongest(r, c, v, max_neighbors)
        rows.append(r)
        cols.append(c)
        vals.append(v)
    adjacency = sp.csr_matrix(
        (np.concatenate(vals).astype(np.float64), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, n),
    )
    if max_neighbors is not None:
        adjacency = adjacency.maximum(adjacency.T).tocsr()
    labels = np.zeros(n)
    seed_labels = kept.labels
    labels[:n_seeds] = [seed_labels[w] for w in kept.order]
    return WordGraph(words, adjacency, labels, n_seeds, tc, missing)
