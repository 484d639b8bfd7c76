"""``POST /v1/prevalence``: the estimated share of a population, never per-user rows.

The body is what ``/v1/screen/batch`` takes (canonical JSON Lines, one user per line,
or JSON ``{"users": [...]}``; a post-level model takes ``{"posts": [...]}``), with the
same key check, body-size and per-user limits. The answer holds aggregates only: for the
whole body and, with ``?by=lang|month|meta.FIELD``, per group, each class's estimated
share with its bootstrap interval (:func:`depscreen.prevalence`). A group smaller than
:data:`MIN_GROUP` items is withheld (counted, not named), and a body with fewer than
:data:`MIN_GROUP` items is refused: a "share" of one or two users would be a per-user
answer.

The estimate runs as one job in the service's scorer (worker processes with a timeout),
like screening.
"""

from __future__ import annotations

import time
from typing import Any, Optional, Union

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from ... import DISCLAIMER
from ..auth import require_key
from ..body import JSON_TYPES, NDJSON_TYPES, check_media_type, parse_json, parse_lines, read_body, validate
from ..errors import InputError
from ..schemas import Ident, PostIn, PostItemIn, Text, UserIn
from ..service import Service, check_users, get_service
from .common import ERRORS

router = APIRouter(prefix="/v1", tags=["population"], dependencies=[Depends(require_key)], responses=ERRORS)

#: The fewest items a body, and a group in the answer, may hold.
MIN_GROUP = 10
MAX_BOOT = 2000
PATH = "/v1/prevalence"


MetaValue = Any  # any JSON value (depth bounded by the body reader); scalars are what groups use
MAX_META = 20


class PopulationPostIn(PostIn):
    """A post, with the ``meta`` fields ``?by=meta.FIELD`` can group by."""

    meta: dict[Ident, MetaValue] = Field(default_factory=dict, max_length=MAX_META,
                                         description="Fields to group by (region, source, ...).")


class PopulationUserIn(UserIn):
    """A user of the canonical format, with ``meta`` fields to group by."""

    posts: list[PopulationPostIn] = Field(..., min_length=1, description="The user's posts, at least one.")
    meta: dict[Ident, MetaValue] = Field(default_factory=dict, max_length=MAX_META,
                                         description="Fields to group by (region, source, ...).")


class PrevalenceRequest(BaseModel):
    """Users (or, for a post-level model, posts) of the population to estimate on."""

    users: Optional[list[PopulationUserIn]] = Field(None, description="The population's users (canonical format).")
    posts: Optional[list[Union[Text, PostItemIn]]] = Field(None, description="Bare posts, for a post-level model.")


def to_users(users: list[PopulationUserIn]) -> list:
    """Corpus users (with their ``meta``) from the request's users."""
    from ...corpus.types import Post, User

    return [User(str(u.user_id), None, [Post(text=p.text, time=p.time, id=None if p.id is None else str(p.id),
                                              lang=p.lang, meta=dict(p.meta)) for p in u.posts], dict(u.meta))
            for u in users]


def prevalence_job(model: Any, items: list, methods: list[str] | None, by: str | None, n_boot: int,
                   confidence: float, seed: int) -> dict[str, Any]:
    """The job the scorer runs: :func:`depscreen.prevalence` as a JSON-able dict, or
    ``{"error": message}`` for input it refuses (a message names counts and fields, never
    post text)."""
    from ...api import prevalence
    from ...population.prevalence import MissingOutOfFold

    try:
        result = prevalence(model, items, methods=methods, by=by, n_boot=n_boot, confidence=confidence, seed=seed,
                            min_group=MIN_GROUP)
    except MissingOutOfFold as exc:
        return {"error": str(exc), "field": "method"}
    except ValueError as exc:
        return {"error": str(exc), "field": "by" if str(exc).startswith("--by") else "body"}
    return result.to_dict()


