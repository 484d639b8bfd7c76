"""Operating points: the cut-off a screener names, chosen on out-of-fold scores.

Screening instruments are judged by what a cut-off catches ("PHQ-9 >= 10: sensitivity
0.88, specificity 0.88"). An operating point says which cut-off a model's alerts use,
in those words, and is chosen on the training data's out-of-fold scores
(:class:`depscreen.population.oof.OutOfFold`, the model's ``oof_``): scores each
training item got from a fit that did not see it, so the cut-off is not chosen on
memorised, over-confident scores.

Syntax (the same string for ``depscreen train / predict / evaluate --operating-point``
and for ``operating_point=`` in :func:`depscreen.train` and :func:`depscreen.score`):

==========================  ============================================================
``sensitivity=0.90``        flag enough items to catch at least 90 % of the training
                            cases (out-of-fold)
``specificity=0.95``        leave at least 95 % of the training non-cases unflagged
``threshold=0.3``           flag an item when its score is 0.3 or more (needs no
                            out-of-fold scores)
``f1_macro``                the cut-off with the best macro-F1 (mean F1 of cases and
                            non-cases) on the out-of-fold scores
``model``                   no operating point: the model's own decision rule (what
                            ``predict`` does when no point is set; for depscreen-default
                            the macro-F1 threshold for two classes, the median level for
                            ordered levels)
``...@LEVEL``               for ordered levels (C-SSRS 0-4, LT-EDI 0-2): the cases are
                            "LEVEL or above" and the score is P(level >= LEVEL), e.g.
                            ``sensitivity=0.9@2``; for named classes with no order the
                            cases are that one class. Two classes need no level (the
                            cases are the positive class).
==========================  ============================================================

How the cut-off is chosen. Let the out-of-fold scores of the ``P`` training cases be
``c_1 >= c_2 >= ... >= c_P``. For ``sensitivity=s`` the model must flag
``m = ceil(s * P)`` of them, so the threshold must be at most ``c_m``: ``c_m`` itself
is the largest threshold whose out-of-fold sensitivity is at least ``s``. Every
threshold between ``c_m`` and the next lower out-of-fold score (of any item) gives the
same out-of-fold counts; the chosen threshold is the middle of that gap, which keeps a
margin for new cases (the ``m``-th highest of ``P`` training cases is exceeded, on
average, by a share ``m / (P + 1)`` of new ones, slightly less than ``m / P``).
``specificity=s`` is the mirror image over the non-cases (the smallest threshold whose
out-of-fold specificity is at least ``s``, moved to the middle of the gap above). An
item is flagged when its score is at or above the threshold.

A point the training scores cannot reach -- one that would flag every training item,
or none, or a level no training item has -- is refused with a message naming the
closest point that can be reached. A model without out-of-fold scores (a folder saved
before they were stored) can still take ``threshold=``; every other point needs the
model retrained.

Applying a point (:meth:`ChosenPoint.decide`): for two classes the label is the
positive class when flagged, else the other; for ordered levels the model's level is
moved to the nearest level on the side of ``LEVEL`` the point decides (a flagged item
below ``LEVEL`` gets ``LEVEL``; an unflagged item at or above it gets the level just
below); for one named class, a flagged item gets that class and an unflagged item
predicted as that class gets its most probable other class.

Example
-------
>>> import numpy as np
>>> from depscreen.population.oof import OutOfFold
>>> rng = np.random.default_rng(0)
>>> y = np.r_[np.zeros(300, int), np.ones(100, int)]
>>> p1 = 1 / (1 + np.exp(-(rng.normal(size=400) + 2 * y - 1)))
>>> oof = OutOfFold(classes=[0, 1], y=y, proba=np.c_[1 - p1, p1])
>>> point = choose_point("sensitivity=0.9", [0, 1], oof)
>>> point.oof["sensitivity"] >= 0.9
True
>>> str(OperatingPoint.parse("Sensitivity = 0.90 @ 2"))
'sensitivity=0.9@2'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..jsonable import plain_value
from .oof import OutOfFold

KINDS = ("sensitivity", "specificity", "threshold", "f1_macro", "model")
#: One line for help texts and error messages.
SYNTAX = (
    "sensitivity=0.90, specificity=0.95, threshold=0.3, f1_macro or model; add @LEVEL for ordered levels "
    "(sensitivity=0.9@2: the cases are level 2 or above)"
)
_TARGETS = ("sensitivity", "specificity")
_PATTERN = re.compile(r"^(?P<kind>[A-Za-z_0-9]+)\s*(?:=\s*(?P<value>[^@]*?))?\s*(?:@\s*(?P<level>.*?))?$")


class OperatingPointError(ValueError):
    """A point that cannot be read, reached or chosen; the message says what to do."""


@dataclass(frozen=True)
class OperatingPoint:
    """A requested operating point, as parsed from its text (:data:`SYNTAX`).

    Attributes
    ----------
    kind : one of :data:`KINDS`.
    value : the target sensitivity / specificity or the threshold (None for
        ``f1_macro`` and ``model``).
    level : the level (or class) named after ``@``, as typed, or None.
    """

    kind: str
    value: float | None = None
    level: str | None = None

    @classmethod
    def parse(cls, text: "str | OperatingPoint") -> "OperatingPoint":
        """Read ``text`` (``"sensitivity=0.90"``, ``"threshold=0.3@2"``, ``"f1_macro"``);
        a clear :class:`OperatingPointError` for anything else."""
        if isinstance(text, OperatingPoint):
            return text
        if not isinstance(text, str):
            raise OperatingPointError(f"an operating point is text such as 'sensitivity=0.9', got {type(text).__name__}")
        raw = text.strip()
        match = _PATTERN.match(raw)
        if not raw or match is None:
            raise OperatingPointError(f"cannot read operating point '{text}'; use {SYNTAX}")
        kind = match["kind"].lower()
        if kind not in KINDS:
            from ..wording import unknown_name

            raise OperatingPointError(unknown_name("operating point", kind, KINDS) + f" (syntax: {SYNTAX})")
        value_text, level = match["value"], match["level"]
        if level is not None and not level.strip():
            head = raw.split("@", 1)[0].strip()
            raise OperatingPointError(f"operating point '{text}': nothing after '@'; name a level, e.g. {head}@2")
        if kind in ("f1_macro", "model"):
            if value_text is not None:
                raise OperatingPointError(f"operating point '{text}': '{kind}' takes no value (write '{kind}')")
            if kind == "model" and level is not None:
                raise OperatingPointError(f"operating point '{text}': 'model' (the model's own rule) takes no level")
            return cls(kind, None, level)
        if value_text is None or not value_text.strip():
            example = {"sensitivity": "0.90", "specificity": "0.95", "threshold": "0.3"}[kind]
            raise OperatingPointError(f"operating point '{text}': '{kind}' needs a value, e.g. {kind}={example}")
        try:
            value = float(value_text.rstrip("%")) / (100 if value_text.endswith("%") else 1)
        except ValueError:
            raise OperatingPointError(f"operating point '{text}': '{value_text}' is not a number") from None
        if not math.isfinite(value):
            raise OperatingPointError(f"operating point '{text}': the value must be a finite number")
        if kind in _TARGETS and not 0 < value <= 1:
            hint = f" (write {value / 100:g} for {value:g} %)" if 1 < value <= 100 else ""
            raise OperatingPointError(f"operating point '{text}': {kind} must be above 0 and at most 1{hint}")
        if kind == "threshold" and not 0 <= value <= 1:
            raise OperatingPointError(f"operating point '{text}': a threshold is a probability between 0 and 1")
        return cls(kind, value, level)

    def __str__(self) -> str:
        text = self.kind if self.value is None else f"{self.kind}={self.value:g}"
        return text if self.level is None else f"{text}@{self.level}"

    @property
    def is_model_rule(self) -> bool:
        """True for ``model``: no point, the model's own decision rule."""
        return self.kind == "model"


