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
import skops.io as sio
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from ..corpus.types import User
from .base import SavableMixin, as_documents, check_fitted

WEIGHTS_NAME = "model.skops"

# Types a depscreen skops file may name beyond skops' own trusted defaults (scikit-learn
# estimators, numpy arrays and dtypes, scipy sparse matrices, builtins). The baselines
# need none; anything else found in a file is refused instead of being trusted blindly.
SKOPS_TRUSTED_TYPES: frozenset[str] = frozenset()


class UntrustedModelFileError(ValueError):
    """A skops file names types that depscreen does not trust; it is not loaded."""


def dump_skops(obj: Any, path: str | Path) -> Path:
    """Write a fitted scikit-learn object with skops (no pickle)."""
    path = Path(path)
    sio.dump(obj, path)
    return path


def load_skops(path: str | Path, trusted: Iterable[str] = SKOPS_TRUSTED_TYPES) -> Any:
    """Load a skops file, trusting only skops' safe defaults plus ``trusted``.

    The list of types to trust is never taken from the file itself: the file's untrusted
    types are checked against ``trusted`` and any outsider raises
    :class:`UntrustedModelFileError` naming it.
    """
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


class MajorityBaseline(_SkopsSaved, ClassifierMixin, BaseEstimator):
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
        y = np.asarray(y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)} labels")
        if len(y) == 0:
            raise ValueError("cannot fit on an empty training set")
        self.dummy_ = DummyClassifier(strategy="prior").fit(np.zeros((len(y), 1)), y)
        self.classes_ = self.dummy_.classes_
        return self

    def predict(self, X: Sequence[Any]) -> np.ndarray:
        check_fitted(self, "dummy_")
        return self.dummy_.predict(np.zeros((len(X), 1)))

    def predict_proba(self, X: Sequence[Any]) -> np.ndarray:
        check_fitted(self, "dummy_")
        return self.dummy_.predict_proba(np.zeros((len(X), 1)))


