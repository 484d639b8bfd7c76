"""The review page at ``/`` and its static files (no key needed: the page asks for one)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parents[1] / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


def mount_static(app: FastAPI) -> None:
    """Serve ``static/`` (the page's CSS and JavaScript) under ``/static``."""
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
