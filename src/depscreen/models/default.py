"""``depscreen-default``: the model :func:`depscreen.train` uses when none is named.

A strong, general recipe with nothing tuned to any one data set:

1. **Text.** A user is one document (their posts joined); links, @handles and e-mail
   addresses become one placeholder each (:func:`depscreen.text.normalise.redact`), so a
   link scheme or a handle cannot stand in for the label. Chinese runs are segmented into
   jieba words for the word features (:func:`depscreen.text.segment.segment_cjk`).
2. **Two TF-IDF blocks** (sublinear tf, ``min_df`` 2): word 1-2 grams, and character
   2-5 grams within word boundaries -- or, when most training documents are Chinese,
   character 1-4 grams over the raw text (a Chinese clause has no word boundaries).
3. **Logistic regression** with balanced class weights, its ``C`` chosen by an inner
   stratified cross-validation on the training data only (the class-weighted mean
   log-likelihood of the out-of-fold probabilities, see ``_select_C``), so nothing is
   tuned on the data the model is later scored on. The TF-IDF vocabulary and idf are
   fitted once on the whole training data before the inner split (refitting them per
   inner fold would triple the slowest step), so an inner fold's held-out documents
   have shaped the vocabulary: the out-of-fold probabilities -- and the calibration
   and decision rule chosen on them -- are slightly optimistic (n-grams seen only in
   held-out documents get a weight of zero, not a missing column).
4. **Optional stacking** with a sentence-embedding model (``embedder="use"`` by default:
   the multilingual Universal Sentence Encoder; a user is the mean of their post
   vectors): a second logistic regression on the embeddings (``C`` chosen the same way),
   and a small balanced logistic regression that combines the two models' out-of-fold
   log-probabilities. When the embedder cannot be loaded the model says so (a warning,
   and ``embedder_used_ = None``) and uses the TF-IDF model alone.
5. **Calibration to the training population** (``calibration="auto"``,
   :mod:`depscreen.population.calibration`): balanced class weights make the model act
   as if every class were equally common, so its raw probabilities are calibrated to
   equal class shares. A small map fitted on the inner out-of-fold probabilities by the
   unweighted log-loss -- Platt scaling on the logit for two classes, vector scaling on
   the log-probabilities for more -- makes ``predict_proba`` hold on the training
   population whatever class weights were used. With a class too small to calibrate on
   the model stays uncalibrated and says why (``calibration_note_``; never an error).
   The calibrated out-of-fold probabilities are kept as ``oof_``
   (:class:`depscreen.population.oof.OutOfFold`) and saved with the model.
6. **A decision rule chosen on the calibrated out-of-fold probabilities** (no extra
   fits; :mod:`depscreen.population.decision`), so it does not move with the class weights.
   By default (``decision_metric="auto"``): two classes -- the threshold on P(positive)
   that maximises macro-F1 (the mean of both classes' F1: like the positive class's F1
   where positives are rare, but it cannot be won by flagging everyone when a sample
   holds more cases than controls); more than two ordered numeric levels (``0..4``) --
   the least expected cost for a cost that mixes level distance (whose Bayes rule is the
   median) and class-balanced error (whose Bayes rule finds the rare levels), the mix
   chosen for the best macro-F1 among those whose MAE is no worse than argmax's
   (``"f1_macro_mae"``, :func:`depscreen.population.decision.cost_levels`: two ordinal
   metrics pull apart, and this rule gives up no MAE to the most-probable-level rule
   while spending the room on the rare levels); named classes -- ``argmax``.
   ``predict`` applies the rule to ``predict_proba``'s calibrated probabilities.

Explanations come from the TF-IDF model: the n-grams that pushed most toward the
predicted class (TF-IDF value x coefficient) and, for a user, the posts the TF-IDF model
scores highest for that class (by index, never by text).

Saving writes ``config.json``, the vocabularies as JSON and every array (idf, weights) in
one safetensors file (:mod:`depscreen.models.tfidf_io`): nothing is unpickled on load.

Example
-------
>>> X = ["so tired and sad", "great match today", "i feel empty", "lovely dinner out"] * 3
>>> y = [1, 0, 1, 0] * 3
>>> model = DefaultClassifier(embedder=None).fit(X, y)
>>> model.predict(["sad and empty"]).tolist()
[1]
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from ..corpus.types import User
from ..jsonable import plain_value
from ..population.calibration import fit_calibrator
from ..population.oof import OutOfFold
from .base import Forward, ForwardPredictMixin, SavableMixin, aligned_proba, check_fitted, risk_scores
from .baselines import check_tfidf_params
from .validation import check_fit_labels

_EPS = 1e-6


class DefaultClassifier(ForwardPredictMixin, SavableMixin, ClassifierMixin, BaseEstimator):
    """Word + character TF-IDF with a nested-CV logistic regression, optionally stacked
    with a sentence-embedding model. Users or posts (``input_level = "any"``).

    Parameters
    ----------
    word_ngram_max : int
        Longest word n-gram (1..``word_ngram_max``).
    char_ngram_range : tuple of int
        Character n-gram lengths within word boundaries (``char_wb``) for alphabetic text.
    zh_char_ngram_range : tuple of int
        Character n-gram lengths over the raw text when most documents are Chinese.
    min_df : int
        Drop n-grams seen in fewer training documents.
    max_features : int or None
        Vocabulary cap per TF-IDF block (most frequent n-grams); None for no cap.
    Cs : sequence of float
        Candidate ``C`` of the TF-IDF logistic regression (chosen by inner CV).
    embed_Cs : sequence of float
        Candidate ``C`` of the embedding logistic regression.
    inner_cv : int
        Folds of the inner cross-validation on the training data (fewer when a class is
        smaller; with fewer than two members in a class no selection or stacking is done).
    class_weight : ``"balanced"`` or None
        Class weights of every logistic regression.
    calibration : ``"auto"``, ``"sigmoid"``, ``"isotonic"``, ``"temperature"``, ``"vector"`` or None
        The map from the model's probabilities to calibrated ones, fitted on the inner
        out-of-fold probabilities (step 5; :mod:`depscreen.population.calibration`);
        None leaves ``predict_proba`` as the (class-weighted) model gives it.
    decision_metric : str
        How ``predict`` turns probabilities into labels, chosen on the inner out-of-fold
        calibrated probabilities: ``"auto"`` (see step 6 above), ``"argmax"``; for two
        classes the threshold that maximises ``"f1"`` (F1 of the positive class) or
        ``"f1_macro"``; for ordered numeric levels ``"median"`` or cut points on the
        expected level that maximise ``"mae"`` (when the error in levels is all that
        counts), ``"macro_mae"``, ``"f1_macro"`` (when every level must be found, whatever
        the error in levels) or ``"f1_macro_mae"`` (the default: the best macro-F1 with MAE
        no worse than argmax's; :func:`depscreen.population.decision.choose_rule`).
    embedder : str or None
        Sentence-embedding backend to stack with (``"use"``, ``"e5"``, ``"hf:PATH"``), or
        None for the TF-IDF model alone.
    cache_dir : str or None
        Embedding cache folder (vectors keyed by text hash): ``"default"``
        (``$DEPSCREEN_CACHE_DIR`` or ``~/.cache/depscreen/embeddings``), a path, or None
        for no cache. Cross-validation re-embeds the same texts every fold without one.
    redact : bool
        Replace links, @handles, e-mails and phone numbers with placeholders first.
    max_iter, random_state : solver iterations and the seed of the inner folds.
    sep : str
        Joins a user's posts into one document.
    """

    input_level = "any"

    def __init__(
        self,
        *,
        word_ngram_max: int = 2,
        char_ngram_range: Sequence[int] = (2, 5),
        zh_char_ngram_range: Sequence[int] = (1, 4),
        min_df: int = 2,
        max_features: int | None = None,
        Cs: Sequence[float] = (1.0, 3.0, 10.0, 30.0),
        embed_Cs: Sequence[float] = (0.3, 1.0, 3.0, 10.0),
        inner_cv: int = 3,
        class_weight: str | None = "balanced",
        calibration: str | None = "auto",
        decision_metric: str = "auto",
        embedder: str | None = "use",
        cache_dir: str | None = "default",
        redact: bool = True,
        max_iter: int = 2000,
        random_state: int = 13,
        sep: str = "\n",
    ):
        self.word_ngram_max = word_ngram_max
        self.char_ngram_range = char_ngram_range
        self.zh_char_ngram_range = zh_char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.Cs = Cs
        self.embed_Cs = embed_Cs
        self.inner_cv = inner_cv
        self.class_weight = class_weight
        self.calibration = calibration
        self.decision_metric = decision_metric
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.redact = redact
        self.max_iter = max_iter
        self.random_state = random_state
        self.sep = sep

    # ------------------------------------------------------------------ checks / text --

    def _check_params(self) -> None:
        check_tfidf_params(
            self.word_ngram_max, self.class_weight,
            char_ngram_range=self.char_ngram_range, zh_char_ngram_range=self.zh_char_ngram_range,
        )
        for name in ("Cs", "embed_Cs"):
            values = list(getattr(self, name))
            if not values or any(float(c) <= 0 for c in values):
                raise ValueError(f"{name} must be a non-empty list of positive numbers, got {values}")
        from ..population.decision import BINARY_METRICS, ORDINAL_METRICS

        rules = {"auto", "argmax", "median", *BINARY_METRICS, *ORDINAL_METRICS}
        if self.decision_metric not in rules:
            raise ValueError(f"decision_metric must be one of {', '.join(sorted(rules))}, got {self.decision_metric!r}")
        from ..population.calibration import check_method

        check_method(self.calibration)
        if int(self.inner_cv) < 2:
            raise ValueError(f"inner_cv must be at least 2, got {self.inner_cv}")
        if int(self.min_df) < 1:
            raise ValueError(f"min_df must be at least 1, got {self.min_df}")

    def _texts(self, X: Sequence[Any]) -> tuple[list[str], list[list[str]] | None]:
        """Documents (posts joined for users) and, for users, each user's post texts."""
        from ..text.normalise import redact

        clean = redact if self.redact else (lambda t: t)
        docs: list[str] = []
        posts: list[list[str]] = []
        users = False
        for x in X:
            if isinstance(x, User):
                users = True
                texts = [clean(t) for t in x.texts]
                posts.append(texts)
                docs.append(self.sep.join(texts))
            elif isinstance(x, str):
                text = clean(x)
                posts.append([text])
                docs.append(text)
            else:
                raise TypeError(f"expected User or str samples, got {type(x).__name__}")
        return docs, (posts if users else None)

    @staticmethod
    def _word_docs(docs: list[str]) -> list[str]:
        from ..text.segment import segment_cjk

        return [segment_cjk(d) for d in docs]

    # ------------------------------------------------------------------ features --------

    def _vectorizers(self, zh: bool) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        from ..text.segment import TOKEN_PATTERN

        common = dict(min_df=int(self.min_df), max_features=self.max_features, sublinear_tf=True, dtype=np.float32)
        word = TfidfVectorizer(
            analyzer="word", ngram_range=(1, int(self.word_ngram_max)), token_pattern=TOKEN_PATTERN, **common
        )
        lo, hi = self.zh_char_ngram_range if zh else self.char_ngram_range
        char = TfidfVectorizer(analyzer="char" if zh else "char_wb", ngram_range=(int(lo), int(hi)), **common)
        return word, char

    def _tfidf(self, docs: list[str]) -> sp.csr_matrix:
        return sp.hstack(
            [self.word_.transform(self._word_docs(docs)), self.char_.transform(docs)], format="csr"
        )

    def _embedder(self):
        if self.embedder is None:
            return None
        if getattr(self, "_embedder_obj", None) is None:
            from ..embed import get_embedder

            self._embedder_obj = get_embedder(self.embedder, cache_dir=self.cache_dir)
        return self._embedder_obj

    def _embed(self, docs: list[str], posts: list[list[str]] | None) -> np.ndarray:
        emb = self._embedder()
        if posts is None:
            return np.asarray(emb.embed(docs), dtype=np.float32)
        flat = [t for texts in posts for t in texts]
        vectors = np.asarray(emb.embed(flat), dtype=np.float32) if flat else np.zeros((0, emb.dim), np.float32)
        out = np.zeros((len(posts), vectors.shape[1] if len(vectors) else emb.dim), dtype=np.float32)
        start = 0
        for i, texts in enumerate(posts):
            if texts:
                out[i] = vectors[start : start + len(texts)].mean(axis=0)
            start += len(texts)
        return out

    # ------------------------------------------------------------------ fitting ---------

    def _lr(self, C: float) -> LogisticRegression:
        return LogisticRegression(
            C=float(C), class_weight=self.class_weight, max_iter=int(self.max_iter),
            random_state=int(self.random_state), warm_start=True,
        )

    def _select_C(self, Z, y: np.ndarray, Cs: Sequence[float], folds) -> tuple[float, np.ndarray | None, dict, Any]:
        """Inner CV over ``Cs`` in ascending order: the C with the best out-of-fold
        (class-weighted) mean log-likelihood, its out-of-fold probabilities, the score of
        every C tried, and a starting point for the final fit (the fold models' mean
        coefficients at that C). Each fold's model is warm-started from its fit at the
        previous C, and the search stops at the first C that scores worse than the one
        before (the held-out likelihood rises and then falls with C), so the slow, large
        Cs are fitted only when they help. Ties go to the smaller C."""
        Cs = sorted(float(c) for c in Cs)
        if folds is None:
            return Cs[len(Cs) // 2], None, {}, None
        sw = _balanced_weights(y, self.classes_) if self.class_weight == "balanced" else np.ones(len(y))
        idx = np.searchsorted(self.classes_, y)
        models = [self._lr(Cs[0]) for _ in folds]
        oof: dict[float, np.ndarray] = {}
        starts: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        scores: dict[float, float] = {}
        for c in Cs:
            oof[c] = np.zeros((len(y), len(self.classes_)))
            for lr, (tr, va) in zip(models, folds):
                lr.set_params(C=c)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    lr.fit(Z[tr], y[tr])
                oof[c][va] = aligned_proba(lr.predict_proba(Z[va]), lr.classes_, self.classes_)
            starts[c] = (np.mean([m.coef_ for m in models], axis=0), np.mean([m.intercept_ for m in models], axis=0))
            scores[c] = float(np.average(np.log(np.clip(oof[c][np.arange(len(y)), idx], _EPS, 1.0)), weights=sw))
            if len(scores) > 1 and scores[c] < scores[Cs[len(scores) - 2]]:
                break
        best = max(scores, key=lambda c: (scores[c], -c))
        return best, oof[best], scores, starts[best]

    def _fit_final(self, Z, y: np.ndarray, C: float, start) -> LogisticRegression:
        """The logistic regression at ``C`` on all training data, started from ``start``
        (the inner folds' mean solution, near the optimum: fewer solver iterations)."""
        lr = self._lr(C)
        if start is not None:
            lr.coef_, lr.intercept_ = start[0].copy(), start[1].copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return lr.fit(Z, y)

    def fit(self, X: Sequence[Any], y: Sequence[Any]) -> "DefaultClassifier":
        """Fit on users or posts ``X`` with labels ``y`` (at least two classes)."""
        self._check_params()
        X = list(X)
        labels = check_fit_labels(self, len(X), y)
        y, self.classes_, counts, y_idx = labels.y, labels.classes, labels.counts, labels.index
        docs, posts = self._texts(X)
        from ..text.segment import has_cjk

        self.zh_ = bool(np.mean([has_cjk(d) for d in docs]) > 0.5)
        self.word_, self.char_ = self._vectorizers(self.zh_)
        try:
            W = self.word_.fit_transform(self._word_docs(docs))
            Ch = self.char_.fit_transform(docs)
        except ValueError as exc:  # empty vocabulary: every document too short for min_df
            raise ValueError(f"DefaultClassifier: no n-gram occurs in {self.min_df}+ training documents ({exc})") from None
        T = sp.hstack([W, Ch], format="csr")
        n_splits = min(int(self.inner_cv), int(counts.min()))
        folds = None
        if n_splits >= 2:
            skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=int(self.random_state))
            folds = list(skf.split(np.zeros(len(y)), y))
        self.C_, oof_t, self.cv_scores_, start = self._select_C(T, y, self.Cs, folds)
        self.tfidf_lr_ = self._fit_final(T, y, self.C_, start)
        self.embedder_used_ = None
        self.embed_lr_ = None
        self.stacked_ = False
        self.embed_C_ = None
        self.embed_cv_scores_ = {}
        oof = oof_t
        if self.embedder is not None and folds is not None:
            try:
                E = self._embed(docs, posts)
            except Exception as exc:  # noqa: BLE001 - any backend failure: fall back, say so
                warnings.warn(
                    f"DefaultClassifier: embedder {self.embedder!r} unavailable ({type(exc).__name__}: {exc}); "
                    "using the TF-IDF model alone",
                    RuntimeWarning,
                    stacklevel=2,
                )
                E = None
            if E is not None:
                self.embed_C_, oof_e, self.embed_cv_scores_, start = self._select_C(E, y, self.embed_Cs, folds)
                self.embed_lr_ = self._fit_final(E, y, self.embed_C_, start)
                sw = _balanced_weights(y, self.classes_) if self.class_weight == "balanced" else np.ones(len(y))
                logps = [_log(oof_t), _log(oof_e)]
                self.stack_weights_, self.stack_bias_ = _fit_stack(logps, y_idx, sw)
                oof = _stack_proba(logps, self.stack_weights_, self.stack_bias_)
                self.stacked_ = True
                self.embedder_used_ = self.embedder
        cal = fit_calibrator(oof, None if oof is None else y_idx, self.calibration, classes=self.classes_)
        self.calibrator_, self.calibration_, self.calibration_note_ = cal.calibrator, cal.method, cal.note
        calibrated = None if oof is None else cal.transform(oof)
        self.decision_ = self._choose_decision(calibrated, y_idx)
        self.oof_ = None if oof is None else OutOfFold(
            classes=list(self.classes_), y=y_idx, proba=calibrated,
            raw_proba=oof if self.calibrator_ is not None else None)
        return self

    def _choose_decision(self, oof: np.ndarray | None, y_idx: np.ndarray) -> dict[str, Any]:
        """The decision rule for ``predict``, chosen on the calibrated out-of-fold
        probabilities ``oof`` of the training data (``argmax`` when there are none: no
        inner CV); :func:`depscreen.population.decision.choose_rule`."""
        from ..population.decision import choose_rule

        return choose_rule(oof, y_idx, self.classes_, self.decision_metric)

    def _decide(self, proba: np.ndarray) -> np.ndarray:
        """Labels from (calibrated) probabilities by the fitted decision rule."""
        from ..population.decision import apply_rule

        return apply_rule(getattr(self, "decision_", None), proba, self.classes_)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Labels from class probabilities ``(n, len(classes_))`` -- calibrated ones, as
        :meth:`predict_proba` gives them -- by the fitted decision rule, the one
        :meth:`predict` applies. Public so that probabilities re-weighted to
        another population's class shares (:mod:`depscreen.population.adapt`) go through
        the same rule."""
        check_fitted(self, "classes_")
        proba = np.asarray(proba, dtype=float)
        if proba.ndim != 2 or proba.shape[1] != len(self.classes_):
            raise ValueError(f"decide needs probabilities of shape (n, {len(self.classes_)}), got {proba.shape}")
        return self._decide(proba)

    # ------------------------------------------------------------------ prediction ------

    def _forward(self, X: Sequence[Any], *, explain: bool = False, top_k: int = 5) -> Forward:
        check_fitted(self, "tfidf_lr_")
        X = list(X)
        docs, posts = self._texts(X)
        T = self._tfidf(docs)
        p_t = aligned_proba(self.tfidf_lr_.predict_proba(T), self.tfidf_lr_.classes_, self.classes_)
        if self.stacked_:
            p_e = aligned_proba(self.embed_lr_.predict_proba(self._embed(docs, posts)), self.embed_lr_.classes_,
                                self.classes_)
            proba = self._stacked(p_t, p_e)
        else:
            proba = p_t
        if getattr(self, "calibrator_", None) is not None:
            proba = self.calibrator_.transform(proba)
        preds = self._decide(proba)
        scores = risk_scores(proba, self.classes_)
        explanations = self._explain(X, T, preds, scores, posts, top_k) if explain else None
        return Forward(preds, proba, scores, explanations)

    def explain(self, X: Sequence[Any], top_k: int = 5) -> list[dict[str, Any]]:
        """One dict per sample: ``prediction``, ``score``, ``top_features`` (n-gram,
        contribution toward the predicted class in the TF-IDF model; character n-grams are
        prefixed ``char:``) and, for users, ``top_posts`` (post index, TF-IDF score)."""
        return self._forward(X, explain=True, top_k=top_k).explanations

    def _stacked(self, p_t: np.ndarray, p_e: np.ndarray) -> np.ndarray:
        """The stacked model's probabilities from its TF-IDF model's (``p_t``) and its
        embedding model's (``p_e``): the fitted weighted product of the two."""
        return _stack_proba([_log(p_t), _log(p_e)], self.stack_weights_, self.stack_bias_)

    def stepper(self):
        """Scores a user's growing post prefix incrementally (running TF-IDF sums, and a
        running mean of post vectors when stacked; :mod:`.default_stepper`), with the
        model's own score on every prefix; None for a layout it cannot follow."""
        check_fitted(self, "tfidf_lr_")
        from .default_stepper import DefaultStepper

        try:
            return DefaultStepper(self)
        except TypeError:
            return None

    def _feature_names(self) -> np.ndarray:
        if getattr(self, "_names", None) is None:
            word = self.word_.get_feature_names_out()
            char = np.asarray([f"char:{c}" for c in self.char_.get_feature_names_out()], dtype=object)
            self._names = np.concatenate([word.astype(object), char])
        return self._names

    def _class_weights(self, c: int) -> np.ndarray:
        coef = self.tfidf_lr_.coef_
        if coef.shape[0] == 1:
            return coef[0] if c == 1 else -coef[0]
        return coef[c]

    def _explain(self, X, T, preds, scores, posts, top_k: int) -> list[dict[str, Any]]:
        names = self._feature_names()
        classes = list(self.classes_)
        out = []
        for i, x in enumerate(X):
            c = classes.index(preds[i])
            w = self._class_weights(c)
            row = T.getrow(i)
            contrib = row.data * w[row.indices]
            order = np.argsort(-contrib)[:top_k]
            item: dict[str, Any] = {
                "prediction": plain_value(preds[i]),
                "score": float(scores[i]),
                "top_features": [
                    {"feature": str(names[row.indices[j]]), "contribution": float(contrib[j])}
                    for j in order
                    if contrib[j] > 0
                ],
            }
            if isinstance(x, User) and posts is not None and posts[i]:
                P = self._tfidf(posts[i])
                post_scores = np.asarray(P @ w).ravel()
                top = np.argsort(-post_scores)[:top_k]
                item["top_posts"] = [{"index": int(j), "weight": float(post_scores[j])} for j in top]
            out.append(item)
        return out

    # ------------------------------------------------------------------ save / load -----

    def _save_weights(self, folder: Path) -> dict[str, Any]:
        from .tfidf_io import save_linear, save_tfidf, write_arrays

        check_fitted(self, "tfidf_lr_")
        arrays: dict[str, np.ndarray] = {}
        fitted: dict[str, Any] = {
            "classes": [plain_value(c) for c in self.classes_],
            "zh": self.zh_,
            "C": self.C_,
            "cv_scores": {str(k): v for k, v in self.cv_scores_.items()},
            "word": save_tfidf(self.word_, folder, "word", arrays),
            "char": save_tfidf(self.char_, folder, "char", arrays),
            "tfidf_lr": save_linear(self.tfidf_lr_, "tfidf_lr", arrays),
            "embedder_used": self.embedder_used_,
            "embed_C": self.embed_C_,
            "embed_cv_scores": {str(k): v for k, v in self.embed_cv_scores_.items()},
            "decision": self.decision_,
            "calibration": {
                "method": self.calibration_,
                "state": None if self.calibrator_ is None else self.calibrator_.get_state(),
                "note": self.calibration_note_,
            },
        }
        if self.stacked_:
            fitted["embed_lr"] = save_linear(self.embed_lr_, "embed_lr", arrays)
            fitted["stack"] = {"weights": [float(w) for w in self.stack_weights_],
                               "bias": [float(b) for b in self.stack_bias_]}
        return {"weights": write_arrays(arrays, folder), "format": "safetensors+json", "fitted": fitted}

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:
        from .tfidf_io import load_linear, load_tfidf, read_arrays

        fitted = config["fitted"]
        arrays = read_arrays(folder, config.get("weights", "arrays.safetensors"))
        self.classes_ = np.asarray(fitted["classes"])
        self.zh_ = bool(fitted["zh"])
        self.C_ = fitted["C"]
        self.cv_scores_ = {float(k): v for k, v in fitted.get("cv_scores", {}).items()}
        self.word_ = load_tfidf(folder, fitted["word"], arrays, "word")
        self.char_ = load_tfidf(folder, fitted["char"], arrays, "char")
        self.tfidf_lr_ = load_linear(fitted["tfidf_lr"], arrays, "tfidf_lr", folder)
        self.embedder_used_ = fitted.get("embedder_used")
        self.embed_C_ = fitted.get("embed_C")
        self.embed_cv_scores_ = {float(k): v for k, v in fitted.get("embed_cv_scores", {}).items()}
        self.decision_ = fitted.get("decision", {"rule": "argmax"})  # folders saved before decision rules
        self._load_calibration(folder, fitted.get("calibration"))
        self.embed_lr_ = None
        self.stacked_ = False
        if "stack" in fitted:
            self.embed_lr_ = load_linear(fitted["embed_lr"], arrays, "embed_lr", folder)
            self.stack_weights_ = np.asarray(fitted["stack"]["weights"], dtype=float)
            self.stack_bias_ = np.asarray(fitted["stack"]["bias"], dtype=float)
            self.stacked_ = True

    def _load_calibration(self, folder: Path, saved: dict[str, Any] | None) -> None:
        """The calibration map saved in the config; a folder saved before calibration
        existed loads uncalibrated, with a warning and ``calibration_note_`` saying so."""
        from ..population.calibration import calibrator_from_state

        if saved is None:
            self.calibrator_, self.calibration_ = None, None
            self.calibration_note_ = (
                "saved before depscreen calibrated its probabilities: predict_proba is uncalibrated "
                "(calibrated to equal class shares when fitted with balanced class weights); train again to calibrate"
            )
            warnings.warn(f"model folder {folder}: {self.calibration_note_}", UserWarning, stacklevel=3)
            return
        state = saved.get("state")
        self.calibrator_ = None if state is None else calibrator_from_state(state)
        self.calibration_ = saved.get("method")
        self.calibration_note_ = saved.get("note", "")


def _log(p: np.ndarray) -> np.ndarray:
    return np.log(np.clip(p, _EPS, 1.0))


def _balanced_weights(y: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """scikit-learn's "balanced" sample weights: n / (K * count of the sample's class)."""
    idx = np.searchsorted(classes, y)
    counts = np.bincount(idx, minlength=len(classes)).astype(float)
    return len(y) / (len(classes) * counts[idx])


def _stack_proba(logps: list[np.ndarray], weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    z = sum(w * L for w, L in zip(weights, logps)) + bias
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_stack(logps: list[np.ndarray], y_idx: np.ndarray, sw: np.ndarray, l2: float = 1e-3):
    """Combine models' log-probabilities as ``softmax(sum_m w_m log p_m + b)`` with every
    ``w_m >= 0`` (a weighted product of experts; non-negative weights as in Breiman's
    stacked regressions, so a small or noisy out-of-fold sample can shrink a model's
    weight but never turn its ranking upside down). Fitted by L-BFGS-B on the sample-weighted
    log-loss with a small L2 penalty; returns ``(weights, bias)``."""
    from scipy.optimize import minimize

    M, (n, K) = len(logps), logps[0].shape
    Y = np.zeros((n, K))
    Y[np.arange(n), y_idx] = 1.0
    sw = sw / sw.sum()

    def loss(theta):
        w, b = theta[:M], theta[M:]
        P = _stack_proba(logps, w, b)
        value = -np.sum(sw * np.log(np.clip(P[np.arange(n), y_idx], 1e-12, 1.0))) + l2 * np.sum(theta**2)
        G = (P - Y) * sw[:, None]
        grad = np.concatenate([[np.sum(G * L) for L in logps], G.sum(axis=0)]) + 2 * l2 * theta
        return value, grad

    theta0 = np.concatenate([np.full(M, 1.0 / M), np.zeros(K)])
    bounds = [(0.0, None)] * M + [(None, None)] * K
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x[:M].copy(), res.x[M:].copy()
