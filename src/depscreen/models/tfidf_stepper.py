"""Incremental TF-IDF scoring for linear models: the stepper of ``tfidf-lr``
(:class:`~depscreen.models.baselines.TfidfLogReg`), the TF-IDF half of
``depscreen-default`` (:mod:`.default_stepper`) and any scikit-learn pipeline of TF-IDF
blocks and a linear classifier (:meth:`LinearTfidfStepper.from_pipeline`).

The stepper keeps each user's n-gram counts and, per TF-IDF block, two running sums --
the dot product of the (unnormalised) TF-IDF vector with the model's weights and its
squared norm -- so a new post costs only its own n-grams, never the history. Word
n-grams that straddle two posts (the model joins posts with ``sep``) and whitespace runs
at the join are handled, so the score equals the model's score on the truncated
timeline (tested). A vectoriser it cannot follow (another analyzer, another norm) raises
``TypeError`` and the model's ``stepper()`` returns None.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any, Callable, Sequence

import numpy as np

from ..corpus.types import User
from .base import aligned_proba, risk_scores
from .stepping import Stepper

_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's whitespace collapse for char n-grams


class _IncrementalNgrams:
    """The n-gram counts of ``sep.join(posts)`` as a fitted vectoriser would see them,
    updated one post at a time (word, char and char_wb analyzers)."""

    def __init__(self, vectorizer: Any, sep: str, pre: Callable[[str], str] | None = None):
        analyzer = vectorizer.analyzer
        if analyzer not in ("word", "char", "char_wb"):
            raise TypeError(f"analyzer {analyzer!r} cannot be stepped incrementally")
        self.kind = analyzer
        self.vocabulary = vectorizer.vocabulary_
        self.lo, self.hi = vectorizer.ngram_range
        self.preprocess = vectorizer.build_preprocessor()
        self.tokenize = vectorizer.build_tokenizer() if analyzer == "word" else None
        stop = vectorizer.get_stop_words() if analyzer == "word" else None
        self.stop = frozenset(stop) if stop else None
        self.sep = sep
        self.pre = pre

    def tail0(self) -> Any:
        return None  # None: nothing read yet

    def add(self, text: str, tail: Any) -> tuple[Counter, Any]:
        """Counts (vocabulary columns) of the n-grams the new post adds, and the new tail."""
        if self.pre is not None:
            text = self.pre(text)
        grams: list[str]
        if self.kind == "word":
            tokens = self.tokenize(self.preprocess(text))
            if self.stop:
                tokens = [t for t in tokens if t not in self.stop]
            prev = list(tail or [])
            seq = prev + tokens
            grams = []
            for n in range(self.lo, self.hi + 1):
                first = max(0, len(prev) - n + 1)  # n-grams ending inside the new post
                grams.extend(" ".join(seq[i : i + n]) for i in range(first, len(seq) - n + 1))
            new_tail = seq[-(self.hi - 1):] if self.hi > 1 else []
            return self._count(grams), new_tail
        if self.kind == "char_wb":
            doc = _WHITE_SPACES.sub(" ", self.preprocess(text))
            grams = []
            for w in doc.split():
                w = f" {w} "
                for n in range(self.lo, self.hi + 1):
                    if len(w) <= n:  # as scikit-learn: a short word counts once, whole
                        grams.append(w)
                        break
                    grams.extend(w[i : i + n] for i in range(len(w) - n + 1))
            return self._count(grams), None
        # plain char n-grams over the whole (whitespace-collapsed) document
        raw = self.preprocess(text)
        if tail is None:
            window_old, window_new = "", _WHITE_SPACES.sub(" ", raw)
        else:
            window_old = tail
            window_new = _WHITE_SPACES.sub(" ", tail + self.preprocess(self.sep) + raw)
        counts = self._count(self._char_grams(window_new))
        counts.subtract(self._count(self._char_grams(window_old)))
        w = self.hi
        doc_tail = window_new[-w:] if len(window_new) >= w else window_new
        return counts, doc_tail

    def _char_grams(self, doc: str) -> list[str]:
        out = []
        for n in range(self.lo, self.hi + 1):
            out.extend(doc[i : i + n] for i in range(len(doc) - n + 1))
        return out

    def _count(self, grams: list[str]) -> Counter:
        voc = self.vocabulary
        return Counter(voc[g] for g in grams if g in voc)


class _Block:
    """One TF-IDF block of a linear model: incremental n-grams + its weights."""

    def __init__(self, vectorizer: Any, weights: np.ndarray, sep: str, pre=None):
        self.ngrams = _IncrementalNgrams(vectorizer, sep, pre)
        self.idf = np.asarray(getattr(vectorizer, "idf_", np.ones(len(vectorizer.vocabulary_))), dtype=float)
        if not getattr(vectorizer, "use_idf", True):
            self.idf = np.ones(len(vectorizer.vocabulary_))
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.binary = bool(vectorizer.binary)
        self.norm = vectorizer.norm
        if self.norm not in ("l2", "l1", None):
            raise TypeError(f"norm {self.norm!r} cannot be stepped incrementally")
        self.W = np.ascontiguousarray(weights, dtype=float)  # (rows, n_terms)

    def tf(self, c: np.ndarray) -> np.ndarray:
        c = np.asarray(c, dtype=float)
        if self.binary:
            return (c > 0).astype(float)
        if self.sublinear:
            return np.where(c > 0, np.log(np.maximum(c, 1e-300)) + 1.0, 0.0)
        return c

    def init(self) -> dict[str, Any]:
        return {"counts": {}, "tail": self.ngrams.tail0(), "dot": np.zeros(self.W.shape[0]), "norm": 0.0}

    def add(self, st: dict[str, Any], text: str) -> None:
        delta, st["tail"] = self.ngrams.add(text, st["tail"])
        delta = {j: c for j, c in delta.items() if c}
        if not delta:
            return
        cols = np.fromiter(delta.keys(), dtype=np.int64, count=len(delta))
        counts = st["counts"]
        old = np.fromiter((counts.get(j, 0) for j in cols), dtype=float, count=len(cols))
        new = old + np.fromiter(delta.values(), dtype=float, count=len(cols))
        for j, c in zip(cols.tolist(), new.tolist()):
            counts[j] = c
        v_old = self.tf(old) * self.idf[cols]
        v_new = self.tf(new) * self.idf[cols]
        st["dot"] += self.W[:, cols] @ (v_new - v_old)
        if self.norm == "l2":
            st["norm"] += float((v_new**2 - v_old**2).sum())
        elif self.norm == "l1":
            st["norm"] += float((np.abs(v_new) - np.abs(v_old)).sum())

    def value(self, st: dict[str, Any]) -> np.ndarray:
        """This block's contribution ``w . normalise(tfidf)`` to the decision function."""
        if self.norm is None:
            return st["dot"]
        z = math.sqrt(max(st["norm"], 0.0)) if self.norm == "l2" else st["norm"]
        return st["dot"] / z if z > 1e-12 else np.zeros_like(st["dot"])


