"""Cross-validated early detection: ``depscreen early evaluate`` in Python.

The same honest protocol as :func:`depscreen.evaluate.cross_validate`: exact duplicates
removed first (counted), seeded stratified folds at the user level
(:func:`depscreen.evaluate.splits.make_splits`). In each fold the model is fitted on the
training users; every test user's posts are read in time order by the chronological
runner (:func:`~depscreen.early.runner.run_streams`) and each policy turns the score
stream into one final decision. Policies that learn (``threshold:t=auto``, ``learned``,
``select``) are fitted on *out-of-fold* score streams of the training users (an inner
cross-validation inside the training fold), never on a test user.

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_corpus
>>> corpus = make_sample_corpus(n_users=30, seed=2)
>>> res = early_cross_validate("tfidf-lr", corpus, ["threshold", "consecutive:k=2"], cv=3,
...                            seed=13)
>>> sorted(res.summary)
['consecutive(t=0.5, k=2)', 'threshold(t=0.5)']
"""

from __future__ import annotations

import math
import platform
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..corpus.types import User, UserCorpus
from ..jsonable import utc_timestamp
from .metrics import RANKING_POINTS, decision_metrics, ranking_metrics
from .policies import Policy, apply_policy, make_policy
from .runner import ScoreStream, run_streams

#: The columns an early-detection table shows first.
HEADLINE = ("erde5", "erde50", "f_latency", "precision", "recall", "f1", "tp_delay_median", "p@10_100")


@dataclass
class EarlyFold:
    repeat: int
    fold: int
    n_train: int
    n_test: int
    fit_seconds: float
    run: dict[str, Any]
    metrics: dict[str, dict[str, float]]  # policy label -> metrics
    chosen: dict[str, str]  # policy spec -> fitted label

    def to_dict(self) -> dict[str, Any]:
        return {"repeat": self.repeat, "fold": self.fold, "n_train": self.n_train, "n_test": self.n_test,
                "fit_seconds": round(self.fit_seconds, 3), "run": self.run,
                "metrics": {k: _json(v) for k, v in self.metrics.items()}, "chosen": self.chosen}


@dataclass
class EarlyCVResult:
    """Everything one early-detection cross-validation produced.

    ``summary[policy][metric] = (mean, std)`` over folds; ``pooled[policy]`` computes each
    measure once over every test user of the first repeat; ``streams`` are those users'
    score streams and ``decisions[policy] = (decisions, delays)`` their alerts (for plots).
    """

    model: str
    policies: list[str]
    corpus: dict[str, Any]
    dedup: dict[str, Any] | None
    split: dict[str, Any]
    seed: int
    step: int
    folds: list[EarlyFold]
    streams: list[ScoreStream]
    decisions: dict[str, tuple[np.ndarray, np.ndarray]]
    pooled: dict[str, dict[str, float]]
    summary: dict[str, dict[str, tuple[float, float]]]
    notes: list[str] = field(default_factory=list)
    created: str = field(default_factory=utc_timestamp)

    @property
    def steps_per_second(self) -> float:
        steps = sum(f.run["user_steps"] for f in self.folds)
        secs = sum(f.run["seconds"] for f in self.folds)
        return steps / secs if secs > 0 else math.nan

    @property
    def y(self) -> np.ndarray:
        return np.asarray([s.label for s in self.streams], dtype=int)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "policies": self.policies,
            "corpus": self.corpus,
            "dedup": self.dedup,
            "split": self.split,
            "seed": self.seed,
            "step": self.step,
            "summary": {p: {m: [_f(a), _f(b)] for m, (a, b) in ms.items()} for p, ms in self.summary.items()},
            "pooled": {p: _json(v) for p, v in self.pooled.items()},
            "runner": {"mode": self.folds[0].run["mode"] if self.folds else None,
                       "stepper": self.folds[0].run["stepper"] if self.folds else None,
                       "steps_per_second": _f(self.steps_per_second)},
            "folds": [f.to_dict() for f in self.folds],
            "notes": self.notes,
            "created": self.created,
            "machine": {"platform": platform.platform(), "python": platform.python_version()},
        }

    def table(self, metrics: Sequence[str] = HEADLINE, digits: int = 3) -> list[list[str]]:
        """Rows ``[policy, mean ± std ...]`` for ``metrics``."""
        rows = []
        for p, ms in self.summary.items():
            rows.append([p] + [_fmt(ms.get(m, (math.nan, math.nan)), digits) for m in metrics])
        return rows

    def markdown(self, metrics: Sequence[str] = HEADLINE, digits: int = 3) -> str:
        head = "| policy | " + " | ".join(metrics) + " |"
        sep = "|---" * (len(metrics) + 1) + "|"
        return "\n".join([head, sep] + ["| " + " | ".join(r) + " |" for r in self.table(metrics, digits)])


