"""The chronological runner: read each user's posts in time order, a step at a time, and
score the user after every step.

A *stepper* (:class:`depscreen.models.stepping.Stepper`) is fed a user's posts step by
step and scores the prefix read so far. The model owns it: :func:`make_stepper` asks the
model's public ``stepper()`` (the TF-IDF models, ``depscreen-default``, LMILAtt and SS3
have one, beside their code: :mod:`depscreen.models.tfidf_stepper`,
:mod:`depscreen.models.default_stepper`, :mod:`depscreen.models.mil.stepper`). This
module only adds what needs no model internals:

* :class:`PostAggregateStepper` (any post-level model): each new post is scored once;
  the user score is the running mean or max of the post scores.
* :class:`RecomputeStepper` (every model whose ``stepper()`` is None or absent, e.g.
  MHIM): the fallback; after each step the model scores the whole timeline so far (one
  batched call per step for all users still reading), so its cost grows with the history.

:func:`run_streams` returns one :class:`ScoreStream` per user (the score after every step
and how many posts had been read) and how fast it went (user-steps per second).

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_corpus
>>> from depscreen.models.baselines import TfidfLogReg
>>> corpus = make_sample_corpus(n_users=24, seed=3)
>>> model = TfidfLogReg().fit(corpus.users, corpus.labels)
>>> run = run_streams(model, corpus.users[:3])
>>> run.mode, len(run.streams[0].scores) == len(corpus.users[0].posts)
('incremental', True)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..corpus.types import User
from ..jsonable import plain_value
from ..models.stepping import Stepper, stepper_of


@dataclass
class ScoreStream:
    """One user's scores over time: ``scores[t]`` after reading ``seen[t]`` posts."""

    user_id: str
    label: Any
    scores: np.ndarray
    seen: np.ndarray

    def __len__(self) -> int:
        return len(self.scores)

    @property
    def n_posts(self) -> int:
        return int(self.seen[-1]) if len(self.seen) else 0

    def to_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "label": plain_value(self.label),
                "scores": [round(float(s), 6) for s in self.scores], "seen": [int(s) for s in self.seen]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ScoreStream":
        return cls(str(data["user_id"]), data.get("label"), np.asarray(data["scores"], dtype=float),
                   np.asarray(data["seen"], dtype=int))


@dataclass
class StreamRun:
    """What :func:`run_streams` returns: the streams and how they were computed."""

    streams: list[ScoreStream]
    mode: str  # "incremental" or "recompute"
    stepper: str
    user_steps: int
    posts_read: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def steps_per_second(self) -> float:
        return self.user_steps / self.seconds if self.seconds > 0 else math.nan

    def timing(self) -> dict[str, Any]:
        return {"mode": self.mode, "stepper": self.stepper, "user_steps": self.user_steps,
                "posts_read": self.posts_read, "seconds": round(self.seconds, 4),
                "steps_per_second": round(self.steps_per_second, 2) if self.seconds > 0 else None}


# ------------------------------------------------------------------------------ steppers
class RecomputeStepper(Stepper):
    """The fallback: score the whole timeline read so far, for every user, every step."""

    name = "recompute"
    incremental = False

    def __init__(self, model: Any):
        self.model = model

    def init(self, user: User) -> dict[str, Any]:
        return {"user": user, "posts": []}

    def advance(self, states, new_posts):
        from ..models.base import forward

        for st, posts in zip(states, new_posts):
            st["posts"].extend(posts)
        users = [User(st["user"].user_id, st["user"].label, list(st["posts"]), {}) for st in states]
        return _scores_of(self.model, forward(self.model, users))


