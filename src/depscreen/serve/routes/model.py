"""``GET /v1/model``: the model card and this server's limits (key needed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from ..auth import require_key
from ..schemas import ModelCard
from ..service import Service, get_service
from .common import ERRORS

router = APIRouter(prefix="/v1", tags=["model"], dependencies=[Depends(require_key)],
                   responses={401: ERRORS[401], 429: ERRORS[429]})

#: the settings the card shows as ``limits``
LIMITS = ("max_body_bytes", "max_batch_body_bytes", "max_users", "max_batch_users", "max_posts_per_user",
          "max_chars_per_post", "max_top_k", "timeout_s", "rate_limit", "burst")


@router.get("/model", response_model=ModelCard)
async def model_info(svc: Service = Depends(get_service)) -> dict[str, Any]:
    """The model card: name, version, paper, training data, metrics stored at
    training time, languages, classes and this server's limits."""
    return {**svc.card, "limits": {k: getattr(svc.settings, k) for k in LIMITS}}
