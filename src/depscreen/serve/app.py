"""The FastAPI application: screening endpoints, the model card, health, the review page.

:func:`create_app` loads the model once (``depscreen.load``) and scores through
``depscreen.score(..., explain=True)``; it never re-implements batching, level checks or
explanations. Security is on by default: every ``/v1`` request needs a key from the key
file (401), each key has a rate limit (429 with ``Retry-After``), bodies have a size
limit (413), posts per user and characters per post have limits (422 naming the
field), scoring has a timeout (504), CORS is off unless origins are given. Log lines
carry counts, ids and timings, never post text; with ``pseudonymise`` user ids are
replaced by a salted hash in responses and logs. Errors are JSON naming the field, never
a traceback.

Example
-------
>>> from fastapi.testclient import TestClient  # doctest: +SKIP
>>> app = create_app("models/x", Settings(keys_file="keys.txt"))  # doctest: +SKIP
>>> TestClient(app).get("/healthz").json()  # doctest: +SKIP
{'status': 'ok', 'model': 'tfidf-lr', 'detail': None}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from pathlib import Path
from typing import Any, AsyncIterator

import anyio
import numpy as np
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.security import APIKeyHeader
from fastapi.staticfiles import StaticFiles
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import DISCLAIMER, __version__
from .card import model_card
from .keys import KeyStore
from .limits import BodyLimit, RateLimiter, retry_after_header
from .schemas import (
    BatchRequest,
    ErrorResponse,
    Health,
    ItemResult,
    ModelCard,
    PostItemIn,
    ScreenRequest,
    ScreenResponse,
    UserIn,
)
from .settings import Settings

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("depscreen.serve")

_ERRORS = {401: {"model": ErrorResponse, "description": "No valid API key"},
           413: {"model": ErrorResponse, "description": "Body too large"},
           422: {"model": ErrorResponse, "description": "Invalid body (the field is named)"},
           429: {"model": ErrorResponse, "description": "Rate limit: see Retry-After"},
           504: {"model": ErrorResponse, "description": "Scoring took longer than the timeout"}}

# Only documents the header in OpenAPI; the check itself is KeyAuth (before the body is read).
_api_key_doc = APIKeyHeader(name="X-API-Key", auto_error=False,
                            description="A key from `depscreen serve keys add NAME --keys KEYFILE` "
                                        "(or 'Authorization: Bearer KEY').")


class InputError(Exception):
    """A request that passed the schema but breaks a limit or the model's input level."""

    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


