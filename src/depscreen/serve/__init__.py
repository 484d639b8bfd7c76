"""The screening service: ``depscreen serve`` (FastAPI under uvicorn) and the review page.

* :mod:`.app` -- :func:`create_app`: ``POST /v1/screen``, ``POST /v1/screen/batch``,
  ``GET /v1/model``, ``/healthz``, ``/readyz``, the OpenAPI docs and the review page at ``/``.
* :mod:`.keys` -- API keys stored as salted scrypt hashes (``depscreen serve keys add``).
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
