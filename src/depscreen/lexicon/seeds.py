"""Seed words: chosen automatically by TF-IDF contrast, or read from a user's file.

Paper 002 computes TF-IDF over the depressed corpus D1 and the control corpus D2
(each post a document) and picks seeds from the top of each list (by hand: 40 + 40).
:func:`extract_seeds` automates the choice: TF-IDF is fitted within each corpus, a
word's weight in a corpus is its mean TF-IDF over that corpus's documents, and the
*contrast* ``weight_D1(w) - weight_D2(w)`` ranks it. The top ``n_seeds // 2`` words
by contrast become depressive seeds and the bottom ``n_seeds - n_seeds // 2`` become
non-depressive seeds. Stopwords, self-disclosure keywords (which only say how D1 was
collected), placeholders such as ``<url>`` and tokens without a letter are never seeds.

Example
-------
>>> d1 = [["i", "feel", "sad"], ["so", "sad", "and", "tired"]]
>>> d2 = [["happy", "day"], ["a", "happy", "walk"]]
>>> seeds = extract_seeds(d1, d2, n_seeds=2, min_df=1)
>>> seeds.depressive, seeds.control
(['sad'], ['happy'])
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .lexicon import LexiconFormatError, _read_text, parse_label

#: Collection keywords of self-disclosure data sets (the diagnosis statement that put a
#: user into D1, cf. :mod:`depscreen.text.selfdisclosure`). They are kept out of the
#: automatically extracted seeds so that seeds describe how depressed users write, not
#: how the corpus was gathered. They may still enter the lexicon through expansion.
SELF_DISCLOSURE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "en": ("diagnosed", "diagnosis", "diagnose", "dx", "depression", "mdd"),
    "zh": ("确诊", "诊断", "抑郁症", "被诊断", "确诊为"),
    "id": ("didiagnosis", "didiagnosa", "terdiagnosis", "terdiagnosa", "divonis", "depresi"),
}

log = logging.getLogger(__name__)

_HAS_LETTER = re.compile(r"[^\W\d_]")


def is_wordlike(token: str) -> bool:
    """True for tokens that can be lexicon words: some letter (any script), no
    ``<placeholder>`` such as ``<url>``."""
    return bool(token) and not (token.startswith("<") and token.endswith(">")) and bool(
        _HAS_LETTER.search(token)
    )


@dataclass
class SeedSet:
    """Depressive and non-depressive seed words.

    ``order`` is the order in which seeds are consulted by the W2V baseline ("the
    first seed that reaches Tc"): by rank, alternating depressive / non-depressive, for
    extracted seeds; file order for a user's seeds. ``scores`` holds the TF-IDF contrast
    (extracted seeds) or +-1 (file seeds).
    """

    depressive: list[str]
    control: list[str]
    scores: dict[str, float] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    source: str = "tfidf"

    def __post_init__(self) -> None:
        overlap = set(self.depressive) & set(self.control)
        if overlap:
            raise ValueError(
                f"{len(overlap)} word(s) are both depressive and non-depressive seeds, "
                f"e.g. {sorted(overlap)[:3]}"
            )
        if not self.order:
            self.order = _interleave(self.depressive, self.control)

    def __len__(self) -> int:
        return len(self.depressive) + len(self.control)

    @property
    def labels(self) -> dict[str, int]:
        """word -> +1 (depressive) / -1 (non-depressive): the clamped labels of propagation."""
        out = {w: 1 for w in self.depressive}
        out.update({w: -1 for w in self.control})
        return out

    def restrict(self, vocabulary: Collection[str]) -> tuple["SeedSet", list[str]]:
        """The seeds found in ``vocabulary``, and the list of those that were not."""
        missing = [w for w in self.order if w not in vocabulary]
        keep = set(self.order) - set(missing)
        restricted = SeedSet(
            [w for w in self.depressive if w in keep],
            [w for w in self.control if w in keep],
            {w: s for w, s in self.scores.items() if w in keep},
            [w for w in self.order if w in keep],
            self.source,
        )
        return restricted, missing

    def top(self, n_seeds: int) -> "SeedSet":
        """The first ``n_seeds // 2`` depressive and ``n_seeds - n_seeds // 2``
        non-depressive seeds (by rank), so smaller seed sets nest inside larger ones."""
        n_dep = n_seeds // 2
        n_ctl = n_seeds - n_dep
        if n_dep > len(self.depressive) or n_ctl > len(self.control):
            raise ValueError(
                f"asked for {n_dep} + {n_ctl} seeds, have {len(self.depressive)} + {len(self.control)}"
            )
        keep = set(self.depressive[:n_dep]) | set(self.control[:n_ctl])
        return SeedSet(
            self.depressive[:n_dep],
            self.control[:n_ctl],
            {w: s for w, s in self.scores.items() if w in keep},
            [w for w in self.order if w in keep],
            self.source,
        )

    def to_csv(self, path: str | Path) -> Path:
        """Write ``word,label,score`` in consultation order (readable by :func:`load_seeds`)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        labels = self.labels
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["word", "label", "score"])
            for w in self.order:
                writer.writerow([w, 1 if labels[w] > 0 else 0, f"{self.scores.get(w, labels[w]):.6g}"])
        return path


def _interleave(a: Sequence[str], b: Sequence[str]) -> list[str]:
    out: list[str] = []
    for i in range(max(len(a), len(b))):
        if i < len(a):
            out.append(a[i])
        if i < len(b):
            out.append(b[i])
    return out


def _identity(doc):
    return doc


