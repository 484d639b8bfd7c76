"""Model families behind one estimator API (fit / predict / predict_proba / explain)."""

from .base import as_documents, check_fitted, load_model
from .registry import available_models, make_model, model_class

__all__ = ["as_documents", "available_models", "check_fitted", "load_model", "make_model", "model_class"]
