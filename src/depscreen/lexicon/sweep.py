"""Parameter sweep of lexicon construction (paper 002's sensitivity analysis).

:func:`sweep_lexicons` builds a lexicon for every method x number of seeds x Tc and
scores each against a gold lexicon. The expensive steps are shared: posts are
tokenised once, Word2Vec is trained once, and seeds are extracted once at the largest
size; smaller seed sets are the top of that ranking (``SeedSet.top``), so a 60-seed
run uses exactly the first 30 + 30 seeds of the 120-seed run.

Example
-------
>>> rows = sweep_lexicons(posts, labels, gold, n_seeds=(60, 80), tcs=(0.5, 0.6))  # doctest: +SKIP
>>> rows[0]["method"], rows[0]["f1"]  # doctest: +SKIP
('w2v-lpa', 0.41)
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Sequence

from .builder import METHODS, LexiconBuilder, split_documents
from .evaluate import evaluate_lexicon
from .lexicon import Lexicon
from .seeds import SeedSet, load_seeds

PAPER_SEEDS = (60, 80, 100, 120)
PAPER_TCS = (0.5, 0.55, 0.6, 0.65, 0.7)


def sweep_lexicons(
    X: Any,
    y: Any,
    gold: Lexicon,
    *,
    methods: Sequence[str] = METHODS,
    n_seeds: Sequence[int] = PAPER_SEEDS,
    tcs: Sequence[float] = PAPER_TCS,
    builder_params: dict | None = None,
    extra_texts: Sequence[Any] | None = None,
    word_vectors: Any = None,
    include_seeds: bool = True,
    on_row: Callable[[dict], None] | None = None,
) -> list[dict[str, Any]]:
    """Build and score one lexicon per (method, n_seeds, tc).

    Parameters
    ----------
    X, y : posts and labels as for :meth:`LexiconBuilder.fit` (D1 = ``positive_labels``
        of ``builder_params``, default 1).
    gold : the gold lexicon.
    methods, n_seeds, tcs : the grid (defaults: all four methods, the paper's grid).
    builder_params : other :class:`LexiconBuilder` settings shared by every run
        (``seeds`` may name a seed file: then ``n_seeds`` takes its top entries).
    extra_texts : more text for Word2Vec only.
    word_vectors : ready gensim vectors (skips training and ``extra_texts``).
    include_seeds : score the seeds too (False: only words each method found).
    on_row : called with each result row as it is ready (progress, logging).

    Returns
    -------
    list of dict
        One row per run: method, n_seeds, tc, the scores of
        :class:`~depscreen.lexicon.evaluate.LexiconScores` (``include_seeds`` as given),
        ``expanded_*`` scores of the words the method found itself (seeds left out),
        candidates, n_iter, converged, seconds.
    """
    params = dict(builder_params or {})
    for key in ("method", "n_seeds", "tc"):
        params.pop(key, None)
    seeds_param = params.pop("seeds", None)
    positive = params.get("positive_labels")
    docs, is_d1 = split_documents(X, y, positive)
    params["positive_labels"] = None

    # shared: tokens, vectors, seed ranking
    base = LexiconBuilder(n_seeds=max(n_seeds), **params)
    tokens, lang = base._tokens(docs)
    base.lang_ = lang
    params["lang"] = lang
    extra: list[list[str]] = []
    if extra_texts and word_vectors is None:
        from .builder import tokenize_documents

        strs = [t for t in extra_texts if isinstance(t, str)]
        extra = [list(t) for t in extra_texts if not isinstance(t, str)]
        if strs:
            extra += tokenize_documents(strs, lang)[0]
    vectors = base._word_vectors(tokens + extra, word_vectors)
    base.vectors_ = vectors
    d1 = [t for t, p in zip(tokens, is_d1) if p]
    d2 = [t for t, p in zip(tokens, is_d1) if not p]
    if seeds_param is None:
        ranking = base._seeds(d1, d2)
    else:
        ranking = seeds_param if isinstance(seeds_param, SeedSet) else load_seeds(seeds_param)
        ranking, _ = ranking.restrict(vectors.key_to_index)
    vocabulary = set(vectors.key_to_index)

    rows = []
    for method in methods:
        for n in n_seeds:
            seeds = ranking.top(n)
            for tc in tcs:
                start = time.perf_counter()
                builder = LexiconBuilder(method, n_seeds=n, tc=tc, seeds=seeds, **params)
                builder.fit(tokens, is_d1, word_vectors=vectors)
                scores = evaluate_lexicon(
                    builder.lexicon_, gold, vocabulary=vocabulary, include_seeds=include_seeds
                )
                found = evaluate_lexicon(builder.lexicon_, gold, include_seeds=False)
                row = {
                    "method": method,
                    "n_seeds": len(builder.seeds_),
                    "tc": tc,
                    **scores.to_dict(),
                    "expanded_matched": found.matched,
                    "expanded_correct": found.correct,
                    "expanded_precision": found.precision,
                    "expanded_f1": found.f1,
                    "candidates": len(builder.candidates_),
                    "n_iter": builder.n_iter_,
                    "converged": builder.converged_,
                    "seconds": round(time.perf_counter() - start, 3),
                }
                rows.append(row)
                if on_row is not None:
                    on_row(row)
    return rows


def stability(rows: Sequence[dict[str, Any]], metric: str = "f1") -> dict[str, dict[str, float]]:
    """Per method: mean, standard deviation, min and max of ``metric`` over the sweep."""
    out: dict[str, dict[str, float]] = {}
    for method in dict.fromkeys(r["method"] for r in rows):
        values = [r[metric] for r in rows if r["method"] == method]
        out[method] = {
            "mean": statistics.fmean(values),
            "std": statistics.pstdev(values) if len(values) > 1 else 0.0,
            "min": min(values),
            "max": max(values),
            "runs": len(values),
        }
    return out
