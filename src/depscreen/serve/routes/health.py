"""``/healthz`` (the process is up) and ``/readyz`` (the model can score); no key needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from ..schemas import Health
from ..service import Service, get_service

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz(svc: Service = Depends(get_service)) -> dict[str, Any]:
    """The process is up."""
    return {"status": "ok", "model": svc.name}


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(svc: Service = Depends(get_service)):
    """The model is loaded and has scored once: ready for requests."""
    if svc.ready:
        return {"status": "ready", "model": svc.name}
    return JSONResponse({"status": "not ready", "model": svc.name,
                         "detail": getattr(svc, "warm_error", None) or "warming up"}, status_code=503)