class Service:
    """What the app holds: the model (loaded once), its card, keys, limits, pseudonyms."""

    def __init__(self, model: Any, settings: Settings, keys: KeyStore | None):
        from ..api import _name, load

        folder = None
        if isinstance(model, (str, Path)):
            folder = Path(model)
            model = load(folder)
        self.model = model
        self.name = _name(model)
        self.settings = settings
        self.keys = keys
        self.card = model_card(model, folder, self.name)
        self.level = self.card["input_level"]
        self.limiter = RateLimiter(settings.rate_limit, settings.burst)
        # wrong keys per client address: each costs a deliberately slow hash, so a client
        # that keeps guessing is refused (429) before any hashing
        self.failures = RateLimiter(settings.failed_keys_per_minute, settings.failed_keys_burst)
        self.capacity = anyio.CapacityLimiter(settings.workers)
        salt = settings.pseudonym_salt or secrets.token_hex(16)
        self._salt = salt.encode()
        self.ready = False
        self.started = time.time()

    @property
    def info(self) -> dict[str, Any]:
        c = self.card
        return {"name": c["name"], "version": c["version"], "depscreen_version": c["depscreen_version"],
                "input_level": c["input_level"], "classes": c["classes"]}

    def pseudonym(self, user_id: str, prefix: str = "u_") -> str:
        """``user_id`` itself, or with ``pseudonymise`` a salted HMAC of it."""
        if not self.settings.pseudonymise:
            return user_id
        return prefix + hmac.new(self._salt, user_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    def warm_up(self) -> None:
        """One tiny forward pass (English, Chinese and Indonesian text, languages detected)
        so that the first request does not pay for lazy loading (tokenisers, encoders)."""
        from ..api import score
        from ..corpus.types import Post, User

        texts = ["warm up the model", "模型预热一下", "pemanasan model dulu"]
        items: list[Any] = texts if self.level == "post" else [User("warm-up", None, [Post(t) for t in texts])]
        try:
            score(self.model, items, explain=True)
            _languages(texts, [None] * len(texts))
        except Exception as exc:  # noqa: BLE001 - reported by /readyz, never with input text
            self.ready = False
            self.warm_error = type(exc).__name__
            log.warning("warm-up failed: %s", type(exc).__name__)
            return
        self.ready = True


# ------------------------------------------------------------------------- middleware
class KeyAuth:
    """ASGI middleware: every ``/v1`` request needs a valid key (401) and a token from
    the key's bucket (429 with Retry-After). Runs before the body is read."""

    def __init__(self, app, service: Service):
        self.app = app
        self.service = service

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith("/v1/") or scope.get("method") == "OPTIONS":
            return await self.app(scope, receive, send)
        svc = self.service
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        key = headers.get("x-api-key")
        auth = headers.get("authorization", "")
        if not key and auth.lower().startswith("bearer "):
            key = auth[7:].strip()
        if svc.keys is None:
            name = "anonymous"
        else:
            client = (scope.get("client") or ("unknown", 0))[0]
            blocked = svc.failures.wait(client)
            if blocked > 0:
                log.info("refused path=%s status=429 reason=too many wrong keys", scope["path"])
                return await _send_json(send, 429, {"error": "too many wrong keys from this address",
                                                    "detail": f"retry in {retry_after_header(blocked)} s"},
                                        [(b"retry-after", retry_after_header(blocked).encode())])
            name = await anyio.to_thread.run_sync(svc.keys.verify, key) if key else None
            if name is None:
                if key:
                    svc.failures.acquire(client)
                log.info("refused path=%s status=401 reason=%s", scope["path"], "bad key" if key else "no key")
                return await _send_json(send, 401, {"error": "a valid API key is needed", "field": "X-API-Key",
                                                    "detail": "send 'X-API-Key: KEY' or 'Authorization: Bearer KEY'"},
                                        [(b"www-authenticate", b"Bearer")])
        wait = svc.limiter.acquire(name)
        if wait > 0:
            log.info("refused path=%s key=%s status=429 retry_after_s=%.1f", scope["path"], name, wait)
            return await _send_json(send, 429, {"error": "rate limit reached for this key",
                                                "detail": f"retry in {retry_after_header(wait)} s"},
                                    [(b"retry-after", retry_after_header(wait).encode())])
        scope.setdefault("state", {})["key_name"] = name
        return await self.app(scope, receive, send)


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
                    headers.append((b"content-security-policy", _CSP))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            summary = state.get("summary", "")
            log.info("request id=%s %s %s status=%d ms=%.1f%s", rid, scope.get("method"), path, status,
                     1000 * (time.perf_counter() - t0), f" {summary}" if summary else "")


_CSP = (b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


async def _send_json(send, status: int, payload: dict[str, Any], headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


# ------------------------------------------------------------------------- helpers
def field_name(loc: tuple | list) -> str:
    """``("body", "users", 0, "posts", 2, "text")`` -> ``users[0].posts[2].text``."""
    parts = [p for p in loc if p not in ("body",)]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif str(p).startswith(("str", "PostItemIn", "function-")):
            continue  # union branch names pydantic adds to the location
        else:
            out += ("." if out else "") + str(p)
    return out or "body"


def _validation_payload(errors: list[dict[str, Any]], prefix: str = "") -> dict[str, Any]:
    detail = []
    for err in errors:
        loc = err.get("loc", ())
        if err.get("type") == "json_invalid":
            detail.append({"field": f"{prefix}body", "message": "the body is not valid JSON"
                           + (f" ({err.get('ctx', {}).get('error')})" if err.get("ctx") else "")})
            continue
        name = field_name(loc)
        detail.append({"field": f"{prefix}{name}" if prefix else name, "message": str(err.get("msg", "invalid"))})
    # never echo the input: pydantic's errors carry it ('input'), which may be post text
    seen, unique = set(), []
    for d in detail:
        if (d["field"], d["message"]) not in seen:
            seen.add((d["field"], d["message"]))
            unique.append(d)
    first = unique[0] if unique else {"field": "body", "message": "invalid body"}
    return {"error": f"invalid request: {first['field']}: {first['message']}", "field": first["field"],
            "detail": unique}


def _check_users(users: list[UserIn], settings: Settings, max_users: int, prefix: str = "users") -> None:
    if len(users) > max_users:
        raise InputError(prefix, f"{len(users)} users; at most {max_users} per request")
    for i, u in enumerate(users):
        if len(u.posts) > settings.max_posts_per_user:
            raise InputError(f"{prefix}[{i}].posts",
                             f"{len(u.posts)} posts; at most {settings.max_posts_per_user} per user")
        for j, p in enumerate(u.posts):
            if len(p.text) > settings.max_chars_per_post:
                raise InputError(f"{prefix}[{i}].posts[{j}].text",
                                 f"{len(p.text)} characters; at most {settings.max_chars_per_post} per post")


def _to_users(users: list[UserIn]):
    from ..corpus.types import Post, User

    return [User(str(u.user_id), None, [Post(text=p.text, time=p.time, id=None if p.id is None else str(p.id),
                                              lang=p.lang) for p in u.posts]) for u in users]


def _languages(texts: list[str], given: list[str | None]) -> list[str]:
    from ..text.langdetect import detect_language

    return [g or detect_language(t) for t, g in zip(texts, given)]


def _results(svc: Service, preds, *, users=None, n_posts=None, langs=None) -> list[dict[str, Any]]:
    out = []
    classes = [str(c) for c in preds.classes]
    for i, item_id in enumerate(preds.ids):
        exp = preds.explanations[i] if preds.explanations is not None else None
        if exp is not None:
            exp = {k: v for k, v in exp.items() if k not in ("user_id", "text")}
            if svc.settings.pseudonymise and exp.get("posts"):
                # post ids often embed the user id: hash them too
                exp["posts"] = [{**p, "id": None if p.get("id") is None else svc.pseudonym(str(p["id"]), "p_")}
                                for p in exp["posts"]]
        out.append(ItemResult(
            id=svc.pseudonym(str(item_id)) if users is not None else str(item_id),
            score=None if preds.scores is None or not np.isfinite(preds.scores[i]) else float(preds.scores[i]),
            prediction=_plain(preds.labels[i]),
            probabilities=None if preds.proba is None else {c: float(p) for c, p in zip(classes, preds.proba[i])},
            n_posts=None if n_posts is None else n_posts[i],
            languages=None if langs is None else langs[i],
            explanation=_jsonable(exp),
        ).model_dump())
    return out


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _jsonable(obj: Any) -> Any:
    if obj is None:
        return None
    return json.loads(json.dumps(obj, default=lambda o: o.item() if isinstance(o, np.generic)
                                 else o.tolist() if isinstance(o, np.ndarray) else str(o)))


# ------------------------------------------------------------------------- the app
def create_app(model: Any, settings: Settings | None = None, *, keys: KeyStore | None = None,
               warm_up: bool = True) -> FastAPI:
    """The service for one model.

    Parameters
    ----------
    model : a model folder (loaded once with ``depscreen.load``) or a fitted model.
    settings : :class:`Settings` (limits, keys file, pseudonyms, CORS).
    keys : a :class:`KeyStore` to use instead of ``settings.keys_file``.
    warm_up : run one tiny forward pass before serving (``/readyz`` says when done).
    """
    settings = settings or Settings()
    settings.check(has_keys=keys is not None)
    if keys is None and settings.keys_file is not None:
        keys = KeyStore.from_file(settings.keys_file)
    svc = Service(model, settings, keys)

    app = FastAPI(
        title="depscreen screening service",
        version=__version__,
        description=(f"{DISCLAIMER}\n\nScreen users' timelines with the `{svc.name}` model. Every `/v1` request "
                     "needs an API key (`X-API-Key` or `Authorization: Bearer`). Post text is never logged."),
    )
    app.state.service = svc

    def limit_for(path: str) -> int | None:
        if path == "/v1/screen/batch":
            return settings.max_batch_body_bytes
        return settings.max_body_bytes

    app.add_middleware(BodyLimit, limit_for=limit_for)
    app.add_middleware(KeyAuth, service=svc)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["X-API-Key", "Authorization", "Content-Type"], max_age=600)

    app.add_middleware(RequestLog)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError):
        payload = _validation_payload(list(exc.errors()))
        request.state.summary = f"invalid_field={payload['field']}"
        return JSONResponse(payload, status_code=422)

    @app.exception_handler(InputError)
    async def on_input(request: Request, exc: InputError):
        request.state.summary = f"invalid_field={exc.field}"
        return JSONResponse({"error": f"invalid request: {exc.field}: {exc.message}", "field": exc.field,
                             "detail": [{"field": exc.field, "message": exc.message}]}, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    async def run_scoring(fn, *args):
        try:
            with anyio.fail_after(settings.timeout_s):
                return await anyio.to_thread.run_sync(fn, *args, limiter=svc.capacity, abandon_on_cancel=True)
        except TimeoutError:
            raise InputError("body", f"scoring took longer than {settings.timeout_s:g} s", status=504) from None
        except (InputError, StarletteHTTPException):
            raise
        except Exception as exc:  # noqa: BLE001 - never a traceback (it could quote input) to the client or log
            log.error("scoring failed: %s", type(exc).__name__)
            raise InputError("body", f"the model could not score this input ({type(exc).__name__})",
                             status=500) from None

    def score_users(users: list[UserIn], explain: bool, top_k: int, languages: bool) -> dict[str, Any]:
        from ..api import score

        corpus_users = _to_users(users)
        preds = score(svc.model, corpus_users, explain=explain, top_k=top_k, batch_size=max(1, len(corpus_users)))
        langs = [_languages(u.texts, [p.lang for p in u.posts]) for u in corpus_users] if languages else None
        return {"preds": preds, "n_posts": [len(u.posts) for u in corpus_users], "langs": langs}

    def score_posts(posts: list, explain: bool, top_k: int, languages: bool) -> dict[str, Any]:
        from ..api import score
        from ..corpus.types import PostRecord

        records = [PostRecord(str(i), p, None) if isinstance(p, str) else
                   PostRecord(str(p.id) if p.id is not None else str(i), p.text, None) for i, p in enumerate(posts)]
        preds = score(svc.model, records, explain=explain, top_k=top_k, batch_size=max(1, len(records)))
        langs = [[lang] for lang in _languages([r.text for r in records], [None] * len(records))] if languages else None
        return {"preds": preds, "langs": langs}

    def top_k_of(requested: int) -> int:
        return min(int(requested), settings.max_top_k)

    # ---------------------------------------------------------------- routes
    @app.post("/v1/screen", response_model=ScreenResponse, responses=_ERRORS, tags=["screening"],
              dependencies=[Depends(_api_key_doc)])
    async def screen(body: ScreenRequest, request: Request) -> dict[str, Any]:
        """Screen users (canonical format) or bare posts; one result per item, with the
        disclaimer and the model's name and version."""
        t0 = time.perf_counter()
        if (body.users is None) == (body.posts is None):
            raise InputError("users", "send either 'users' or 'posts' (exactly one of them)")
        top_k = top_k_of(body.top_k)
        if body.users is not None:
            if svc.level == "post":
                raise InputError("users", f"model '{svc.name}' scores single posts; send 'posts' instead")
            if not body.users:
                raise InputError("users", "at least one user is needed")
            _check_users(body.users, settings, settings.max_users)
            out = await run_scoring(score_users, body.users, body.explain, top_k, body.languages)
            results = _results(svc, out["preds"], users=True, n_posts=out["n_posts"], langs=out["langs"])
            ids = [r["id"] for r in results]
            request.state.summary = (f"key={request.scope['state'].get('key_name')} users={len(results)} "
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
            out = await run_scoring(score_posts, body.posts, body.explain, top_k, body.languages)
            results = _results(svc, out["preds"], langs=out["langs"])
            request.state.summary = f"key={request.scope['state'].get('key_name')} posts={len(results)}"
            level = "post"
        return {"disclaimer": DISCLAIMER, "model": svc.info, "level": level, "results": results,
                "seconds": round(time.perf_counter() - t0, 4)}

    @app.post("/v1/screen/batch", responses={**_ERRORS, 200: {"content": {"application/x-ndjson": {}},
                                                              "description": "JSON Lines: a header line, one "
                                                              "line per user, a summary line"}},
              tags=["screening"], dependencies=[Depends(_api_key_doc)],
              openapi_extra={"requestBody": {"content": {
                  "application/json": {"schema": BatchRequest.model_json_schema()},
                  "application/x-ndjson": {"schema": {"type": "string",
                                                      "description": "canonical JSON Lines, one user per line"}}},
                  "required": True}})
    async def screen_batch(request: Request) -> StreamingResponse:
        """Screen up to ``max_batch_users`` users; results stream back as JSON Lines (a
        header with the disclaimer and model, one line per user, a summary line). The
        body is JSON (``{"users": [...]}``) or canonical JSON Lines (one user per line,
        ``Content-Type: application/x-ndjson``)."""
        raw = await request.body()
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if svc.level == "post":
            raise InputError("users", f"model '{svc.name}' scores single posts; the batch endpoint takes users")
        if ctype in ("application/x-ndjson", "application/jsonl", "application/json-lines", "text/plain"):
            users, explain, top_k, languages = _parse_ndjson(raw, settings), False, 5, False
        else:
            try:
                body = BatchRequest.model_validate_json(raw)
            except ValidationError as exc:
                raise RequestValidationError([{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors()])
            users, explain, top_k, languages = body.users, body.explain, top_k_of(body.top_k), body.languages
        _check_users(users, settings, settings.max_batch_users)
        key_name = request.scope["state"].get("key_name")
        t0 = time.perf_counter()
        chunk = settings.batch_chunk

        async def lines() -> AsyncIterator[bytes]:
            yield _line({"disclaimer": DISCLAIMER, "model": svc.info, "n_users": len(users)})
            done = 0
            for start in range(0, len(users), chunk):
                part = users[start:start + chunk]
                try:
                    out = await run_scoring(score_users, part, explain, top_k, languages)
                except InputError as exc:
                    log.info("batch stopped key=%s done=%d status=%d", key_name, done, exc.status)
                    yield _line({"error": exc.message, "field": exc.field, "done": done})
                    return
                for r in _results(svc, out["preds"], users=True, n_posts=out["n_posts"], langs=out["langs"]):
                    yield _line(r)
                done += len(part)
            seconds = round(time.perf_counter() - t0, 4)
            log.info("batch key=%s users=%d posts=%d ms=%.1f", key_name, done,
                     sum(len(u.posts) for u in users), 1000 * seconds)
            yield _line({"summary": {"n_users": done, "seconds": seconds}})

        request.state.summary = f"key={key_name} users={len(users)} streamed"
        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.get("/v1/model", response_model=ModelCard, responses={401: _ERRORS[401], 429: _ERRORS[429]},
             tags=["model"], dependencies=[Depends(_api_key_doc)])
    async def model_info() -> dict[str, Any]:
        """The model card: name, version, paper, training data, metrics stored at
        training time, languages, classes and this server's limits."""
        limits = {k: getattr(settings, k) for k in ("max_body_bytes", "max_batch_body_bytes", "max_users",
                                                    "max_batch_users", "max_posts_per_user", "max_chars_per_post",
                                                    "max_top_k", "timeout_s", "rate_limit", "burst")}
        return {**svc.card, "limits": limits}

    @app.get("/healthz", response_model=Health, tags=["health"])
    async def healthz() -> dict[str, Any]:
        """The process is up."""
        return {"status": "ok", "model": svc.name}

    @app.get("/readyz", response_model=Health, responses={503: {"model": Health}}, tags=["health"])
    async def readyz():
        """The model is loaded and has scored once: ready for requests."""
        if svc.ready:
            return {"status": "ready", "model": svc.name}
        return JSONResponse({"status": "not ready", "model": svc.name,
                             "detail": getattr(svc, "warm_error", None) or "warming up"}, status_code=503)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    if warm_up:
        svc.warm_up()
    else:
        svc.ready = True
    return app


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


def _parse_ndjson(raw: bytes, settings: Settings) -> list[UserIn]:
    adapter = TypeAdapter(UserIn)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("body", f"the body is not UTF-8 (byte {exc.start})") from None
    users = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(users) >= settings.max_batch_users:
            raise InputError("body", f"more than {settings.max_batch_users} users; split the batch")
        try:
            users.append(adapter.validate_json(line))
        except ValidationError as exc:
            payload = _validation_payload(list(exc.errors()), prefix=f"line {lineno}: ")
            first = payload["detail"][0]
            raise InputError(first["field"], first["message"]) from None
    if not users:
        raise InputError("body", "no users in the body")
    return users
