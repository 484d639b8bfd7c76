"""The one road from a corpus to a fitted model and from a model to scores.

:func:`train` fits a model on a labelled corpus (exact-duplicate texts removed first)
and returns it with a :class:`TrainingRecord`; :func:`save` writes both to a folder.
:func:`score` runs a fitted model over a corpus in batches, calling the model's single
forward pass once per batch, and returns :class:`Predictions`; :func:`iter_scores`
yields them batch by batch and :func:`score_file` streams a JSON Lines file to a CSV
(or Parquet) file with bounded memory. The command line, the demo, the benchmarks, the
HTTP service and the distributed scorer all go through these functions.

Scores describe text patterns, not a person's health: every output carries
:data:`depscreen.DISCLAIMER`.

Example
-------
>>> from depscreen.corpus import PostCorpus, PostRecord
>>> texts = [f"sad tired alone {i}" for i in range(10)] + [f"fun game today {i}" for i in range(10)]
>>> corpus = PostCorpus([PostRecord(str(i), t, int(i < 10)) for i, t in enumerate(texts)])
>>> model, record = train("tfidf-lr", corpus)
>>> preds = score(model, ["so sad and alone", "fun game"], explain=True)
>>> preds.labels.tolist()
[1, 0]
>>> preds.explanations[0]["prediction"]
1
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from . import DISCLAIMER, __version__
from .corpus.types import Corpus, Post, PostCorpus, PostRecord, User, UserCorpus
from .jsonable import json_default, jsonable_params, plain_value, utc_timestamp
from .models import folder as model_folder
from .models.folder import TRAINING_RECORD_NAME  # noqa: F401  (importable from here, as before)

DEFAULT_BATCH_SIZE = 512

__all__ = [
    "ModelNotReady",
    "Predictions",
    "TrainingRecord",
    "check_ready",
    "iter_scores",
    "load",
    "prevalence",
    "resolve_operating_point",
    "save",
    "score",
    "score_file",
    "train",
]


# ------------------------------------------------------------------------- training
@dataclass
class TrainingRecord:
    """What a model was trained on and how: written as ``training.json`` beside it."""

    model: str
    params: dict[str, Any]
    level: str
    n_items: int
    label_counts: dict[str, int]
    dedup: dict[str, Any] | None
    fit_seconds: float
    data: str = ""
    created: str = ""
    depscreen_version: str = __version__
    disclaimer: str = DISCLAIMER
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "disclaimer": self.disclaimer,
            "model": self.model,
            "params": self.params,
            "data": self.data,
            "level": self.level,
            "n_items": self.n_items,
            "label_counts": self.label_counts,
            "dedup": self.dedup,
            "fit_seconds": self.fit_seconds,
            "created": self.created,
            "depscreen_version": self.depscreen_version,
        }
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TrainingRecord":
        known = {"disclaimer", "model", "params", "data", "level", "n_items", "label_counts", "dedup",
                 "fit_seconds", "created", "depscreen_version"}
        return cls(
            model=data.get("model", ""),
            params=dict(data.get("params") or {}),
            level=data.get("level", ""),
            n_items=int(data.get("n_items", 0)),
            label_counts=dict(data.get("label_counts") or {}),
            dedup=data.get("dedup"),
            fit_seconds=float(data.get("fit_seconds", math.nan)),
            data=data.get("data", ""),
            created=data.get("created", ""),
            depscreen_version=data.get("depscreen_version", ""),
            disclaimer=data.get("disclaimer", DISCLAIMER),
            extra={k: v for k, v in data.items() if k not in known},
        )


def train(
    model: Any = None,
    corpus: Corpus | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    dedup: bool = True,
    data: str = "",
    operating_point: Any = None,
    calibration: str | None = None,
) -> tuple[Any, TrainingRecord]:
    """Fit ``model`` on a whole labelled ``corpus``.

    Parameters
    ----------
    model : a registry name (see ``depscreen models``), an unfitted estimator (cloned,
        the caller's object stays unfitted), or None for the default model.
    corpus : a labelled :class:`UserCorpus` or :class:`PostCorpus`.
    params : keyword parameters for the model.
    dedup : remove exact-duplicate texts first (counted in the record).
    data : where the corpus came from, for the record.
    operating_point : the cut-off :func:`score` applies, chosen on the model's
        out-of-fold training scores (``"sensitivity=0.9"``, ``"specificity=0.95"``,
        ``"threshold=0.3"``, ``"f1_macro"``, with ``@LEVEL`` for ordered levels; see
        :mod:`depscreen.population.operating_point`). None (or ``"model"``): the model's
        own decision rule. Kept as the model's ``operating_point_`` and in the record.
    calibration : ``"auto"``, ``"sigmoid"``, ``"isotonic"``, ``"temperature"``,
        ``"vector"``, ``"none"``, or None (the model as it comes: depscreen-default
        calibrates itself, other models do not). A model with its own ``calibration``
        parameter (depscreen-default) gets it set; any other classifier is wrapped in
        :class:`~depscreen.models.calibrated.CalibratedModel` (registry name
        ``calibrated``). What was done -- the method, or why the model was left
        uncalibrated (a class too small) -- is in the record's ``calibration``.

    Returns the fitted model and a :class:`TrainingRecord`.
    """
    from .evaluate.splits import deduplicate
    from .models.base import check_input_level
    from .models.registry import resolve_model

    if not isinstance(corpus, (UserCorpus, PostCorpus)):
        raise TypeError(f"train needs a UserCorpus or PostCorpus, got {type(corpus).__name__}")
    name, est = resolve_model(model, params)
    if calibration is not None:
        est, name = _with_calibration(est, name, calibration)
    unlabelled = sum(1 for lab in corpus.labels if lab is None)
    if unlabelled:
        raise ValueError(
            f"corpus '{corpus.name}': {unlabelled} of {len(corpus)} {corpus.level}s have no label; "
            "training needs labels"
        )
    check_input_level(est, corpus, name)
    if operating_point is not None:
        from .population.operating_point import OperatingPoint

        operating_point = OperatingPoint.parse(operating_point)  # bad syntax fails before the fit
    report = None
    if dedup:
        corpus, report = deduplicate(corpus)
    X = list(corpus.users) if isinstance(corpus, UserCorpus) else corpus.texts
    y = np.asarray(corpus.labels)
    if operating_point is not None and not operating_point.is_model_rule:
        from .task import label_sort_key
        from .population.operating_point import cases_for

        cases_for(operating_point, sorted(set(y.tolist()), key=label_sort_key))  # a wrong level fails before the fit
    t0 = time.perf_counter()
    est.fit(X, y)
    fit_seconds = time.perf_counter() - t0
    counts = Counter(str(lab) for lab in corpus.labels)
    record = TrainingRecord(
        model=name,
        params=jsonable_params(est.get_params(deep=False)),
        level=corpus.level,
        n_items=len(corpus),
        label_counts=dict(sorted(counts.items())),
        dedup=report.to_dict() if report else None,
        fit_seconds=round(fit_seconds, 4),
        data=data,
        created=utc_timestamp(),
    )
    record.extra["languages"] = _language_counts(corpus)
    degenerate = _degenerate_note(est, X, y, record.label_counts)
    if degenerate:
        record.extra["warnings"] = [degenerate]
    if hasattr(est, "calibration_note_"):
        record.extra["calibration"] = _calibration_record(est)
    if operating_point is not None:
        from .population.operating_point import choose_for_model

        chosen = choose_for_model(operating_point, est)
        est.operating_point_ = chosen
        if chosen is not None:
            record.extra["operating_point"] = chosen.to_dict()
    return est, record


def _with_calibration(est: Any, name: str, calibration: str) -> tuple[Any, str]:
    """``est`` set to calibrate by ``calibration`` (its own parameter) or wrapped in
    :class:`~depscreen.models.calibrated.CalibratedModel`; and the name to record."""
    from .population.calibration import check_method

    method = None if calibration == "none" else calibration
    check_method(method)
    from .models.calibrated import CalibratedModel
    from .models.registry import registered_name

    if "calibration" in est.get_params(deep=False):  # a model that calibrates itself
        return est.set_params(calibration=method), name
    if isinstance(est, CalibratedModel):
        if method is None:
            return est.estimator, registered_name(est.estimator) or name
        return est.set_params(method=method), name
    if method is None:
        return est, name
    if not hasattr(est, "predict_proba"):
        raise ValueError(f"model '{name}' gives no probabilities (no predict_proba): it cannot be calibrated")

    wrapped = CalibratedModel(est, method=method)
    return wrapped, registered_name(wrapped) or type(wrapped).__name__


def _calibration_record(model: Any) -> dict[str, Any]:
    """What the training record says about a model's calibration."""
    from .models.registry import registered_name

    out: dict[str, Any] = {"method": getattr(model, "calibration_", None),
                           "calibrated": getattr(model, "calibrator_", None) is not None}
    note = getattr(model, "calibration_note_", "")
    if note:
        out["note"] = note
    inner = getattr(model, "estimator_", None)
    if inner is not None:
        out["estimator"] = registered_name(inner) or type(inner).__name__
    return out


def save(model: Any, folder: str | Path, record: TrainingRecord | None = None) -> Path:
    """Write a fitted model to ``folder`` (``config.json`` + weights, no pickle) and its
    :class:`TrainingRecord` as ``training.json``."""
    if not callable(getattr(model, "save", None)):
        raise ValueError(f"{type(model).__name__} cannot be saved (it has no save method)")
    folder = Path(model.save(folder))
    record = _record_with_point(model, folder, record)
    if record is not None:
        model_folder.write_training_record(folder, record.to_dict())
    model_folder.seal(folder)  # last: the manifest covers every file, training.json included
    return folder


def load(folder: str | Path) -> Any:
    """Load a model folder written by :func:`save` (never unpickles anything). The
    operating point stored in its training record, if any, comes back as the model's
    ``operating_point_`` (applied by :func:`score`).

    Every file is first checked against the folder's manifest: a missing, truncated or
    changed file is refused with a :class:`~depscreen.models.folder.ModelFolderError`
    (a ``ValueError``) whose one line names it; a folder saved before manifests existed
    loads with an :class:`~depscreen.models.folder.UnverifiedFolderWarning`."""
    from .models.base import load_model

    model = load_model(folder)
    stored = (training_record(folder) or TrainingRecord.from_dict({})).extra.get("operating_point")
    if stored:
        from .population.operating_point import ChosenPoint

        model.operating_point_ = ChosenPoint.from_dict(stored)
    return model


#: The probe :func:`check_ready` scores: one short text in each language depscreen reads.
PROBE_TEXTS = ("warm up the model", "模型预热一下", "pemanasan model dulu")


class ModelNotReady(RuntimeError):
    """A loaded model that cannot score (it fails, or its scores are not numbers)."""


def check_ready(model: Any) -> None:
    """Score a tiny probe (:data:`PROBE_TEXTS`, as one user or as posts, with
    explanations) and raise :class:`ModelNotReady` unless every score and probability is
    a finite number and each row of probabilities sums to one.

    A service says ready only after this passes (a model whose weights were damaged in
    a way no manifest could catch scores NaN here rather than failing every request);
    it also loads whatever a model loads lazily (tokenisers, encoders). The message
    names the failure, never the probe's text.
    """
    level = getattr(model, "input_level", "user")
    items: list[Any] = list(PROBE_TEXTS) if level == "post" else [
        User("probe", None, [Post(t) for t in PROBE_TEXTS])]
    try:
        preds = score(model, items, explain=True)
    except Exception as exc:  # noqa: BLE001 - reported as not ready, with the error's type and first line
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise ModelNotReady(f"the model cannot score a probe input ({type(exc).__name__}: {first})") from exc
    for name, values in (("scores", preds.scores), ("probabilities", preds.proba)):
        if values is not None and not np.all(np.isfinite(np.asarray(values, dtype=float))):
            raise ModelNotReady(f"the model's {name} for a probe input are not finite numbers (damaged weights?)")
    if preds.proba is not None and not np.allclose(np.asarray(preds.proba, dtype=float).sum(axis=1), 1.0,
                                                   atol=1e-4):
        raise ModelNotReady("the model's probabilities for a probe input do not sum to one (damaged weights?)")


def training_record(folder: str | Path) -> TrainingRecord | None:
    """The :class:`TrainingRecord` saved beside a model, or None when there is none."""
    data = model_folder.read_training_record(folder)
    return None if data is None else TrainingRecord.from_dict(data)


# ------------------------------------------------------------------------- scoring
@dataclass
class Predictions:
    """Scores of one batch or one corpus.

    Attributes
    ----------
    ids : user ids (user level), post ids (post level) or user ids of scored posts
        (``per_post``).
    post_index, post_ids : with ``per_post``, each post's index in its user's timeline
        and its id (empty when the corpus gives none); else None.
    labels : predicted labels (values for a regression model).
    proba : ``(n, len(classes))`` probabilities or None.
    scores : one risk number per item (P(positive) for two classes) or None.
    classes : the model's classes (empty for regression).
    truth : the corpus labels when it had any, else None.
    explanations : one dict per item (shared schema, ``docs/explanations.md``) or None.
    model : the model's registry name.
    flagged : with an operating point, True where the item is flagged (its case score
        is at or above the point's threshold; ``labels`` follow it), else None.
    operating_point : the point applied (:meth:`ChosenPoint.to_dict
        <depscreen.population.operating_point.ChosenPoint.to_dict>`), or None.
    adaptation : with ``adapt_priors``, the estimated class shares the probabilities
        were re-weighted to (:meth:`Adaptation.to_dict
        <depscreen.population.adapt.Adaptation.to_dict>`), else None.
    """

    ids: list[str]
    labels: np.ndarray
    proba: np.ndarray | None = None
    scores: np.ndarray | None = None
    classes: list[Any] = field(default_factory=list)
    truth: list[Any] | None = None
    explanations: list[dict[str, Any]] | None = None
    post_index: list[int] | None = None
    post_ids: list[str] | None = None
    level: str = "user"
    model: str = ""
    flagged: np.ndarray | None = None
    operating_point: dict[str, Any] | None = None
    adaptation: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def id_columns(self) -> list[str]:
        if self.post_index is not None:
            return ["user_id", "post_index", "post_id"]
        return ["user_id"] if self.level == "user" else ["id"]

    @property
    def columns(self) -> list[str]:
        cols = list(self.id_columns)
        if self.truth is not None:
            cols.append("true_label")
        cols.append("predicted")
        if self.flagged is not None:
            cols.append("flagged")
        if self.scores is not None:
            cols.append("score")
        if self.proba is not None:
            cols += [f"proba_{c}" for c in self.classes]
        return cols

    def rows(self) -> Iterator[list[Any]]:
        """One list per item, in :attr:`columns` order (plain Python values)."""
        for i in range(len(self)):
            row: list[Any] = [self.ids[i]]
            if self.post_index is not None:
                row += [self.post_index[i], self.post_ids[i]]
            if self.truth is not None:
                row.append(self.truth[i])
            row.append(plain_value(self.labels[i]))
            if self.flagged is not None:
                row.append(int(self.flagged[i]))
            if self.scores is not None:
                row.append(float(self.scores[i]))
            if self.proba is not None:
                row += [float(v) for v in self.proba[i]]
            yield row

    def to_frame(self):
        """A pandas DataFrame with :attr:`columns`; the disclaimer in ``attrs``."""
        import pandas as pd

        frame = pd.DataFrame(list(self.rows()), columns=self.columns)
        frame.attrs["disclaimer"] = DISCLAIMER
        frame.attrs["model"] = self.model
        if self.operating_point is not None:
            frame.attrs["operating_point"] = self.operating_point
        return frame

    def to_csv(self, path: str | Path) -> Path:
        """Write a plain CSV that ``pandas.read_csv`` reads as is; the disclaimer and
        the model go to a sidecar ``<path>.meta.json``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(self.columns)
            for row in self.rows():
                writer.writerow(_csv_cell(v) for v in row)
        write_meta(path, model=self.model, n_items=len(self), columns=self.columns,
                   **({"operating_point": self.operating_point} if self.operating_point else {}))
        return path

    def explanations_payload(self) -> dict[str, Any]:
        """The explanations as one JSON-able document (ids with each explanation)."""
        if self.explanations is None:
            raise ValueError("these predictions were made without explain=True")
        items = []
        for i, exp in enumerate(self.explanations):
            key: dict[str, Any] = {self.id_columns[0]: self.ids[i]}
            if self.post_index is not None:
                key["post_index"] = self.post_index[i]
                key["post_id"] = self.post_ids[i]
            items.append({**key, "explanation": exp})
        return {"disclaimer": DISCLAIMER, "model": self.model, "items": items}

    @classmethod
    def concat(cls, parts: Sequence["Predictions"]) -> "Predictions":
        """Join batch results (same model) into one."""
        if not parts:
            raise ValueError("nothing to join: no batches were scored")
        first = parts[0]
        return cls(
            ids=[i for p in parts for i in p.ids],
            labels=np.concatenate([p.labels for p in parts]),
            proba=np.concatenate([p.proba for p in parts]) if first.proba is not None else None,
            scores=np.concatenate([p.scores for p in parts]) if first.scores is not None else None,
            classes=first.classes,
            truth=[t for p in parts for t in p.truth] if all(p.truth is not None for p in parts) else None,
            explanations=[e for p in parts for e in p.explanations] if first.explanations is not None else None,
            post_index=[j for p in parts for j in p.post_index] if first.post_index is not None else None,
            post_ids=[j for p in parts for j in p.post_ids] if first.post_ids is not None else None,
            level=first.level,
            model=first.model,
            flagged=np.concatenate([p.flagged for p in parts]) if first.flagged is not None else None,
            operating_point=first.operating_point,
        )


Item = User | PostRecord | str


def iter_scores(
    model: Any,
    items: Corpus | Iterable[Item] | str | Path,
    *,
    explain: bool = False,
    per_post: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    top_k: int = 5,
    operating_point: Any = None,
) -> Iterator[Predictions]:
    """Score ``items`` batch by batch: one forward pass of the model per batch.

    ``items`` is a corpus, an iterable of :class:`User` / :class:`PostRecord` / ``str``
    (read lazily: a generator keeps memory bounded), or the path of a canonical JSON
    Lines file (``.gz`` too), streamed. ``per_post`` scores every post of each user with
    a post-level model.

    ``operating_point`` overrides the point stored with the model for this call: a
    point's text (``"sensitivity=0.8"``, ``"threshold=0.3@2"``; chosen anew on the
    model's stored out-of-fold scores) or ``"model"`` for the model's own rule. With a
    point, ``labels`` follow it and ``flagged`` says which items it flags; the
    explanations' ``prediction`` follows it too (their features still explain the
    model's own score, and ``toward`` names the model's own label, the class they push
    toward).
    """
    from .models.base import check_input_level, forward

    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if explain and not (callable(getattr(model, "_forward", None)) or callable(getattr(model, "explain", None))):
        raise ValueError(f"model '{_name(model)}' cannot explain its predictions (it has no explain method)")
    name = _name(model)
    classes = [plain_value(c) for c in getattr(model, "classes_", [])]
    point = resolve_operating_point(model, operating_point)
    stream = _items(items)
    checked = False
    seen = 0  # bare texts are numbered by their position in the whole input
    for batch in _batches(stream, batch_size):
        level = "user" if isinstance(batch[0], User) else "post"
        if not checked:
            if per_post:
                if level != "user":
                    raise ValueError(
                        "--per-post / per_post needs a user-level corpus; a post-level corpus is already "
                        "scored per post"
                    )
                check_input_level(model, "post", name)
            else:
                check_input_level(model, level, name)
            checked = True
        if per_post:
            ids = [u.user_id for u in batch for _ in u.posts]
            post_index = [j for u in batch for j in range(len(u.posts))]
            post_ids = [p.id or "" for u in batch for p in u.posts]
            truth = [p.label for u in batch for p in u.posts]
            X: list[Any] = [p.text for u in batch for p in u.posts]
        elif level == "user":
            ids, post_index, post_ids = [u.user_id for u in batch], None, None
            truth, X = [u.label for u in batch], batch
        else:
            ids = [r.id if isinstance(r, PostRecord) else str(seen + k) for k, r in enumerate(batch)]
            post_index = post_ids = None
            truth = [r.label if isinstance(r, PostRecord) else None for r in batch]
            X = [r.text if isinstance(r, PostRecord) else r for r in batch]
        seen += len(batch)
        if not X:
            continue
        out = forward(model, X, explain=explain, top_k=top_k)
        labels, flagged = np.asarray(out.predictions), None
        if point is not None:
            if out.proba is None:
                raise ValueError(f"model '{name}' gives no class probabilities; an operating point needs them")
            flagged = point.flag(out.proba, classes)
            labels = point.decide(out.proba, labels, classes)
            for exp, lab in zip(out.explanations or [], labels):
                exp.setdefault("toward", exp.get("prediction"))  # the class the features push toward
                exp["prediction"] = plain_value(lab)
        yield Predictions(
            ids=ids,
            labels=labels,
            proba=None if out.proba is None else np.asarray(out.proba, dtype=float),
            scores=None if out.scores is None else np.asarray(out.scores, dtype=float),
            classes=classes if out.proba is not None else [],
            truth=truth if any(t is not None for t in truth) else None,
            explanations=out.explanations,
            post_index=post_index,
            post_ids=post_ids,
            level="post" if per_post else level,
            model=name,
            flagged=flagged,
            operating_point=None if point is None else point.to_dict(),
        )


def score(
    model: Any,
    items: Corpus | Iterable[Item] | str | Path,
    *,
    explain: bool = False,
    per_post: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    top_k: int = 5,
    operating_point: Any = None,
    adapt_priors: bool = False,
    adapt_method: str = "em",
) -> Predictions:
    """Score ``items`` with a fitted ``model`` (see :func:`iter_scores`) and return all
    :class:`Predictions` at once. For corpora larger than memory use
    :func:`score_file` or :func:`iter_scores`. The model's stored operating point
    applies unless ``operating_point`` overrides it (:func:`iter_scores`).

    ``adapt_priors`` estimates the class shares of ``items`` themselves
    (``adapt_method``, EM by default; :mod:`depscreen.population.adapt`), re-weights the
    calibrated probabilities to them and applies the model's decision rule to the
    re-weighted probabilities; the shares are in ``Predictions.adaptation``. It needs
    the model's stored out-of-fold scores and replaces any operating point (a cut-off
    chosen on the training scale).
    """
    if adapt_priors:
        operating_point = _check_adaptable(model, operating_point)
    parts = list(iter_scores(model, items, explain=explain, per_post=per_post, batch_size=batch_size, top_k=top_k,
                             operating_point=operating_point))
    if not parts:
        raise ValueError("nothing to score: the input has no users, posts or texts")
    preds = Predictions.concat(parts)
    if adapt_priors:
        preds = _adapted(model, preds, estimate_adaptation(model, preds, adapt_method))
    return preds


def estimate_adaptation(model: Any, preds: Predictions, method: str = "em"):
    """The :class:`~depscreen.population.adapt.Adaptation` (estimated class shares) of
    the items behind ``preds`` (scored without adaptation), for :func:`score`."""
    from .population.adapt import adapt

    if preds.proba is None:
        raise ValueError(f"model '{preds.model}' gives no class probabilities; prior adaptation needs them")
    _, adaptation = adapt(preds.proba, getattr(model, "oof_", None), method=method,
                          decided=_class_indices(preds.labels, preds.classes))
    return adaptation


def _check_adaptable(model: Any, operating_point: Any) -> str:
    """``"model"`` (no operating point) for an adapted call, or a clear error."""
    if getattr(model, "oof_", None) is None:
        raise ValueError(f"prior adaptation needs the out-of-fold scores stored with the model at training time; "
                         f"model '{_name(model)}' has none (a folder saved before they were stored, or a model "
                         "that computes none): retrain it with `depscreen train` (depscreen-default stores them)")
    if operating_point not in (None, "model"):
        raise ValueError("prior adaptation re-decides labels with the model's own rule on re-weighted probabilities; "
                         "an explicit operating point (a cut-off on the training scale) cannot be combined with it")
    return "model"


def _adapted(model: Any, preds: Predictions, adaptation) -> Predictions:
    """``preds`` with probabilities re-weighted to ``adaptation.shares``, labels from the
    model's decision rule (``decide``; the most probable class for a model without one),
    risk scores recomputed, and the explanations' ``prediction`` following the labels."""
    from dataclasses import replace

    from .models.base import risk_scores
    from .population.adapt import reweight

    proba = reweight(preds.proba, adaptation.train_shares, adaptation.shares)
    decide = getattr(model, "decide", None)
    classes = np.asarray(preds.classes, dtype=object)
    labels = np.asarray(decide(proba)) if callable(decide) else np.asarray([classes[k] for k in proba.argmax(axis=1)])
    for exp, lab in zip(preds.explanations or [], labels):
        exp.setdefault("toward", exp.get("prediction"))  # the class the features push toward
        exp["prediction"] = plain_value(lab)
    scores = risk_scores(proba, preds.classes)
    return replace(preds, proba=proba, labels=labels, scores=scores if scores is not None else preds.scores,
                   flagged=None, operating_point=None, adaptation=adaptation.to_dict())