def aggregate_only(answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` with every group under :data:`MIN_GROUP` items withheld (counted in
    ``withheld``), and the CLI's option names turned into the query's."""
    groups, withheld = [], {"groups": 0, "items": 0}
    for g in answer["groups"]:
        if g["group"] != "all" and g["n"] < MIN_GROUP:
            withheld["groups"] += 1
            withheld["items"] += g["n"]
            continue
        groups.append({k: v for k, v in g.items() if k != "small"})
    warnings = [w.replace("--by", "by").replace("(flagged 'small')", "(withheld)") for w in answer["warnings"]]
    out = {k: v for k, v in answer.items() if k not in ("groups", "warnings", "min_group")}
    return {**out, "groups": groups, "withheld": withheld, "min_group": MIN_GROUP, "warnings": warnings}


@router.post("/prevalence", openapi_extra={"requestBody": {"content": {
    "application/json": {"schema": PrevalenceRequest.model_json_schema()},
    "application/x-ndjson": {"schema": {"type": "string", "description": "canonical JSON Lines, one user per line"}}},
    "required": True}})
async def estimate_prevalence(
    request: Request, svc: Service = Depends(get_service),
    method: list[str] = Query([], description="cc | pcc | acc | pacc | em (repeatable; default: all the model "
                              "supports)."),
    by: Optional[str] = Query(None, description="Break down by lang | month | meta.FIELD."),
    n_boot: int = Query(500, ge=10, le=MAX_BOOT, description="Bootstrap replicates for the intervals."),
    confidence: float = Query(0.95, gt=0, lt=1, description="Interval coverage."),
    seed: int = Query(0, ge=0, description="Bootstrap seed."),
) -> dict[str, Any]:
    """The estimated share of each class among the users (posts) sent, with a bootstrap
    interval, overall and per group: a share of people whose writing shows the signal,
    not the prevalence of clinical depression. Aggregates only."""
    from ...population.groups import check_by
    from ...population.prevalence import check_method

    t0 = time.perf_counter()
    settings = svc.settings
    ctype = check_media_type(request, (*JSON_TYPES, *NDJSON_TYPES, "text/plain"))
    raw = await read_body(request)
    try:
        methods = [check_method(m) for m in method] or None
        by = check_by(by)
    except ValueError as exc:
        raise InputError("method" if method and "method" in str(exc) else "by", str(exc)) from None
    if ctype in JSON_TYPES:
        body = validate(PrevalenceRequest, parse_json(raw))
        if (body.users is None) == (body.posts is None):
            raise InputError("users", "send either 'users' or 'posts' (exactly one of them)")
    else:
        users = parse_lines(raw, PopulationUserIn, settings.max_batch_users, "split the population into groups")
        body = PrevalenceRequest.model_construct(users=users, posts=None)
    if body.users is not None:
        if svc.level == "post":
            raise InputError("users", f"model '{svc.name}' scores single posts; send 'posts' instead")
        check_users(body.users, settings, settings.max_batch_users)
        items: list[Any] = to_users(body.users)
        field = "users"
    else:
        if svc.level == "user":
            raise InputError("posts", f"model '{svc.name}' scores users; send 'users' with their posts")
        if len(body.posts) > settings.max_batch_users:
            raise InputError("posts", f"{len(body.posts)} posts; at most {settings.max_batch_users} per request")
        from ...corpus.types import PostRecord

        items = []
        for j, p in enumerate(body.posts):
            text = p if isinstance(p, str) else p.text
            if len(text) > settings.max_chars_per_post:
                raise InputError(f"posts[{j}]" + ("" if isinstance(p, str) else ".text"),
                                 f"{len(text)} characters; at most {settings.max_chars_per_post} per post")
            items.append(PostRecord(str(j), text, None))
        field = "posts"
    if len(items) < MIN_GROUP:
        raise InputError(field, f"{len(items)} {field}; a share needs at least {MIN_GROUP} (fewer would describe "
                         "individuals, not a population)")
    request.state.log = {field: len(items), "by": by or "-"}
    out = await svc.run_scoring(lambda *a: (prevalence_job, a), items, methods, by, n_boot, confidence, seed)
    if "error" in out:
        raise InputError(out["field"], out["error"])
    return {"disclaimer": DISCLAIMER, "model": svc.info, **aggregate_only(out),
            "seconds": round(time.perf_counter() - t0, 4)}
