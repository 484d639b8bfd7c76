"""API-key authentication as a FastAPI dependency (:func:`require_key`).

Routers that need a key declare ``dependencies=[Depends(require_key)]``; the check runs
before the body is read. A key comes in ``X-API-Key`` or ``Authorization: Bearer``; no key
or a wrong one is 401, a key past its rate limit is 429 with ``Retry-After``.

Wrong keys are counted per client address *and* key id (the public ``dsk_<id>_`` part):
a client that keeps guessing one key's secret is refused (429) before any slow hash is
spent on it, while other keys from the same address keep working, and so does the
guessed key itself once it has verified in this process (a remembered key costs no hash).
The address is the connection's peer; ``X-Forwarded-For`` counts only from proxies named
in ``forwarded_allow_ips``.
"""

from __future__ import annotations

import anyio
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from .errors import InputError
from .keys import key_id
from .limits import retry_after_header
from .service import Service, get_service

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="A key from `depscreen serve keys add NAME --keys KEYFILE` "
                                          "(or 'Authorization: Bearer KEY').")


def presented_key(request: Request, header_value: str | None) -> str | None:
    """The key from ``X-API-Key``, else from ``Authorization: Bearer``."""
    if header_value:
        return header_value
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() or None if auth.lower().startswith("bearer ") else None


async def require_key(request: Request, header_value: str | None = Security(api_key_header),
                      svc: Service = Depends(get_service)) -> str:
    """The name of the request's valid key (also in ``request.state.key_name``)."""
    key = presented_key(request, header_value)
    if svc.keys is None:
        name = "anonymous"
    else:
        client = request.client.host if request.client else "unknown"
        # ids in no key file share one bucket per address: rotating made-up ids gains nothing
        # and cannot grow the limiter's table
        kid = key_id(key)
        bucket = f"{client} {kid if svc.keys.knows(kid) else '-'}"
        # a key that verified before is one keyed hash away (no thread); only the slow
        # scrypt check of a key not seen yet goes to a thread, off the event loop
        name = svc.keys.remembered(key) if key else None
        blocked = svc.failures.wait(bucket)
        if blocked > 0 and name is None:
            raise InputError("X-API-Key", f"retry in {retry_after_header(blocked)} s", status=429,
                             error="too many wrong keys for this key id from this address",
                             headers={"Retry-After": retry_after_header(blocked)})
        if name is None and key:
            name = await anyio.to_thread.run_sync(svc.keys.verify, key)
        if name is None:
            if key:
                svc.failures.acquire(bucket)
            request.state.error_field = "X-API-Key"
            raise InputError("X-API-Key", "send 'X-API-Key: KEY' or 'Authorization: Bearer KEY'", status=401,
                             error="a valid API key is needed", headers={"WWW-Authenticate": "Bearer"})
    request.state.key_name = name
    wait = svc.limiter.acquire(name)
    if wait > 0:
        raise InputError("X-API-Key", f"retry in {retry_after_header(wait)} s", status=429,
                         error="rate limit reached for this key", headers={"Retry-After": retry_after_header(wait)})
    return name
