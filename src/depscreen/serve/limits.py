"""Limits the service enforces before any model runs: rate per key, body size.

:class:`RateLimiter` is a token bucket per key (``rate`` per minute, ``burst`` at
once); :class:`BodyLimit` is ASGI middleware that answers 413 as soon as a body is
known to be too large (from ``Content-Length``, or while a chunked body streams in), so
an oversized body is never read whole into memory.
"""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Callable


class RateLimiter:
    """A token bucket per key: ``burst`` tokens, refilled at ``rate`` per minute.

    Example
    -------
    >>> lim = RateLimiter(rate=60, burst=2, clock=lambda: 0.0)
    >>> [lim.acquire("k") for _ in range(3)]
    [0.0, 0.0, 1.0]
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = float(rate)
        self.burst = int(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take one token for ``key``: 0.0 when allowed, else the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens = self._tokens(key, now)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return self._seconds_to_token(tokens)

    def wait(self, key: str) -> float:
        """Seconds until ``key`` has a token, without taking one (0.0: now)."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens = self._tokens(key, now)
        return self._seconds_to_token(tokens)

    def _tokens(self, key: str, now: float) -> float:
        """``key``'s tokens at ``now``: its bucket (full when new) refilled since last
        used, at most ``burst``. Read under the lock; changes nothing."""
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - last) * (self.rate / 60.0))

    def _seconds_to_token(self, tokens: float) -> float:
        """Seconds until a bucket holding ``tokens`` has a whole one (0.0: it has)."""
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / (self.rate / 60.0)


def retry_after_header(wait_s: float) -> str:
    """``Retry-After`` in whole seconds, at least 1."""
    return str(max(1, math.ceil(wait_s)))


class BodyLimit:
    """ASGI middleware: 413 with a JSON error when a request body passes its limit.

    ``limit_for(path)`` gives the limit of a path (None: no body expected / no limit).
    """

    def __init__(self, app, limit_for: Callable[[str], int | None]):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope.get("path", ""))
        if limit is None:
            return await self.app(scope, receive, send)
        length = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = None
        if length is not None and length > limit:
            return await _too_large(send, limit)
        seen = 0
        started = False
        answered = False

        async def limited_receive():
            # past the limit: answer 413 now and tell the app the client left, so it
            # stops reading; whatever it then tries to send is dropped
            nonlocal seen, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if not started:
                        await _too_large(send, limit)
                    answered = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal started
            if answered:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


async def _too_large(send, limit: int) -> None:
    body = json.dumps({"error": "request body too large", "field": "body",
                       "detail": f"the body is larger than the {limit} bytes this endpoint accepts"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