@dataclass(frozen=True)
class ChosenPoint:
    """An operating point made concrete for one model: which classes are the cases, the
    threshold on their summed probability, and what it achieved on the out-of-fold scores.

    Attributes
    ----------
    spec : the requested point as text (``"sensitivity=0.9@2"``).
    kind, target : the kind and the requested value (None for ``f1_macro``).
    classes : the model's classes, in column order.
    cases : the classes counted as cases (flagged side): the positive class, or a level
        and every level above it, or one named class.
    level : the class that names the cases (the positive class, or ``LEVEL``).
    ordered : True when the cases are "``level`` or above" of ordered levels.
    threshold : flag an item when the cases' summed probability is at least this.
    oof : what the threshold gives on the training data's out-of-fold scores (counts,
        sensitivity, specificity, PPV, NPV, share flagged), or None when chosen without them.
    """

    spec: str
    kind: str
    target: float | None
    classes: list
    cases: list
    level: Any
    ordered: bool
    threshold: float
    oof: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    # -------------------------------------------------------------------- applying --
    def _case_columns(self, classes: Sequence[Any] | None = None) -> list[int]:
        classes = [plain_value(c) for c in (self.classes if classes is None else classes)]
        missing = [c for c in self.cases if c not in classes]
        if missing:
            raise OperatingPointError(
                f"operating point '{self.spec}' names classes {missing} that the model does not have ({classes})"
            )
        return [classes.index(c) for c in self.cases]

    def case_scores(self, proba: np.ndarray, classes: Sequence[Any] | None = None) -> np.ndarray:
        """The score the threshold applies to: the summed probability of the case
        classes (P(positive), or P(level >= LEVEL)); columns follow ``classes``
        (default: the classes the point was chosen for)."""
        proba = np.asarray(proba, dtype=float)
        return proba[:, self._case_columns(classes)].sum(axis=1)

    def flag(self, proba: np.ndarray, classes: Sequence[Any] | None = None) -> np.ndarray:
        """True where an item is flagged: its case score is at or above the threshold."""
        return self.case_scores(proba, classes) >= self.threshold

    def decide(self, proba: np.ndarray, labels: Sequence[Any], classes: Sequence[Any] | None = None) -> np.ndarray:
        """Labels at this point: the model's ``labels`` moved to the side of the cut the
        point decides (see the module docstring)."""
        classes = [plain_value(c) for c in (self.classes if classes is None else classes)]
        proba = np.asarray(proba, dtype=float)
        flagged = self.flag(proba, classes)
        cols = self._case_columns(classes)
        index = {c: j for j, c in enumerate(classes)}
        idx = np.asarray([index[plain_value(v)] for v in labels], dtype=int)
        if len(classes) == 2:
            pos = cols[0]
            out = np.where(flagged, pos, 1 - pos)
        elif self.ordered:
            k = cols[0]
            out = np.where(flagged, np.maximum(idx, k), np.minimum(idx, k - 1))
        else:
            c = cols[0]
            others = proba.copy()
            others[:, c] = -np.inf
            out = np.where(flagged, c, np.where(idx == c, others.argmax(axis=1), idx))
        values = np.asarray(classes, dtype=object)[out]
        try:
            return np.asarray(values.tolist())
        except ValueError:  # pragma: no cover - mixed types stay objects
            return values

    # -------------------------------------------------------------------- words --
    @property
    def cases_text(self) -> str:
        if self.ordered:
            return f"level >= {self.level}"
        return f"class {self.level}"

    def describe(self) -> str:
        """One line: the point, the threshold and what it gave out-of-fold."""
        score = "P(" + (f"level >= {self.level}" if self.ordered else f"{self.level}") + ")"
        text = f"{self.spec}: flag when {score} >= {self.threshold:.4g}"
        if self.oof:
            o = self.oof
            text += (f" (training out-of-fold: sensitivity {o['sensitivity']:.3f}, specificity "
                     f"{o['specificity']:.3f}, {o['n_cases']} cases / {o['n_noncases']} others)")
        else:
            text += " (not checked on out-of-fold scores)"
        return text

    # -------------------------------------------------------------------- JSON --
    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "kind": self.kind,
            "target": self.target,
            "classes": [plain_value(c) for c in self.classes],
            "cases": [plain_value(c) for c in self.cases],
            "level": plain_value(self.level),
            "ordered": self.ordered,
            "threshold": float(self.threshold),
            "score": "P(" + (f"level >= {self.level}" if self.ordered else f"{self.level}") + ")",
            "chosen_on": "out-of-fold scores of the training data" if self.oof else "given threshold",
            "oof": self.oof,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ChosenPoint":
        try:
            return cls(
                spec=str(data["spec"]), kind=str(data["kind"]), target=data.get("target"),
                classes=list(data["classes"]), cases=list(data["cases"]), level=data["level"],
                ordered=bool(data.get("ordered", False)), threshold=float(data["threshold"]),
                oof=data.get("oof"), notes=list(data.get("notes") or []),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise OperatingPointError(f"stored operating point is incomplete or invalid ({exc}); "
                                      "choose it again with --operating-point") from None


# ------------------------------------------------------------------------ choosing --
def _task_of(classes: list) -> str:
    from ..task import infer_task

    return "binary" if len(classes) == 2 else infer_task(classes)


def _match_level(level: str, classes: list) -> int:
    from ..task import is_number

    for j, c in enumerate(classes):
        if str(c) == level:
            return j
    for j, c in enumerate(classes):
        if is_number(c):
            try:
                if float(level) == float(c):
                    return j
            except ValueError:
                pass
    raise OperatingPointError(
        f"level '{level}' is not a class of this model; its classes are {', '.join(map(str, classes))}"
    )


def cases_for(point: OperatingPoint, classes: Sequence[Any]) -> tuple[list, Any, bool]:
    """Which classes count as cases for ``point`` on a model with ``classes``:
    ``(cases, level, ordered)``."""
    classes = [plain_value(c) for c in classes]
    if len(classes) < 2:
        raise OperatingPointError("an operating point needs a model with at least two classes")
    task = _task_of(classes)
    if task == "regression":
        raise OperatingPointError(f"operating point '{point}' is for classifiers; these labels are scores "
                                  "(a regression task)")
    if task == "binary":
        from ..task import positive_label

        pos = positive_label(classes)
        if point.level is not None and classes[_match_level(point.level, classes)] != pos:
            raise OperatingPointError(
                f"operating point '{point}': for two classes the cases are the positive class '{pos}'; "
                f"write '{OperatingPoint(point.kind, point.value, None)}' (or @{pos})"
            )
        return [pos], pos, False
    if point.level is None:
        listing = ", ".join(map(str, classes))
        what = "LEVEL or above" if task == "ordinal" else "that class"
        raise OperatingPointError(
            f"operating point '{point}': this model has {len(classes)} classes ({listing}); name the cases with "
            f"@LEVEL ({what}), e.g. {point}@{classes[1] if task == 'ordinal' else classes[-1]}"
        )
    k = _match_level(point.level, classes)
    if task == "ordinal":
        if k == 0:
            raise OperatingPointError(
                f"operating point '{point}': '{classes[0]} or above' is every item; name a higher level "
                f"({', '.join(map(str, classes[1:]))})"
            )
        return classes[k:], classes[k], True
    return [classes[k]], classes[k], False


def _counts(scores: np.ndarray, cases: np.ndarray, t: float) -> dict[str, Any]:
    flagged = scores >= t
    tp = int(np.sum(flagged & cases))
    fp = int(np.sum(flagged & ~cases))
    fn = int(np.sum(~flagged & cases))
    tn = int(np.sum(~flagged & ~cases))

    def ratio(a: int, b: int) -> float | None:
        return a / b if b else None

    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "n_cases": tp + fn, "n_noncases": fp + tn,
            "sensitivity": ratio(tp, tp + fn), "specificity": ratio(tn, tn + fp),
            "ppv": ratio(tp, tp + fp), "npv": ratio(tn, tn + fn),
            "flagged_share": ratio(tp + fp, len(scores))}


