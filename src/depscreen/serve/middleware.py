"""ASGI middleware of the service: a request id, safety headers, one log line per request."""

from __future__ import annotations

import logging
import time
import uuid

log = logging.getLogger("depscreen.serve")

CSP = (b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       b"frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


class RequestLog:
    """ASGI middleware: a request id, safety headers, and one log line per request
    (method, path, status, milliseconds, and the route's summary: counts and ids only)."""

    def __init__(self, app):
        self.app = app

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

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            summary = state.get("summary", "")
            log.info("request id=%s %s %s status=%d ms=%.1f%s", rid, scope.get("method"), path, status,
                     1000 * (time.perf_counter() - t0), f" {summary}" if summary else "")
