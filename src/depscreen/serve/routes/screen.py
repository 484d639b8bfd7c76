"""``POST /v1/screen`` and ``POST /v1/screen/batch``: scoring through ``depscreen.score``."""

from __future__ import annotations

import json
import time
from typing import Any, AsyncIterator, Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from ... import DISCLAIMER
from ..auth import require_key
from ..body import (JSON_TYPES, NDJSON_TYPES, check_media_type, json_body, parse_json, parse_lines, read_body,
                    request_body_doc, validate)
from ..errors import InputError
from ..middleware import log_event
from ..schemas import BatchRequest, ScreenRequest, ScreenResponse, UserIn
from ..service import Service, check_users, get_service
from ..settings import Settings
from .common import ERRORS

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
    if body.users is not None:
        if svc.level == "post":
            raise InputError("users", f"model '{svc.name}' scores single posts; send 'posts' instead")
        if not body.users:
            raise InputError("users", "at least one user is needed")
        check_users(body.users, settings, settings.max_users)
        out = await svc.run_scoring(svc.score_users, body.users, body.explain, top_k, body.languages)
        results = svc.results(out["preds"], users=True, n_posts=out["n_posts"], langs=out["langs"])
        request.state.log = _log_fields(svc, results, posts=sum(out["n_posts"]))
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
        request.state.log = {"posts": len(results)}
        level = "post"
    svc.metrics.scored(level, len(results))
    return {"disclaimer": DISCLAIMER, "model": svc.info, "level": level, "results": results,
            "seconds": round(time.perf_counter() - t0, 4)}


def _log_fields(svc: Service, results: list[dict[str, Any]], posts: int) -> dict[str, Any]:
    """Counts for the request's log line, and pseudonyms (never raw ids) when ids are hashed."""
    fields: dict[str, Any] = {"users": len(results), "posts": posts}
    if svc.settings.pseudonymise:
        fields["ids"] = ",".join(r["id"] for r in results[:5]) + (",..." if len(results) > 5 else "")
    return fields


@router.post("/screen/batch",
             responses={200: {"content": {"application/x-ndjson": {}},
                              "description": "JSON Lines: a header line, one line per user, a summary line"}},
             openapi_extra=request_body_doc("BatchRequest", {"application/x-ndjson": {"schema": {
                 "type": "string", "description": "canonical JSON Lines, one user per line"}}}))
async def screen_batch(
    request: Request, svc: Service = Depends(get_service),
    explain: Optional[bool] = Query(None, description="Add each user's explanation (default: the JSON body's "
                                    "`explain`, else false)."),
    languages: Optional[bool] = Query(None, description="Add each post's language (default: the JSON body's "
                                      "`languages`, else false)."),
    top_k: Optional[int] = Query(None, ge=1, description="Top posts / features per explanation (capped)."),
) -> StreamingResponse:
    """Screen up to ``max_batch_users`` users; results stream back as JSON Lines (a
    header with the disclaimer and model, one line per user, a summary line). The
    body is JSON (``{"users": [...]}``) or canonical JSON Lines (one user per line,
    ``Content-Type: application/x-ndjson``). Explanations and languages cost time, so
    they are off unless asked for: ``?explain=true&languages=true`` (either body type)
    or ``"explain": true, "languages": true`` in a JSON body."""
    settings = svc.settings
    ctype = check_media_type(request, (*JSON_TYPES, *BATCH_NDJSON_TYPES))
    raw = await read_body(request)
    if svc.level == "post":
        raise InputError("users", f"model '{svc.name}' scores single posts; the batch endpoint takes users")
    if ctype in BATCH_NDJSON_TYPES:
        users, asked = parse_ndjson(raw, settings), BatchRequest.model_construct(explain=False, top_k=5, languages=False)
    else:
        asked = validate(BatchRequest, parse_json(raw))
        users = asked.users
    explain = asked.explain if explain is None else explain
    languages = asked.languages if languages is None else languages
    top_k = svc.top_k(asked.top_k if top_k is None else top_k)
    check_users(users, settings, settings.max_batch_users)
    key_name = request.state.key_name
    request.state.log = {"users": len(users), "posts": sum(len(u.posts) for u in users), "done": 0}
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
                log_event("batch_stopped", request_id=request.state.request_id, key=key_name, done=done,
                          status=exc.status, error_field=exc.field)
                yield _line({"error": exc.message, "field": exc.field, "done": done})
                return
            for r in svc.results(out["preds"], users=True, n_posts=out["n_posts"], langs=out["langs"]):
                yield _line(r)
            done += len(part)
            request.state.log["done"] = done
            svc.metrics.scored("user", len(part))
        yield _line({"summary": {"n_users": done, "seconds": round(time.perf_counter() - t0, 4)}})

    return StreamingResponse(lines(), media_type="application/x-ndjson")


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


def parse_ndjson(raw: bytes, settings: Settings) -> list[UserIn]:
    """Canonical JSON Lines (one user per line) as users; errors name the line and field."""
    return parse_lines(raw, UserIn, settings.max_batch_users, "split the batch")