def _class_indices(labels: np.ndarray, classes: Sequence[Any]) -> np.ndarray:
    lookup = {plain_value(c): k for k, c in enumerate(classes)}
    return np.asarray([lookup[plain_value(v)] for v in labels], dtype=int)


def score_file(
    model: Any,
    source: str | Path | Corpus | Iterable[Item],
    out: str | Path,
    *,
    explain_out: str | Path | None = None,
    per_post: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    top_k: int = 5,
    progress: Any = None,
    operating_point: Any = None,
    adapt_priors: bool = False,
    adapt_method: str = "em",
) -> dict[str, Any]:
    """Stream ``source`` through ``model`` into ``out`` (``.csv`` or ``.parquet``),
    batch by batch, with memory bounded by one batch; explanations, when asked, stream
    to ``explain_out`` as JSON Lines. The file appears whole or not at all (written to a
    temporary name, then renamed). ``progress(n_done)`` is called after each batch.
    ``operating_point`` overrides the model's stored point (:func:`iter_scores`).
    ``adapt_priors`` (:func:`score`) reads ``source`` twice: once to estimate the
    class shares, once to write; the shares go into ``<out>.meta.json``.

    Returns a summary: counts, columns, seconds, paths.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    exp_tmp = None
    if explain_out is not None:
        explain_out = Path(explain_out)
        explain_out.parent.mkdir(parents=True, exist_ok=True)
        exp_tmp = explain_out.with_name(f".{explain_out.name}.partial")
    n = 0
    columns: list[str] = []
    adaptation = None
    if adapt_priors:
        operating_point = _check_adaptable(model, operating_point)
        if not isinstance(source, (str, Path, UserCorpus, PostCorpus, list, tuple)):
            raise ValueError("prior adaptation reads the input twice: give a file, a corpus or a list")
        first = score(model, source, per_post=per_post, batch_size=batch_size, operating_point="model")
        adaptation = estimate_adaptation(model, first, adapt_method)
        del first
    point = resolve_operating_point(model, operating_point)  # a bad point fails before any file is opened
    t0 = time.perf_counter()
    writer = _TableWriter(tmp, parquet=out.suffix == ".parquet")
    exp_fh = exp_tmp.open("w", encoding="utf-8") if exp_tmp else None
    try:
        for part in iter_scores(model, source, explain=exp_fh is not None, per_post=per_post,
                                batch_size=batch_size, top_k=top_k, operating_point=point or "model"):
            if adaptation is not None:
                part = _adapted(model, part, adaptation)
            columns = part.columns
            writer.write(part)
            if exp_fh is not None:
                for item in part.explanations_payload()["items"]:
                    exp_fh.write(json.dumps(item, ensure_ascii=False, default=json_default) + "\n")
            n += len(part)
            if progress is not None:
                progress(n)
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        if exp_fh is not None:
            exp_fh.close()
            exp_tmp.unlink(missing_ok=True)
        raise
    writer.close()
    if n == 0:
        tmp.unlink(missing_ok=True)
        if exp_fh is not None:
            exp_fh.close()
            exp_tmp.unlink(missing_ok=True)
        raise ValueError("nothing to score: the input has no users, posts or texts")
    tmp.replace(out)
    out.chmod(0o644)
    if exp_fh is not None:
        exp_fh.close()
        exp_tmp.replace(explain_out)
        explain_out.chmod(0o644)
    summary = {"n_items": n, "columns": columns, "seconds": round(time.perf_counter() - t0, 3),
               "out": str(out), "explanations": str(explain_out) if explain_out else None,
               "operating_point": None if point is None else point.to_dict(),
               "adaptation": None if adaptation is None else adaptation.to_dict()}
    write_meta(out, model=_name(model), n_items=n, columns=columns,
               **({"operating_point": point.to_dict()} if point is not None else {}),
               **({"prior_adaptation": adaptation.to_dict()} if adaptation is not None else {}))
    return summary


# ------------------------------------------------------------------------- population
def prevalence(
    model: Any,
    items: Corpus | Iterable[Item] | str | Path,
    *,
    methods: Sequence[str] | str | None = None,
    by: str | None = None,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    min_group: int = 30,
    oof: Any = None,
    train_languages: Mapping[str, int] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
):
    """The estimated share of each class among ``items`` (users for a user-level corpus,
    posts for a post-level one), with a bootstrap interval, overall and per group.

    Parameters
    ----------
    model : a fitted model with class probabilities (calibrated ones: depscreen-default).
    items : a corpus, a list of users / posts / texts, or a JSON Lines path.
    methods : any of ``cc``, ``pcc``, ``acc``, ``pacc``, ``em``
        (:mod:`depscreen.population.prevalence`); default: all that the model supports
        (``acc``, ``pacc`` and ``em`` need its stored out-of-fold scores).
    by : ``"lang"``, ``"month"`` or ``"meta.FIELD"`` (:mod:`depscreen.population.groups`).
    n_boot, confidence, seed : the bootstrap (items and out-of-fold scores resampled).
    min_group : groups with fewer items are flagged ``small`` (still shown).
    oof : out-of-fold scores to use instead of the model's ``oof_``.
    train_languages : language counts of the training data (its training record), to
        warn when most items are in a language the model never saw.

    Returns a :class:`~depscreen.population.report.PrevalenceResult`: aggregates only,
    never a per-item row.
    """
    from .task import positive_label
    from .population.groups import check_by, coverage_problem, group_items, item_language
    from .population.prevalence import METHODS, NEEDS_OOF, MissingOutOfFold, check_method, estimate_all
    from .population.report import GroupResult, PrevalenceResult

    by = check_by(by)
    if n_boot < 10:
        raise ValueError(f"n_boot must be at least 10 for an interval, got {n_boot}")
    oof = oof if oof is not None else getattr(model, "oof_", None)
    if methods is None:
        methods = list(METHODS) if oof is not None else ["cc", "pcc"]
    elif isinstance(methods, str):
        methods = [methods]
    methods = list(dict.fromkeys(check_method(m) for m in methods))
    if oof is None and NEEDS_OOF & set(methods):
        raise MissingOutOfFold(
            f"method(s) {', '.join(m for m in methods if m in NEEDS_OOF)} need the out-of-fold scores stored with "
            f"the model at training time; model '{_name(model)}' has none (a folder saved before they were stored, "
            "or a model that computes none): retrain it with `depscreen train` (depscreen-default stores them), "
            "or use --method cc / pcc")
    materialised = list(_items(items))
    unit = "users" if materialised and isinstance(materialised[0], User) else "posts"
    if len(materialised) == 0:
        raise ValueError("prevalence needs a corpus: the input has no users, posts or texts")
    if len(materialised) < 2:
        raise ValueError(f"prevalence on one {unit[:-1]}: a share needs a population (at least 2 {unit}; "
                         f"intervals need many more)")
    warnings: list[str] = []
    if oof is None:
        warnings.append(f"model '{_name(model)}' stores no out-of-fold scores: only cc and pcc, which are pulled "
                        "toward the training share when this population's share differs; retrain with "
                        "`depscreen train` (depscreen-default stores them) for acc, pacc and em")
    preds = score(model, materialised, batch_size=batch_size, operating_point="model")
    if preds.proba is None or not preds.classes:
        raise ValueError(f"model '{preds.model}' gives no class probabilities; prevalence needs them")
    classes = list(preds.classes)
    if oof is not None and [str(c) for c in oof.classes] != [str(c) for c in classes]:
        raise ValueError(f"the stored out-of-fold scores are for classes {oof.classes}, the model has {classes}")
    parts = [("all", preds.proba, _class_indices(preds.labels, classes))]
    group_unit = unit
    if by is not None:
        keys, group_src = group_items(materialised, by)
        error, warning = coverage_problem(keys, by)
        if error:
            raise ValueError(error)
        if warning:
            warnings.append(warning)
        if by == "month" and unit == "users":
            group_unit = "user-months"
            gp = score(model, group_src, batch_size=batch_size, operating_point="model")
        else:
            gp = preds
        g_idx = _class_indices(gp.labels, classes)
        order = sorted(set(keys), key=lambda k: (k == "(none)", k))
        keys_arr = np.asarray(keys, dtype=object)
        for k in order:
            sel = np.flatnonzero(keys_arr == k)
            parts.append((str(k), gp.proba[sel], g_idx[sel]))
    if len(materialised) < 50:
        warnings.append(f"only {len(materialised)} {unit}: the interval is wide and the adjusted methods are unstable")
    if train_languages:
        langs = Counter(item_language(it) for it in materialised[:2000])
        total_train = sum(train_languages.values()) or 1
        seen = {k for k, v in train_languages.items() if v / total_train >= 0.05 and k != "unknown"}
        unseen = sum(v for k, v in langs.items() if k not in seen and k != "unknown")
        if seen and unseen > 0.5 * sum(langs.values()):
            top = ", ".join(k for k, _ in langs.most_common(3) if k not in seen)
            warnings.append(f"most {unit} are in language(s) the model was not trained on ({top}; trained on "
                            f"{', '.join(sorted(seen))}): its scores, and every share below, may not hold")
    groups = []
    for g, (name, proba, decided) in enumerate(parts):
        ests = estimate_all(methods, proba, decided=decided, oof=oof, n_boot=n_boot, confidence=confidence,
                            seed=seed + g)
        small = len(proba) < min_group
        groups.append(GroupResult(name, len(proba), small, ests))
    small = [g.name for g in groups if g.small]
    if small:
        warnings.append(f"{len(small)} group(s) with fewer than {min_group} {group_unit} (flagged 'small'): "
                        f"{', '.join(small[:10])}{' ...' if len(small) > 10 else ''}")
    return PrevalenceResult(
        model=preds.model, unit=unit, classes=classes,
        positive=plain_value(positive_label(classes)) if len(classes) == 2 else None, methods=methods, groups=groups,
        by=by, confidence=confidence, n_boot=n_boot, seed=seed, min_group=min_group,
        oof_items=None if oof is None else len(oof), warnings=warnings,
    )


def write_meta(path: Path, **fields: Any) -> Path:
    """The sidecar ``<path>.meta.json``: disclaimer, model, counts, columns, version."""
    meta = {"disclaimer": DISCLAIMER, **fields, "depscreen_version": __version__,
            "created": utc_timestamp()}
    side = path.with_name(path.name + ".meta.json")
    side.write_text(json.dumps(meta, indent=2, ensure_ascii=False, default=json_default), encoding="utf-8")
    side.chmod(0o644)
    return side


# ------------------------------------------------------------------------- helpers
def _record_with_point(model: Any, folder: Path, record: TrainingRecord | None) -> TrainingRecord | None:
    """The record to write beside ``model``, carrying the model's operating point
    (``operating_point_``) so that :func:`load` applies it again. Without a record, a
    model with a point keeps the folder's existing record (or a minimal one) with the
    point in it; a stale point of an earlier save is dropped."""
    point = getattr(model, "operating_point_", None)
    if record is None:
        old = training_record(folder)
        if point is None and (old is None or "operating_point" not in old.extra):
            return None
        record = old or TrainingRecord(model=_name(model), params={}, level="", n_items=0, label_counts={},
                                       dedup=None, fit_seconds=math.nan)
    if point is None:
        record.extra.pop("operating_point", None)
    else:
        record.extra["operating_point"] = point.to_dict()
    return record


def resolve_operating_point(model: Any, operating_point: Any = None) -> Any:
    """The operating point (a :class:`~depscreen.population.operating_point.ChosenPoint`,
    or None for the model's own rule) that :func:`iter_scores` applies: ``operating_point`` chosen anew
    on the model's stored out-of-fold scores when given (``"model"``: none), else the
    point stored with the model (``operating_point_``), else None."""
    if operating_point is None:
        return getattr(model, "operating_point_", None)
    from .population.operating_point import ChosenPoint, choose_for_model

    if isinstance(operating_point, ChosenPoint):
        return operating_point
    return choose_for_model(operating_point, model)


class _TableWriter:
    """Appends batches of predictions to one CSV or Parquet file."""

    def __init__(self, path: Path, parquet: bool):
        self.path, self.parquet = path, parquet
        self._fh = None
        self._csv = None
        self._pq = None

    def write(self, part: Predictions) -> None:
        if self.parquet:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(part.to_frame(), preserve_index=False)
            if self._pq is None:
                meta = dict(table.schema.metadata or {})
                meta[b"depscreen.disclaimer"] = DISCLAIMER.encode()
                meta[b"depscreen.model"] = part.model.encode()
                self._schema = table.schema.with_metadata(meta)
                self._pq = pq.ParquetWriter(str(self.path), self._schema)
            self._pq.write_table(table.cast(self._schema))
            return
        if self._fh is None:
            self._fh = self.path.open("w", newline="", encoding="utf-8")
            self._csv = csv.writer(self._fh)
            self._csv.writerow(part.columns)
        for row in part.rows():
            self._csv.writerow(_csv_cell(v) for v in row)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._pq is not None:
            self._pq.close()
            self._pq = None


def _items(items: Any) -> Iterator[Item]:
    if isinstance(items, Path) or (isinstance(items, str) and items.endswith((".jsonl", ".jsonl.gz"))):
        from .corpus.io import iter_jsonl

        return iter_jsonl(items)
    if isinstance(items, UserCorpus):
        return iter(items.users)
    if isinstance(items, PostCorpus):
        return iter(items.records)
    if isinstance(items, str):
        raise TypeError("give a list of texts, a corpus, or the Path of a JSON Lines file, not one string")
    return iter(items)


def _batches(stream: Iterator[Item], size: int) -> Iterator[list[Item]]:
    kind = None
    while True:
        batch = list(itertools.islice(stream, size))
        if not batch:
            return
        for x in batch:
            this = "user" if isinstance(x, User) else "post" if isinstance(x, (PostRecord, str)) else None
            if this is None:
                raise TypeError(f"expected User, PostRecord or str items, got {type(x).__name__}")
            if kind is None:
                kind = this
            elif kind != this:
                raise TypeError("the input mixes users and posts; score one level at a time")
        yield batch


def _language_counts(corpus: Corpus, limit: int = 300) -> dict[str, int]:
    """Languages of up to ``limit`` training items spread over the corpus (a post's
    ``lang`` or the detected one; a user's most common): kept in the training record so
    that :func:`prevalence` can warn about a corpus in a language the model never saw."""
    from .population.groups import item_language

    items = corpus.users if isinstance(corpus, UserCorpus) else corpus.records
    step = max(1, len(items) // limit)
    return dict(Counter(item_language(it) for it in items[::step][:limit]).most_common())


def _degenerate_note(model: Any, X: list, y: np.ndarray, label_counts: Mapping[str, int]) -> str | None:
    """The warning when the fitted model predicts one class (or nearly one value) for
    everything (:mod:`depscreen.evaluate.degenerate`), else None.

    A model that checks itself while training (``degenerate_``: the post-level networks
    look at their validation split) is taken at its word; any other model scores up to
    2,000 training items once.
    """
    from .evaluate.degenerate import constant_predictions, warning_message
    from .models.base import forward

    classes = getattr(model, "classes_", None)
    numeric = classes is None
    if (not numeric and len(classes) < 2) or not X:
        return None
    recorded = getattr(model, "degenerate_", None)
    if recorded is not None:
        found = "predicts a single class for every item of its validation split" if recorded else None
    else:
        sample = X[:2000]
        found = constant_predictions(y[: len(sample)], forward(model, sample).predictions, numeric=numeric, items="training item")
    if not found:
        return None
    params = model.get_params(deep=False)
    return warning_message(f"the model {found}", params=params, label_counts=None if numeric else label_counts)


def _name(model: Any) -> str:
    from .models.registry import model_label

    return model_label(model)


def _csv_cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6f}" if math.isfinite(v) else ""
    return v
