"""Cross-validation of any depscreen model (or scikit-learn estimator) on a corpus.

:func:`cross_validate` removes exact-duplicate texts, makes seeded stratified folds at the
user level, fits a fresh clone of the model on each training part, and scores the test
part with :mod:`depscreen.evaluate.metrics`. :func:`compare` runs several models on the
*same* folds, so their numbers can be read side by side.

The model receives ``list[User]`` for a :class:`~depscreen.corpus.UserCorpus` and
``list[str]`` for a :class:`~depscreen.corpus.PostCorpus`. A model whose class says
``input_level = "user"`` refuses a post corpus (and ``"post"`` a user corpus) with a clear
error instead of silently scoring something else.

Example
-------
>>> from depscreen.corpus import PostCorpus, PostRecord
>>> texts = [f"sad tired alone {i}" for i in range(20)] + [f"fun game today {i}" for i in range(20)]
>>> corpus = PostCorpus([PostRecord(str(i), t, int(i < 20)) for i, t in enumerate(texts)])
>>> res = cross_validate("tfidf-lr", corpus, cv=4, seed=13, progress=False)
>>> res.mean("f1") > 0.9
True
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
from sklearn.base import clone

from ..corpus.types import Corpus, PostCorpus, UserCorpus
from .metrics import (
    HEADLINE,
    FoldMetrics,
    MetricSummary,
    check_task,
    compute_metrics,
    confusion_counts,
    positive_label,
    screening_rates,
    screening_values,
    sum_confusion,
    summarize,
    _jsonable_labels,
    _sort_key,
)
from .splits import DedupReport, SplitPlan, corpus_groups, deduplicate, make_splits
from ..jsonable import jsonable_params, utc_timestamp
from ..models.base import forward
from ..models.registry import resolve_model
from .explainability import can_explain, fold_explainability

#: The one disclaimer text (:data:`depscreen.DISCLAIMER`), kept here under its old name.
from .. import DISCLAIMER  # noqa: E402

ModelSpec = Any  # a registry name, an unfitted estimator, or a (label, name-or-estimator) pair


def _write_json(path: str | Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as indented JSON to ``path`` (folders made as needed): the
    ``to_json`` of :class:`CVResult` and :class:`Comparison`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return path


@dataclass
class FoldResult:
    """One fold of one model: sizes, label counts, metrics and timings."""

    repeat: int
    fold: int
    n_train: int
    n_test: int
    train_counts: dict[str, int]
    test_counts: dict[str, int]
    metrics: FoldMetrics
    fit_seconds: float
    predict_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "repeat": self.repeat,
            "fold": self.fold,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "train_label_counts": self.train_counts,
            "test_label_counts": self.test_counts,
            "fit_seconds": self.fit_seconds,
            "predict_seconds": self.predict_seconds,
            **self.metrics.to_dict(),
        }


@dataclass
class CVResult:
    """Everything one cross-validation run measured, and how (seed, folds, dedup).

    ``summary`` maps each metric to its mean and sample std over folds (NaN folds left
    out, see :mod:`depscreen.evaluate.metrics`); ``to_dict()`` is JSON-able.
    """

    model: str
    model_class: str
    params: dict[str, Any]
    task: str
    classes: list[Any] | None
    pos_label: Any
    split: SplitPlan
    folds: list[FoldResult]
    summary: dict[str, MetricSummary]
    dedup: DedupReport | None
    corpus: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    created: str = ""
    machine: dict[str, Any] = field(default_factory=dict)
    operating_point: str | None = None

    # -- access ---------------------------------------------------------------------
    @property
    def seed(self) -> int:
        return self.split.seed

    @property
    def metric_names(self) -> list[str]:
        return list(self.summary)

    def mean(self, metric: str) -> float:
        return self._summary(metric).mean

    def std(self, metric: str) -> float:
        return self._summary(metric).std

    def _summary(self, metric: str) -> MetricSummary:
        try:
            return self.summary[metric]
        except KeyError:
            raise KeyError(
                f"metric '{metric}' was not measured for task '{self.task}'; "
                f"available: {', '.join(self.summary)}"
            ) from None

    def fold_values(self, metric: str) -> list[float]:
        """The metric on every fold (NaN where undefined)."""
        self._summary(metric)
        return [f.metrics.values.get(metric, math.nan) for f in self.folds]

    @property
    def single_class_folds(self) -> int:
        """Folds on which the model predicted one class for every test sample."""
        return sum(f.metrics.single_class_prediction for f in self.folds)

    @property
    def confusion(self) -> list[list[int]] | None:
        """Confusion matrix summed over all folds (rows truth, columns prediction)."""
        return sum_confusion([f.metrics for f in self.folds])

    @property
    def screening(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Sensitivity, specificity, PPV and NPV per group ("class 1", "level >= 2"),
        on the counts pooled over every test fold, each with its 95 % Wilson interval
        (:func:`~depscreen.evaluate.metrics.screening_rates`)."""
        pooled: dict[str, dict[str, int]] = {}
        for f in self.folds:
            for name, counts in f.metrics.screening.items():
                acc = pooled.setdefault(name, {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
                for k, v in counts.items():
                    acc[k] = acc.get(k, 0) + int(v)
        return {name: screening_rates(c, repeats=self.split.repeats) for name, c in pooled.items()}

    @property
    def timings(self) -> dict[str, float]:
        fit = [f.fit_seconds for f in self.folds]
        pred = [f.predict_seconds for f in self.folds]
        n_test = sum(f.n_test for f in self.folds)
        return {
            "fit_seconds_mean": float(np.mean(fit)),
            "fit_seconds_total": float(np.sum(fit)),
            "predict_seconds_total": float(np.sum(pred)),
            "predict_items_per_second": float(n_test / np.sum(pred)) if np.sum(pred) > 0 else math.nan,
        }

    # -- output ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        timings = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in self.timings.items()}
        return {
            "disclaimer": DISCLAIMER,
            "model": self.model,
            "model_class": self.model_class,
            "params": self.params,
            "task": self.task,
            "classes": _jsonable_labels(self.classes),
            "pos_label": _jsonable_labels([self.pos_label])[0] if self.pos_label is not None else None,
            "seed": self.seed,
            "cv": self.split.n_splits,
            "repeats": self.split.repeats,
            "split": self.split.to_dict(),
            "fold_sizes": self.split.fold_sizes(),
            "dedup": self.dedup.to_dict() if self.dedup else None,
            "corpus": self.corpus,
            "metrics": {k: v.to_dict() for k, v in self.summary.items()},
            "confusion_matrix": self.confusion,
            "single_class_folds": self.single_class_folds,
            "operating_point": self.operating_point or "model",
            "screening": {
                "at": self.operating_point or "the model's own decision rule",
                "interval": "95 % Wilson score interval on the counts pooled over the test folds",
                "groups": self.screening,
            },
            "timings": timings,
            "folds": [f.to_dict() for f in self.folds],
            "notes": list(self.notes),
            "created": self.created,
            "machine": self.machine,
        }

    def to_json(self, path: str | Path) -> Path:
        return _write_json(path, self.to_dict())

    def to_markdown(self, metrics: Sequence[str] | None = None) -> str:
        from .report import markdown_table

        return markdown_table([self], metrics)

    def to_html(self, path: str | Path, title: str | None = None) -> Path:
        from .report import html_report

        return html_report([self], path, title=title)


@dataclass
class Comparison:
    """Several models cross-validated on the same deduplicated corpus and the same folds."""

    results: list[CVResult]

    def __getitem__(self, name: str) -> CVResult:
        for r in self.results:
            if r.model == name:
                return r
        raise KeyError(f"no result for model '{name}'; have {[r.model for r in self.results]}")

    @property
    def models(self) -> list[str]:
        return [r.model for r in self.results]

    def to_dict(self) -> dict[str, Any]:
        first = self.results[0]
        return {
            "disclaimer": DISCLAIMER,
            "task": first.task,
            "seed": first.seed,
            "cv": first.split.n_splits,
            "repeats": first.split.repeats,
            "fold_sizes": first.split.fold_sizes(),
            "dedup": first.dedup.to_dict() if first.dedup else None,
            "corpus": first.corpus,
            "models": self.models,
            "results": {r.model: r.to_dict() for r in self.results},
            "created": first.created,
            "machine": first.machine,
        }

    def to_json(self, path: str | Path) -> Path:
        return _write_json(path, self.to_dict())

    def to_markdown(self, metrics: Sequence[str] | None = None) -> str:
        from .report import markdown_table

        return markdown_table(self.results, metrics)

    def to_rich(self, metrics: Sequence[str] | None = None):
        from .report import rich_table

        return rich_table(self.results, metrics)

    def to_html(self, path: str | Path, title: str | None = None) -> Path:
        from .report import html_report

        return html_report(self.results, path, title=title)


# ---------------------------------------------------------------------------------------
@dataclass
class _Prepared:
    corpus: Corpus
    dedup: DedupReport | None
    plan: SplitPlan
    task: str
    classes: list[Any] | None
    pos_label: Any
    X: list
    y: np.ndarray
    info: dict[str, Any]


def _prepare(corpus, *, cv, repeats, seed, task, dedup, pos_label) -> _Prepared:
    if not isinstance(corpus, (UserCorpus, PostCorpus)):
        raise TypeError(f"expected a UserCorpus or PostCorpus, got {type(corpus).__name__}")
    unlabelled = sum(1 for lab in corpus.labels if lab is None)
    if unlabelled:
        raise ValueError(
            f"corpus '{corpus.name}': {unlabelled} of {len(corpus)} "
            f"{'users' if corpus.level == 'user' else 'records'} have no label; "
            "cross-validation needs every sample labelled"
        )
    report = None
    if dedup:
        corpus, report = deduplicate(corpus)
    else:
        report = DedupReport(level=corpus.level, items_before=len(corpus), items_after=len(corpus), applied=False)
    labels = corpus.labels
    task = check_task(task, labels)
    classes = None if task == "regression" else sorted(set(labels), key=_sort_key)
    if task == "binary":
        pos_label = positive_label(classes) if pos_label is None else pos_label
        if pos_label not in classes:
            raise ValueError(f"positive label {pos_label!r} is not one of the labels {classes}")
    else:
        pos_label = None
    plan = make_splits(
        labels,
        cv=cv,
        repeats=repeats,
        seed=seed,
        stratify=task != "regression",
        groups=corpus_groups(corpus),
    )
    X = list(corpus.users) if isinstance(corpus, UserCorpus) else corpus.texts
    info = {
        "name": corpus.name,
        "level": corpus.level,
        "n_items": len(corpus),
        "label_counts": {str(k): v for k, v in sorted(Counter(labels).items(), key=lambda kv: _sort_key(kv[0]))},
    }
    if isinstance(corpus, UserCorpus):
        info["n_posts"] = sum(len(u.posts) for u in corpus.users)
    return _Prepared(corpus, report, plan, task, classes, pos_label, X, np.asarray(labels), info)


def _check_level(name: str, model: Any, corpus: Corpus) -> None:
    from ..models.base import check_input_level

    check_input_level(model, corpus, name)


def _params_of(model: Any) -> dict[str, Any]:
    return jsonable_params(model.get_params(deep=False))


def _aligned_proba(model: Any, P: np.ndarray | None, classes: list[Any]) -> np.ndarray | None:
    """``P`` (columns in ``model.classes_`` order) with columns in ``classes`` order."""
    if P is None:
        return None
    P = np.asarray(P, dtype=float)
    model_classes = list(getattr(model, "classes_", classes))
    if model_classes == classes:
        return P
    out = np.zeros((P.shape[0], len(classes)))
    for j, c in enumerate(model_classes):
        if c in classes:
            out[:, classes.index(c)] = P[:, j]
    return out


def _counts(y: np.ndarray) -> dict[str, int]:
    return {str(k): int(v) for k, v in sorted(Counter(y.tolist()).items(), key=lambda kv: _sort_key(kv[0]))}


@contextmanager
def _progress(enabled: bool, total: int, description: str) -> Iterator[Any]:
    if not enabled:
        yield lambda *a, **k: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task_id = bar.add_task(description, total=total)

        def advance(desc: str | None = None) -> None:
            bar.update(task_id, advance=1, description=desc or description)

        yield advance


def _machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def _parse_point(operating_point: Any) -> Any:
    """``operating_point`` parsed (:class:`~depscreen.population.operating_point.OperatingPoint`),
    or None for none or the model's own rule (the folds then keep the model's labels)."""
    if operating_point is None:
        return None
    from ..population.operating_point import OperatingPoint

    point = OperatingPoint.parse(operating_point)
    return None if point.is_model_rule else point


def _check_point(operating_point: Any, prep: _Prepared) -> None:
    """Refuse, before any fit, a point the corpus's labels cannot take (a level it does
    not have, no level for several classes, a regression task)."""
    if operating_point is None or operating_point.is_model_rule:
        return
    if prep.task == "regression":
        raise ValueError(f"operating point '{operating_point}' is for classifiers; this corpus is a regression task")
    from ..population.operating_point import cases_for

    cases_for(operating_point, prep.classes)


def _fold_point(name: str, est: Any, operating_point: Any, notes: list[str]) -> Any:
    """The operating point chosen on the fold model's own out-of-fold training scores,
    or None (no point asked, or a model that keeps no such scores: noted once)."""
    if operating_point is None:
        return None
    from ..population.operating_point import OperatingPoint, choose_for_model

    point = OperatingPoint.parse(operating_point)
    if getattr(est, "oof_", None) is None and point.kind != "threshold":
        note = (f"operating point {point} not applied to {name}: the model keeps no out-of-fold scores; "
                "its own decision rule is used")
        if note not in notes:
            notes.append(note)
        return None
    return choose_for_model(point, est)


def _run(name: str, proto: Any, prep: _Prepared, advance, operating_point: Any = None) -> CVResult:
    _check_level(name, proto, prep.corpus)
    folds: list[FoldResult] = []
    point_notes: list[str] = []
    for fold in prep.plan.folds:
        est = clone(proto)
        X_tr = [prep.X[i] for i in fold.train]
        X_te = [prep.X[i] for i in fold.test]
        y_tr, y_te = prep.y[fold.train], prep.y[fold.test]
        t0 = time.perf_counter()
        est.fit(X_tr, y_tr)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        wants_posts = can_explain(est, X_te)  # attention models: entropy, Recall@k
        out = forward(est, X_te, explain=wants_posts)  # one pass: labels, proba, explanations
        y_pred = list(out.predictions)
        point = _fold_point(name, est, operating_point, point_notes) if prep.task != "regression" else None
        if point is not None:  # chosen on this fold's training part only
            model_classes = [c.item() if isinstance(c, np.generic) else c for c in est.classes_]
            flagged = point.flag(out.proba, model_classes)
            y_pred = list(point.decide(out.proba, out.predictions, model_classes))
        proba = _aligned_proba(est, out.proba, prep.classes) if prep.task != "regression" else None
        pred_s = time.perf_counter() - t0
        fm = compute_metrics(
            y_te.tolist(), y_pred, proba=proba, classes=prep.classes, task=prep.task, pos_label=prep.pos_label
        )
        if point is not None:
            counts = confusion_counts(np.isin(y_te, point.cases), flagged)
            fm.screening = {point.cases_text: counts}
            fm.values.update(screening_values(counts))
            fm.values["point_threshold"] = point.threshold
        if wants_posts:
            fm.values.update(fold_explainability(est, X_te, out.explanations))
        folds.append(
            FoldResult(fold.repeat, fold.fold, fold.n_train, fold.n_test, _counts(y_tr), _counts(y_te), fm, fit_s, pred_s)
        )
        advance(f"{name}: repeat {fold.repeat + 1} fold {fold.fold + 1}")
    summary, notes = summarize([f.metrics for f in folds])
    single = sum(f.metrics.single_class_prediction for f in folds)
    if single:
        what = "(nearly) one value for every item" if prep.task == "regression" else "a single class"
        notes.append(f"the model predicted {what} on {single} of {len(folds)} folds")
    return CVResult(
        model=name,
        model_class=f"{type(proto).__module__}:{type(proto).__name__}",
        params=_params_of(proto),
        task=prep.task,
        classes=prep.classes,
        pos_label=prep.pos_label,
        split=prep.plan,
        folds=folds,
        summary=summary,
        dedup=prep.dedup,
        corpus=prep.info,
        notes=list(prep.plan.notes) + notes + point_notes,
        created=utc_timestamp(),
        machine=_machine(),
        operating_point=None if operating_point is None or point_notes else str(operating_point),
    )


def cross_validate(
    model: ModelSpec,
    corpus: Corpus,
    *,
    cv: int = 5,
    repeats: int = 1,
    seed: int = 13,
    task: str | None = None,
    dedup: bool = True,
    progress: bool = True,
    params: Mapping[str, Any] | None = None,
    pos_label: Any = None,
    operating_point: Any = None,
) -> CVResult:
    """Cross-validate ``model`` on ``corpus`` and return every metric as mean ± std.

    Parameters
    ----------
    model : a registry name (``"tfidf-lr"``), an unfitted estimator (cloned per fold), or a
        ``(label, name-or-estimator)`` pair to name it in tables.
    corpus : a :class:`UserCorpus` (the model gets ``list[User]``) or a :class:`PostCorpus`
        (``list[str]``).
    cv, repeats, seed : folds, repetitions of the k-fold with new shuffles, random seed.
    task : ``binary`` / ``multiclass`` / ``ordinal`` / ``regression``; inferred when None.
    dedup : remove exact-duplicate texts first (see :func:`~depscreen.evaluate.splits.deduplicate`).
    progress : show a progress bar over folds (on stderr).
    params : keyword parameters for the model (``set_params`` on an estimator).
    pos_label : positive class of a binary task (default 1 / the last sorted label).
    operating_point : an operating point (``"sensitivity=0.9"``, ``"specificity=0.95@2"``;
        :mod:`depscreen.population.operating_point`) chosen in every fold on that fold's
        model's out-of-fold training scores and applied to its test part; the labels
        and the screening rates (sensitivity, specificity, PPV, NPV, pooled with 95 %
        intervals in :attr:`CVResult.screening`) are those at the point. None: the
        model's own decision rule.
    """
    operating_point = _parse_point(operating_point)
    prep = _prepare(corpus, cv=cv, repeats=repeats, seed=seed, task=task, dedup=dedup, pos_label=pos_label)
    _check_point(operating_point, prep)
    name, proto = resolve_model(model, params)
    _check_level(name, proto, prep.corpus)
    with _progress(progress, len(prep.plan.folds), name) as advance:
        return _run(name, proto, prep, advance, operating_point)


def compare(
    models: Sequence[ModelSpec],
    corpus: Corpus,
    *,
    cv: int = 5,
    repeats: int = 1,
    seed: int = 13,
    task: str | None = None,
    dedup: bool = True,
    progress: bool = True,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    pos_label: Any = None,
    operating_point: Any = None,
) -> Comparison:
    """Cross-validate several models on the same deduplicated corpus and the same folds.

    ``params`` maps a model's label (its registry name unless given as a pair) to its
    keyword parameters. Labels must be unique: pass ``(label, model)`` pairs to tell two
    configurations of one model apart. ``operating_point`` as in :func:`cross_validate`
    (every model at the same point, each chosen on its own out-of-fold scores).

    >>> from depscreen.corpus import PostCorpus, PostRecord
    >>> texts = [f"sad tired alone {i}" for i in range(20)] + [f"fun game today {i}" for i in range(20)]
    >>> corpus = PostCorpus([PostRecord(str(i), t, int(i < 20)) for i, t in enumerate(texts)])
    >>> comp = compare(["majority", "tfidf-lr"], corpus, cv=4, progress=False)
    >>> comp["tfidf-lr"].mean("f1") > comp["majority"].mean("f1")
    True
    """
    if not models:
        raise ValueError("compare needs at least one model")
    operating_point = _parse_point(operating_point)
    params = dict(params or {})
    resolved: list[tuple[str, Any]] = []
    for spec in models:
        key = spec[0] if isinstance(spec, tuple) else (spec if isinstance(spec, str) else None)
        name, proto = resolve_model(spec, params.pop(key, None) if key else None)
        resolved.append((name, proto))
    if params:
        raise ValueError(f"params given for models that are not compared: {sorted(params)}")
    names = [n for n, _ in resolved]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"model labels must be unique, repeated: {dupes}; pass (label, model) pairs")
    prep = _prepare(corpus, cv=cv, repeats=repeats, seed=seed, task=task, dedup=dedup, pos_label=pos_label)
    _check_point(operating_point, prep)
    for name, proto in resolved:
        _check_level(name, proto, prep.corpus)
    results = []
    with _progress(progress, len(prep.plan.folds) * len(resolved), "cross-validating") as advance:
        for name, proto in resolved:
            results.append(_run(name, proto, prep, advance, operating_point))
    return Comparison(results)


def default_metrics(task: str) -> list[str]:
    """The headline metrics of ``task`` (what tables show unless told otherwise)."""
    return list(HEADLINE[task])
