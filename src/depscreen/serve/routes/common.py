"""What the routers share: the documented error answers."""

from __future__ import annotations

from ..schemas import ErrorResponse

ERRORS = {401: {"model": ErrorResponse, "description": "No valid API key"},
          413: {"model": ErrorResponse, "description": "Body too large"},
          415: {"model": ErrorResponse, "description": "A content type this endpoint does not take"},
          422: {"model": ErrorResponse, "description": "Invalid body (the field is named)"},
          429: {"model": ErrorResponse, "description": "Rate limit: see Retry-After"},
          504: {"model": ErrorResponse, "description": "Scoring took longer than the timeout"}}