def _describe_reach(kind: str, counts: dict[str, Any], t: float) -> str:
    other = "specificity" if kind == "sensitivity" else "sensitivity"
    return (f"{kind}={counts[kind]:.3f} (threshold {t:.4g}, out-of-fold {other} {counts[other]:.3f})")


def _choose_target(kind: str, target: float, s: np.ndarray, g: np.ndarray, spec: str, cases_text: str) -> float:
    """The threshold for ``sensitivity=`` / ``specificity=`` (see the module docstring)."""
    distinct = np.unique(s)
    if len(distinct) < 2:
        raise OperatingPointError(f"operating point '{spec}': every out-of-fold score is the same "
                                  f"({distinct[0]:.4g}); no cut-off separates the training items")
    if kind == "sensitivity":
        pos = np.sort(s[g])[::-1]
        m = max(1, math.ceil(target * len(pos) - 1e-9))
        top = pos[m - 1]
        below = distinct[distinct < top]
        if len(below):
            return float((top + below.max()) / 2)
        t = float((distinct[0] + distinct[1]) / 2)  # the highest sensitivity that leaves an item unflagged
        raise OperatingPointError(
            f"operating point '{spec}' cannot be reached on the training data's out-of-fold scores: it would "
            f"flag every training item; the closest reachable point is {_describe_reach(kind, _counts(s, g, t), t)} "
            f"for {cases_text}"
        )
    neg = np.sort(s[~g])
    m = max(1, math.ceil(target * len(neg) - 1e-9))
    bottom = neg[m - 1]
    above = distinct[distinct > bottom]
    if len(above):
        return float((bottom + above.min()) / 2)
    t = float((distinct[-1] + distinct[-2]) / 2)  # the highest specificity that still flags an item
    raise OperatingPointError(
        f"operating point '{spec}' cannot be reached on the training data's out-of-fold scores: it would flag "
        f"no training item; the closest reachable point is {_describe_reach(kind, _counts(s, g, t), t)} "
        f"for {cases_text}"
    )


