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

Scoring is one pass (``_forward``): the users are tokenised and turned into features
once, the classifier gives probabilities, and predictions, risk scores and (when asked)
explanations come from the same numbers, so ``predict``, ``predict_proba`` and
``explain`` agree exactly. Explanations follow the shared schema (``prediction``,
``score``, ``top_features`` with ``feature`` / ``contribution`` / ``value``) and say how
the contributions were computed (``attribution``):

* ``"linear"`` (lr): scaled feature value x the coefficient of the predicted class (an
  exact share of the decision value);
* ``"tree-path"`` (dt, rf): the change in the predicted class's probability at each
  split on the user's path through the tree(s), summed per feature (an exact share of
  the probability minus the training prior);
* ``"log-likelihood"`` (nb): the feature's Gaussian log-likelihood under the predicted
  class minus its mean over the other classes (an exact share of the log-odds for two
  classes);
* ``"occlusion"`` (svm): the predicted class's probability minus the probability with
  the feature set to its training mean (the RBF kernel has no additive split).

L- variants add ``depressive_lexicon_words`` (counts) and ``top_posts`` (``index``,
``weight`` = depressive lexicon words in that post), never post text.

A saved model folder holds ``config.json`` (parameters, topic keywords, feature names,
the SHA-256 of every word table), ``estimator.skops`` (scaler + classifier),
``style_vectors.bin`` (word2vec binary format), ``lexicon.csv`` for the L- variants and
``resources/`` (the slang table and stopword lists the tokeniser and the feature groups
used, so the folder tokenises the same on a machine without the data folder): nothing is
pickled.

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
)
from ..jsonable import plain_value
from .base import Forward, ForwardPredictMixin, SavableMixin, check_fitted, explanation_score, risk_scores
from .baselines import dump_skops, load_skops
from .validation import check_fit_labels

CLASSIFIERS = ("nb", "dt", "lr", "rf", "svm")
ESTIMATOR_NAME = "estimator.skops"
BASE_GROUPS = tuple(g for g in GROUPS if g != "lexicon")

