"""Model names a user can type, mapped lazily to their estimator classes.

Each entry is ``"module:Class"`` so importing the registry never imports torch or
gensim. Later issues add their models here (one line each).
"""

from __future__ import annotations

import importlib
from typing import Any, Mapping

MODELS: dict[str, str] = {
    "majority": "depscreen.models.baselines:MajorityBaseline",
    "tfidf-lr": "depscreen.models.baselines:TfidfLogReg",
    "depscreen-default": "depscreen.models.default:DefaultClassifier",
    "calibrated": "depscreen.models.calibrated:CalibratedModel",
    "cnn": "depscreen.models.post_neural.estimators:CNNClassifier",
    "lstm": "depscreen.models.post_neural.estimators:LSTMClassifier",
    "cnn-lstm": "depscreen.models.post_neural.estimators:CNNLSTMClassifier",
    "lmilatt": "depscreen.models.mil.estimator:LMILAttClassifier",
    "mil-mean": "depscreen.models.mil.estimator:MILMeanClassifier",
    "mil-max": "depscreen.models.mil.estimator:MILMaxClassifier",
    "mil-noae": "depscreen.models.mil.estimator:MILNoAEClassifier",
    "mil-att-only": "depscreen.models.mil.estimator:MILAttentionOnlyClassifier",
    "lmilatt-mhim": "depscreen.models.mhim.estimator:MHIMClassifier",
    "dual-mhim": "depscreen.models.mhim.dialogue:DualEncoderMHIM",
    "nb": "depscreen.models.feature_models:NaiveBayesFeatures",
    "dt": "depscreen.models.feature_models:DecisionTreeFeatures",
    "lr": "depscreen.models.feature_models:LogRegFeatures",
    "rf": "depscreen.models.feature_models:RandomForestFeatures",
    "svm": "depscreen.models.feature_models:SVMFeatures",
    "l-nb": "depscreen.models.feature_models:LexiconNaiveBayes",
    "l-dt": "depscreen.models.feature_models:LexiconDecisionTree",
    "l-lr": "depscreen.models.feature_models:LexiconLogReg",
    "l-rf": "depscreen.models.feature_models:LexiconRandomForest",
    "l-svm": "depscreen.models.feature_models:LexiconSVM",
}

#: What ``depscreen train`` and :func:`depscreen.train` fit when no model is named.
DEFAULT_MODEL = "depscreen-default"


def default_model_name() -> str:
    """The registry name of the default model (:data:`DEFAULT_MODEL`)."""
    return DEFAULT_MODEL


def available_models() -> list[str]:
    return sorted(MODELS)


def model_class(name: str) -> type:
    """The estimator class registered under ``name``.

    An unknown name raises ``ValueError`` with the closest registered name and the list:
    ``unknown model 'tfid-lr'; did you mean 'tfidf-lr'? Available: ...``.
    """
    try:
        target = MODELS[name]
    except KeyError:
        from ..wording import unknown_name

        raise ValueError(unknown_name("model", name, MODELS)) from None
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def make_model(name: str, **params: Any):
    """A fresh, unfitted estimator ``name`` built with ``params``; nested parameters
    (``base__lr`` of a wrapper such as ``lmilatt-mhim``) are set with ``set_params``."""
    nested = {k: v for k, v in params.items() if "__" in k}
    model = model_class(name)(**{k: v for k, v in params.items() if "__" not in k})
    return model.set_params(**nested) if nested else model


def registered_name(model: Any) -> str | None:
    """The registry name of ``model``'s class, or None when it is not registered."""
    cls = type(model)
    target = f"{cls.__module__}:{cls.__name__}"
    for name, entry in MODELS.items():
        if entry == target:
            return name
    return None


def model_label(model: Any) -> str:
    """What to call ``model`` in records and messages: its registry name, else its class name."""
    return registered_name(model) or type(model).__name__


def resolve_model(spec: Any = None, params: Mapping[str, Any] | None = None) -> tuple[str, Any]:
    """The one road from what a caller names to a fresh, unfitted estimator.

    Parameters
    ----------
    spec : a registry name (``"tfidf-lr"``), an unfitted scikit-learn style estimator
        (cloned: the caller's object is never changed or fitted), a ``(label, spec)``
        pair that names it in results, or None for the default model.
    params : keyword parameters set on the estimator (nested ``base__lr`` too).

    Returns ``(name, estimator)``: the label, else the registry name, else the class name.

    >>> resolve_model("tfidf-lr", {"C": 2.0})[1].C
    2.0
    """
    from sklearn.base import clone

    label = None
    if isinstance(spec, tuple):
        label, spec = spec
    if spec is None:
        spec = default_model_name()
    if isinstance(spec, str):
        return label or spec, make_model(spec, **dict(params or {}))
    if not hasattr(spec, "fit") or not hasattr(spec, "get_params"):
        raise TypeError(
            f"model must be a registry name or an unfitted scikit-learn style estimator, got {type(spec).__name__}"
        )
    est = clone(spec)
    if params:
        est.set_params(**params)
    return label or model_label(est), est
