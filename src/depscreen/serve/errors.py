"""One error shape for every answer that is not a success, and the handlers that make it.

Every error the service sends is JSON::

    {"error": "invalid request: users[0].user_id: ...", "field": "users[0].user_id",
     "detail": [{"field": "users[0].user_id", "message": "..."}]}

:class:`InputError` is raised by routes and dependencies (a limit, a wrong content type,
a missing key); :func:`install_error_handlers` turns it, FastAPI's validation errors and
Starlette's HTTP errors (404, 405) into that shape. pydantic's messages quote the input
(which may be post text): that part is never sent back or logged.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class InputError(Exception):
    """A request the service refuses: the status, the field at fault and why.

    Parameters
    ----------
    field : where the fault is (``users[0].posts``, ``body``, ``Content-Type``, ``X-API-Key``).
    message : one line saying what is wrong and what to do; never the input itself.
    status : the HTTP status (422 unless said otherwise).
    headers : extra response headers (``Retry-After``, ``WWW-Authenticate``).
    error : the headline; default ``invalid request: FIELD: MESSAGE``.
    """

    def __init__(self, field: str, message: str, status: int = 422, *, headers: dict[str, str] | None = None,
                 error: str | None = None):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status
        self.headers = dict(headers or {})
        self.error = error or f"invalid request: {field}: {message}"

    def payload(self) -> dict[str, Any]:
        return error_payload(self.error, self.field, [{"field": self.field, "message": self.message}])


def error_payload(error: str, field: str | None, detail: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The one error shape: ``{"error", "field", "detail": [{"field", "message"}]}``."""
    return {"error": error, "field": field, "detail": detail or ([{"field": field, "message": error}] if field else [])}


#: longest field name in an error (a name taken from an unknown key of the body is cut)
MAX_FIELD_CHARS = 200

# pydantic puts the name of a union branch or a validator into an error's location
_BRANCHES = {"str", "int", "float", "bool", "PostItemIn", "constrained-str", "constrained-int"}


def field_name(loc: tuple | list) -> str:
    """``("body", "users", 0, "posts", 2, "text")`` -> ``users[0].posts[2].text``."""
    out = ""
    for p in loc:
        if p == "body":
            continue
        if isinstance(p, int):
            out += f"[{p}]"
        elif str(p) in _BRANCHES or "[" in str(p) or str(p).startswith("function-"):
            continue  # union branch names pydantic adds to the location
        else:
            out += ("." if out else "") + str(p)
    # a name can come from the input (an unknown key): never a long echo
    return (out[:MAX_FIELD_CHARS] + "...") if len(out) > MAX_FIELD_CHARS else (out or "body")


def validation_payload(errors: list[dict[str, Any]], prefix: str = "") -> dict[str, Any]:
    """pydantic / FastAPI validation errors as the one error shape, without the input."""
    detail = []
    for err in errors:
        if err.get("type") == "json_invalid":
            why = (err.get("ctx") or {}).get("error")
            detail.append({"field": f"{prefix}body", "message": "the body is not valid JSON"
                           + (f" ({why})" if why else "")})
            continue
        name = field_name(err.get("loc", ()))
        detail.append({"field": f"{prefix}{name}", "message": _message(err)})
    seen, unique = set(), []
    for d in detail:
        if (d["field"], d["message"]) not in seen:
            seen.add((d["field"], d["message"]))
            unique.append(d)
    first = unique[0] if unique else {"field": "body", "message": "invalid body"}
    return error_payload(f"invalid request: {first['field']}: {first['message']}", first["field"], unique)


def _message(err: dict[str, Any]) -> str:
    if err.get("type") == "string_unicode":
        return "a lone surrogate (U+D800-U+DFFF) is not text; send text that UTF-8 can hold"
    msg = str(err.get("msg", "invalid"))
    # 'Value error, X' -> 'X' (our own validators' messages)
    return msg[len("Value error, "):] if msg.startswith("Value error, ") else msg


def install_error_handlers(app: FastAPI) -> None:
    """Answer every refusal in the one error shape and note the field for the request log."""

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError):
        payload = validation_payload(list(exc.errors()))
        request.state.error_field = payload["field"]
        return JSONResponse(payload, status_code=422)

    @app.exception_handler(InputError)
    async def on_input(request: Request, exc: InputError):
        request.state.error_field = exc.field
        return JSONResponse(exc.payload(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException):
        field = "path" if exc.status_code == 404 else "method" if exc.status_code == 405 else None
        return JSONResponse(error_payload(str(exc.detail), field), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))