def choose_point(
    point: "str | OperatingPoint", classes: Sequence[Any], oof: OutOfFold | None = None,
) -> ChosenPoint | None:
    """Make ``point`` concrete for a model with ``classes`` and out-of-fold scores ``oof``.

    Returns None for ``model`` (the model's own rule). Raises :class:`OperatingPointError`
    with a message that says what to do when the point cannot be read, needs out-of-fold
    scores the model does not have, or cannot be reached.
    """
    point = OperatingPoint.parse(point)
    if point.is_model_rule:
        return None
    classes = [plain_value(c) for c in classes]
    cases, level, ordered = cases_for(point, classes)
    cases_text = f"level >= {level}" if ordered else f"class {level}"
    spec = str(point)
    if oof is None:
        if point.kind != "threshold":
            raise OperatingPointError(
                f"operating point '{spec}' is chosen on the training data's out-of-fold scores, and this model has "
                "none: a model folder saved before depscreen stored them (retrain it: `depscreen train "
                "--operating-point ...`), or a model that computes none (depscreen-default does); "
                "'threshold=T' works without them"
            )
        return ChosenPoint(spec, point.kind, point.value, classes, cases, level, ordered, float(point.value), None)
    if [plain_value(c) for c in oof.classes] != classes:
        raise OperatingPointError(f"the stored out-of-fold scores are for classes {oof.classes}, the model has "
                                  f"{classes}; retrain the model")
    cols = [classes.index(c) for c in cases]
    s = oof.proba[:, cols].sum(axis=1)
    g = np.isin(oof.y, cols)
    n_cases, n_other = int(g.sum()), int((~g).sum())
    if n_cases == 0 or n_other == 0:
        missing = "no training item is" if n_cases == 0 else "every training item is"
        raise OperatingPointError(
            f"operating point '{spec}': {missing} in {cases_text} (out-of-fold scores of {len(g)} items), so no "
            "cut-off can be chosen; name another level"
        )
    notes: list[str] = []
    if point.kind in _TARGETS:
        t = _choose_target(point.kind, float(point.value), s, g, spec, cases_text)
    elif point.kind == "f1_macro":
        from .decision import best_threshold

        t, _ = best_threshold(s, g, "f1_macro")
    else:
        t = float(point.value)
    counts = _counts(s, g, t)
    flagged = counts["tp"] + counts["fp"]
    if flagged in (0, len(s)):
        lo, hi = float(s.min()), float(s.max())
        raise OperatingPointError(
            f"operating point '{spec}' flags {'no' if flagged == 0 else 'every'} training item (out-of-fold "
            f"scores of {cases_text} range {lo:.4g} to {hi:.4g}); choose a threshold inside that range"
        )
    if point.kind in _TARGETS and counts[point.kind] - point.value > 0.02:
        notes.append(f"out-of-fold {point.kind} is {counts[point.kind]:.3f}, above the requested {point.value:g}: "
                     "tied scores leave no cut-off nearer to it")
    return ChosenPoint(spec, point.kind, point.value, classes, cases, level, ordered, float(t), counts, notes)


def choose_for_model(point: "str | OperatingPoint", model: Any) -> ChosenPoint | None:
    """:func:`choose_point` on a fitted model's ``classes_`` and stored out-of-fold
    scores (``oof_``); None for ``model`` (the model's own rule), whatever the model is
    (a regression model has no classes and keeps its own predictions)."""
    point = OperatingPoint.parse(point)
    if point.is_model_rule:
        return None
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise OperatingPointError(f"{type(model).__name__} has no classes (a regression model or not fitted): "
                                  "operating points are for classifiers")
    return choose_point(point, list(classes), getattr(model, "oof_", None))
