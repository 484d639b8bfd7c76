"""The chronological runner: read each user's posts in time order, a step at a time, and
score the user after every step.

A *stepper* turns a fitted model into something that can be fed posts:

* :class:`LinearTfidfStepper` (``tfidf-lr``, ``depscreen-default``): keeps each user's
  n-gram counts and, per TF-IDF block, two running sums -- the dot product of the
  (unnormalised) TF-IDF vector with the model's weights and its squared norm -- so a new
  post costs only its own n-grams, never the history. Word n-grams that straddle two
  posts (the model joins posts with a newline) and whitespace runs at the join are
  handled, so the score equals the model's score on the truncated timeline (tested).
  When the default model is stacked with a sentence embedder, the user's mean post
  vector is kept as a running sum too (each post is embedded once).
* :class:`PostAggregateStepper` (any post-level model): each new post is scored once;
  the user score is the running mean or max of the post scores.
* :class:`RecomputeStepper` (every other model, e.g. LMILAtt): the fallback; after each
  step the model scores the whole timeline so far (one batched call per step for all
  users still reading), so its cost grows with the history.

:func:`run_streams` returns one :class:`ScoreStream` per user (the score after every step
and how many posts had been read) and how fast it went (user-steps per second).

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_corpus
>>> from depscreen.models.baselines import TfidfLogReg
>>> corpus = make_sample_corpus(n_users=24, seed=3)
>>> model = TfidfLogReg().fit(corpus.users, corpus.labels)
>>> run = run_streams(model, corpus.users[:3])
>>> run.mode, len(run.streams[0].scores) == len(corpus.users[0].posts)
('incremental', True)
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..corpus.types import Post, User
from ..jsonable import plain_value

_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's whitespace collapse for char n-grams


@dataclass
class ScoreStream:
    """One user's scores over time: ``scores[t]`` after reading ``seen[t]`` posts."""

    user_id: str
    label: Any
    scores: np.ndarray
    seen: np.ndarray

    def __len__(self) -> int:
        return len(self.scores)

    @property
    def n_posts(self) -> int:
        return int(self.seen[-1]) if len(self.seen) else 0

    def to_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "label": plain_value(self.label),
                "scores": [round(float(s), 6) for s in self.scores], "seen": [int(s) for s in self.seen]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ScoreStream":
        return cls(str(data["user_id"]), data.get("label"), np.asarray(data["scores"], dtype=float),
                   np.asarray(data["seen"], dtype=int))


@dataclass
class StreamRun:
    """What :func:`run_streams` returns: the streams and how they were computed."""

    streams: list[ScoreStream]
    mode: str  # "incremental" or "recompute"
    stepper: str
    user_steps: int
    posts_read: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def steps_per_second(self) -> float:
        return self.user_steps / self.seconds if self.seconds > 0 else math.nan

    def timing(self) -> dict[str, Any]:
        return {"mode": self.mode, "stepper": self.stepper, "user_steps": self.user_steps,
                "posts_read": self.posts_read, "seconds": round(self.seconds, 4),
                "steps_per_second": round(self.steps_per_second, 2) if self.seconds > 0 else None}


# ------------------------------------------------------------------------------ steppers
class Stepper:
    """Feeds posts to a fitted model user by user. Subclasses keep one state per user."""

    name = "stepper"
    incremental = True

    def init(self, user: User) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def advance(self, states: list[Any], new_posts: list[list[Post]]) -> np.ndarray:
        """Add ``new_posts[i]`` to ``states[i]`` (in place) and return each user's score."""
        raise NotImplementedError  # pragma: no cover - interface


class RecomputeStepper(Stepper):
    """The fallback: score the whole timeline read so far, for every user, every step."""

    name = "recompute"
    incremental = False

    def __init__(self, model: Any):
        self.model = model

    def init(self, user: User) -> dict[str, Any]:
        return {"user": user, "posts": []}

    def advance(self, states, new_posts):
        from ..models.base import forward

        for st, posts in zip(states, new_posts):
            st["posts"].extend(posts)
        users = [User(st["user"].user_id, st["user"].label, list(st["posts"]), {}) for st in states]
        return _scores_of(self.model, forward(self.model, users))