class LinearTfidfStepper(Stepper):
    """Incremental TF-IDF sums for a linear model over TF-IDF blocks.

    Parameters
    ----------
    vectorizers : the fitted ``TfidfVectorizer`` blocks, in the order of the
        classifier's weights (each block normalised on its own).
    classifier : the fitted linear classifier (``coef_``, ``intercept_``, ``classes_``).
    sep : joins a user's posts into the model's document.
    classes : the model's class order (default: the classifier's).
    preprocessors : per block, a text function applied to each post before that block's
        n-grams (e.g. Chinese word segmentation), or None.
    redact : applied to each post before any block sees it, or None.
    calibrator : maps the probabilities as the model does (``transform``), or None.
    """

    name = "tfidf-incremental"

    def __init__(self, vectorizers: Sequence[Any], classifier: Any, *, sep: str = "\n", classes: Any = None,
                 preprocessors: Sequence[Callable[[str], str] | None] | None = None,
                 redact: Callable[[str], str] | None = None, calibrator: Any = None):
        pres = list(preprocessors) if preprocessors is not None else [None] * len(vectorizers)
        self.redact = redact
        self.calibrator = calibrator
        self.lr = classifier
        coef = np.asarray(classifier.coef_, dtype=float)
        self.intercept = np.asarray(classifier.intercept_, dtype=float)
        self.blocks = []
        start = 0
        for vec, pre in zip(vectorizers, pres):
            n = len(vec.vocabulary_)
            self.blocks.append(_Block(vec, coef[:, start : start + n], sep, pre))
            start += n
        if start != coef.shape[1]:
            raise ValueError(f"model has {coef.shape[1]} weights but its vectorisers {start} terms")
        self.classes = np.asarray(classifier.classes_ if classes is None else classes)

    @classmethod
    def from_pipeline(cls, pipeline: Any, classes: Any = None, sep: str = "\n") -> "LinearTfidfStepper":
        """The stepper of a fitted scikit-learn ``Pipeline`` of TF-IDF vectorisers (one
        ``TfidfVectorizer`` or a ``FeatureUnion`` of them, each normalised on its own)
        and a linear classifier with ``coef_`` / ``intercept_``, on documents that join a
        user's posts with ``sep`` -- the "ten lines of scikit-learn" a peer is, stepped
        post by post like depscreen's own TF-IDF models."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        steps = [step for _, step in pipeline.steps]
        if len(steps) != 2 or not hasattr(steps[1], "coef_"):
            raise TypeError("expected a Pipeline of TF-IDF features and a linear classifier")
        features = steps[0]
        vecs = [v for _, v in features.transformer_list] if isinstance(features, FeatureUnion) else [features]
        if not all(isinstance(v, TfidfVectorizer) for v in vecs):
            raise TypeError("every feature block must be a fitted TfidfVectorizer")
        return cls(vecs, steps[1], sep=sep, classes=classes)

    def init(self, user: User) -> dict[str, Any]:
        return {"blocks": [b.init() for b in self.blocks]}

    def advance(self, states, new_posts):
        for st, posts in zip(states, new_posts):
            for p in posts:
                text = self.redact(p.text) if self.redact else p.text
                for b, bst in zip(self.blocks, st["blocks"]):
                    b.add(bst, text)
        D = np.vstack([sum(b.value(bst) for b, bst in zip(self.blocks, st["blocks"])) + self.intercept
                       for st in states])
        proba = aligned_proba(_linear_proba(D), self.lr.classes_, self.classes)
        proba = self.combine(states, new_posts, proba)
        if self.calibrator is not None:
            proba = self.calibrator.transform(proba)
        return np.asarray(risk_scores(proba, self.classes), dtype=float)

    def combine(self, states: list[Any], new_posts: list[Any], proba: np.ndarray) -> np.ndarray:
        """The model's probabilities from the TF-IDF model's (``proba``, in ``classes``
        order), before calibration: the TF-IDF model's own here; a stacked model's
        stepper combines them with its other models'."""
        return proba


def _linear_proba(D: np.ndarray) -> np.ndarray:
    """scikit-learn LogisticRegression's probabilities from decision values."""
    from scipy.special import expit, softmax

    if D.shape[1] == 1:
        p = expit(D[:, 0])
        return np.column_stack([1 - p, p])
    return softmax(D, axis=1)


