"""What a running service holds (the model, its card, keys, limits, pseudonyms) and how
it scores: through ``depscreen.score``, in worker processes that a timeout stops
(:mod:`depscreen.serve.scoring`; threads for a fitted model object).

Routes reach the one :class:`Service` of their app with the :func:`get_service`
dependency.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import Request

from .card import model_card
from .errors import InputError
from .keys import KeyStore
from .limits import RateLimiter
from .middleware import log_event
from .schemas import ItemResult, UserIn
from .settings import Settings

class Service:
    """What the app holds: the model (loaded once), its card, keys, limits, pseudonyms."""

    def __init__(self, model: Any, settings: Settings, keys: KeyStore | None):
        from ..api import load
        from ..models.registry import model_label

        folder = None
        if isinstance(model, (str, Path)):
            folder = Path(model)
            model = load(folder)
        self.model = model
        self.name = model_label(model)
        self.settings = settings
        self.keys = keys
        self.card = model_card(model, folder, self.name)
        self.level = self.card["input_level"]
        self.limiter = RateLimiter(settings.rate_limit, settings.burst)
        # wrong keys per client address and key id: each costs a deliberately slow hash,
        # so a client that keeps guessing is refused (429) before any hashing
        self.failures = RateLimiter(settings.failed_keys_per_minute, settings.failed_keys_burst)
        from .scoring import ProcessScorer, ThreadScorer

        if folder is not None and settings.isolation == "process":
            # worker processes, each with the model loaded once, killed and replaced past the
            # timeout; embeddings cached in their memory unless a disk cache was asked for
            self.scorer: Any = ProcessScorer(
                folder, workers=settings.workers, timeout_s=settings.timeout_s,
                cache=":memory:" if settings.embed_cache is None else settings.embed_cache,
                memory_items=settings.memory_cache_items)
        else:  # a fitted object cannot be sent to a worker process: threads (a timeout cannot stop them)
            self.scorer = ThreadScorer(model, workers=settings.workers, timeout_s=settings.timeout_s,
                                       cache=":memory:" if settings.embed_cache is None else settings.embed_cache,
                                       memory_items=settings.memory_cache_items)
        salt = settings.pseudonym_salt or secrets.token_hex(16)
        self._salt = salt.encode()
        self.ready = False
        self.started = time.time()
        self.metrics: Any = None  # set by create_app (serve.metrics.Metrics)

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

    def top_k(self, requested: int) -> int:
        return min(int(requested), self.settings.max_top_k)

    def warm_up(self) -> None:
        """Start the scorer: each worker loads the model and runs one tiny forward pass
        (English, Chinese and Indonesian text, languages detected), so that the first
        request does not pay for lazy loading; /readyz says ready only after that."""
        self.scorer.start(warm=True)
        self.ready = self.scorer.ready
        if not self.ready:
            self.warm_error = self.scorer.warm_error
            log_event("warm_up_failed", level=logging.WARNING, exception=str(self.scorer.warm_error))

    # ---------------------------------------------------------------- scoring
    async def run_scoring(self, fn, *args):
        """Run the job that ``fn(*args)`` prepares (:meth:`score_users`, :meth:`score_posts`)
        in the scorer: at most ``workers`` at once; past the timeout its worker is killed
        (no more CPU) and the answer is 504; a model error is a 500 naming its type only."""
        from .scoring import ScoringFailed, ScoringTimeout

        job, job_args = fn(*args)
        try:
            return await self.scorer.run(job, *job_args)
        except ScoringTimeout:
            raise InputError("body", f"scoring took longer than {self.settings.timeout_s:g} s", status=504) from None
        except ScoringFailed as exc:  # never a traceback (it could quote input) to the client or log
            log_event("scoring_failed", level=logging.ERROR, exception=exc.kind)
            raise InputError("body", f"the model could not score this input ({exc.kind})", status=500) from None

    def score_users(self, users: list[UserIn], explain: bool, top_k: int, langs: bool) -> tuple[Any, tuple]:
        """The job that scores ``users`` (for :meth:`run_scoring`): corpus users, made here."""
        from .scoring import score_users

        return score_users, (to_users(users), explain, top_k, langs)

    def score_posts(self, posts: list, explain: bool, top_k: int, langs: bool) -> tuple[Any, tuple]:
        """The job that scores bare ``posts`` (for :meth:`run_scoring`)."""
        from ..corpus.types import PostRecord
        from .scoring import score_posts

        records = [PostRecord(str(i), p, None) if isinstance(p, str) else
                   PostRecord(str(p.id) if p.id is not None else str(i), p.text, None) for i, p in enumerate(posts)]
        return score_posts, (records, explain, top_k, langs)

    def results(self, preds, *, users=None, n_posts=None, langs=None) -> list[dict[str, Any]]:
        """One :class:`ItemResult` per scored item (ids pseudonymised when asked)."""
        from ..jsonable import plain_value

        out = []
        classes = [str(c) for c in preds.classes]
        for i, item_id in enumerate(preds.ids):
            exp = preds.explanations[i] if preds.explanations is not None else None
            if exp is not None:
                exp = {k: v for k, v in exp.items() if k not in ("user_id", "text")}
                if self.settings.pseudonymise and exp.get("posts"):
                    # post ids often embed the user id: hash them too
                    exp["posts"] = [{**p, "id": None if p.get("id") is None else self.pseudonym(str(p["id"]), "p_")}
                                    for p in exp["posts"]]
            out.append(ItemResult(
                id=self.pseudonym(str(item_id)) if users is not None else str(item_id),
                score=None if preds.scores is None or not np.isfinite(preds.scores[i]) else float(preds.scores[i]),
                prediction=plain_value(preds.labels[i]),
                probabilities=None if preds.proba is None else {c: float(p) for c, p in zip(classes, preds.proba[i])},
                n_posts=None if n_posts is None else n_posts[i],
                languages=None if langs is None else langs[i],
                flagged=None if preds.flagged is None else bool(preds.flagged[i]),
                explanation=_jsonable(exp),
            ).model_dump())
        return out


async def get_service(request: Request) -> Service:
    """FastAPI dependency: the app's :class:`Service` (``async``: FastAPI runs a plain
    ``def`` dependency in its thread pool, one thread hop per request for an attribute read)."""
    return request.app.state.service


def check_users(users: list[UserIn], settings: Settings, max_users: int, prefix: str = "users") -> None:
    """422 naming the field for too many users, posts per user or characters per post."""
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


def to_users(users: list[UserIn]):
    from ..corpus.types import Post, User

    return [User(str(u.user_id), None, [Post(text=p.text, time=p.time, id=None if p.id is None else str(p.id),
                                              lang=p.lang) for p in u.posts]) for u in users]


def languages(texts: list[str], given: list[str | None]) -> list[str]:
    from .scoring import languages as detect

    return detect(texts, given)


def _jsonable(obj: Any) -> Any:
    from ..jsonable import json_default

    def default(o: Any) -> Any:
        try:
            return json_default(o)
        except TypeError:
            return str(o)  # an explanation never fails for want of a JSON type

    if obj is None:
        return None
    return json.loads(json.dumps(obj, default=default))