#: scikit-learn types beyond skops' defaults that a FeatureClassifier file may name (the
#: SVM's calibration wrapper; the tree structure of dt / rf, which skops rebuilds from
#: its arrays); anything else in a file is refused.
TRUSTED_TYPES = frozenset({
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.tree._tree.Tree",
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


class FeatureClassifier(ForwardPredictMixin, SavableMixin, ClassifierMixin, BaseEstimator):
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
        labels = check_fit_labels(self, len(X), list(y), unit="users")
        y = labels.y
        self.features_ = self._union()
        features = self.features_.fit_transform(X, y)
        smallest = int(labels.counts.min())
        self.estimator_ = make_classifier(
            self.classifier, class_weight=self.class_weight, seed=self.seed,
            calibration_folds=max(2, min(5, smallest)),
        ).fit(features, y)
        self.classes_ = self.estimator_.classes_
        self.lexicon_ = self._lexicon_part().lexicon_ if self.use_lexicon else None
        return self

    def _features(self, X: Sequence[Any]) -> np.ndarray:
        check_fitted(self, "estimator_")
        return self.features_.transform(X)

    def _forward(self, X: Sequence[Any], *, explain: bool = False, top_k: int = 5) -> Forward:
        """One pass over users ``X``: features once, then predictions, probabilities,
        risk scores and (with ``explain``) explanations from the same numbers."""
        check_fitted(self, "estimator_")
        users = self.features_.tokenize(X)
        if not users:
            empty = np.zeros((0, len(self.classes_)))
            return Forward(self.classes_[:0], empty, risk_scores(empty, self.classes_),
                           [] if explain else None)
        F = self.features_.transform(users)
        proba = self.estimator_.predict_proba(F)
        predictions = self.classes_[proba.argmax(axis=1)]
        scores = risk_scores(proba, self.classes_)
        explanations = None
        if explain:
            explanations = self._explanations(users, F, proba, predictions, scores, top_k)
        return Forward(predictions, proba, scores, explanations)

    def transform(self, X: Sequence[Any]) -> np.ndarray:
        """The feature matrix of users ``X`` (columns: ``feature_names_out_``)."""
        return self._features(X)

    @property
    def feature_names_out_(self) -> list[str]:
        check_fitted(self, "estimator_")
        return [str(n) for n in self.features_.get_feature_names_out()]

    def _lexicon_part(self):
        return dict(self.features_.transformers_)["lexicon"]

    def explain(self, X: Sequence[Any], top_k: int = 5) -> list[dict[str, Any]]:
        """Per user, in the shared explanation schema: ``prediction``, ``score``,
        ``top_features`` (the features that pushed most toward the predicted class:
        ``feature``, ``contribution`` > 0, the user's ``value``), ``attribution`` (how
        the contributions were computed, see the module docstring) and, for L- variants,
        the depressive lexicon words found with their counts and the posts holding most
        of them (``top_posts``: ``index``, ``weight``). Never post text."""
        return self._forward(X, explain=True, top_k=top_k).explanations

    def _explanations(self, users, F, proba, predictions, scores, top_k) -> list[dict[str, Any]]:
        names = self.feature_names_out_
        class_idx = proba.argmax(axis=1)
        method, contributions = self._contributions(F, class_idx)
        out = []
        for i, user in enumerate(users):
            contrib = contributions[i]
            order = [j for j in np.argsort(-contrib, kind="stable")[:top_k] if contrib[j] > 0]
            entry: dict[str, Any] = {
                "prediction": plain_value(predictions[i]),
                "score": explanation_score(scores, proba, i),
                "attribution": method,
                "top_features": [
                    {"feature": names[j], "contribution": float(contrib[j]), "value": float(F[i, j])}
                    for j in order
                ],
            }
            if self.use_lexicon:
                entry.update(self._lexicon_reasons(user, top_k))
            out.append(entry)
        return out

    def _contributions(self, F: np.ndarray, class_idx: np.ndarray) -> tuple[str, np.ndarray]:
        """Per user and feature, how much the feature pushed toward the predicted class."""
        clf = self.estimator_[-1]
        if isinstance(clf, LogisticRegression):
            Z = self.estimator_[:-1].transform(F)
            coef = clf.coef_
            if coef.shape[0] == 1:  # binary: one row pointing to classes_[1]
                W = np.where(class_idx[:, None] == 1, coef[0], -coef[0])
            else:
                W = coef[class_idx]
            return "linear", Z * W
        if isinstance(clf, (DecisionTreeClassifier, RandomForestClassifier)):
            trees = [clf] if isinstance(clf, DecisionTreeClassifier) else clf.estimators_
            total = np.zeros(F.shape, dtype=float)
            for tree in trees:
                total += _tree_path_contributions(tree, F, class_idx)
            return "tree-path", total / len(trees)
        if isinstance(clf, GaussianNB):
            # (users, classes, features): log N(x_j; theta_cj, var_cj)
            ll = -0.5 * (np.log(2 * np.pi * clf.var_)[None] + (F[:, None, :] - clf.theta_[None]) ** 2 / clf.var_[None])
            rows = np.arange(len(F))
            own = ll[rows, class_idx]
            others = (ll.sum(axis=1) - own) / max(1, ll.shape[1] - 1)
            return "log-likelihood", own - others
        # occlusion: each feature in turn set to its training mean (0 after scaling)
        scaler = self.estimator_[:-1]
        Z = scaler.transform(F)
        n, d = Z.shape
        occluded = np.repeat(Z[:, None, :], d, axis=1)
        occluded[:, np.arange(d), np.arange(d)] = 0.0
        p_full = clf.predict_proba(Z)[np.arange(n), class_idx]
        p_occ = clf.predict_proba(occluded.reshape(n * d, d)).reshape(n, d, -1)
        return "occlusion", p_full[:, None] - p_occ[np.arange(n), :, class_idx]

    def _lexicon_reasons(self, user, top_k: int) -> dict[str, Any]:
        part = self._lexicon_part()
        counts: dict[str, int] = {}
        per_post = []
        for index, post in enumerate(part._post_matches(user)):
            hits = [w for w in post if w in part.depressive_]
            for w in hits:
                counts[w] = counts.get(w, 0) + 1
            if hits:
                per_post.append((index, len(hits)))
        per_post.sort(key=lambda iw: (-iw[1], iw[0]))
        return {
            "depressive_lexicon_words": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top_k]),
            "top_posts": [{"index": i, "weight": float(w)} for i, w in per_post[:top_k]],
        }

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


def _tree_path_contributions(tree: DecisionTreeClassifier, F: np.ndarray, class_idx: np.ndarray) -> np.ndarray:
    """Per user and feature: the change in the probability of the user's predicted class
    at each split on the user's path, credited to the split's feature (Saabas). The
    contributions plus the root's class share equal the tree's probability."""
    t = tree.tree_
    value = t.value[:, 0, :]
    frac = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-300)
    paths = tree.decision_path(F.astype(np.float32)).tocsr()
    out = np.zeros(F.shape, dtype=float)
    for i in range(F.shape[0]):
        nodes = np.sort(paths.indices[paths.indptr[i]:paths.indptr[i + 1]])  # children > parents
        c = class_idx[i]
        gains = frac[nodes[1:], c] - frac[nodes[:-1], c]
        np.add.at(out[i], t.feature[nodes[:-1]], gains)
    return out


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
