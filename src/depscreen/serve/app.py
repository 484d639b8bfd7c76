"""The FastAPI application: :func:`create_app` assembles the service from its parts.

* :mod:`.service` -- the model (loaded once with ``depscreen.load``, scored through
  ``depscreen.score``), its card, keys, limits and pseudonyms;
* :mod:`.auth` -- the key check, a dependency of the routers that need it;
* :mod:`.routes` -- one router per area: screen, model, health, metrics, page;
* :mod:`.errors` -- the one JSON error shape; :mod:`.body` -- safe body reading;
* :mod:`.middleware` and :mod:`.limits` -- request ids, the JSON log line, body size;
* :mod:`.metrics` -- Prometheus counters and the latency histogram.

Security is on by default: every ``/v1`` request needs a key (401), each key has a rate
limit (429 with ``Retry-After``), bodies have a size limit (413), posts per user and
characters per post have limits (422 naming the field), scoring has a timeout (504), CORS
is off unless origins are given. Log lines carry counts and timings, never post text.

Example
-------
>>> from fastapi.testclient import TestClient  # doctest: +SKIP
>>> app = create_app("models/x", Settings(keys_file="keys.txt"))  # doctest: +SKIP
>>> TestClient(app).get("/healthz").json()  # doctest: +SKIP
{'status': 'ok', 'model': 'tfidf-lr', 'detail': None}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from .. import DISCLAIMER, __version__
from .errors import install_error_handlers
from .keys import KeyStore
from .limits import BodyLimit
from .middleware import RequestLog
from .metrics import Metrics
from .routes import health as health_routes
from .routes import metrics as metrics_routes
from .routes import model as model_routes
from .routes import page as page_routes
from .routes import screen as screen_routes
from .routes import prevalence as prevalence_routes
from .schemas import BatchRequest, ScreenRequest
from .service import Service
from .settings import Settings

#: request bodies read by :mod:`.body` (not FastAPI body parameters): documented here
REQUEST_MODELS = (ScreenRequest, BatchRequest)


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
        keys = KeyStore.from_file(settings.keys_file, check_every_s=settings.keys_check_every_s)
    svc = Service(model, settings, keys)
    svc.metrics = Metrics(svc.info)

    app = FastAPI(
        title="depscreen screening service",
        version=__version__,
        description=(f"{DISCLAIMER}\n\nScreen users' timelines with the `{svc.name}` model. Every `/v1` request "
                     "needs an API key (`X-API-Key` or `Authorization: Bearer`). Post text is never logged."),
    )
    app.state.service = svc
    install_error_handlers(app)
    for routes in (screen_routes, model_routes, health_routes, metrics_routes, page_routes):
        app.include_router(routes.router)
    app.include_router(prevalence_routes.router)
    page_routes.mount_static(app)
    app.openapi = lambda: _openapi(app)

    app.add_middleware(BodyLimit, limit_for=lambda path: settings.max_batch_body_bytes
                       if path in ("/v1/screen/batch", prevalence_routes.PATH) else settings.max_body_bytes)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["X-API-Key", "Authorization", "Content-Type"], max_age=600)
    app.add_middleware(RequestLog, observe=svc.metrics.observe)
    if settings.forwarded_allow_ips:
        # outermost: the client address is settled before anything counts by it
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.forwarded_allow_ips))

    if warm_up:
        svc.warm_up()
    else:
        svc.ready = True
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the request bodies that :mod:`.body` reads."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        _, defs = models_json_schema([(m, "validation") for m in REQUEST_MODELS],
                                     ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, body in defs.get("$defs", {}).items():
            components.setdefault(name, body)
        app.openapi_schema = schema
    return app.openapi_schema