class PostAggregateStepper(Stepper):
    """A post-level model plus an aggregator: each post scored once, then ``mean`` or
    ``max`` of the scores so far."""

    name = "post-aggregate"

    def __init__(self, model: Any, aggregate: str = "mean"):
        if aggregate not in ("mean", "max"):
            raise ValueError(f"aggregate must be 'mean' or 'max', got {aggregate!r}")
        self.model = model
        self.aggregate = aggregate

    def init(self, user: User) -> dict[str, float]:
        return {"sum": 0.0, "n": 0, "max": -math.inf}

    def advance(self, states, new_posts):
        from ..models.base import forward

        texts = [p.text for posts in new_posts for p in posts]
        post_scores = _scores_of(self.model, forward(self.model, texts)) if texts else np.zeros(0)
        out = np.empty(len(states))
        start = 0
        for i, (st, posts) in enumerate(zip(states, new_posts)):
            s = post_scores[start : start + len(posts)]
            start += len(posts)
            st["sum"] += float(s.sum())
            st["n"] += len(s)
            if len(s):
                st["max"] = max(st["max"], float(s.max()))
            out[i] = (st["sum"] / st["n"] if st["n"] else math.nan) if self.aggregate == "mean" else st["max"]
        return out


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
    """Incremental TF-IDF sums for ``tfidf-lr`` (:class:`TfidfLogReg`) and
    ``depscreen-default`` (:class:`DefaultClassifier`, with or without its embedder)."""

    name = "tfidf-incremental"

    def __init__(self, model: Any):
        from ..models.baselines import TfidfLogReg
        from ..models.default import DefaultClassifier
        from ..text.segment import segment_cjk

        self.model = model
        self.embed_lr = None
        self.stack = None
        if isinstance(model, TfidfLogReg):
            vectorizers = model.vectorizers_
            lr = model.classifier_
            sep = model.sep
            seg = segment_cjk if model.segment_chinese else None
            pres = [seg if name == "word" else None for name, _ in vectorizers]
            vecs = [v for _, v in vectorizers]
            self.redact = None
        elif isinstance(model, DefaultClassifier):
            vecs = [model.word_, model.char_]
            lr = model.tfidf_lr_
            sep = model.sep
            pres = [segment_cjk, None]
            self.stack = _stack_kind(model)
            if self.stack is not None:
                self.embed_lr = model.embed_lr_
                self.name = "tfidf-incremental+embedding-mean"
            from ..text.normalise import redact

            self.redact = redact if model.redact else None
        else:
            raise TypeError(f"{type(model).__name__} is not a TF-IDF linear model")
        self._set_blocks(vecs, pres, lr, sep, model.classes_)

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
        self = cls.__new__(cls)
        self.model, self.embed_lr, self.stack, self.redact = pipeline, None, None, None
        self._set_blocks(vecs, [None] * len(vecs), steps[1], sep,
                         steps[1].classes_ if classes is None else classes)
        return self

    def _set_blocks(self, vecs, pres, lr, sep: str, classes) -> None:
        self.lr = lr
        coef = np.asarray(lr.coef_, dtype=float)
        self.intercept = np.asarray(lr.intercept_, dtype=float)
        self.blocks = []
        start = 0
        for vec, pre in zip(vecs, pres):
            n = len(vec.vocabulary_)
            self.blocks.append(_Block(vec, coef[:, start : start + n], sep, pre))
            start += n
        if start != coef.shape[1]:
            raise ValueError(f"model has {coef.shape[1]} weights but its vectorisers {start} terms")
        self.classes = np.asarray(classes)

    def init(self, user: User) -> dict[str, Any]:
        st: dict[str, Any] = {"blocks": [b.init() for b in self.blocks]}
        if self.stack is not None:
            st["emb_sum"] = None
            st["n"] = 0
        return st

    def advance(self, states, new_posts):
        for st, posts in zip(states, new_posts):
            for p in posts:
                text = self.redact(p.text) if self.redact else p.text
                for b, bst in zip(self.blocks, st["blocks"]):
                    b.add(bst, text)
        D = np.vstack([sum(b.value(bst) for b, bst in zip(self.blocks, st["blocks"])) + self.intercept
                       for st in states])
        from ..models.default import _aligned as align

        proba = align(_linear_proba(D), self.lr.classes_, self.classes)
        if self.stack is not None:
            proba = self._stack(states, new_posts, proba)
        calibrator = getattr(self.model, "calibrator_", None)  # depscreen-default's calibration map
        if calibrator is not None:
            proba = calibrator.transform(proba)
        from ..models.base import risk_scores

        return np.asarray(risk_scores(proba, self.classes), dtype=float)

    def _stack(self, states, new_posts, p_t):
        from ..models.default import _aligned as align

        texts = [self.redact(p.text) if self.redact else p.text for posts in new_posts for p in posts]
        E = update_embedding_means(states, new_posts, self.model._embedder().embed, self.embed_lr.coef_.shape[1], texts)
        p_e = align(self.embed_lr.predict_proba(E), self.embed_lr.classes_, self.classes)
        m = self.model
        if self.stack == "product":
            from ..models.default import _log, _stack_proba

            return _stack_proba([_log(p_t), _log(p_e)], m.stack_weights_, m.stack_bias_)
        return align(m.meta_lr_.predict_proba(m._meta_features(p_t, p_e)), m.meta_lr_.classes_, self.classes)


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


