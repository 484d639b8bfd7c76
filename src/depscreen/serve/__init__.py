"""The screening service: ``depscreen serve`` (FastAPI under uvicorn) and the review page.

* :mod:`.app` -- :func:`create_app`, a short assembly of the parts below.
* :mod:`.routes` -- one router per area: ``screen`` (``POST /v1/screen``,
  ``/v1/screen/batch``), ``prevalence``, ``model`` (``GET /v1/model``), ``health``
  (``/healthz``, ``/readyz``), ``metrics`` (``/metrics``), ``page`` (the review page at ``/``).
* :mod:`.service` -- what a running service holds (model, card, keys, limits) and how it scores.
* :mod:`.auth` -- the key check, a FastAPI dependency of the ``/v1`` routers.
* :mod:`.body`, :mod:`.schemas`, :mod:`.errors` -- reading bodies safely, what each field
  may hold, the one JSON error shape.
* :mod:`.middleware`, :mod:`.metrics` -- request ids, JSON log lines, Prometheus metrics.
* :mod:`.keys` -- API keys stored as salted scrypt hashes, reloaded when the file changes
  (``depscreen serve keys add / list / revoke``).
* :mod:`.limits` -- per-key rate limit and body-size limit.
* :mod:`.settings` -- every limit in one place, safe by default.
* :mod:`.viewer` -- the review page as a self-contained file (the demo's screening page,
  ``depscreen mil explain``'s timelines): one viewer for all.
* ``static/`` -- the page: plain HTML, CSS and JavaScript, no build step, no CDN.

FastAPI and uvicorn are imported only when the service is used.
"""

from __future__ import annotations

from .settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module 'depscreen.serve' has no attribute '{name}'")
