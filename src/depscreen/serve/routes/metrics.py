"""``GET /metrics``: Prometheus text format (counts and timings only; no key needed, like
``/healthz``: the service binds to 127.0.0.1 unless told otherwise)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ..service import Service, get_service

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
async def metrics(svc: Service = Depends(get_service)) -> Response:
    """Request counts by route and status, a latency histogram, items scored, the model's
    name and version."""
    from prometheus_client import CONTENT_TYPE_LATEST

    return Response(svc.metrics.render(), media_type=CONTENT_TYPE_LATEST)
