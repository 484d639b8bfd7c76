"""SS3 (Burdisso, Errecalde & Montes-y-Gómez, 2019) from the ``pyss3`` package, wrapped as
a depscreen user-level estimator so the early-detection harness can run it as a peer.

SS3 learns a confidence value per word and class; a document's confidence vector is the
sum over its paragraphs (here: posts) of the words' values. Early classification in the
SS3 paper accumulates that vector writing by writing and alerts as soon as the at-risk
value exceeds the control value. :class:`SS3Classifier` exposes that as a score,
``cv_pos / (cv_pos + cv_neg)`` (0.5 while both are 0), so SS3's own rule is the policy
``ss3`` (score strictly above 0.5); its stepper adds each new post's vector to a running
sum (incremental by construction).

``pyss3`` is an optional peer (``pip install depscreen[bench]``); importing this module
does not import it.

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_corpus
>>> corpus = make_sample_corpus(n_users=20, langs=("en",), seed=1)
>>> model = SS3Classifier().fit(corpus.users, corpus.labels)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ..corpus.types import Post, User
from ..models.base import Forward, ForwardPredictMixin, as_documents, check_fitted
from ..models.stepping import Stepper


def _pyss3():
    try:
        import pyss3
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("SS3 needs the pyss3 package: pip install 'depscreen[bench]'") from exc
    pyss3.set_verbosity(pyss3.VERBOSITY.QUIET)
    return pyss3


class SS3Classifier(ForwardPredictMixin, ClassifierMixin, BaseEstimator):
    """SS3 on users (binary labels), with an incremental early stepper.

    Parameters
    ----------
    s, l, p : SS3's smoothness, significance and sanction hyperparameters (pyss3's
        defaults 0.45, 0.5, 1 when None).
    n_grams : longest word n-gram SS3 learns.
    """

    input_level = "user"

    def __init__(self, *, s: float | None = None, l: float | None = None, p: float | None = None,  # noqa: E741
                 n_grams: int = 1):
        self.s = s
        self.l = l
        self.p = p
        self.n_grams = n_grams

    def fit(self, X: Sequence[Any], y: Sequence[Any]) -> "SS3Classifier":
        pyss3 = _pyss3()
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError("SS3Classifier here is binary: give two labels")
        from ..evaluate.metrics import positive_label

        self.positive_ = positive_label(list(self.classes_))
        docs = as_documents(X)
        self.model_ = pyss3.SS3(s=self.s, l=self.l, p=self.p)
        self.model_.fit(docs, [str(v) for v in y], n_grams=int(self.n_grams), leave_pbar=False)
        cats = [self.model_.get_category_name(i) for i in range(len(self.model_.get_categories()))]
        self.pos_index_ = cats.index(str(self.positive_))
        self.neg_index_ = cats.index(str([c for c in self.classes_ if c != self.positive_][0]))
        return self

    def confidence(self, text: str) -> tuple[float, float]:
        """(at-risk, control) confidence values of one text."""
        check_fitted(self, "model_")
        cv = self.model_.classify(text, sort=False)
        return float(cv[self.pos_index_]), float(cv[self.neg_index_])

    @staticmethod
    def score_of(pos: float, neg: float) -> float:
        total = pos + neg
        return 0.5 if total <= 0 else pos / total

    def _forward(self, X: Sequence[Any], *, explain: bool = False, top_k: int = 5) -> Forward:
        check_fitted(self, "model_")
        scores = []
        for x in X:
            texts = x.texts if isinstance(x, User) else [x]
            pos = neg = 0.0
            for t in texts:
                a, b = self.confidence(t)
                pos, neg = pos + a, neg + b
            scores.append(self.score_of(pos, neg))
        scores = np.asarray(scores, dtype=float)
        neg_label = [c for c in self.classes_ if c != self.positive_][0]
        preds = np.where(scores > 0.5, self.positive_, neg_label)
        pos_col = list(self.classes_).index(self.positive_)
        proba = np.zeros((len(scores), 2))
        proba[:, pos_col], proba[:, 1 - pos_col] = scores, 1 - scores
        expl = [{"prediction": p.item() if isinstance(p, np.generic) else p, "score": float(s)}
                for p, s in zip(preds, scores)] if explain else None
        return Forward(preds, proba, scores, expl)

    def stepper(self) -> "SS3Stepper":
        """Scores a user's growing post prefix incrementally (running confidence sums)."""
        return SS3Stepper(self)


class SS3Stepper(Stepper):
    """Running sums of SS3's confidence vector, one post at a time."""

    name = "ss3-incremental"

    def __init__(self, model: SS3Classifier):
        self.model = model

    def init(self, user: User) -> list[float]:
        return [0.0, 0.0]

    def advance(self, states: list[list[float]], new_posts: list[list[Post]]) -> np.ndarray:
        out = np.empty(len(states))
        for i, (st, posts) in enumerate(zip(states, new_posts)):
            for p in posts:
                a, b = self.model.confidence(p.text)
                st[0] += a
                st[1] += b
            out[i] = self.model.score_of(st[0], st[1])
        return out


__all__ = ["SS3Classifier", "SS3Stepper"]
