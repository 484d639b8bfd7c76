"""The model card ``GET /v1/model`` returns: from the folder's ``config.json`` and
``training.json`` (or from the fitted object alone when no folder is given)."""

from __future__ import annotations

import hashlib
import inspect
import json
from pathlib import Path
from typing import Any

from .. import DISCLAIMER, __version__
from ..jsonable import plain_value
from ..models import folder as model_folder
from .viewer import risk_class

#: Where each family of registered models comes from (shown on the card).
PAPERS = {
    "lmilatt": "LMILAtt: multi-instance learning with attention over a user's posts (paper 001's base model)",
    "lmilatt-mhim": "Masked hard instance mining over LMILAtt (paper 001)",
    "dual-mhim": "Dual encoder with masked hard instance mining for interviews (paper 001)",
    "lr": "Feature-based detection models (paper 002)",
    "l-lr": "Feature-based detection models with the depression lexicon (paper 002)",
}


def model_card(model: Any, folder: str | Path | None, name: str) -> dict[str, Any]:
    """Name, version, paper, training data, metrics stored at training time, languages,
    classes and input level of a loaded model."""
    config: dict[str, Any] = {}
    record: dict[str, Any] = {}
    version = __version__
    if folder is not None:
        config = model_folder.read_config(folder)
        version = model_folder.config_digest(folder)[:12]
        record = model_folder.read_training_record(folder) or {}
    else:
        params = getattr(model, "get_params", lambda deep=False: {})(deep=False)
        blob = json.dumps({"name": name, "params": params}, sort_keys=True, default=str).encode()
        version = hashlib.sha256(blob).hexdigest()[:12]
    doc = inspect.getdoc(type(model)) or ""
    training = None
    if record:
        training = {k: record.get(k) for k in ("data", "level", "n_items", "label_counts", "dedup", "created",
                                                "fit_seconds") if k in record}
    languages = record.get("languages") or (record.get("corpus") or {}).get("languages") or []
    base = name.split("-")[0] if name.startswith(("l-",)) else name
    return {
        "disclaimer": DISCLAIMER,
        "name": name,
        "version": version,
        "depscreen_version": str(config.get("depscreen_version", __version__)),
        "input_level": getattr(model, "input_level", "any"),
        "classes": [plain_value(c) for c in getattr(model, "classes_", [])],
        # the class that means risk (two-class models only): the review page turns "toward the
        # prediction" in explanations into "toward / away from risk" with it
        "risk_class": risk_class(getattr(model, "classes_", None)),
        "paper": PAPERS.get(name) or PAPERS.get(base),
        "description": doc.split("\n\n")[0].replace("\n", " ") if doc else None,
        "training_data": training,
        "metrics": record.get("metrics"),
        "languages": list(languages),
        "params": config.get("params") or _params(model),
        # the point depscreen.score applies (loaded with the model from training.json)
        "operating_point": None if getattr(model, "operating_point_", None) is None
        else model.operating_point_.to_dict(),
    }


def _params(model: Any) -> dict[str, Any]:
    try:
        params = model.get_params(deep=False)
    except Exception:  # noqa: BLE001 - a card never fails for want of parameters
        return {}
    return json.loads(json.dumps(params, default=repr))
