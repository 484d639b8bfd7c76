"""Reading a request body safely: the content type, UTF-8, JSON, then the schema.

FastAPI's own body reading answers a wrong content type with "Input should be a valid
dictionary" and a deeply nested body or a 5,000-digit number with a bare 400. Here every
one of those is a 4xx in the service's one error shape:

* a content type the endpoint does not take: 415 (``field: Content-Type``);
* bytes that are not UTF-8, JSON that does not parse or nests deeper than
  :data:`MAX_DEPTH`, ``NaN`` / ``Infinity``: 422 (``field: body``);
* a number with more than :data:`MAX_DIGITS` digits: kept as an opaque value that no
  field accepts, so the schema names the field it was sent in (422);
* the schema's own errors (lone surrogates and control characters in ids, ids past
  their cap, see :mod:`.schemas`): 422 naming the field.

Example
-------
>>> parse_json(b'{"top_k": 5}')
{'top_k': 5}
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect

from .errors import InputError

MAX_DEPTH = 64
MAX_DIGITS = 100
JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")

M = TypeVar("M", bound=BaseModel)


class TooLongNumber:
    """A JSON number with more than :data:`MAX_DIGITS` digits (no field accepts it)."""

    __slots__ = ("digits",)

    def __init__(self, digits: int):
        self.digits = digits

    def __repr__(self) -> str:
        return f"<number with {self.digits} digits>"


def _int(s: str) -> Any:
    return int(s) if len(s) <= MAX_DIGITS else TooLongNumber(len(s))


def _float(s: str) -> Any:
    return float(s) if len(s) <= MAX_DIGITS else TooLongNumber(len(s))


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def media_type(request: Request) -> str:
    """``application/json; charset=utf-8`` -> ``application/json`` ('' when absent)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def check_media_type(request: Request, accepted: Iterable[str]) -> str:
    """The request's media type, or 415 naming what the endpoint takes."""
    accepted = tuple(accepted)
    got = media_type(request)
    if got not in accepted:
        raise InputError("Content-Type", f"{got or 'no content type'} is not accepted here; send "
                         + " or ".join(accepted), status=415)
    return got


async def read_body(request: Request) -> bytes:
    """The whole body; a client gone (or cut off at the size limit) is a 400, not an error."""
    try:
        return await request.body()
    except ClientDisconnect:
        raise InputError("body", "the body ended early (the client left, or it passed the size limit)",
                         status=400) from None


def _depth(obj: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, d)
            if d > MAX_DEPTH:
                return d
            stack.extend((v, d + 1) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def parse_json(raw: bytes, field: str = "body") -> Any:
    """Parse a JSON body; every failure is an :class:`InputError` naming ``field``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(field, f"the body is not UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise InputError(field, f"the JSON nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError is a ValueError
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise InputError(field, f"the body is not valid JSON ({why}{where})") from None
    if _depth(data) > MAX_DEPTH:
        raise InputError(field, f"the JSON nests deeper than {MAX_DEPTH} levels")
    return data


def parse_lines(raw: bytes, model: type[M], max_items: int, too_many: str) -> list[M]:
    """Canonical JSON Lines (one user per line) as ``model`` items, at most ``max_items``
    (``too_many`` says what to do beyond); every failure is an :class:`InputError` naming
    the line and the field. Lines split on ``\\n`` only: U+2028 may sit inside a text."""
    from pydantic import TypeAdapter

    from .errors import validation_payload

    adapter = TypeAdapter(model)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("body", f"the body is not UTF-8 (byte {exc.start})") from None
    items = []
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        if len(items) >= max_items:
            raise InputError("body", f"more than {max_items} users; {too_many}")
        data = parse_json(line.encode("utf-8"), field=f"line {lineno}")
        try:
            items.append(adapter.validate_python(data))
        except ValidationError as exc:
            first = validation_payload(list(exc.errors()), prefix=f"line {lineno}: ")["detail"][0]
            raise InputError(first["field"], first["message"]) from None
    if not items:
        raise InputError("body", "no users in the body")
    return items


def validate(model: type[M], data: Any) -> M:
    """``model`` from parsed JSON; errors become FastAPI's (handled into the one shape)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors()]) from None


def json_body(model: type[M]) -> Callable[..., Any]:
    """A FastAPI dependency that reads the body as ``model`` (415, 422 as above). Used
    instead of a body parameter so that it runs after the key check."""

    async def read(request: Request) -> M:
        check_media_type(request, JSON_TYPES)
        return validate(model, parse_json(await read_body(request)))

    read.__name__ = f"read_{model.__name__}"
    return read


def request_body_doc(schema_name: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body of the component ``schema_name``."""
    content: dict[str, Any] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}
    content.update(extra or {})
    return {"requestBody": {"content": content, "required": True}}