def _f(v: Any) -> Any:
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else round(v, 6)


def _json(d: Mapping[str, float]) -> dict[str, Any]:
    return {k: _f(v) for k, v in d.items()}


def _fmt(ms: tuple[float, float], digits: int) -> str:
    mean, std = ms
    if math.isnan(mean):
        return "n/a"
    return f"{mean:.{digits}f}" if math.isnan(std) else f"{mean:.{digits}f} ± {std:.{digits}f}"


def time_ordered(corpus: UserCorpus) -> tuple[UserCorpus, int]:
    """A copy of ``corpus`` with each user's posts ordered by time (posts without a time
    keep their order, after the timed ones); also how many users had untimed posts."""
    users, untimed = [], 0
    for u in corpus.users:
        v = User(u.user_id, u.label, list(u.posts), dict(u.meta))
        if any(not p.time for p in v.posts):
            untimed += 1
        v.sort_posts()
        users.append(v)
    return UserCorpus(users, name=corpus.name, report=corpus.report), untimed


def _fit(proto: Any, users: list[User], y: np.ndarray):
    from sklearn.base import clone

    return clone(proto).fit(users, y)


def out_of_fold_streams(proto: Any, users: list[User], y: np.ndarray, *, inner_cv: int, seed: int,
                        step: int, mode: str, max_posts: int | None, aggregate: str | None) -> list[ScoreStream]:
    """Score streams of ``users`` from models that never saw them (inner k-fold)."""
    import warnings

    from ..evaluate.splits import SplitWarning, make_splits

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SplitWarning)
        plan = make_splits(y.tolist(), cv=inner_cv, seed=seed)
    out: list[ScoreStream | None] = [None] * len(users)
    for f in plan.folds:
        model = _fit(proto, [users[i] for i in f.train], y[f.train])
        run = run_streams(model, [users[i] for i in f.test], step=step, mode=mode, max_posts=max_posts,
                          aggregate=aggregate)
        for i, s in zip(f.test, run.streams):
            out[i] = s
    return [s for s in out if s is not None]


