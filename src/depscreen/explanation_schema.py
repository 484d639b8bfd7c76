"""The one explanation schema every model follows, and a check against it.

The schema ships as ``depscreen/resources/explanation.schema.json`` (JSON Schema, draft
2020-12) and is described in ``docs/explanations.md``. :func:`check_explanation` returns
the problems of one explanation (an empty list when it conforms): it uses ``jsonschema``
when that package is installed, and otherwise a small built-in validator for the
keywords the schema file uses (``type``, ``required``, ``properties``, ``items``,
``minimum``, ``not``, ``allOf``). Each problem starts with the path of the offending
value (``$['posts'][0]``); the wording after it depends on the validator.

>>> check_explanation({"prediction": 1, "score": 0.83,
...                    "top_features": [{"feature": "can't sleep", "contribution": 0.41}]})
[]
>>> len(check_explanation({"predicted": 1}))  # no prediction, no score, an old key
3
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

__all__ = ["SCHEMA_FILE", "check_explanation", "explanation_schema"]

SCHEMA_FILE = "explanation.schema.json"

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


@lru_cache(maxsize=1)
def explanation_schema() -> dict[str, Any]:
    """The JSON Schema of an explanation (a fresh parse of the shipped file)."""
    from .text.resources import resource_path

    return json.loads(resource_path(SCHEMA_FILE).read_text(encoding="utf-8"))


def check_explanation(explanation: Any) -> list[str]:
    """The ways ``explanation`` breaks the schema, as ``path: problem`` lines."""
    try:
        import jsonschema
    except ImportError:
        return _check(explanation, explanation_schema(), "$")
    validator = jsonschema.Draft202012Validator(explanation_schema())
    return [f"${''.join(f'[{p!r}]' for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(explanation)]


def _check(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_TYPES[k](value) for k in kinds):
            return [f"{path}: expected {' or '.join(kinds)}, got {type(value).__name__}"]
    if "minimum" in schema and _TYPES["number"](value) and value < schema["minimum"]:
        problems.append(f"{path}: {value} is below {schema['minimum']}")
    if isinstance(value, dict):
        problems += [f"{path}: missing '{key}'" for key in schema.get("required", []) if key not in value]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                problems += _check(value[key], sub, f"{path}[{key!r}]")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += _check(item, schema["items"], f"{path}[{i}]")
    for sub in schema.get("allOf", []):
        problems += _check(value, sub, path)
    if "not" in schema and not _check(value, schema["not"], path):
        forbidden = schema["not"].get("required", [])
        problems.append(f"{path}: must not have {', '.join(repr(k) for k in forbidden) or 'this shape'}")
    return problems
