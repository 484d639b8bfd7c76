"""Feature-based user classifiers of paper 002: five classifiers, with or without the lexicon.

:class:`FeatureClassifier` turns each user into the hand-made feature groups of
:mod:`depscreen.features.user_features` (topic keywords, posting behaviour, number of
posts, first-person pronouns, linguistic style) and, for the "L-" variants, the lexicon
features, then fits naive Bayes, a decision tree, logistic regression, a random forest or
an SVM. With ``use_lexicon=True`` and no ``lexicon`` file, the depression-domain lexicon
is built by W2V-LPA from the **training users only** inside ``fit`` (so under
cross-validation each fold builds its own lexicon and no test user leaks in).

Registry names: ``nb``, ``dt``, ``lr``, ``rf``, ``svm`` and ``l-nb`` ... ``l-svm``; each is
a subclass that only changes the defaults of ``classifier`` and ``use_lexicon``.

A saved model folder holds ``config.json`` (parameters, topic keywords, feature names),
``estimator.skops`` (scaler + classifier), ``style_vectors.bin`` (word2vec binary format)
and ``lexicon.csv`` for the L- variants: nothing is pickled.

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_corpus  # doctest: +SKIP
>>> corpus = make_sample_corpus(n_users=60, seed=1)  # doctest: +SKIP
>>> model = FeatureClassifier("lr", use_lexicon=True, **FeatureClassifier.demo_params)  # doctest: +SKIP
>>> model.fit(corpus.users, corpus.labels).predict_proba(corpus.users[:2]).shape  # doctest: +SKIP
(2, 2)
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from ..features.user_features import (
    GROUPS,
    UserFeatureUnion,
    restore_union,
    save_union,
    tokenize_users,
)
from .base import SavableMixin, check_fitted
from .baselines import dump_skops, load_skops

CLASSIFIERS = ("nb", "dt", "lr", "rf", "svm")
ESTIMATOR_NAME = "estimator.skops"
BASE_GROUPS = tuple(g for g in GROUPS if g != "lexicon")

#: scikit-learn types beyond skops' defaults that a FeatureClassifier file may name (the
#: SVM's calibration wrapper); anything else in a file is refused.
TRUSTED_TYPES = frozenset({
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
})


def make_classifier(
    name: str, *, class_weight: Any = None, seed: int = 13, calibration_folds: int = 5
) -> Pipeline:
    """The scikit-learn pipeline behind each classifier name (scaled where it matters).

    The SVM's probabilities come from sigmoid calibration on ``calibration_folds``
    internal folds (``CalibratedClassifierCV(SVC(), ensemble=False)``)."""
    if name == "nb":
        return Pipeline([("clf", GaussianNB())])
    if name == "dt":
        return Pipeline([("clf", DecisionTreeClassifier(
            min_samples_leaf=2, class_weight=class_weight, random_state=seed))])
    if name == "lr":
        return Pipeline([
            ("scale", StandardScaler()),
            ("clf", LogisticRegression(C=1.0, max_iter=2000, class_weight=class_weight)),
        ])
    if name == "rf":
        return Pipeline([("clf", RandomForestClassifier(
            n_estimators=200, min_samples_leaf=1, class_weight=class_weight,
            random_state=seed, n_jobs=1))])
    if name == "svm":
        return Pipeline([
            ("scale", StandardScaler()),
            ("clf", CalibratedClassifierCV(
                SVC(kernel="rbf", C=1.0, class_weight=class_weight, random_state=seed),
                method="sigmoid", cv=calibration_folds, ensemble=False)),
        ])
    raise ValueError(f"unknown classifier '{name}'; use one of {', '.join(CLASSIFIERS)}")


class FeatureClassifier(SavableMixin, ClassifierMixin, BaseEstimator):
    """Hand-made user features + a classic classifier (paper 002's detection models).

    Parameters
    ----------
    classifier : ``"nb"``, ``"dt"``, ``"lr"``, ``"rf"`` or ``"svm"``.
    use_lexicon : add the lexicon feature group (the paper's "L-" variants).
    lexicon : path of a lexicon CSV to use; None builds one from the training fold when
        ``build_lexicon_on_fit`` is True.
    build_lexicon_on_fit : build the lexicon inside ``fit`` (training users only).
    class_weight : None or ``"balanced"`` (for imbalanced data; not used by naive Bayes).
    lang : tokeniser language, or ``"auto"`` per user.
    seed : random seed (Word2Vec, trees, SVM).
    groups : the non-lexicon feature groups (default: all five).
    n_keywords : topic keywords (paper: 30).
    vector_size, w2v_epochs, w2v_min_count : Word2Vec of the style group (its vectors are
        also used to build the lexicon).
    lexicon_method, lexicon_n_seeds, lexicon_tc, lexicon_seed_min_df :
        :class:`~depscreen.lexicon.LexiconBuilder` settings for the in-fold lexicon.
    lexicon_positive : labels of the users whose posts form the depressed corpus D1
        (default: 1 for 0/1 labels; every level above the lowest for numeric ordinal
        labels; string labels must be named).
    lexicon_match : ``"auto"``, ``"tokens"`` or ``"substring"`` (see ``LexiconFeatures``).

    Attributes
    ----------
    features_ : the fitted :class:`UserFeatureUnion`
    estimator_ : the fitted scikit-learn pipeline
    lexicon_ : the lexicon used (L- variants), else None
    classes_ : class labels
    """

    input_level = "user"

    #: fast settings for ``depscreen demo`` and quick checks
    demo_params = {
        "vector_size": 32,
        "w2v_epochs": 3,
        "lexicon_n_seeds": 40,
        "lexicon_tc": 0.5,
    }

    def __init__(
        self,
        classifier: str = "lr",
        use_lexicon: bool = False,
        lexicon: str | None = None,
        build_lexicon_on_fit: bool = True,
        class_weight: Any = None,
        lang: str = "auto",
        seed: int = 13,
        groups: Sequence[str] | None = None,
        n_keywords: int = 30,
        vector_size: int = 100,
        w2v_epochs: int = 5,
        w2v_min_count: int = 2,
        lexicon_method: str = "w2v-lpa",
        lexicon_n_seeds: int = 80,
        lexicon_tc: float = 0.5,
        lexicon_seed_min_df: int = 3,
        lexicon_positive: Sequence[Any] | None = None,
        lexicon_match: str = "auto",
    ):
        self.classifier = classifier
        self.use_lexicon = use_lexicon
        self.lexicon = lexicon
        self.build_lexicon_on_fit = build_lexicon_on_fit
        self.class_weight = class_weight
        self.lang = lang
        self.seed = seed
        self.groups = groups
        self.n_keywords = n_keywords
        self.vector_size = vector_size
        self.w2v_epochs = w2v_epochs
        self.w2v_min_count = w2v_min_count
        self.lexicon_method = lexicon_method
        self.lexicon_n_seeds = lexicon_n_seeds
        self.lexicon_tc = lexicon_tc
        self.lexicon_seed_min_df = lexicon_seed_min_df
        self.lexicon_positive = lexicon_positive
        self.lexicon_match = lexicon_match

    # -- building blocks ----------------------------------------------------------------
    def _groups(self) -> tuple[str, ...]:
        base = tuple(self.groups) if self.groups is not None else BASE_GROUPS
        if "lexicon" in base:
            raise ValueError("use use_lexicon=True to add the lexicon group, not groups")
        return base + (("lexicon",) if self.use_lexicon else ())

    def _union(self) -> UserFeatureUnion:
        if self.use_lexicon and self.lexicon is None and not self.build_lexicon_on_fit:
            raise ValueError(
                "use_lexicon=True needs a lexicon file (lexicon=PATH) or build_lexicon_on_fit=True"
            )
        return UserFeatureUnion(
            groups=self._groups(),
            lang=self.lang,
            n_keywords=self.n_keywords,
            vector_size=self.vector_size,
            w2v_epochs=self.w2v_epochs,
            w2v_min_count=self.w2v_min_count,
            lexicon=self.lexicon,
            lexicon_params={
                "method": self.lexicon_method,
                "n_seeds": self.lexicon_n_seeds,
                "tc": self.lexicon_tc,
                "seed_min_df": self.lexicon_seed_min_df,
                "strict_seeds": False,  # small training folds: use the seeds that exist
                "seed": self.seed,
            },
            lexicon_positive=self.lexicon_positive,
            lexicon_match=self.lexicon_match,
            seed=self.seed,
        )

    # -- estimator API ------------------------------------------------------------------
    def fit(self, X: Sequence[Any], y: Sequence[Any]) -> "FeatureClassifier":
        """Fit the feature groups (and the lexicon) and the classifier on users ``X``."""
        y = np.asarray(list(y))
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} users but y has {len(y)} labels")
        if len(np.unique(y)) < 2:
            raise ValueError("fit needs users of at least two classes")
        users = tokenize_users(X, self.lang)
        self.features_ = self._union()
        features = self.features_.fit_transform(users, y)
        smallest = int(np.unique(y, return_counts=True)[1].min())
        self.estimator_ = make_classifier(
            self.classifier, class_weight=self.class_weight, seed=self.seed,
            calibration_folds=max(2, min(5, smallest)),
        ).fit(features, y)
        self.classes_ = self.estimator_.classes_
        self.lexicon_ = self._lexicon_part().lexicon_ if self.use_lexicon else None
        return self

    def _features(self, X: Sequence[Any]) -> np.ndarray:
        check_fitted(self, "estimator_")
        return self.features_.transform(tokenize_users(X, self.lang))

    def predict(self, X: Sequence[Any]) -> np.ndarray:
        features = self._features(X)
        return self.estimator_.predict(features)

    def predict_proba(self, X: Sequence[Any]) -> np.ndarray:
        features = self._features(X)
        return self.estimator_.predict_proba(features)

    def transform(self, X: Sequence[Any]) -> np.ndarray:
        """The feature matrix of users ``X`` (columns: ``feature_names_out_``)."""
        return self._features(X)

    @property
    def feature_names_out_(self) -> list[str]:
        check_fitted(self, "estimator_")
        return [str(n) for n in self.features_.get_feature_names_out()]

    def _lexicon_part(self):
        return dict(self.features_.transformers_)["lexicon"]

    def explain(self, X: Sequence[Any], top: int = 5) -> list[dict[str, Any]]:
        """Per user: predicted probabilities, the features that pushed the score most
        (logistic regression: scaled value x coefficient; other classifiers: the most
        important features overall with the user's values) and, for L- variants, the
        lexicon words found in the user's posts with their counts (no post text)."""
        check_fitted(self, "estimator_")
        users = tokenize_users(X, self.lang)
        F = self.features_.transform(users)
        proba = self.estimator_.predict_proba(F)
        names = self.feature_names_out_
        clf = self.estimator_[-1]
        out = []
        for i, user in enumerate(users):
            entry: dict[str, Any] = {
                "user_id": user.user.user_id,
                "proba": dict(zip(map(str, self.classes_), proba[i].round(4).tolist())),
            }
            if isinstance(clf, LogisticRegression) and len(self.classes_) == 2:
                z = self.estimator_[:-1].transform(F[i : i + 1])[0]
                contrib = z * clf.coef_[0]
                order = np.argsort(-np.abs(contrib))[:top]
                entry["top_features"] = [
                    {"feature": names[j], "value": float(F[i, j]), "contribution": float(contrib[j])}
                    for j in order
                ]
            elif hasattr(clf, "feature_importances_"):
                order = np.argsort(-clf.feature_importances_)[:top]
                entry["top_features"] = [
                    {"feature": names[j], "value": float(F[i, j]),
                     "importance": float(clf.feature_importances_[j])}
                    for j in order
                ]
            if self.use_lexicon:
                part = self._lexicon_part()
                counts: dict[str, int] = {}
                for post in part._post_matches(user):
                    for w in post:
                        if w in part.depressive_:
                            counts[w] = counts.get(w, 0) + 1
                entry["depressive_lexicon_words"] = dict(
                    sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
                )
            out.append(entry)
        return out

    # -- save / load ---------------------------------------------------------------------
    def _save_weights(self, folder: Path) -> dict[str, Any]:
        check_fitted(self, "estimator_")
        dump_skops(self.estimator_, folder / ESTIMATOR_NAME)
        state = save_union(self.features_, folder)
        return {
            "weights": ESTIMATOR_NAME,
            "format": "skops",
            "features": state,
            "classes": [c.item() if hasattr(c, "item") else c for c in self.classes_],
        }

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:
        self.estimator_ = load_skops(
            folder / config.get("weights", ESTIMATOR_NAME), trusted=TRUSTED_TYPES
        )
        self.features_ = restore_union(self._union(), config["features"], folder)
        self.classes_ = self.estimator_.classes_
        self.lexicon_ = self._lexicon_part().lexicon_ if self.use_lexicon else None


def _variant(name: str, doc: str, classifier: str, use_lexicon: bool) -> type:
    """A registered subclass whose only change is the defaults of ``classifier`` and
    ``use_lexicon`` (so ``make_model("l-lr")`` and ``clone`` work without extra logic)."""
    signature = inspect.signature(FeatureClassifier.__init__)
    params = [
        p.replace(default=classifier) if p.name == "classifier"
        else p.replace(default=use_lexicon) if p.name == "use_lexicon" else p
        for p in signature.parameters.values()
    ]
    new_signature = signature.replace(parameters=params)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        bound = new_signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        arguments.pop("self")
        FeatureClassifier.__init__(self, **arguments)

    __init__.__signature__ = new_signature  # read by scikit-learn's get_params
    cls = type(name, (FeatureClassifier,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})
    cls.__qualname__ = name
    return cls


NaiveBayesFeatures = _variant("NaiveBayesFeatures", "User features + naive Bayes (``nb``).", "nb", False)
DecisionTreeFeatures = _variant("DecisionTreeFeatures", "User features + decision tree (``dt``).", "dt", False)
LogRegFeatures = _variant("LogRegFeatures", "User features + logistic regression (``lr``).", "lr", False)
RandomForestFeatures = _variant("RandomForestFeatures", "User features + random forest (``rf``).", "rf", False)
SVMFeatures = _variant("SVMFeatures", "User features + SVM (``svm``).", "svm", False)
LexiconNaiveBayes = _variant("LexiconNaiveBayes", "User + lexicon features, naive Bayes (``l-nb``).", "nb", True)
LexiconDecisionTree = _variant("LexiconDecisionTree", "User + lexicon features, decision tree (``l-dt``).", "dt", True)
LexiconLogReg = _variant("LexiconLogReg", "User + lexicon features, logistic regression (``l-lr``).", "lr", True)
LexiconRandomForest = _variant("LexiconRandomForest", "User + lexicon features, random forest (``l-rf``).", "rf", True)
LexiconSVM = _variant("LexiconSVM", "User + lexicon features, SVM (``l-svm``).", "svm", True)

#: registry name -> class name (the entries of ``models/registry.py``)
VARIANTS = {
    "nb": "NaiveBayesFeatures", "dt": "DecisionTreeFeatures", "lr": "LogRegFeatures",
    "rf": "RandomForestFeatures", "svm": "SVMFeatures",
    "l-nb": "LexiconNaiveBayes", "l-dt": "LexiconDecisionTree", "l-lr": "LexiconLogReg",
    "l-rf": "LexiconRandomForest", "l-svm": "LexiconSVM",
}
