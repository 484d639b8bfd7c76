"""Pydantic models of every request and response body of the service.

The request shapes follow the canonical corpus format: a user is
``{"user_id", "posts": [{"text", "time", "id", "lang"}]}`` (a ``label``, when present,
is ignored), a bare post is ``{"id", "text"}`` or just a string. Unknown fields are
ignored so that canonical corpus lines can be sent as they are.

What a string may hold is checked here, so that a bad one is a 422 naming its field
rather than an error deep inside: no string may hold a lone surrogate (it cannot be
written as UTF-8); ids (``user_id``, a post's ``id``) and ``time`` hold at most
:data:`MAX_ID_CHARS` characters and no control characters (they are echoed back and
would otherwise bloat or forge lines); ``lang`` is a language tag such as ``en`` or
``zh-Hans``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Optional, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, StringConstraints

#: longest ``user_id`` / post ``id`` / ``time`` accepted (422 past it)
MAX_ID_CHARS = 256
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _no_surrogates(value: str) -> str:
    m = _SURROGATE.search(value)
    if m:
        raise ValueError(f"a lone surrogate (U+{ord(m.group()):04X}) at character {m.start()} is not text")
    return value


def _plain_line(value: str) -> str:
    _no_surrogates(value)
    m = _CONTROL.search(value)
    if m:
        raise ValueError(f"a control character (U+{ord(m.group()):04X}) at character {m.start()}; "
                         "ids hold printable text only")
    return value


#: post text: any Unicode text (newlines too), but no lone surrogates
Text = Annotated[StrictStr, AfterValidator(_no_surrogates)]
#: an id or a time: one printable line of at most MAX_ID_CHARS characters
Ident = Annotated[StrictStr, StringConstraints(max_length=MAX_ID_CHARS), AfterValidator(_plain_line)]
#: a language tag (BCP 47 shape)
Lang = Annotated[StrictStr, StringConstraints(max_length=35, pattern=r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}$")]


class PostIn(BaseModel):
    """One post of a timeline."""

    model_config = ConfigDict(extra="ignore")

    text: Text = Field(..., description="The post's text (never logged).")
    time: Optional[Ident] = Field(None, description="ISO 8601 time, where known.")
    id: Optional[Union[Ident, int]] = Field(None, description="The post's id, echoed in explanations.")
    lang: Optional[Lang] = Field(None, description="Language tag (en, zh, id, ...), where known (else detected).")


class UserIn(BaseModel):
    """A user's timeline in the canonical user-level format."""

    model_config = ConfigDict(extra="ignore")

    user_id: Union[Ident, int] = Field(..., description=f"The user's id, at most {MAX_ID_CHARS} characters, no "
                                       "control characters (hashed in responses with --pseudonymise).")
    posts: list[PostIn] = Field(..., min_length=1, description="The user's posts, at least one.")


class PostItemIn(BaseModel):
    """A bare post, for a post-level model."""

    model_config = ConfigDict(extra="ignore")

    id: Optional[Union[Ident, int]] = None
    text: Text


class ScreenRequest(BaseModel):
    """``POST /v1/screen``: users (canonical format) or, for a post-level model, posts."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "users": [{"user_id": "u1", "posts": [{"text": "cannot sleep again", "time": "2024-01-02T03:00:00"},
                                              {"text": "nice walk in the park"}]}],
        "explain": True, "top_k": 5}]})

    users: Optional[list[UserIn]] = Field(None, description="Users to screen (user-level or any-level models).")
    posts: Optional[list[Union[Text, PostItemIn]]] = Field(
        None, description="Bare posts (post-level models, or any-level models).")
    explain: bool = Field(True, description="Return an explanation per item.")
    top_k: int = Field(5, ge=1, description="Top posts / features per explanation (the server caps it).")
    languages: bool = Field(True, description="Report each post's language (detected when not given).")


class BatchRequest(BaseModel):
    """``POST /v1/screen/batch``: like ``/v1/screen`` for users only, answered as JSON Lines."""

    model_config = ConfigDict(extra="forbid")

    users: list[UserIn] = Field(..., min_length=1)
    explain: bool = False
    top_k: int = Field(5, ge=1)
    languages: bool = False


class ModelInfo(BaseModel):
    name: str
    version: str = Field(..., description="Content hash of the model folder's config.json (which weights).")
    depscreen_version: str = Field(..., description="The depscreen version that saved the model.")
    input_level: str
    classes: list[Any]


class ItemResult(BaseModel):
    """One screened user (or post)."""

    id: str = Field(..., description="user_id (pseudonymised when the server is told to) or post id.")
    score: Optional[float] = Field(None, description="One risk number: P(positive) for two classes.")
    prediction: Any
    probabilities: Optional[dict[str, float]] = Field(None, description="Class -> probability.")
    n_posts: Optional[int] = None
    languages: Optional[list[str]] = Field(None, description="Each post's language, in post order.")
    flagged: Optional[bool] = Field(
        None, description="With an operating point stored in the model (`depscreen train --operating-point`): "
                          "whether the item is flagged at it (the prediction follows it); null without one.")
    explanation: Optional[dict[str, Any]] = Field(
        None, description="Shared explanation schema: prediction, score, top_features, top_posts, posts.")


class ScreenResponse(BaseModel):
    disclaimer: str
    model: ModelInfo
    level: str = Field(..., description="'user' or 'post'.")
    results: list[ItemResult]
    seconds: float


class ErrorField(BaseModel):
    field: str
    message: str


class ErrorResponse(BaseModel):
    """Every error: a message, the first offending field, and all of them."""

    error: str
    field: Optional[str] = None
    detail: Optional[Union[str, list[ErrorField]]] = None


class ModelCard(BaseModel):
    disclaimer: str
    name: str
    version: str
    depscreen_version: str
    input_level: str
    classes: list[Any]
    risk_class: Any = Field(
        None, description="The class that means risk (the positive class of a two-class model; else null).")
    paper: Optional[str] = None
    description: Optional[str] = None
    training_data: Optional[dict[str, Any]] = None
    metrics: Optional[dict[str, Any]] = None
    languages: list[str] = []
    params: dict[str, Any] = {}
    operating_point: Optional[dict[str, Any]] = Field(
        None, description="The operating point the service applies (spec, threshold, what it gave on the training "
                          "data's out-of-fold scores); null: the model's own decision rule.")
    limits: dict[str, Any] = {}


class Health(BaseModel):
    status: str
    model: Optional[str] = None
    detail: Optional[str] = None
