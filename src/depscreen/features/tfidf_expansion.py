"""TF-IDF features with FastText feature expansion (paper 003).

Short social-media posts give sparse TF-IDF vectors: two posts about the same mood
that use different words ("sedih" / "galau", "hopeless" / "worthless") share no
non-zero feature. Feature expansion fills some of those zeros from a word-similarity
list built with FastText, so a document that uses a word similar to a feature word
also gets a value for that feature.

The rule implemented here (also in ``docs/post_level.md``)
---------------------------------------------------------
1. ``X`` is the TF-IDF matrix of the documents over the fitted vocabulary ``V``
   (scikit-learn's ``TfidfVectorizer``: smoothed idf, optional sublinear tf, rows
   L2-normalised by default). All values are >= 0 and a value is non-zero exactly
   when the word occurs in the document.
2. Every vocabulary word ``w`` gets a ranked list ``s_1(w), ..., s_N(w)`` of its ``N``
   most similar *other vocabulary words* by cosine similarity of their FastText
   vectors (``N = top_n``, e.g. 1, 5, 10 or 15). Neighbours are restricted to ``V``
   because only vocabulary words carry a TF-IDF value. Words without a vector (only
   possible with a loaded ``.vec`` file, FastText builds vectors from character
   n-grams) and neighbours below ``min_similarity`` are left out, so a list can be
   shorter than ``N``.
3. For each document ``d`` and word ``w``: if ``X[d, w] > 0`` the value is kept.
   Otherwise, with ``k`` the smallest rank such that ``X[d, s_k(w)] > 0``, the
   expanded value is ``X[d, s_k(w)]`` (the TF-IDF value of the most similar word of
   ``w`` present in ``d``); if no neighbour occurs, the value stays 0.
4. Values are always copied from the original ``X`` (one step, no chaining through
   already expanded values) and the expanded rows are not re-normalised unless
   ``renormalize=True``.

The expansion is computed with sparse matrix products, one per rank: with ``P_k`` the
``|V| x |V|`` 0/1 matrix that maps column ``s_k(w)`` to column ``w``, ``X @ P_k`` holds
each word's rank-``k`` candidate value, and ranks are merged in order so that the
first (most similar) present neighbour wins. The cost is ``O(nnz(X) * N)``, which is
fine for tens of thousands of posts.

Example
-------
>>> docs = [["aku", "sedih", "sekali"], ["aku", "galau", "sekali"], ["makan", "enak"]]
>>> exp = FastTextExpandedTfidf(top_n=1, ft_min_count=1, ft_epochs=5)
>>> X = exp.fit_transform(docs)
>>> X.shape == (3, len(exp.vocabulary_))
True
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from ..fitted import check_fitted

__all__ = ["FastTextExpandedTfidf", "nearest_vocabulary_neighbours", "expand_tfidf"]


def _identity(tokens: Sequence[str]) -> Sequence[str]:
    return tokens


def _as_token_lists(docs: Iterable[Any]) -> list[list[str]]:
    """Token lists as given, or whitespace-split strings (already preprocessed text)."""
    out = []
    for i, doc in enumerate(docs):
        if isinstance(doc, str):
            out.append(doc.split())
        elif isinstance(doc, (list, tuple)):
            out.append([str(t) for t in doc])
        else:
            raise TypeError(
                f"document {i}: expected a token list or a whitespace-tokenised string, "
                f"got {type(doc).__name__}"
            )
    return out


def nearest_vocabulary_neighbours(
    vocabulary: Sequence[str],
    vectors: Any,
    top_n: int,
    *,
    min_similarity: float | None = None,
    chunk_size: int = 2048,
) -> np.ndarray:
    """Rank each vocabulary word's ``top_n`` most similar other vocabulary words.

    Parameters
    ----------
    vocabulary : sequence of str
        The feature words, in column order.
    vectors : gensim ``KeyedVectors``
        FastText vectors (out-of-vocabulary words get n-gram vectors) or plain word
        vectors (words without a vector get no neighbours and are no one's neighbour).
    top_n : int
        Neighbours per word.
    min_similarity : float, optional
        Drop neighbours whose cosine similarity is below this value.

    Returns
    -------
    ndarray of shape (len(vocabulary), top_n), int64
        Column indices of the neighbours, most similar first; ``-1`` pads short lists.
    """
    n = len(vocabulary)
    out = np.full((n, top_n), -1, dtype=np.int64)
    if n < 2 or top_n <= 0:
        return out
    dim = vectors.vector_size
    emb = np.zeros((n, dim), dtype=np.float32)
    has = np.zeros(n, dtype=bool)
    for i, word in enumerate(vocabulary):
        try:
            vec = vectors[word]
        except KeyError:
            continue
        norm = float(np.linalg.norm(vec))
        if norm > 0:
            emb[i] = vec / norm
            has[i] = True
    k = min(top_n, n - 1)
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        sims = emb[start:stop] @ emb.T  # cosine similarity (rows are unit length)
        sims[:, ~has] = -np.inf
        rows = np.arange(stop - start)
        sims[rows, rows + start] = -np.inf  # never your own neighbour
        sims[~has[start:stop]] = -np.inf
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        part_sims = np.take_along_axis(sims, part, axis=1)
        # stable tie-break on column index so the ranking is deterministic
        order = np.lexsort((part, -part_sims), axis=1)
        ranked = np.take_along_axis(part, order, axis=1)
        ranked_sims = np.take_along_axis(part_sims, order, axis=1)
        keep = np.isfinite(ranked_sims)
        if min_similarity is not None:
            keep &= ranked_sims >= min_similarity
        ranked = np.where(keep, ranked, -1)
        out[start:stop, :k] = ranked
    return out


def expand_tfidf(X: sp.spmatrix, neighbours: np.ndarray) -> sp.csr_matrix:
    """Apply the expansion rule (see the module docstring) to a TF-IDF matrix.

    Parameters
    ----------
    X : sparse matrix of shape (n_docs, n_words), values >= 0
    neighbours : ndarray of shape (n_words, top_n)
        Ranked neighbour columns per word, ``-1`` for none.

    Returns
    -------
    csr_matrix
        ``X`` with zeros filled from the most similar present neighbour.
    """
    X = sp.csr_matrix(X, dtype=np.float64)
    n_words = X.shape[1]
    if neighbours.shape[0] != n_words:
        raise ValueError(
            f"neighbour table has {neighbours.shape[0]} rows but X has {n_words} columns"
        )
    X.eliminate_zeros()
    filled = X.copy()
    for rank in range(neighbours.shape[1]):
        src = neighbours[:, rank]
        words = np.flatnonzero(src >= 0)
        if words.size == 0:
            continue
        # P[src[w], w] = 1: (X @ P)[d, w] = X[d, src[w]]
        P = sp.csr_matrix(
            (np.ones(words.size), (src[words], words)), shape=(n_words, n_words)
        )
        cand = (X @ P).tocsr()
        if cand.nnz == 0:
            continue
        occupied = filled.copy()
        occupied.data = np.ones_like(occupied.data)
        new = cand - cand.multiply(occupied)  # only where nothing is set yet
        new = sp.csr_matrix(new)
        new.eliminate_zeros()
        filled = (filled + new).tocsr()
    filled.sort_indices()
    return filled


class FastTextExpandedTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF over the vocabulary, with zeros filled from FastText-similar words.

    Input documents are token lists (or whitespace-tokenised strings: run the text
    pipeline first). See the module docstring for the exact expansion rule.

    Parameters
    ----------
    top_n : int, default 10
        Similar words per vocabulary word (the paper's options: 1, 5, 10, 15);
        ``0`` disables expansion (plain TF-IDF).
    vectors_path : str, optional
        A user's word-vector file (``.vec`` / ``.txt`` word2vec text, ``.bin``
        word2vec or Facebook FastText binary). When absent, a FastText model is
        trained on the training documents plus any ``unlabelled`` documents.
    max_features, min_df, max_df, sublinear_tf, norm :
        Passed to scikit-learn's ``TfidfVectorizer``.
    min_similarity : float, optional
        Ignore neighbours less similar than this (not in the paper; ``None`` keeps all).
    renormalize : bool, default False
        L2-normalise rows again after expansion.
    ft_vector_size, ft_window, ft_min_count, ft_epochs :
        FastText training settings (skip-gram, single worker for reproducibility).
    seed : int, default 13

    Attributes
    ----------
    vocabulary_ : list of str
        Feature words in column order.
    idf_ : ndarray
    neighbours_ : ndarray of shape (n_words, top_n)
        Ranked neighbour columns (``-1`` = none).
    word_vectors_ : gensim KeyedVectors or None
        The vectors used (kept in memory only, not saved).

    Examples
    --------
    >>> docs = [["sad", "today"], ["unhappy", "today"], ["sunny", "day"]] * 3
    >>> exp = FastTextExpandedTfidf(top_n=5, ft_min_count=1).fit(docs)
    >>> exp.transform([["sad"]]).shape[1] == len(exp.vocabulary_)
    True
    """

    def __init__(
        self,
        top_n: int = 10,
        vectors_path: str | None = None,
        *,
        max_features: int | None = None,
        min_df: int | float = 1,
        max_df: int | float = 1.0,
        sublinear_tf: bool = False,
        norm: str | None = "l2",
        min_similarity: float | None = None,
        renormalize: bool = False,
        ft_vector_size: int = 100,
        ft_window: int = 5,
        ft_min_count: int = 2,
        ft_epochs: int = 10,
        seed: int = 13,
    ):
        self.top_n = top_n
        self.vectors_path = vectors_path
        self.max_features = max_features
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.norm = norm
        self.min_similarity = min_similarity
        self.renormalize = renormalize
        self.ft_vector_size = ft_vector_size
        self.ft_window = ft_window
        self.ft_min_count = ft_min_count
        self.ft_epochs = ft_epochs
        self.seed = seed

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None, *, unlabelled=None, vectors=None):
        """Learn the vocabulary, idf and each word's ranked similar words.

        Parameters
        ----------
        X : list of token lists (or whitespace-tokenised strings)
        y : ignored
        unlabelled : list of token lists, optional
            Extra text for training FastText only (never for the TF-IDF vocabulary).
        vectors : gensim KeyedVectors, optional
            Already trained vectors to use instead of training / loading.
        """
        self._validate_params()
        docs = _as_token_lists(X)
        if not docs:
            raise ValueError("FastTextExpandedTfidf.fit: no documents")
        self._tfidf = self._make_vectorizer()
        try:
            self._tfidf.fit(docs)
        except ValueError as exc:
            raise ValueError(f"FastTextExpandedTfidf.fit: {exc}") from None
        self.vocabulary_ = list(self._tfidf.get_feature_names_out())
        self.idf_ = np.asarray(self._tfidf.idf_, dtype=np.float64)
        self.word_vectors_ = None
        if self.top_n > 0:
            kv = vectors if vectors is not None else self._word_vectors(docs, unlabelled)
            self.word_vectors_ = kv
            self.neighbours_ = nearest_vocabulary_neighbours(
                self.vocabulary_, kv, self.top_n, min_similarity=self.min_similarity
            )
        else:
            self.neighbours_ = np.full((len(self.vocabulary_), 0), -1, dtype=np.int64)
        self.n_features_out_ = len(self.vocabulary_)
        return self

    def _validate_params(self) -> None:
        if not isinstance(self.top_n, (int, np.integer)) or self.top_n < 0:
            raise ValueError(f"top_n must be an integer >= 0 (got {self.top_n!r})")
        if self.vectors_path is not None and not Path(self.vectors_path).exists():
            raise FileNotFoundError(f"word-vector file not found: {self.vectors_path}")

    def _make_vectorizer(self, vocabulary=None) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=_identity,
            vocabulary=vocabulary,
            max_features=self.max_features,
            min_df=self.min_df,
            max_df=self.max_df,
            sublinear_tf=self.sublinear_tf,
            norm=self.norm,
            dtype=np.float64,
        )

    def _word_vectors(self, docs, unlabelled):
        from ..embed.wordvectors import load_word_vectors, train_word_vectors

        if self.vectors_path is not None:
            return load_word_vectors(self.vectors_path)
        sentences = docs + (_as_token_lists(unlabelled) if unlabelled is not None else [])
        return train_word_vectors(
            sentences,
            kind="fasttext",
            vector_size=self.ft_vector_size,
            window=self.ft_window,
            min_count=self.ft_min_count,
            epochs=self.ft_epochs,
            seed=self.seed,
        )

    # ------------------------------------------------------------ transform
    def transform(self, X) -> sp.csr_matrix:
        """Expanded TF-IDF matrix (n_docs, n_words), sparse CSR."""
        return self.transform_both(X)[0]

    def transform_both(self, X) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """The expanded and the plain TF-IDF matrix from one vectorisation (the plain
        one tells which features of a post were filled in by expansion)."""
        check_fitted(self, "vocabulary_")
        plain = sp.csr_matrix(self._tfidf.transform(_as_token_lists(X)))
        Xt = plain
        if self.neighbours_.shape[1]:
            Xt = expand_tfidf(plain, self.neighbours_)
            if self.renormalize and self.norm:
                Xt = normalize(Xt, norm=self.norm)
        return sp.csr_matrix(Xt), plain

    def transform_plain(self, X) -> sp.csr_matrix:
        """The TF-IDF matrix before expansion (for comparison and tests)."""
        check_fitted(self, "vocabulary_")
        return sp.csr_matrix(self._tfidf.transform(_as_token_lists(X)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_fitted(self, "vocabulary_")
        return np.asarray(self.vocabulary_, dtype=object)

    def expansion_map(self) -> dict[str, list[str]]:
        """Each vocabulary word's ranked similar words (most similar first)."""
        check_fitted(self, "vocabulary_")
        return {
            w: [self.vocabulary_[j] for j in row if j >= 0]
            for w, row in zip(self.vocabulary_, self.neighbours_)
        }

    # ------------------------------------------------------- save / restore
    def get_state(self) -> dict[str, Any]:
        """JSON-safe fitted state: parameters, vocabulary, idf and expansion map.

        Floats are written with Python's shortest round-trip repr, so a restored
        transformer reproduces the same matrix exactly.
        """
        check_fitted(self, "vocabulary_")
        return {
            "params": self.get_params(),
            "vocabulary": self.vocabulary_,
            "idf": [float(v) for v in self.idf_],
            "expansion_map": self.expansion_map(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], *, source: str = "state") -> "FastTextExpandedTfidf":
        """Rebuild a fitted transformer from :meth:`get_state` output."""
        for key in ("params", "vocabulary", "idf", "expansion_map"):
            if key not in state:
                raise ValueError(f"{source}: field '{key}' is missing")
        obj = cls(**state["params"])
        vocab = list(state["vocabulary"])
        idf = np.asarray(state["idf"], dtype=np.float64)
        if idf.shape != (len(vocab),):
            raise ValueError(
                f"{source}: field 'idf' has {idf.size} values for {len(vocab)} words"
            )
        index = {w: i for i, w in enumerate(vocab)}
        width = max(int(obj.top_n), 0)
        neighbours = np.full((len(vocab), width), -1, dtype=np.int64)
        for w, sims in state["expansion_map"].items():
            if w not in index:
                raise ValueError(f"{source}: expansion_map word not in vocabulary")
            cols = [index[s] for s in sims][:width]
            neighbours[index[w], : len(cols)] = cols
        obj._tfidf = obj._make_vectorizer(vocabulary=index)
        obj._tfidf.fit([vocab])  # fixes the vocabulary; idf is replaced below
        obj._tfidf.idf_ = idf
        obj.vocabulary_ = vocab
        obj.idf_ = idf
        obj.neighbours_ = neighbours
        obj.word_vectors_ = None
        obj.n_features_out_ = len(vocab)
        return obj

    def save(self, path: str | Path) -> Path:
        """Write the fitted state to one JSON file."""
        path = Path(path)
        path.write_text(json.dumps(self.get_state(), ensure_ascii=False))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "FastTextExpandedTfidf":
        path = Path(path)
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON (line {exc.lineno}): {exc.msg}") from None
        return cls.from_state(state, source=str(path))