def _stack_kind(model: Any) -> str | None:
    """How a fitted default model combines its TF-IDF and embedding models: None (not
    stacked), ``"product"`` (weighted log-probabilities) or ``"meta-lr"``; anything else
    raises TypeError so :func:`make_stepper` falls back to recomputing."""
    if getattr(model, "stacked_", None) is False:
        return None
    if getattr(model, "stacked_", False) and hasattr(model, "stack_weights_"):
        return "product"
    if getattr(model, "meta_lr_", None) is not None and callable(getattr(model, "_meta_features", None)):
        return "meta-lr"
    if getattr(model, "meta_lr_", "absent") is None or getattr(model, "embed_lr_", None) is None:
        return None
    raise TypeError("unrecognised stacking in the default model")


def _linear_proba(D: np.ndarray) -> np.ndarray:
    """scikit-learn LogisticRegression's probabilities from decision values."""
    from scipy.special import expit, softmax

    if D.shape[1] == 1:
        p = expit(D[:, 0])
        return np.column_stack([1 - p, p])
    return softmax(D, axis=1)


def _scores_of(model: Any, fwd: Any) -> np.ndarray:
    if fwd.scores is None:
        raise ValueError(
            f"{type(model).__name__} gives no risk score (nominal classes or no probabilities); "
            "early detection needs one number per user that grows with risk"
        )
    return np.asarray(fwd.scores, dtype=float)


def make_stepper(model: Any, mode: str = "auto", *, aggregate: str | None = None) -> Stepper:
    """The stepper for a fitted ``model``.

    ``mode="auto"`` picks the incremental stepper where one exists (TF-IDF linear models,
    models with their own ``early_stepper()``, post-level models with ``aggregate``)
    and the recompute fallback otherwise; ``mode="recompute"`` forces the fallback;
    ``mode="incremental"`` raises when the model has no incremental stepper.
    """
    if mode not in ("auto", "incremental", "recompute"):
        raise ValueError(f"mode must be 'auto', 'incremental' or 'recompute', got {mode!r}")
    if mode == "recompute":
        if getattr(model, "input_level", "any") == "post":
            raise ValueError("a post-level model is stepped with an aggregator, not recomputed")
        return RecomputeStepper(model)
    if aggregate is not None:  # asked for: score posts one by one and aggregate
        return PostAggregateStepper(model, aggregate)
    own = getattr(model, "early_stepper", None)
    if callable(own):
        return own()
    from ..models.baselines import TfidfLogReg
    from ..models.default import DefaultClassifier

    if isinstance(model, (TfidfLogReg, DefaultClassifier)):
        try:
            return LinearTfidfStepper(model)
        except TypeError:  # a layout this stepper does not know: recompute (correct, slower)
            if mode == "incremental":
                raise
            return RecomputeStepper(model)
    if getattr(model, "network_", None) is not None and getattr(model, "embedder_", None) is not None:
        from .mil_stepper import MILStepper

        try:
            return MILStepper(model)
        except TypeError:
            if mode == "incremental":
                raise
            return RecomputeStepper(model)
    if getattr(model, "input_level", "any") == "post":
        return PostAggregateStepper(model, "mean")
    if mode == "incremental":
        raise ValueError(f"{type(model).__name__} has no incremental stepper; use mode='recompute'")
    return RecomputeStepper(model)


def run_streams(
    model: Any,
    users: Sequence[User],
    *,
    step: int = 1,
    mode: str = "auto",
    max_posts: int | None = None,
    aggregate: str | None = None,
    stepper: Stepper | None = None,
) -> StreamRun:
    """Feed every user's posts to ``model`` ``step`` posts at a time (in the order given:
    sort by time first) and score the user after every step.

    All users still reading advance together, so a stepper can batch (one model call per
    step for the recompute fallback and for post-level models). ``max_posts`` stops each
    user after that many posts.
    """
    if step < 1:
        raise ValueError(f"step must be at least 1, got {step}")
    stepper = stepper or make_stepper(model, mode, aggregate=aggregate)
    users = list(users)
    limit = [len(u.posts) if max_posts is None else min(len(u.posts), int(max_posts)) for u in users]
    states = [stepper.init(u) for u in users]
    scores: list[list[float]] = [[] for _ in users]
    seen: list[list[int]] = [[] for _ in users]
    t = 0
    user_steps = 0
    start = time.perf_counter()
    while True:
        active = [i for i in range(len(users)) if t < limit[i]]
        if not active:
            break
        ends = [min(t + step, limit[i]) for i in active]
        new = [users[i].posts[t:e] for i, e in zip(active, ends)]
        s = stepper.advance([states[i] for i in active], new)
        for i, e, v in zip(active, ends, s):
            scores[i].append(float(v))
            seen[i].append(e)
        user_steps += len(active)
        t += step
    seconds = time.perf_counter() - start
    streams = [ScoreStream(u.user_id, u.label, np.asarray(sc, dtype=float), np.asarray(se, dtype=int))
               for u, sc, se in zip(users, scores, seen)]
    return StreamRun(streams, "incremental" if stepper.incremental else "recompute", stepper.name,
                     user_steps, int(sum(limit)), seconds)