class PostAggregateStepper(Stepper):
    """A post-level model plus an aggregator: each post scored once, then ``mean`` or
    ``max`` of the scores so far."""

    name = "post-aggregate"

    def __init__(self, model: Any, aggregate: str = "mean"):
        if aggregate not in ("mean", "max"):
            raise ValueError(f"aggregate must be 'mean' or 'max', got {aggregate!r}")
        self.model = model
        self.aggregate = aggregate

    def init(self, user: User) -> dict[str, float]:
        return {"sum": 0.0, "n": 0, "max": -math.inf}

    def advance(self, states, new_posts):
        from ..models.base import forward

        texts = [p.text for posts in new_posts for p in posts]
        post_scores = _scores_of(self.model, forward(self.model, texts)) if texts else np.zeros(0)
        out = np.empty(len(states))
        start = 0
        for i, (st, posts) in enumerate(zip(states, new_posts)):
            s = post_scores[start : start + len(posts)]
            start += len(posts)
            st["sum"] += float(s.sum())
            st["n"] += len(s)
            if len(s):
                st["max"] = max(st["max"], float(s.max()))
            out[i] = (st["sum"] / st["n"] if st["n"] else math.nan) if self.aggregate == "mean" else st["max"]
        return out


def _scores_of(model: Any, fwd: Any) -> np.ndarray:
    if fwd.scores is None:
        raise ValueError(
            f"{type(model).__name__} gives no risk score (nominal classes or no probabilities); "
            "early detection needs one number per user that grows with risk"
        )
    return np.asarray(fwd.scores, dtype=float)


def make_stepper(model: Any, mode: str = "auto", *, aggregate: str | None = None) -> Stepper:
    """The stepper for a fitted ``model``.

    ``mode="auto"`` takes the model's own incremental stepper (its ``stepper()``, see
    :func:`depscreen.models.stepping.stepper_of`) where it gives one, a running mean of
    post scores for a post-level model (or ``aggregate``, when asked), and otherwise
    the fallback that re-scores the prefix read so far; ``mode="recompute"`` forces the
    fallback; ``mode="incremental"`` raises when the model has no incremental stepper.
    """
    if mode not in ("auto", "incremental", "recompute"):
        raise ValueError(f"mode must be 'auto', 'incremental' or 'recompute', got {mode!r}")
    if mode == "recompute":
        if getattr(model, "input_level", "any") == "post":
            raise ValueError("a post-level model is stepped with an aggregator, not recomputed")
        return RecomputeStepper(model)
    if aggregate is not None:  # asked for: score posts one by one and aggregate
        return PostAggregateStepper(model, aggregate)
    own = stepper_of(model)
    if own is not None:
        return own
    if getattr(model, "input_level", "any") == "post":
        return PostAggregateStepper(model, "mean")
    if mode == "incremental":
        raise ValueError(f"{type(model).__name__} has no incremental stepper; use mode='recompute'")
    return RecomputeStepper(model)


def run_streams(
    model: Any,
    users: Sequence[User],
    *,
    step: int = 1,
    mode: str = "auto",
    max_posts: int | None = None,
    aggregate: str | None = None,
    stepper: Stepper | None = None,
) -> StreamRun:
    """Feed every user's posts to ``model`` ``step`` posts at a time (in the order given:
    sort by time first) and score the user after every step.

    All users still reading advance together, so a stepper can batch (one model call per
    step for the recompute fallback and for post-level models). ``max_posts`` stops each
    user after that many posts.
    """
    if step < 1:
        raise ValueError(f"step must be at least 1, got {step}")
    stepper = stepper or make_stepper(model, mode, aggregate=aggregate)
    users = list(users)
    limit = [len(u.posts) if max_posts is None else min(len(u.posts), int(max_posts)) for u in users]
    states = [stepper.init(u) for u in users]
    scores: list[list[float]] = [[] for _ in users]
    seen: list[list[int]] = [[] for _ in users]
    t = 0
    user_steps = 0
    start = time.perf_counter()
    while True:
        active = [i for i in range(len(users)) if t < limit[i]]
        if not active:
            break
        ends = [min(t + step, limit[i]) for i in active]
        new = [users[i].posts[t:e] for i, e in zip(active, ends)]
        s = stepper.advance([states[i] for i in active], new)
        for i, e, v in zip(active, ends, s):
            scores[i].append(float(v))
            seen[i].append(e)
        user_steps += len(active)
        t += step
    seconds = time.perf_counter() - start
    streams = [ScoreStream(u.user_id, u.label, np.asarray(sc, dtype=float), np.asarray(se, dtype=int))
               for u, sc, se in zip(users, scores, seen)]
    return StreamRun(streams, "incremental" if stepper.incremental else "recompute", stepper.name,
                     user_steps, int(sum(limit)), seconds)
