"""``POST /v1/screen`` and ``POST /v1/screen/batch``: scoring through ``depscreen.score``."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter, ValidationError

from ... import DISCLAIMER
from ..auth import require_key
from ..body import (JSON_TYPES, NDJSON_TYPES, check_media_type, json_body, parse_json, read_body,
                    request_body_doc, validate)
from ..errors import InputError, validation_payload
from ..schemas import BatchRequest, ScreenRequest, ScreenResponse, UserIn
from ..service import Service, check_users, get_service
from ..settings import Settings
from .common import ERRORS

log = logging.getLogger("depscreen.serve")

router = APIRouter(prefix="/v1", tags=["screening"], dependencies=[Depends(require_key)], responses=ERRORS)

#: media types the batch endpoint reads as canonical JSON Lines
BATCH_NDJSON_TYPES = (*NDJSON_TYPES, "text/plain")


@router.post("/screen", response_model=ScreenResponse, openapi_extra=request_body_doc("ScreenRequest"))
async def screen(request: Request, body: ScreenRequest = Depends(json_body(ScreenRequest)),
                 svc: Service = Depends(get_service)) -> dict[str, Any]:
    """Screen users (canonical format) or bare posts; one result per item, with the
    disclaimer and the model's name and version."""
    t0 = time.perf_counter()
    settings = svc.settings
    if (body.users is None) == (body.posts is None):
        raise InputError("users", "send either 'users' or 'posts' (exactly one of them)")
    top_k = svc.top_k(body.top_k)
    key_name = request.state.key_name
    if body.users is not None:
        if svc.level == "post":
            raise InputError("users", f"model '{svc.name}' scores single posts; send 'posts' instead")
        if not body.users:
            raise InputError("users", "at least one user is needed")
        check_users(body.users, settings, settings.max_users)
        out = await svc.run_scoring(svc.score_users, body.users, body.explain, top_k, body.languages)
        results = svc.results(out["preds"], users=True, n_posts=out["n_posts"], langs=out["langs"])
        ids = [r["id"] for r in results]
        request.state.summary = (f"key={key_name} users={len(results)} "
                                 f"posts={sum(out['n_posts'])} ids={','.join(ids[:5])}"
                                 f"{',...' if len(ids) > 5 else ''}")
        level = "user"
    else:
        if svc.level == "user":
            raise InputError("posts", f"model '{svc.name}' scores users; send 'users' with their posts")
        if not body.posts:
            raise InputError("posts", "at least one post is needed")
        if len(body.posts) > settings.max_users:
            raise InputError("posts", f"{len(body.posts)} posts; at most {settings.max_users} per request")
        for j, p in enumerate(body.posts):
            text = p if isinstance(p, str) else p.text
            if len(text) > settings.max_chars_per_post:
                raise InputError(f"posts[{j}]" + ("" if isinstance(p, str) else ".text"),
                                 f"{len(text)} characters; at most {settings.max_chars_per_post} per post")
        out = await svc.run_scoring(svc.score_posts, body.posts, body.explain, top_k, body.languages)
        results = svc.results(out["preds"], langs=out["langs"])
        request.state.summary = f"key={key_name} posts={len(results)}"
        level = "post"
    return {"disclaimer": DISCLAIMER, "model": svc.info, "level": level, "results": results,
            "seconds": round(time.perf_counter() - t0, 4)}


@router.post("/screen/batch",
             responses={200: {"content": {"application/x-ndjson": {}},
                              "description": "JSON Lines: a header line, one line per user, a summary line"}},
             openapi_extra=request_body_doc("BatchRequest", {"application/x-ndjson": {"schema": {
                 "type": "string", "description": "canonical JSON Lines, one user per line"}}}))
async def screen_batch(request: Request, svc: Service = Depends(get_service)) -> StreamingResponse:
    """Screen up to ``max_batch_users`` users; results stream back as JSON Lines (a
    header with the disclaimer and model, one line per user, a summary line). The
    body is JSON (``{"users": [...]}``) or canonical JSON Lines (one user per line,
    ``Content-Type: application/x-ndjson``)."""
    settings = svc.settings
    ctype = check_media_type(request, (*JSON_TYPES, *BATCH_NDJSON_TYPES))
    raw = await read_body(request)
    if svc.level == "post":
        raise InputError("users", f"model '{svc.name}' scores single posts; the batch endpoint takes users")
    if ctype in BATCH_NDJSON_TYPES:
        users, explain, top_k, languages = parse_ndjson(raw, settings), False, 5, False
    else:
        body = validate(BatchRequest, parse_json(raw))
        users, explain, top_k, languages = body.users, body.explain, svc.top_k(body.top_k), body.languages
    check_users(users, settings, settings.max_batch_users)
    key_name = request.state.key_name
    t0 = time.perf_counter()
    chunk = settings.batch_chunk

    async def lines() -> AsyncIterator[bytes]:
        yield _line({"disclaimer": DISCLAIMER, "model": svc.info, "n_users": len(users)})
        done = 0
        for start in range(0, len(users), chunk):
            part = users[start:start + chunk]
            try:
                out = await svc.run_scoring(svc.score_users, part, explain, top_k, languages)
            except InputError as exc:
                log.info("batch stopped key=%s done=%d status=%d", key_name, done, exc.status)
                yield _line({"error": exc.message, "field": exc.field, "done": done})
                return
            for r in svc.results(out["preds"], users=True, n_posts=out["n_posts"], langs=out["langs"]):
                yield _line(r)
            done += len(part)
        seconds = round(time.perf_counter() - t0, 4)
        log.info("batch key=%s users=%d posts=%d ms=%.1f", key_name, done,
                 sum(len(u.posts) for u in users), 1000 * seconds)
        yield _line({"summary": {"n_users": done, "seconds": seconds}})

    request.state.summary = f"key={key_name} users={len(users)} streamed"
    return StreamingResponse(lines(), media_type="application/x-ndjson")


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


def parse_ndjson(raw: bytes, settings: Settings) -> list[UserIn]:
    """Canonical JSON Lines (one user per line) as users; errors name the line and field."""
    adapter = TypeAdapter(UserIn)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("body", f"the body is not UTF-8 (byte {exc.start})") from None
    users = []
    for lineno, line in enumerate(text.split("\n"), 1):  # not splitlines: U+2028 may sit in a text
        if not line.strip():
            continue
        if len(users) >= settings.max_batch_users:
            raise InputError("body", f"more than {settings.max_batch_users} users; split the batch")
        data = parse_json(line.encode("utf-8"), field=f"line {lineno}")
        try:
            users.append(adapter.validate_python(data))
        except ValidationError as exc:
            payload = validation_payload(list(exc.errors()), prefix=f"line {lineno}: ")
            first = payload["detail"][0]
            raise InputError(first["field"], first["message"]) from None
    if not users:
        raise InputError("body", "no users in the body")
    return users
