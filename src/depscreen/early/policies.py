"""Decision policies: turn a user's score stream into at most one alert.

Each policy is a small scikit-learn style object: parameters in ``__init__``, ``fit`` on
the score streams of *training* users (a no-op for fixed rules), and ``decide(scores,
seen)`` -- alert now, given the scores so far? As in eRisk, an alert is final: the first
step at which ``decide`` says yes is the decision (:func:`first_alert`), and nothing
after it matters.

* :class:`FixedThreshold` -- alert once the score reaches ``threshold`` (``"auto"``:
  the threshold that minimises ``objective`` on the training streams).
* :class:`MinPostsThreshold` -- the same, but never before ``min_posts`` posts were read.
* :class:`ConsecutivePositives` -- alert after ``k`` consecutive steps at or above the
  threshold.
* :class:`LearnedStop` -- a logistic regression on features of the score history (the
  score, its running mean and max, its recent slope, the share of steps above 0.5, how
  many posts were read), trained on training streams only, with its probability
  threshold chosen on those streams.
* :class:`NotBefore` -- wraps any policy: no alert before post ``n``.
* :class:`SelectPolicy` -- picks one of several candidate policies by ``objective`` on
  the training streams (the way to choose a policy before a test run).

:func:`make_policy` reads the command-line spelling: ``threshold``,
``threshold:t=0.7``, ``min-posts:t=0.5,n=10``, ``consecutive:t=0.5,k=3``, ``learned``,
``not-before:n=5,t=0.5``, ``ss3``; any spec takes ``not_before=N`` as well.

Example
-------
>>> p = ConsecutivePositives(threshold=0.5, k=2)
>>> first_alert(p, [0.2, 0.6, 0.4, 0.7, 0.8, 0.9], [1, 2, 3, 4, 5, 6])
4
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

from .metrics import decision_metrics, objective_value

#: Candidate thresholds tried by ``threshold="auto"``.
THRESHOLD_GRID = tuple(np.round(np.linspace(0.05, 0.95, 19), 2))


class Policy(BaseEstimator):
    """Base class: ``fit`` (no-op unless the policy learns), ``decide``, ``first_alert``."""

    needs_fit = False

    def fit(self, streams: Sequence[Any], y: Sequence[Any] | None = None) -> "Policy":
        return self

    def decide(self, scores: Sequence[float], seen: Sequence[int] | None = None) -> bool:
        """True when the history ``scores`` (``seen`` posts read after each) calls for an
        alert now."""
        raise NotImplementedError  # pragma: no cover - interface

    def first_alert(self, scores: Sequence[float], seen: Sequence[int] | None = None) -> int | None:
        """Index of the first step that alerts, or None (the decision is final)."""
        scores = np.asarray(scores, dtype=float)
        seen = np.arange(1, len(scores) + 1) if seen is None else np.asarray(seen)
        for t in range(len(scores)):
            if self.decide(scores[: t + 1], seen[: t + 1]):
                return t
        return None

    def label(self) -> str:
        """A short name with the parameters, for tables."""
        return type(self).__name__


def first_alert(policy: Policy, scores: Sequence[float], seen: Sequence[int] | None = None) -> int | None:
    """The writings read when ``policy`` first alerts on ``scores`` (None: never).

    Returns a number of posts (``seen`` at the alerting step), not a step index.
    """
    scores = np.asarray(scores, dtype=float)
    seen = np.arange(1, len(scores) + 1) if seen is None else np.asarray(seen)
    t = policy.first_alert(scores, seen)
    return None if t is None else int(seen[t])


def apply_policy(policy: Policy, streams: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decisions (0/1), delays (posts read at the alert, or all posts read) and the
    alerting step index (-1: none) for every stream."""
    decisions = np.zeros(len(streams), dtype=int)
    delays = np.zeros(len(streams), dtype=int)
    steps = np.full(len(streams), -1, dtype=int)
    for i, s in enumerate(streams):
        t = policy.first_alert(s.scores, s.seen) if len(s.scores) else None
        if t is None:
            delays[i] = int(s.seen[-1]) if len(s.seen) else 0
        else:
            decisions[i], delays[i], steps[i] = 1, int(s.seen[t]), t
    return decisions, delays, steps


def _labels(streams, y) -> np.ndarray:
    return np.asarray([s.label for s in streams] if y is None else y, dtype=int)


def _evaluate(policy: Policy, streams, y: np.ndarray, objective: str) -> float:
    d, k, _ = apply_policy(policy, streams)
    return objective_value(decision_metrics(y, d, np.maximum(k, 1)), objective)


