"""Score a built lexicon against a gold lexicon (precision, recall, F1, size).

Definitions (also in docs/lexicon.md). ``B`` is the built lexicon, ``G`` the gold one,
each a word -> polarity map (1 depressive, 0 not).

* ``matched``   = words in both, ``M = B ∩ G``.
* ``correct``   = matched words whose polarity agrees, ``C = {w ∈ M : B(w) = G(w)}``.
* ``precision`` = ``|C| / |M|``: of the built words the gold can judge, the share
  labelled right. Built words absent from the gold are *not* counted as errors (the
  gold is not exhaustive); ``coverage`` says how many there were.
* ``recall``    = ``|C| / |G|``: the share of the gold lexicon recovered with the right
  polarity.
* ``f1``        = harmonic mean of precision and recall.
* ``coverage``  = ``|M| / |B|``: the share of the built lexicon the gold can judge.
* ``size``      = ``|B|``.
* ``recall_reachable`` = ``|C| / |G ∩ V|`` when a vocabulary ``V`` is given (words the
  corpus could have produced at all): separates "not in our data" from "missed".

The paper's own scores treat "depressive" as the positive class on the matched words:
``dep_precision = TP / (TP + FP)``, ``dep_recall = TP / (TP + FN)`` and ``dep_f1``, where
TP = matched words both call depressive, FP = built depressive / gold not, FN = gold
depressive / built not. Both families are reported.

Example
-------
>>> from depscreen.lexicon.lexicon import Lexicon
>>> built = Lexicon.from_pairs([("a", 1), ("b", 0), ("c", 1), ("x", 1)])
>>> gold = Lexicon.from_pairs([("a", 1), ("b", 1), ("c", 1), ("d", 0)])
>>> s = evaluate_lexicon(built, gold)
>>> s.matched, s.correct, s.precision, s.recall
(3, 2, 0.6666666666666666, 0.5)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Collection

from .lexicon import Lexicon


@dataclass
class LexiconScores:
    size: int
    gold_size: int
    matched: int
    correct: int
    precision: float
    recall: float
    f1: float
    coverage: float
    dep_precision: float
    dep_recall: float
    dep_f1: float
    n_depressive: int
    n_non_depressive: int
    recall_reachable: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate_lexicon(
    built: Lexicon,
    gold: Lexicon,
    *,
    vocabulary: Collection[str] | None = None,
    include_seeds: bool = True,
) -> LexiconScores:
    """Compare ``built`` with ``gold`` (see the module docstring for the definitions).

    Parameters
    ----------
    vocabulary : the words the corpus could produce; adds ``recall_reachable``.
    include_seeds : when False, entries of ``built`` whose source is ``"seed"`` are left
        out (so only the words a method found itself are judged).
    """
    if not include_seeds:
        built = built.without("seed")
    b, g = built.as_dict(), gold.as_dict()
    matched = [w for w in b if w in g]
    correct = sum(b[w] == g[w] for w in matched)
    tp = sum(b[w] == 1 and g[w] == 1 for w in matched)
    fp = sum(b[w] == 1 and g[w] == 0 for w in matched)
    fn = sum(b[w] == 0 and g[w] == 1 for w in matched)
    precision = _ratio(correct, len(matched))
    recall = _ratio(correct, len(g))
    dep_p, dep_r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    reachable = None
    if vocabulary is not None:
        reachable = _ratio(correct, sum(w in vocabulary for w in g))
    return LexiconScores(
        size=len(b),
        gold_size=len(g),
        matched=len(matched),
        correct=correct,
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        coverage=_ratio(len(matched), len(b)),
        dep_precision=dep_p,
        dep_recall=dep_r,
        dep_f1=_f1(dep_p, dep_r),
        n_depressive=len(built.depressive),
        n_non_depressive=len(built.non_depressive),
        recall_reachable=reachable,
    )
