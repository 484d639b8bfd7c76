"""Turning depscreen's values into JSON: numpy scalars and arrays, paths, parameters.

One place for what every writer of JSON needs (the API's training record and sidecars,
the harness's results, the CLI's files, the demo), so they all write the same thing,
the time stamps included (:func:`utc_timestamp`).
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any, Mapping


def utc_timestamp() -> str:
    """Now, in UTC, as ISO 8601 to the second (``2026-12-07T16:05:06+00:00``): the
    ``created`` / ``started`` / ``finished`` stamp of every record depscreen writes (model
    folders, training records, cross-validation results, run manifests, API keys)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def json_default(obj: Any) -> Any:
    """``json.dumps(..., default=json_default)``: numpy values as Python values, paths as text."""
    import numpy as np  # here, so that the CLI's help does not import numpy

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def plain_value(v: Any) -> Any:
    """A numpy scalar as the Python value it holds (``np.int64(1)`` -> ``1``); anything else
    as it is. For labels shown in messages and compared across libraries."""
    import numpy as np

    return v.item() if isinstance(v, np.generic) else v


def jsonable_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Estimator parameters for a record: JSON values as they are, anything else (an
    estimator, a callable) as its ``repr``."""
    out = {}
    for key, value in params.items():
        try:
            json.dumps(value)
            out[key] = value
        except TypeError:
            out[key] = repr(value)
    return out