class _Thresholded(Policy):
    """Shared: a threshold that is a number or ``"auto"`` (chosen by ``fit``)."""

    threshold: Any = 0.5
    objective: str = "erde50"

    @property
    def needs_fit(self) -> bool:  # type: ignore[override]
        return self.threshold == "auto"

    def _t(self) -> float:
        if self.threshold == "auto":
            if not hasattr(self, "threshold_"):
                raise NotFittedError(f"{type(self).__name__}(threshold='auto') is not fitted: call fit(streams, y)")
            return self.threshold_
        return float(self.threshold)

    def fit(self, streams, y=None):
        if self.threshold != "auto":
            self.threshold_ = float(self.threshold)
            return self
        y = _labels(streams, y)
        best, best_value = None, math.inf
        for t in THRESHOLD_GRID:
            candidate = clone(self).set_params(threshold=float(t))
            value = _evaluate(candidate, streams, y, self.objective)
            if value < best_value:
                best, best_value = float(t), value
        self.threshold_ = 0.5 if best is None else best
        return self

    def label(self) -> str:
        t = self.threshold if self.threshold != "auto" or not hasattr(self, "threshold_") else f"auto={self.threshold_:g}"
        return f"{self._name}(t={t}{self._extra()})"

    _name = "threshold"

    def _extra(self) -> str:
        return ""


class FixedThreshold(_Thresholded):
    """Alert at the first step whose score is at or above ``threshold``.

    ``strict=True`` alerts only above it (SS3's rule: the positive confidence exceeds the
    negative one, i.e. a normalised score above 0.5).
    """

    _name = "threshold"

    def __init__(self, threshold: Any = 0.5, *, strict: bool = False, objective: str = "erde50"):
        self.threshold = threshold
        self.strict = strict
        self.objective = objective

    def decide(self, scores, seen=None):
        s = float(scores[-1])
        return s > self._t() if self.strict else s >= self._t()

    def first_alert(self, scores, seen=None):
        s = np.asarray(scores, dtype=float)
        hit = s > self._t() if self.strict else s >= self._t()
        return int(np.argmax(hit)) if hit.any() else None

    def _extra(self) -> str:
        return ", strict" if self.strict else ""


class MinPostsThreshold(_Thresholded):
    """Alert at the first step with score >= ``threshold`` once ``min_posts`` posts were read."""

    _name = "min-posts"

    def __init__(self, threshold: Any = 0.5, min_posts: int = 10, *, objective: str = "erde50"):
        self.threshold = threshold
        self.min_posts = min_posts
        self.objective = objective

    def decide(self, scores, seen=None):
        n = len(scores) if seen is None else int(seen[-1])
        return n >= self.min_posts and float(scores[-1]) >= self._t()

    def first_alert(self, scores, seen=None):
        s = np.asarray(scores, dtype=float)
        n = np.arange(1, len(s) + 1) if seen is None else np.asarray(seen)
        hit = (s >= self._t()) & (n >= self.min_posts)
        return int(np.argmax(hit)) if hit.any() else None

    def _extra(self) -> str:
        return f", n={self.min_posts}"


class ConsecutivePositives(_Thresholded):
    """Alert once ``k`` consecutive steps scored at or above ``threshold``."""

    _name = "consecutive"

    def __init__(self, threshold: Any = 0.5, k: int = 3, *, objective: str = "erde50"):
        self.threshold = threshold
        self.k = k
        self.objective = objective

    def decide(self, scores, seen=None):
        k = int(self.k)
        if len(scores) < k:
            return False
        return bool(np.all(np.asarray(scores[-k:], dtype=float) >= self._t()))

    def first_alert(self, scores, seen=None):
        k = int(self.k)
        hit = (np.asarray(scores, dtype=float) >= self._t()).astype(int)
        if len(hit) < k:
            return None
        run = np.convolve(hit, np.ones(k, dtype=int), mode="valid")  # run[i]: steps i..i+k-1
        idx = np.flatnonzero(run == k)
        return int(idx[0] + k - 1) if len(idx) else None

    def _extra(self) -> str:
        return f", k={self.k}"