class TfidfLogReg(_SkopsSaved, ClassifierMixin, BaseEstimator):
    """TF-IDF n-grams + logistic regression, on posts or on users (posts joined).

    Parameters
    ----------
    analyzer : ``"word"`` (word 1..``word_ngram_max`` grams), ``"char"`` (character
        n-grams within word boundaries, good for Chinese and misspelt slang) or ``"both"``.
    word_ngram_max : longest word n-gram (default 2: unigrams and bigrams).
    char_ngram_min, char_ngram_max : character n-gram lengths when used.
    max_features : vocabulary cap per analyzer (most frequent n-grams); None for no cap.
    min_df : drop n-grams seen in fewer documents.
    sublinear_tf : use 1 + log(tf), which tames users with thousands of posts.
    C : inverse regularisation strength of the logistic regression.
    class_weight : None or ``"balanced"`` (reweights rare classes).
    max_iter, random_state : solver settings (lbfgs; multinomial for more than two classes).
    sep : joins a user's posts into one document.

    Example
    -------
    >>> from depscreen.corpus import Post, User
    >>> users = [User("a", 1, [Post("i feel hopeless"), Post("cannot sleep again")]),
    ...          User("b", 0, [Post("match tonight"), Post("new recipe")])]
    >>> TfidfLogReg(class_weight="balanced").fit(users, [1, 0]).predict(users).tolist()
    [1, 0]
    """

    input_level = "any"
    _fitted_attr = "pipeline_"

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
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state
        self.sep = sep

    def _features(self):
        common = dict(
            max_features=self.max_features,
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
            lowercase=self.lowercase,
            dtype=np.float32,
        )
        word = TfidfVectorizer(analyzer="word", ngram_range=(1, int(self.word_ngram_max)), **common)
        char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(int(self.char_ngram_min), int(self.char_ngram_max)), **common
        )
        if self.analyzer == "word":
            return FeatureUnion([("word", word)])
        if self.analyzer == "char":
            return FeatureUnion([("char", char)])
        if self.analyzer == "both":
            return FeatureUnion([("word", word), ("char", char)])
        raise ValueError(f"analyzer must be 'word', 'char' or 'both', got {self.analyzer!r}")

    def _check_params(self) -> None:
        if self.word_ngram_max < 1:
            raise ValueError(f"word_ngram_max must be at least 1, got {self.word_ngram_max}")
        if not 1 <= self.char_ngram_min <= self.char_ngram_max:
            raise ValueError(
                f"need 1 <= char_ngram_min <= char_ngram_max, got {self.char_ngram_min}, {self.char_ngram_max}"
            )
        if self.class_weight not in (None, "balanced"):
            raise ValueError(f"class_weight must be None or 'balanced', got {self.class_weight!r}")
        if self.C <= 0:
            raise ValueError(f"C must be positive, got {self.C}")

    def fit(self, X: Sequence[Any], y: Sequence[Any]) -> "TfidfLogReg":
        self._check_params()
        docs = as_documents(X, sep=self.sep)
        y = np.asarray(y)
        if len(docs) != len(y):
            raise ValueError(f"X has {len(docs)} samples but y has {len(y)} labels")
        if len(np.unique(y)) < 2:
            raise ValueError("TfidfLogReg needs at least two classes in the training labels")
        clf = LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            random_state=self.random_state,
        )
        self.pipeline_ = Pipeline([("tfidf", self._features()), ("lr", clf)]).fit(docs, y)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict(self, X: Sequence[Any]) -> np.ndarray:
        check_fitted(self, "pipeline_")
        return self.pipeline_.predict(as_documents(X, sep=self.sep))

    def predict_proba(self, X: Sequence[Any]) -> np.ndarray:
        check_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba(as_documents(X, sep=self.sep))

    def decision_function(self, X: Sequence[Any]) -> np.ndarray:
        check_fitted(self, "pipeline_")
        return self.pipeline_.decision_function(as_documents(X, sep=self.sep))

    def explain(self, X: Sequence[Any], top_k: int = 10) -> list[dict[str, Any]]:
        """Why each sample got its label: the n-grams that pushed most toward the
        predicted class (TF-IDF value x coefficient), and for a user the posts that score
        highest for that class on their own (by index, never by text).

        Returns one dict per sample: ``predicted``, ``top_features`` (feature, contribution),
        and for users ``top_posts`` (post index, decision score).
        """
        check_fitted(self, "pipeline_")
        X = list(X)
        docs = as_documents(X, sep=self.sep)
        feats = self.pipeline_.named_steps["tfidf"]
        lr = self.pipeline_.named_steps["lr"]
        names = feats.get_feature_names_out()
        V = feats.transform(docs).tocsr()
        preds = self.pipeline_.predict(docs)
        classes = list(self.classes_)
        out = []
        for i, x in enumerate(X):
            c = classes.index(preds[i])
            w = self._class_weights(lr, c)
            row = V.getrow(i)
            contrib = row.data * w[row.indices]
            order = np.argsort(-contrib)[:top_k]
            item: dict[str, Any] = {
                "predicted": _plain(preds[i]),
                "top_features": [
                    {"feature": str(names[row.indices[j]]), "contribution": float(contrib[j])}
                    for j in order
                    if contrib[j] > 0
                ],
            }
            if isinstance(x, User) and x.posts:
                P = feats.transform(x.texts)
                scores = P @ w
                top = np.argsort(-scores)[:top_k]
                item["top_posts"] = [{"post_index": int(j), "score": float(scores[j])} for j in top]
            out.append(item)
        return out

    @staticmethod
    def _class_weights(lr: LogisticRegression, c: int) -> np.ndarray:
        coef = lr.coef_
        if coef.shape[0] == 1:  # binary: one row pointing to classes_[1]
            return coef[0] if c == 1 else -coef[0]
        return coef[c]


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v
