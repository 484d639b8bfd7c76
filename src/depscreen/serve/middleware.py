"""ASGI middleware of the service: a request id, safety headers, one structured log line
per request, the request metrics, and a last guard that turns any unexpected error into a
JSON 500 without a traceback.

Log lines are JSON objects (:func:`log_event`), so a value can never start a line of its
own: newlines, ANSI escapes and other control characters come out escaped. The request
line names the route's template (``/v1/screen``), never the raw path, and carries the
request id, key name, status, milliseconds and counts; never post text, never raw user
ids (pseudonyms only, with ``--pseudonymise``).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any, Callable

log = logging.getLogger("depscreen.serve")

CSP = (b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       b"frame-ancestors 'none'; base-uri 'none'; form-action 'none'")

#: longest value of a string field in a log line (an error's field name can come from input)
MAX_LOG_VALUE = 120


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_LOG_VALUE:
        return value[:MAX_LOG_VALUE] + "..."
    return value


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """One JSON line: ``{"event": ..., **fields}`` with every string capped and every
    non-ASCII or control character escaped."""
    record = {"event": event, **{k: _short(v) for k, v in fields.items() if v is not None}}
    log.log(level, json.dumps(record, ensure_ascii=True, separators=(",", ":"), default=str))


def route_label(scope: dict[str, Any]) -> str:
    """The matched route's template (``/v1/screen``, ``/static``), else ``unmatched``:
    a bounded set of values, safe for logs and metric labels."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


class RequestLog:
    """ASGI middleware: request id and safety headers on every answer, one log line and
    one metrics observation per request.

    Parameters
    ----------
    observe : called as ``observe(route, method, status, seconds)`` after each request
        (the service's metrics), or None.
    """

    def __init__(self, app, observe: Callable[[str, str, int, float], None] | None = None):
        self.app = app
        self.observe = observe

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid = uuid.uuid4().hex[:12]
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        path = scope.get("path", "")
        t0 = time.perf_counter()
        status = 0

        async def send_with_headers(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers += [(b"x-request-id", rid.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer")]
                if path.startswith("/v1/"):
                    headers.append((b"cache-control", b"no-store"))
                if path in ("/", "/index.html"):
                    headers.append((b"content-security-policy", CSP))
                message = {**message, "headers": headers}
            await send(message)

        error = None
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:  # noqa: BLE001 - the last guard: no traceback (it may quote input)
            error = type(exc).__name__
            if status == 0:
                body = json.dumps({"error": "internal error", "field": None,
                                   "detail": [{"field": "server", "message": f"unexpected {error}"}]}).encode()
                await send_with_headers({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
                await send_with_headers({"type": "http.response.body", "body": body})
        finally:
            seconds = time.perf_counter() - t0
            route = route_label(scope)
            method = str(scope.get("method", ""))[:16]
            log_event("request", level=logging.ERROR if error else logging.INFO, request_id=rid, method=method,
                      route=route, status=status, ms=round(1000 * seconds, 1), key=state.get("key_name"),
                      error_field=state.get("error_field"), exception=error, **state.get("log", {}))
            if self.observe is not None:
                self.observe(route, method, status, seconds)