class NotBefore(Policy):
    """``policy``, but no alert before ``n`` posts were read."""

    def __init__(self, policy: Policy | None = None, n: int = 10):
        self.policy = policy
        self.n = n

    @property
    def needs_fit(self) -> bool:  # type: ignore[override]
        return bool(getattr(self._base(), "needs_fit", False))

    def _base(self) -> Policy:
        return self.policy if self.policy is not None else FixedThreshold()

    def fit(self, streams, y=None):
        base = clone(self._base())
        if isinstance(base, _Thresholded) and base.threshold == "auto":
            y = _labels(streams, y)
            best, best_value = 0.5, math.inf
            for t in THRESHOLD_GRID:
                candidate = NotBefore(clone(base).set_params(threshold=float(t)), self.n)
                value = _evaluate(candidate, streams, y, base.objective)
                if value < best_value:
                    best, best_value = float(t), value
            base.threshold_ = best
        else:
            base.fit(streams, y)
        self.policy_ = base
        return self

    def _fitted(self) -> Policy:
        return getattr(self, "policy_", None) or self._base()

    def decide(self, scores, seen=None):
        n = len(scores) if seen is None else int(seen[-1])
        return n >= self.n and self._fitted().decide(scores, seen)

    def first_alert(self, scores, seen=None):
        s = np.asarray(scores, dtype=float)
        n = np.arange(1, len(s) + 1) if seen is None else np.asarray(seen)
        base = self._fitted()
        if isinstance(base, FixedThreshold):
            t = base._t()
            hit = ((s > t) if base.strict else (s >= t)) & (n >= self.n)
            return int(np.argmax(hit)) if hit.any() else None
        for t in range(len(s)):
            if n[t] >= self.n and base.decide(s[: t + 1], n[: t + 1]):
                return t
        return None

    def label(self) -> str:
        return f"not-before(n={self.n}, {self._fitted().label()})"


class LearnedStop(Policy):
    """A stop rule learned from score histories of training users.

    At each step the history gives six features (score, running mean, running max, change
    over the last ``window`` steps, share of steps at or above 0.5, log posts read); a
    balanced logistic regression learns P(user at risk | history) from every step of the
    training streams (at most ``max_steps_per_user`` per user, evenly spaced), and the
    probability threshold is chosen on the same training streams to minimise
    ``objective``. Alert when P reaches it.
    """

    needs_fit = True

    def __init__(self, *, window: int = 5, objective: str = "erde50", max_steps_per_user: int = 200,
                 C: float = 1.0, random_state: int = 13):
        self.window = window
        self.objective = objective
        self.max_steps_per_user = max_steps_per_user
        self.C = C
        self.random_state = random_state

    def _features(self, scores: np.ndarray, seen: np.ndarray) -> np.ndarray:
        s = np.asarray(scores, dtype=float)
        t = np.arange(1, len(s) + 1)
        mean = np.cumsum(s) / t
        mx = np.maximum.accumulate(s)
        w = int(self.window)
        lag = np.concatenate([np.full(min(w, len(s)), s[0]), s[:-w]]) if len(s) > w else np.full(len(s), s[0])
        slope = s - lag
        share = np.cumsum(s >= 0.5) / t
        return np.column_stack([s, mean, mx, slope, share, np.log1p(np.asarray(seen, dtype=float))])

    def fit(self, streams, y=None):
        from sklearn.linear_model import LogisticRegression

        y = _labels(streams, y)
        rows, targets = [], []
        for s, label in zip(streams, y):
            if not len(s.scores):
                continue
            F = self._features(s.scores, s.seen)
            if len(F) > self.max_steps_per_user:
                F = F[np.linspace(0, len(F) - 1, self.max_steps_per_user).round().astype(int)]
            rows.append(F)
            targets.append(np.full(len(F), label))
        X, t = np.vstack(rows), np.concatenate(targets)
        if len(np.unique(t)) < 2:
            raise ValueError("LearnedStop needs training streams of both classes")
        self.model_ = LogisticRegression(C=self.C, class_weight="balanced", max_iter=1000,
                                         random_state=self.random_state).fit(X, t)
        self.threshold_ = 0.5
        self._probs = {}
        best, best_value = 0.5, math.inf
        probs = [self._proba(s.scores, s.seen) for s in streams]
        for tau in THRESHOLD_GRID:
            d = np.zeros(len(streams), dtype=int)
            k = np.ones(len(streams), dtype=int)
            for i, (s, p) in enumerate(zip(streams, probs)):
                hit = p >= tau
                if hit.any():
                    j = int(np.argmax(hit))
                    d[i], k[i] = 1, int(s.seen[j])
                elif len(s.seen):
                    k[i] = int(s.seen[-1])
            value = objective_value(decision_metrics(y, d, k), self.objective)
            if value < best_value:
                best, best_value = float(tau), value
        self.threshold_ = best
        return self

    def _proba(self, scores, seen) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise NotFittedError("LearnedStop is not fitted: call fit(streams, y) on training streams")
        if not len(scores):
            return np.zeros(0)
        return self.model_.predict_proba(self._features(scores, seen))[:, 1]

    def decide(self, scores, seen=None):
        s = np.asarray(scores, dtype=float)
        n = np.arange(1, len(s) + 1) if seen is None else np.asarray(seen)
        return bool(self._proba(s, n)[-1] >= self.threshold_)

    def first_alert(self, scores, seen=None):
        s = np.asarray(scores, dtype=float)
        n = np.arange(1, len(s) + 1) if seen is None else np.asarray(seen)
        hit = self._proba(s, n) >= self.threshold_
        return int(np.argmax(hit)) if hit.any() else None

    def label(self) -> str:
        t = f"{self.threshold_:g}" if hasattr(self, "threshold_") else "?"
        return f"learned(p>={t})"