def early_cross_validate(
    model: Any,
    corpus: UserCorpus,
    policies: Sequence[str | Policy] = ("threshold",),
    *,
    params: Mapping[str, Any] | None = None,
    cv: int = 5,
    repeats: int = 1,
    seed: int = 13,
    dedup: bool = True,
    step: int = 1,
    mode: str = "auto",
    max_posts: int | None = None,
    inner_cv: int = 3,
    aggregate: str | None = None,
    ranking_points: Sequence[int] = RANKING_POINTS,
    progress: bool = False,
) -> EarlyCVResult:
    """Cross-validate ``model`` with each decision policy on a user corpus (binary labels).

    ``model`` is a registry name, an unfitted estimator, or ``(label, estimator)``;
    ``policies`` are specs (``"threshold"``, ``"consecutive:k=3"``, ...) or policy objects.
    """
    from ..evaluate.metrics import positive_label
    from ..evaluate.splits import DedupReport, deduplicate, make_splits

    if not isinstance(corpus, UserCorpus):
        raise TypeError(
            f"early detection reads user timelines: expected a user-level corpus, got {type(corpus).__name__}"
        )
    unlabelled = sum(1 for lab in corpus.labels if lab is None)
    if unlabelled:
        raise ValueError(f"corpus '{corpus.name}': {unlabelled} of {len(corpus)} users have no label")
    from ..models.registry import resolve_model

    name, proto = resolve_model(model, params)
    notes: list[str] = []
    corpus, untimed = time_ordered(corpus)
    if untimed:
        notes.append(f"{untimed} of {len(corpus)} users have posts without a time: those keep the order given")
    if dedup:
        corpus, report = deduplicate(corpus)
    else:
        report = DedupReport(level="user", items_before=len(corpus), items_after=len(corpus), applied=False)
    classes = sorted(set(corpus.labels), key=str)
    if len(classes) != 2:
        raise ValueError(
            f"early detection needs two labels (at risk / not), corpus '{corpus.name}' has {len(classes)}: "
            f"{classes}; binarise it first (e.g. UserCorpus.binarize)"
        )
    pos = positive_label(classes)
    users = list(corpus.users)
    y = np.asarray([int(u.label == pos) for u in users])
    y_model = np.asarray(corpus.labels)
    plan = make_splits(corpus.labels, cv=cv, repeats=repeats, seed=seed)
    specs = [p if isinstance(p, str) else p.label() for p in policies]
    protos = [make_policy(p) for p in policies]
    needs_fit = any(getattr(p, "needs_fit", False) for p in protos)
    folds: list[EarlyFold] = []
    pooled_streams: dict[int, ScoreStream] = {}
    pooled_dec: dict[str, dict[int, tuple[int, int]]] = {}
    labels_of: dict[str, str] = {}
    iterator = plan.folds
    if progress:
        from rich.progress import track

        iterator = track(plan.folds, description=f"{name}: early folds", console=None)
    for f in iterator:
        train_users = [users[i] for i in f.train]
        t0 = time.perf_counter()
        fitted = _fit(proto, train_users, y_model[f.train])
        fit_seconds = time.perf_counter() - t0
        run = run_streams(fitted, [users[i] for i in f.test], step=step, mode=mode, max_posts=max_posts,
                          aggregate=aggregate)
        streams = run.streams
        oof = None
        if needs_fit:
            oof = out_of_fold_streams(proto, train_users, y_model[f.train], inner_cv=inner_cv,
                                      seed=seed + 1000 * (f.repeat + 1) + f.fold, step=step, mode=mode,
                                      max_posts=max_posts, aggregate=aggregate)
            for s in oof:
                s.label = int(s.label == pos)
        y_test = y[f.test]
        fold_metrics: dict[str, dict[str, float]] = {}
        chosen: dict[str, str] = {}
        rank = ranking_metrics(streams, y_test, ranking_points)
        for spec, p in zip(specs, protos):
            policy = make_policy(p)
            if getattr(policy, "needs_fit", False):
                policy.fit(oof, np.asarray([s.label for s in oof]))
            else:
                policy.fit(streams[:0], y_test[:0])
            d, k, _ = apply_policy(policy, streams)
            m = decision_metrics(y_test, d, np.maximum(k, 1))
            m.update(rank)
            label = labels_of.setdefault(spec, _display(spec, policy))
            fold_metrics[label] = m
            chosen[spec] = policy.label()
            if f.repeat == 0:
                bucket = pooled_dec.setdefault(label, {})
                for i, di, ki in zip(f.test, d, k):
                    bucket[int(i)] = (int(di), int(ki))
        if f.repeat == 0:
            for i, s in zip(f.test, streams):
                pooled_streams[int(i)] = s
        folds.append(EarlyFold(f.repeat, f.fold, f.n_train, f.n_test, fit_seconds, run.timing(), fold_metrics, chosen))
    order = sorted(pooled_streams)
    streams = [pooled_streams[i] for i in order]
    for s, i in zip(streams, order):
        s.label = int(y[i])
    y_pool = y[order]
    decisions, pooled = {}, {}
    for label, bucket in pooled_dec.items():
        d = np.asarray([bucket[i][0] for i in order])
        k = np.asarray([bucket[i][1] for i in order])
        decisions[label] = (d, k)
        pooled[label] = {**decision_metrics(y_pool, d, np.maximum(k, 1)), **ranking_metrics(streams, y_pool, ranking_points)}
    summary = {}
    for label in labels_of.values():
        keys = folds[0].metrics[label].keys()
        summary[label] = {}
        for key in keys:
            vals = np.asarray([fm.metrics[label][key] for fm in folds], dtype=float)
            vals = vals[~np.isnan(vals)]
            mean = float(vals.mean()) if len(vals) else math.nan
            std = float(vals.std(ddof=1)) if len(vals) > 1 else math.nan
            summary[label][key] = (mean, std)
    info = {"name": corpus.name, "n_users": len(users), "n_posts": sum(len(u.posts) for u in users),
            "label_counts": {str(k): v for k, v in sorted(Counter(corpus.labels).items(), key=lambda kv: str(kv[0]))},
            "positive_label": pos if not isinstance(pos, np.generic) else pos.item()}
    return EarlyCVResult(name, specs, info, report.to_dict(), plan.to_dict(), seed, step, folds, streams,
                         decisions, pooled, summary, notes)


def _display(spec: str, policy: Policy) -> str:
    """The name a table shows: the fitted label for fixed rules, the spec for learned ones
    (their fitted values differ per fold)."""
    return spec if getattr(policy, "needs_fit", False) or isinstance(policy, type(None)) else policy.label()