def corpus_weights(docs: Sequence[Sequence[str]], min_df: int = 1) -> dict[str, float]:
    """Mean TF-IDF of each word over ``docs`` (TF-IDF fitted on ``docs`` alone, each
    document L2-normalised); words in fewer than ``min_df`` documents are left out."""
    docs = [d for d in docs if d]
    if not docs:
        return {}
    vectorizer = TfidfVectorizer(
        analyzer=_identity, lowercase=False, min_df=min(min_df, len(docs)), norm="l2"
    )
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # every word below min_df
        return {}
    mean = np.asarray(matrix.mean(axis=0)).ravel()
    return dict(zip(vectorizer.get_feature_names_out(), mean.tolist()))


def extract_seeds(
    depressed_docs: Sequence[Sequence[str]],
    control_docs: Sequence[Sequence[str]],
    *,
    n_seeds: int = 80,
    stopwords: Collection[str] = (),
    exclude: Collection[str] = (),
    vocabulary: Collection[str] | None = None,
    min_df: int = 3,
    strict: bool = True,
) -> SeedSet:
    """Pick ``n_seeds`` seeds (half depressive, half not) by TF-IDF contrast.

    Parameters
    ----------
    depressed_docs, control_docs : token lists, one per post (D1 and D2).
    n_seeds : total number of seeds; ``n_seeds // 2`` depressive, the rest non-depressive.
    stopwords, exclude : words that may not be seeds (stopwords; self-disclosure
        keywords and anything else the caller names).
    vocabulary : when given (the word-vector vocabulary), seeds must be in it, so every
        seed can take part in expansion.
    min_df : a seed occurs in at least this many documents of its own corpus.
    strict : raise when fewer seeds than asked for pass the filters; with False, use
        those that do (at least one per side) and log a warning -- for lexicons built
        automatically inside small training folds.

    Raises
    ------
    ValueError
        When either corpus is empty, or fewer seeds than asked for can be found
        (``strict``), or no seed at all on one side.
    """
    if n_seeds < 2:
        raise ValueError(f"n_seeds must be at least 2, got {n_seeds}")
    if not any(depressed_docs) or not any(control_docs):
        raise ValueError("seed extraction needs non-empty depressed (D1) and control (D2) corpora")
    w1 = corpus_weights(depressed_docs, min_df=min_df)
    w2 = corpus_weights(control_docs, min_df=min_df)
    blocked = set(stopwords) | set(exclude)

    def allowed(word: str) -> bool:
        return (
            is_wordlike(word)
            and word not in blocked
            and word.lower() not in blocked
            and (vocabulary is None or word in vocabulary)
        )

    n_dep = n_seeds // 2
    n_ctl = n_seeds - n_dep
    contrast_dep = {w: s - w2.get(w, 0.0) for w, s in w1.items() if allowed(w)}
    contrast_ctl = {w: s - w1.get(w, 0.0) for w, s in w2.items() if allowed(w)}
    # ties broken by the word itself so the choice is deterministic
    dep = [w for w, s in sorted(contrast_dep.items(), key=lambda kv: (-kv[1], kv[0])) if s > 0][:n_dep]
    ctl = [w for w, s in sorted(contrast_ctl.items(), key=lambda kv: (-kv[1], kv[0])) if s > 0][:n_ctl]
    short = len(dep) < n_dep or len(ctl) < n_ctl
    if short and not strict and dep and ctl:
        log.warning(
            "asked for %d + %d seeds, only %d + %d pass the filters: using those",
            n_dep, n_ctl, len(dep), len(ctl),
        )
    elif short:
        raise ValueError(
            f"asked for {n_dep} + {n_ctl} seeds but only {len(dep)} depressive and {len(ctl)} "
            "non-depressive words pass the filters; lower n_seeds or min_df, or supply a seed file"
        )
    scores = {w: contrast_dep[w] for w in dep}
    scores.update({w: -contrast_ctl[w] for w in ctl})
    return SeedSet(dep, ctl, scores, source="tfidf")


def load_seeds(path: str | Path) -> SeedSet:
    """Read a seed file: one ``word,label`` per line (CSV or TSV, optional header).

    Labels: ``1`` / ``depressive`` for depressive seeds, ``0`` / ``-1`` /
    ``non-depressive`` for the others. A bad line raises an error naming the file and line.

    Example file::

        word,label
        绝望,1
        开心,0
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"seed file not found: {path}")
    text = _read_text(path)
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    dep: list[str] = []
    ctl: list[str] = []
    order: list[str] = []
    seen: dict[str, int] = {}
    for lineno, row in enumerate(csv.reader(text.splitlines(), delimiter=delimiter), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2:
            raise LexiconFormatError(f"{path}:{lineno}: expected 'word,label', got one field")
        word, label = row[0].strip(), parse_label(row[1])
        if label is None:
            if lineno == 1:
                continue  # header
            raise LexiconFormatError(f"{path}:{lineno}: field 'label' has unknown value {row[1]!r}")
        if not word:
            raise LexiconFormatError(f"{path}:{lineno}: field 'word' is empty")
        if word in seen:
            if seen[word] != label:
                raise LexiconFormatError(
                    f"{path}:{lineno}: seed '{word}' has both labels (first at another line)"
                )
            continue
        seen[word] = label
        (dep if label == 1 else ctl).append(word)
        order.append(word)
    if not dep or not ctl:
        raise LexiconFormatError(
            f"{path}: needs at least one depressive and one non-depressive seed "
            f"(found {len(dep)} and {len(ctl)})"
        )
    scores = {w: 1.0 for w in dep}
    scores.update({w: -1.0 for w in ctl})
    return SeedSet(dep, ctl, scores, order, source=str(path))