class SelectPolicy(Policy):
    """Choose among ``candidates`` (policies or specs) by ``objective`` on the training
    streams; then behave as the chosen one (``chosen_``)."""

    needs_fit = True

    def __init__(self, candidates: Sequence[Any] = ("threshold:t=auto", "min-posts:t=auto,n=10",
                                                    "consecutive:t=auto,k=3", "learned"),
                 objective: str = "erde50"):
        self.candidates = candidates
        self.objective = objective

    def fit(self, streams, y=None):
        y = _labels(streams, y)
        best, best_value = None, math.inf
        self.scores_ = {}
        for c in self.candidates:
            policy = make_policy(c) if isinstance(c, str) else clone(c)
            try:
                policy.fit(streams, y)
            except ValueError:
                continue
            value = _evaluate(policy, streams, y, self.objective)
            self.scores_[policy.label()] = value
            if value < best_value:
                best, best_value = policy, value
        if best is None:
            raise ValueError("no candidate policy could be fitted")
        self.chosen_ = best
        return self

    def _chosen(self) -> Policy:
        if not hasattr(self, "chosen_"):
            raise NotFittedError("SelectPolicy is not fitted: call fit(streams, y) on training streams")
        return self.chosen_

    def decide(self, scores, seen=None):
        return self._chosen().decide(scores, seen)

    def first_alert(self, scores, seen=None):
        return self._chosen().first_alert(scores, seen)

    def label(self) -> str:
        return f"select({self.chosen_.label()})" if hasattr(self, "chosen_") else "select"


# ------------------------------------------------------------------------------ specs
_ALIASES = {"t": "threshold", "n": "min_posts", "k": "k"}


def _parse_value(v: str) -> Any:
    v = v.strip()
    if v == "auto":
        return v
    try:
        return int(v)
    except ValueError:
        try:
            return float(v)
        except ValueError:
            return v


def parse_policy_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``"consecutive:t=0.5,k=3"`` -> ``("consecutive", {"t": 0.5, "k": 3})``."""
    name, _, rest = spec.strip().partition(":")
    params: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        if "=" not in part:
            raise ValueError(f"policy '{spec}': expected KEY=VALUE, got '{part}'")
        k, _, v = part.partition("=")
        params[k.strip()] = _parse_value(v)
    return name.strip(), params


POLICY_NAMES = ("threshold", "min-posts", "consecutive", "learned", "not-before", "select", "ss3")


def make_policy(spec: str | Policy) -> Policy:
    """A policy from its spelling (see the module docstring), or a clone of ``spec``."""
    if isinstance(spec, Policy):
        return clone(spec)
    name, p = parse_policy_spec(spec)
    not_before = p.pop("not_before", None)
    objective = p.pop("objective", "erde50")

    def take(*keys, default=None):
        for key in keys:
            if key in p:
                return p.pop(key)
        return default

    if name == "threshold":
        policy: Policy = FixedThreshold(take("t", "threshold", default=0.5), objective=objective)
    elif name == "ss3":
        policy = FixedThreshold(0.5, strict=True)
    elif name == "min-posts":
        policy = MinPostsThreshold(take("t", "threshold", default=0.5), int(take("n", "min_posts", default=10)),
                                   objective=objective)
    elif name == "consecutive":
        policy = ConsecutivePositives(take("t", "threshold", default=0.5), int(take("k", default=3)),
                                      objective=objective)
    elif name == "learned":
        policy = LearnedStop(window=int(take("window", "w", default=5)), objective=objective)
    elif name == "not-before":
        n = int(take("n", default=10))
        policy = NotBefore(FixedThreshold(take("t", "threshold", default=0.5), objective=objective), n)
    elif name == "select":
        policy = SelectPolicy(objective=objective)
    else:
        from ..wording import unknown_name

        raise ValueError(unknown_name("policy", name, POLICY_NAMES))
    if p:
        raise ValueError(f"policy '{spec}': unknown parameter(s) {', '.join(sorted(p))}")
    if not_before is not None:
        policy = NotBefore(policy, int(not_before))
    return policy
