"""``calibrated``: any registered classifier with calibrated probabilities and a decision rule on them.

:class:`CalibratedModel` wraps an estimator the way scikit-learn's
``CalibratedClassifierCV(ensemble=False)`` does -- out-of-fold probabilities of the
training data by a stratified cross-validation, a calibration map fitted on them, then
the estimator refitted on all the data -- but it saves to a model folder without
pickle (the wrapped model in a sub-folder by its own save, the map as JSON in
``config.json``), keeps the out-of-fold scores (``oof_``, saved with the model for
operating points and prevalence), takes users as well as posts, and chooses its
decision rule on the calibrated out-of-fold probabilities
(:func:`depscreen.population.decision.choose_rule`), as depscreen-default does.

``depscreen.train(model, corpus, calibration="sigmoid")`` and
``depscreen train --calibration sigmoid`` wrap a model this way (depscreen-default
calibrates itself: there the option sets its own ``calibration`` parameter).

Explanations are the wrapped model's; their ``prediction`` and ``score`` are replaced by
the calibrated ones, and where the calibrated rule changes the label, the n-grams and
posts listed still say what pushed the *wrapped* model toward its own label.

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_posts
>>> posts = make_sample_posts(n=80, langs=("en",), seed=1)
>>> model = CalibratedModel("tfidf-lr", method="sigmoid", cv=3).fit(posts.texts, posts.labels)
>>> model.calibration_, model.predict_proba(posts.texts[:2]).shape
('sigmoid', (2, 2))
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import StratifiedKFold

from ..jsonable import plain_value
from ..population.calibration import calibrator_from_state, check_method, fit_calibrator
from ..population.oof import OutOfFold
from . import folder as model_folder
from .base import (Forward, ForwardPredictMixin, aligned_proba, attach_out_of_fold, check_fitted, forward,
                   risk_scores, save_out_of_fold)
from .validation import check_fit_labels

ESTIMATOR_FOLDER = "estimator"


class CalibratedModel(ForwardPredictMixin, ClassifierMixin, BaseEstimator):
    """A classifier whose ``predict_proba`` is calibrated on its own out-of-fold
    probabilities and whose ``predict`` applies a rule chosen on them.

    Parameters
    ----------
    estimator : str, estimator or None
        The model to wrap: a registry name, an unfitted depscreen / scikit-learn style
        estimator with ``predict_proba``, or None for ``tfidf-lr``.
    method : ``"auto"``, ``"sigmoid"``, ``"isotonic"``, ``"temperature"`` or ``"vector"``
        The calibration map (:mod:`depscreen.population.calibration`).
    cv : int
        Folds of the cross-validation that gives the out-of-fold probabilities (fewer when
        a class is smaller; with fewer than two members in a class the model is refitted
        uncalibrated and ``calibration_note_`` says why).
    decision_metric : str
        The rule ``predict`` applies (:func:`depscreen.population.decision.choose_rule`):
        ``"auto"`` (two classes: the macro-F1 threshold; ordered levels: the best macro-F1
        with MAE no worse than the median rule's; named classes: argmax), ``"argmax"``,
        ``"median"``, ``"f1"``, ``"f1_macro"``, ``"mae"``, ``"macro_mae"``, ``"f1_macro_mae"``.
    random_state : int
        Seed of the folds.
    """

    def __init__(self, estimator: Any = None, *, method: str = "auto", cv: int = 5,
                 decision_metric: str = "auto", random_state: int = 13):
        self.estimator = estimator
        self.method = method
        self.cv = cv
        self.decision_metric = decision_metric
        self.random_state = random_state

    @property
    def input_level(self) -> str:
        return getattr(self._prototype(), "input_level", "any")

    def _prototype(self):
        from .registry import make_model

        if self.estimator is None:
            return make_model("tfidf-lr")
        if isinstance(self.estimator, str):
            return make_model(self.estimator)
        return self.estimator

    def fit(self, X: Sequence[Any], y: Sequence[Any]) -> "CalibratedModel":
        """Out-of-fold probabilities by ``cv`` stratified folds, the calibration map and the
        decision rule fitted on them, then the wrapped model refitted on all of ``X``."""
        from ..population.decision import choose_rule

        check_method(self.method)
        if self.method is None:
            raise ValueError("CalibratedModel needs a calibration method; use the estimator itself for none")
        if int(self.cv) < 2:
            raise ValueError(f"cv must be at least 2, got {self.cv}")
        proto = self._prototype()
        if not hasattr(proto, "predict_proba"):
            raise ValueError(f"{type(proto).__name__} gives no probabilities (no predict_proba): nothing to calibrate")
        if not hasattr(X, "embeddings"):
            X = list(X)
        labels = check_fit_labels(self, len(X), y)
        y, self.classes_, y_idx, counts = labels.y, labels.classes, labels.index, labels.counts
        n_splits = min(int(self.cv), int(counts.min()))
        raw = None
        if n_splits >= 2:
            raw = np.zeros((len(y), len(self.classes_)))
            folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=int(self.random_state))
            for tr, va in folds.split(np.zeros(len(y)), y):
                est = clone(proto).fit(_take(X, tr), y[tr])
                raw[va] = aligned_proba(forward(est, _take(X, va)).proba, est.classes_, self.classes_)
        cal = fit_calibrator(raw, None if raw is None else y_idx, self.method, classes=self.classes_)
        self.calibrator_, self.calibration_, self.calibration_note_ = cal.calibrator, cal.method, cal.note
        calibrated = None if raw is None else cal.transform(raw)
        self.decision_ = choose_rule(calibrated, y_idx, self.classes_, self.decision_metric)
        self.oof_ = None if raw is None else OutOfFold(
            classes=list(self.classes_), y=y_idx, proba=calibrated,
            raw_proba=raw if self.calibrator_ is not None else None)
        self.estimator_ = clone(proto).fit(X, y)
        return self

    # ------------------------------------------------------------------ prediction ------
    def _forward(self, X: Sequence[Any], *, explain: bool = False, top_k: int = 5) -> Forward:
        from ..population.decision import apply_rule

        check_fitted(self, "estimator_")
        inner = forward(self.estimator_, X, explain=explain, top_k=top_k)
        proba = aligned_proba(inner.proba, self.estimator_.classes_, self.classes_)
        if self.calibrator_ is not None:
            proba = self.calibrator_.transform(proba)
        preds = apply_rule(self.decision_, proba, self.classes_)
        scores = risk_scores(proba, self.classes_)
        explanations = None
        if inner.explanations is not None:
            from .base import explanation_score

            explanations = []
            for i, item in enumerate(inner.explanations):
                item = dict(item)
                item["prediction"] = plain_value(preds[i])
                item["score"] = explanation_score(scores, proba, i)
                explanations.append(item)
        return Forward(preds, proba, scores, explanations)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Labels from calibrated class probabilities by the fitted decision rule."""
        from ..population.decision import apply_rule

        check_fitted(self, "decision_")
        return apply_rule(self.decision_, proba, self.classes_)

    def explain(self, X: Sequence[Any], top_k: int = 5) -> list[dict[str, Any]]:
        """The wrapped model's explanations with the calibrated prediction and score."""
        if not callable(getattr(self._prototype(), "explain", None)):
            raise ValueError(f"{type(self._prototype()).__name__} cannot explain its predictions")
        return self._forward(X, explain=True, top_k=top_k).explanations

    # ------------------------------------------------------------------ save / load -----
    def save(self, folder: str | Path) -> Path:
        """``config.json`` (wrapper parameters, the map's JSON state, the decision rule),
        the wrapped model in ``estimator/`` by its own save, the out-of-fold scores, and
        last the folder's manifest."""
        from .registry import registered_name

        check_fitted(self, "estimator_")
        if not callable(getattr(self.estimator_, "save", None)):
            raise ValueError(f"{type(self.estimator_).__name__} cannot be saved (it has no save method)")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.estimator_.save(folder / ESTIMATOR_FOLDER)
        params = self.get_params(deep=False)
        params["estimator"] = registered_name(self.estimator_)
        if params["estimator"] is None:
            raise ValueError(f"{type(self.estimator_).__name__} is not a registered depscreen model: cannot save it")
        extra: dict[str, Any] = {
            "fitted": {
                "classes": [plain_value(c) for c in self.classes_],
                "calibration": {"method": self.calibration_, "note": self.calibration_note_,
                                "state": None if self.calibrator_ is None else self.calibrator_.get_state()},
                "decision": self.decision_,
                "estimator_folder": ESTIMATOR_FOLDER,
            }
        }
        oof_files = save_out_of_fold(self, folder)
        if oof_files:
            extra["out_of_fold"] = oof_files
        model_folder.write_config(folder, self, params, extra)
        model_folder.seal(folder)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "CalibratedModel":
        from .base import load_model

        with model_folder.checked(folder) as folder:
            config = model_folder.read_config(folder)
            fitted = config.get("fitted") or {}
            model = cls(**model_folder.restore_params(cls, config.get("params") or {}))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", model_folder.UnverifiedFolderWarning)  # covered by ours
                model.estimator_ = load_model(folder / fitted.get("estimator_folder", ESTIMATOR_FOLDER))
            model.classes_ = np.asarray(fitted["classes"])
            cal = fitted.get("calibration") or {}
            model.calibrator_ = None if cal.get("state") is None else calibrator_from_state(cal["state"])
            model.calibration_ = cal.get("method")
            model.calibration_note_ = cal.get("note", "")
            model.decision_ = fitted.get("decision", {"rule": "argmax"})
            attach_out_of_fold(model, folder)
        return model


def _take(X: Any, idx: np.ndarray) -> Any:
    if hasattr(X, "embeddings"):  # precomputed bags know how to slice themselves
        return X[idx] if hasattr(X, "__getitem__") else [X[i] for i in idx]
    return [X[i] for i in idx]
