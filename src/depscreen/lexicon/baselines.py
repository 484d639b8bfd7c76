"""The three baseline labelling rules of paper 002, behind one shape of function.

Each takes the candidate words (found by the same Tc expansion as W2V-LPA, so all
methods label the same words) and returns a signed score per candidate: > 0
depressive, < 0 non-depressive, 0 undecided (left out of the lexicon).

* :func:`w2v_scores` -- **W2V**: seeds are consulted in ``SeedSet.order``; a candidate
  takes the label of the first seed whose similarity to it exceeds ``tc``; the score is
  that similarity with the seed's sign.
* :func:`so_w2v_scores` -- **SO-W2V** (Chao et al.): sum of similarities to the
  depressive seeds minus the sum of similarities to the non-depressive seeds.
* :func:`so_pmi_scores` -- **SO-PMI** (Turney; De Choudhury et al.): sum of PMI with the
  depressive seeds minus the sum of PMI with the non-depressive seeds, co-occurrence
  counted in documents (each post) or in sliding windows of ``window`` tokens.

PMI is ``log2(n(w, s) * N / (n(w) * n(s)))`` where ``N`` is the number of units
(documents or windows), ``n(w)`` the number of units holding ``w`` and ``n(w, s)``
the number holding both. A pair that never co-occurs has no defined PMI; it adds 0
to the sum unless ``smoothing > 0``, in which case ``smoothing`` is added to every
joint count (Turney's 0.01 is a common choice).

Example
-------
>>> docs = [["sad", "cry"], ["sad", "cry"], ["happy", "smile"], ["sad", "smile"]]
>>> from depscreen.lexicon.seeds import SeedSet
>>> s = so_pmi_scores(docs, SeedSet(["sad"], ["happy"]), ["cry", "smile"])
>>> round(s["cry"], 3), round(s["smile"], 3)
(0.415, -1.585)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp
from gensim.models import KeyedVectors

from .seeds import SeedSet


def _seed_similarities(vectors: KeyedVectors, seeds: SeedSet, candidates: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(seeds x candidates) cosine similarities, seeds in ``seeds.order``, and the
    seeds' signs."""
    kept, _ = seeds.restrict(vectors.key_to_index)
    normed = vectors.get_normed_vectors()
    s = normed[[vectors.key_to_index[w] for w in kept.order]]
    c = normed[[vectors.key_to_index[w] for w in candidates]]
    labels = kept.labels
    signs = np.array([labels[w] for w in kept.order], dtype=np.float64)
    return (s @ c.T).astype(np.float64), signs


def w2v_scores(vectors: KeyedVectors, seeds: SeedSet, candidates: Sequence[str], tc: float) -> dict[str, float]:
    """Label of the first seed (in ``seeds.order``) whose similarity exceeds ``tc``."""
    if not candidates:
        return {}
    sims, signs = _seed_similarities(vectors, seeds, candidates)
    reach = sims > tc
    first = reach.argmax(axis=0)
    cols = np.arange(len(candidates))
    hit = reach[first, cols]
    score = np.where(hit, signs[first] * sims[first, cols], 0.0)
    return dict(zip(candidates, score.tolist()))


def so_w2v_scores(vectors: KeyedVectors, seeds: SeedSet, candidates: Sequence[str]) -> dict[str, float]:
    """Sum of similarities to depressive seeds minus sum to non-depressive seeds."""
    if not candidates:
        return {}
    sims, signs = _seed_similarities(vectors, seeds, candidates)
    return dict(zip(candidates, (signs @ sims).tolist()))


def unit_matrix(
    docs: Sequence[Sequence[str]],
    vocabulary: dict[str, int],
    *,
    unit: str = "document",
    window: int = 5,
) -> sp.csr_matrix:
    """Binary (units x vocabulary) occurrence matrix.

    ``unit="document"``: one unit per document. ``unit="window"``: one unit per run of
    ``window`` consecutive tokens (stride 1); a document shorter than ``window`` is one
    unit. Words outside ``vocabulary`` are ignored (but still take up window positions).
    """
    if unit not in {"document", "window"}:
        raise ValueError(f"unit must be 'document' or 'window', got {unit!r}")
    if unit == "window" and window < 2:
        raise ValueError(f"window must be >= 2, got {window}")
    indptr = [0]
    indices: list[int] = []
    for doc in docs:
        ids = [vocabulary.get(t, -1) for t in doc]
        if not ids:
            continue
        if unit == "document" or len(ids) <= window:
            spans = [ids]
        else:
            spans = [ids[i : i + window] for i in range(len(ids) - window + 1)]
        for span in spans:
            present = sorted({i for i in span if i >= 0})
            indices.extend(present)
            indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    return sp.csr_matrix(
        (data, np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=(len(indptr) - 1, len(vocabulary)),
    )


def pmi_with_seeds(
    docs: Sequence[Sequence[str]],
    seeds: Sequence[str],
    words: Sequence[str],
    *,
    unit: str = "document",
    window: int = 5,
    smoothing: float = 0.0,
) -> np.ndarray:
    """(words x seeds) PMI matrix; NaN where a pair never co-occurs and ``smoothing`` is 0
    (or where a word never occurs)."""
    vocab = {w: i for i, w in enumerate(dict.fromkeys(list(words) + list(seeds)))}
    X = unit_matrix(docs, vocab, unit=unit, window=window).tocsc()
    n_units = X.shape[0]
    df = np.asarray(X.sum(axis=0)).ravel()
    w_idx = np.array([vocab[w] for w in words], dtype=np.int64)
    s_idx = np.array([vocab[s] for s in seeds], dtype=np.int64)
    joint = (X[:, w_idx].T @ X[:, s_idx]).toarray() + smoothing
    expected = np.outer(df[w_idx], df[s_idx])
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log2(joint * n_units / expected)
    pmi[~np.isfinite(pmi)] = np.nan
    return pmi


def so_pmi_scores(
    docs: Sequence[Sequence[str]],
    seeds: SeedSet,
    candidates: Sequence[str],
    *,
    unit: str = "document",
    window: int = 5,
    smoothing: float = 0.0,
) -> dict[str, float]:
    """SO-PMI: sum of PMI with depressive seeds minus sum with non-depressive seeds
    (undefined PMI adds 0)."""
    if not candidates:
        return {}
    pmi = pmi_with_seeds(
        docs, seeds.order, candidates, unit=unit, window=window, smoothing=smoothing
    )
    labels = seeds.labels
    signs = np.array([labels[w] for w in seeds.order], dtype=np.float64)
    score = np.nan_to_num(pmi, nan=0.0) @ signs
    return dict(zip(candidates, score.tolist()))
