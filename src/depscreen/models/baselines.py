"""The two reference baselines every depscreen model is compared with.

* :class:`MajorityBaseline` (registry name ``majority``): predicts the most frequent
  training class; ``predict_proba`` returns the training class priors. A model that does
  not beat it has learned nothing.
* :class:`TfidfLogReg` (``tfidf-lr``): TF-IDF word 1-2 grams (optionally character
  n-grams) and logistic regression -- the model a user would pick first. At user level
  each user becomes one document (their posts joined).

Both accept users or posts (``input_level = "any"``), save to a folder (``config.json``
plus the fitted scikit-learn objects in skops format) and load without unpickling: a
skops file is refused when it names any type outside scikit-learn / numpy / scipy's
built-in safe set and the explicit :data:`SKOPS_TRUSTED_TYPES`.

Example
-------
>>> model = TfidfLogReg().fit(["so tired and sad", "great match today", "i feel empty",
...                            "lovely dinner out"], [1, 0, 1, 0])
>>> model.predict(["sad and empty"]).tolist()
[1]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ..corpus.types import User
from ..jsonable import plain_value
from ..text.segment import TOKEN_PATTERN, segment_cjk
from .base import Forward, ForwardPredictMixin, SavableMixin, as_documents, check_fitted, explanation_score, risk_scores
from .tfidf_io import load_linear, load_tfidf, read_arrays, save_linear, save_tfidf, write_arrays
from .validation import check_fit_labels

WEIGHTS_NAME = "model.skops"

# Types a depscreen skops file may name beyond skops' own trusted defaults (scikit-learn
# estimators, numpy arrays and dtypes, scipy sparse matrices, builtins). The baselines
# need none; anything else found in a file is refused instead of being trusted blindly.
SKOPS_TRUSTED_TYPES: frozenset[str] = frozenset()


def check_tfidf_params(word_ngram_max: Any, class_weight: Any, **char_ranges: tuple[Any, Any]) -> None:
    """The checks every TF-IDF + logistic regression model shares: word n-grams of at
    least 1, each character n-gram range ``(low, high)`` with ``1 <= low <= high`` (named
    by its keyword in the error) and ``class_weight`` None or ``"balanced"``."""
    if int(word_ngram_max) < 1:
        raise ValueError(f"word_ngram_max must be at least 1, got {word_ngram_max}")
    for name, (lo, hi) in char_ranges.items():
        if not 1 <= int(lo) <= int(hi):
            raise ValueError(f"{name} must be (low, high) with 1 <= low <= high, got ({lo}, {hi})")
    if class_weight not in (None, "balanced"):
        raise ValueError(f"class_weight must be None or 'balanced', got {class_weight!r}")


class UntrustedModelFileError(ValueError):
    """A skops file names types that depscreen does not trust; it is not loaded."""


def dump_skops(obj: Any, path: str | Path) -> Path:
    """Write a fitted scikit-learn object with skops (no pickle)."""
    import skops.io as sio  # imported here: skops pulls in torch through scikit-learn's array API

    path = Path(path)
    sio.dump(obj, path)
    return path


def load_skops(path: str | Path, trusted: Iterable[str] = SKOPS_TRUSTED_TYPES) -> Any:
    """Load a skops file, trusting only skops' safe defaults plus ``trusted``.

    The list of types to trust is never taken from the file itself: the file's untrusted
    types are checked against ``trusted`` and any outsider raises
    :class:`UntrustedModelFileError` naming it.
    """
    import skops.io as sio

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model weights not found: {path}")
    allowed = set(trusted)
    found = sio.get_untrusted_types(file=path)
    outsiders = sorted(set(found) - allowed)
    if outsiders:
        raise UntrustedModelFileError(
            f"{path}: refuses to load, the file names untrusted types {outsiders}; "
            "only load model folders from sources you trust"
        )
    return sio.load(path, trusted=[t for t in found if t in allowed])


class _SkopsSaved(SavableMixin):
    """Save / load the fitted scikit-learn object in ``self._fitted_attr`` with skops."""

    _fitted_attr = ""

    def _save_weights(self, folder: Path) -> dict[str, Any]:
        check_fitted(self, self._fitted_attr)
        dump_skops(getattr(self, self._fitted_attr), folder / WEIGHTS_NAME)
        return {"weights": WEIGHTS_NAME, "format": "skops"}

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:
        fitted = load_skops(folder / config.get("weights", WEIGHTS_NAME))
        setattr(self, self._fitted_attr, fitted)
        self.classes_ = fitted.classes_


class MajorityBaseline(ForwardPredictMixin, _SkopsSaved, ClassifierMixin, BaseEstimator):
    """Always predicts the most frequent training class (ties: the first sorted class).

    ``predict_proba`` returns the training class priors for every sample, so ROC-AUC is
    0.5 by construction. Accepts users or posts; their content is ignored.

    Example
    -------
    >>> m = MajorityBaseline().fit(["a", "b", "c"], [0, 1, 1])
    >>> m.predict(["x"]).tolist(), m.predict_proba(["x"]).round(2).tolist()
    ([1], [[0.33, 0.67]])
    """

    input_level = "any"
    _fitted_attr = "dummy_"

    def fit(self, X: Sequence[Any], y: Sequence[Any]) -> "MajorityBaseline":
        y = check_fit_labels(self, len(X), y).y
        self.dummy_ = DummyClassifier(strategy="prior").fit(np.zeros((len(y), 1)), y)
        self.classes_ = self.dummy_.classes_
        return self

    def _forward(self, X: Sequence[Any], *, explain: bool = False, top_k: int = 5) -> Forward:
        """The training priors for every sample; an explanation says only that."""
        check_fitted(self, "dummy_")
        Z = np.zeros((len(X), 1))
        preds = self.dummy_.predict(Z)
        proba = self.dummy_.predict_proba(Z)
        scores = risk_scores(proba, self.classes_)
        explanations = (
            [{"prediction": plain_value(p), "score": explanation_score(scores, proba, i), "top_features": []}
             for i, p in enumerate(preds)]
            if explain else None
        )
        return Forward(preds, proba, scores, explanations)

    def explain(self, X: Sequence[Any], top_k: int = 5) -> list[dict[str, Any]]:
        """Nothing in the input moved the prediction: ``prediction`` and ``score`` only."""
        return self._forward(X, explain=True, top_k=top_k).explanations


class TfidfLogReg(ForwardPredictMixin, SavableMixin, ClassifierMixin, BaseEstimator):
    """TF-IDF n-grams + logistic regression, on posts or on users (posts joined).

    Chinese text is segmented into jieba words before the word analyzer sees it
    (:func:`depscreen.text.segment.segment_cjk`), so features are words, not clauses;
    other scripts are unchanged.

    Parameters
    ----------
    analyzer : ``"word"`` (word 1..``word_ngram_max`` grams), ``"char"`` (character
        n-grams within word boundaries, good for Chinese and misspelt slang) or ``"both"``.
    word_ngram_max : longest word n-gram (default 2: unigrams and bigrams).
    char_ngram_min, char_ngram_max : character n-gram lengths when used.
    max_features : vocabulary cap per analyzer (most frequent n-grams); None for no cap.
    min_df : drop n-grams seen in fewer documents.
    sublinear_tf : use 1 + log(tf), which tames users with thousands of posts.
    segment_chinese : split Chinese runs into jieba words for the word analyzer.
    C : inverse regularisation strength of the logistic regression.
    class_weight : None or ``"balanced"`` (reweights rare classes).
    max_iter, random_state : solver settings (lbfgs; multinomial for more than two classes).
    sep : joins a user's posts into one document.

    The saved folder holds ``config.json``, each vectoriser's vocabulary as JSON and the
    idf and coefficients in ``arrays.safetensors`` (plain data: fast, and nothing to
    unpickle).

    Example
    -------
    >>> from depscreen.corpus import Post, User
    >>> users = [User("a", 1, [Post("i feel hopeless"), Post("cannot sleep again")]),
    ...          User("b", 0, [Post("match tonight"), Post("new recipe")])]
    >>> TfidfLogReg(class_weight="balanced").fit(users, [1, 0]).predict(users).tolist()
    [1, 0]
    """

    input_level = "any"

    def __init__(
        self,
        *,
        analyzer: str = "word",
        word_ngram_max: int = 2,
        char_ngram_min: int = 2,
        char_ngram_max: int = 5,
        max_features: int | None = 100_000,
        min_df: int = 1,
        sublinear_tf: bool = True,
        lowercase: bool = True,
        segment_chinese: bool = True,
        C: float = 1.0,
        class_weight: str | None = None,
        max_iter: int = 1000,
        random_state: int = 13,
        sep: str = "\n",
    ):
        self.analyzer = analyzer
        self.word_ngram_max = word_ngram_max
        self.char_ngram_min = char_ngram_min
        self.char_ngram_max = char_ngram_max
        self.max_features = max_features
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase
        self.segment_chinese = segment_chinese
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state
        self.sep = sep

    # ------------------------------------------------------------------ fitting
    def _vectorizers(self) -> list[tuple[str, TfidfVectorizer]]:
        common = dict(
            max_features=self.max_features,
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
            lowercase=self.lowercase,
            dtype=np.float32,
        )
        word = TfidfVectorizer(
            analyzer="word", ngram_range=(1, int(self.word_ngram_max)), token_pattern=TOKEN_PATTERN, **common
        )
        char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(int(self.char_ngram_min), int(self.char_ngram_max)), **common
        )
        if self.analyzer == "word":
            return [("word", word)]
        if self.analyzer == "char":
            return [("char", char)]
        if self.analyzer == "both":
            return [("word", word), ("char", char)]
        raise ValueError(f"analyzer must be 'word', 'char' or 'both', got {self.analyzer!r}")

    def _check_params(self) -> None:
        check_tfidf_params(
            self.word_ngram_max, self.class_weight,
            char_ngram_range=(self.char_ngram_min, self.char_ngram_max),
        )
        if self.C <= 0:
            raise ValueError(f"C must be positive, got {self.C}")

    def _word_docs(self, docs: list[str]) -> list[str]:
        return [segment_cjk(d) for d in docs] if self.segment_chinese else docs

    def _transform(self, docs: list[str]):
        parts = []
        word_docs = None
        for name, vec in self.vectorizers_:
            if name == "word":
                word_docs = self._word_docs(docs) if word_docs is None else word_docs
                parts.append(vec.transform(word_docs))
            else:
                parts.append(vec.transform(docs))
        return parts[0].tocsr() if len(parts) == 1 else sparse.hstack(parts, format="csr")

    def fit(self, X: Sequence[Any], y: Sequence[Any]) -> "TfidfLogReg":
        self._check_params()
        docs = as_documents(X, sep=self.sep)
        y = check_fit_labels(self, len(docs), y).y
        vectorizers = self._vectorizers()
        parts = []
        for name, vec in vectorizers:
            parts.append(vec.fit_transform(self._word_docs(docs) if name == "word" else docs))
            vec.stop_words_ = None  # every n-gram cut by max_features: never read again
        V = parts[0].tocsr() if len(parts) == 1 else sparse.hstack(parts, format="csr")
        self.vectorizers_ = vectorizers
        self.classifier_ = LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            random_state=self.random_state,
        ).fit(V, y)
        self.classes_ = self.classifier_.classes_
        return self

    # ------------------------------------------------------------------ scoring
    def _forward(self, X: Sequence[Any], *, explain: bool = False, top_k: int = 10) -> Forward:
        """One pass: vectorise once; labels, probabilities, scores and explanations."""
        check_fitted(self, "classifier_")
        X = list(X)
        docs = as_documents(X, sep=self.sep)
        V = self._transform(docs)
        proba = self.classifier_.predict_proba(V) if len(docs) else np.zeros((0, len(self.classes_)))
        preds = self.classes_[np.argmax(proba, axis=1)] if len(docs) else np.asarray([], dtype=self.classes_.dtype)
        scores = risk_scores(proba, self.classes_)
        explanations = self._explanations(X, V, proba, preds, scores, top_k) if explain else None
        return Forward(preds, proba, scores, explanations)

    def stepper(self):
        """Scores a user's growing post prefix incrementally from running TF-IDF sums
        (:class:`~depscreen.models.tfidf_stepper.LinearTfidfStepper`), with the model's own
        score on every prefix; None for a vectoriser it cannot follow."""
        check_fitted(self, "classifier_")
        from .tfidf_stepper import LinearTfidfStepper

        seg = segment_cjk if self.segment_chinese else None
        try:
            return LinearTfidfStepper([v for _, v in self.vectorizers_], self.classifier_, sep=self.sep,
                                      classes=self.classes_,
                                      preprocessors=[seg if name == "word" else None for name, _ in self.vectorizers_])
        except TypeError:
            return None

    def decision_function(self, X: Sequence[Any]) -> np.ndarray:
        check_fitted(self, "classifier_")
        return self.classifier_.decision_function(self._transform(as_documents(X, sep=self.sep)))

    def explain(self, X: Sequence[Any], top_k: int = 10) -> list[dict[str, Any]]:
        """Why each sample got its label: the n-grams that pushed most toward the
        predicted class (TF-IDF value x coefficient), and for a user the posts that score
        highest for that class on their own (by index, never by text).

        Returns one dict per sample in the shared explanation schema: ``prediction``,
        ``score``, ``top_features`` (feature, contribution) and for users ``top_posts``
        (post index, weight = the post's own decision score for the predicted class).
        """
        return self._forward(X, explain=True, top_k=top_k).explanations

    def _explanations(self, X, V, proba, preds, scores, top_k: int) -> list[dict[str, Any]]:
        names = self.feature_names_
        classes = list(self.classes_)
        out = []
        for i, x in enumerate(X):
            w = self._class_weights(classes.index(preds[i]))
            row = V.getrow(i)
            contrib = row.data * w[row.indices]
            order = np.argsort(-contrib)[:top_k]
            item: dict[str, Any] = {
                "prediction": plain_value(preds[i]),
                "score": explanation_score(scores, proba, i),
                "top_features": [
                    {"feature": str(names[row.indices[j]]), "contribution": float(contrib[j])}
                    for j in order
                    if contrib[j] > 0
                ],
            }
            if isinstance(x, User) and x.posts:
                post_scores = self._transform(x.texts) @ w
                top = np.argsort(-post_scores)[:top_k]
                item["top_posts"] = [{"index": int(j), "weight": float(post_scores[j])} for j in top]
            out.append(item)
        return out

    @property
    def feature_names_(self) -> np.ndarray:
        check_fitted(self, "vectorizers_")
        if not hasattr(self, "_feature_names"):
            terms = []
            for name, vec in self.vectorizers_:
                terms.append(np.asarray([f"{name}__{t}" if len(self.vectorizers_) > 1 else t
                                         for t in vec.get_feature_names_out()], dtype=object))
            self._feature_names = np.concatenate(terms)
        return self._feature_names

    def _class_weights(self, c: int) -> np.ndarray:
        coef = self.classifier_.coef_
        if coef.shape[0] == 1:  # binary: one row pointing to classes_[1]
            return coef[0] if c == 1 else -coef[0]
        return coef[c]

    # ------------------------------------------------------------------ save / load
    def _save_weights(self, folder: Path) -> dict[str, Any]:
        check_fitted(self, "classifier_")
        arrays: dict[str, np.ndarray] = {}
        vectorizers = {name: save_tfidf(vec, folder, name, arrays) for name, vec in self.vectorizers_}
        classifier = save_linear(self.classifier_, "lr", arrays)
        return {"format": "tfidf-data", "weights": write_arrays(arrays, folder),
                "vectorizers": vectorizers, "classifier": classifier}

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:
        if config.get("format") != "tfidf-data":
            raise ValueError(
                f"{folder}: saved by an older depscreen (format {config.get('format')!r}); "
                "retrain it with `depscreen train`"
            )
        arrays = read_arrays(folder, config["weights"])
        self.vectorizers_ = [
            (name, load_tfidf(folder, entry, arrays, prefix=name)) for name, entry in config["vectorizers"].items()
        ]
        self.classifier_ = load_linear(config["classifier"], arrays, "lr", folder)
        self.classes_ = self.classifier_.classes_
