"""The :class:`Lexicon`: words with a polarity (1 depressive / 0 not) and a score.

A lexicon is what every construction method produces (W2V-LPA and the three
baselines) and what the gold standard is read into, so evaluation compares like
with like. On disk it is a CSV with the header ``word,polarity,score,source``; the
reader also accepts two-column gold files such as the released Chinese
depression-domain lexicon (``word,label`` with any header text, UTF-8 or GB18030).

Example
-------
>>> lex = Lexicon.from_pairs([("sad", 1, 0.9), ("happy", 0, -0.8)])
>>> lex.polarity("sad"), len(lex), sorted(lex.depressive)
(1, 2, ['sad'])
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

HEADER = ("word", "polarity", "score", "source")


class LexiconFormatError(ValueError):
    """A lexicon or seed file that cannot be read; the message names file, line and field."""


@dataclass(frozen=True)
class LexiconEntry:
    """One word: ``polarity`` 1 = depressive, 0 = non-depressive; ``score`` is signed
    (> 0 depressive) on the scale of the method that made it; ``source`` says whether the
    word was a seed or found by expansion (or came from a file)."""

    word: str
    polarity: int
    score: float
    source: str = "expanded"


class Lexicon:
    """An ordered word -> :class:`LexiconEntry` map (the first entry for a word wins)."""

    def __init__(self, entries: Iterable[LexiconEntry] = (), name: str = ""):
        self._entries: dict[str, LexiconEntry] = {}
        for entry in entries:
            if entry.polarity not in (0, 1):
                raise ValueError(f"polarity of '{entry.word}' must be 0 or 1, got {entry.polarity!r}")
            self._entries.setdefault(entry.word, entry)
        self.name = name

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_pairs(cls, rows: Iterable[tuple], name: str = "") -> "Lexicon":
        """From ``(word, polarity)`` or ``(word, polarity, score[, source])`` tuples."""
        entries = []
        for row in rows:
            word, polarity = row[0], int(row[1])
            score = float(row[2]) if len(row) > 2 else (1.0 if polarity == 1 else -1.0)
            source = row[3] if len(row) > 3 else "file"
            entries.append(LexiconEntry(word, polarity, score, source))
        return cls(entries, name=name)

    # -- access ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LexiconEntry]:
        return iter(self._entries.values())

    def __contains__(self, word: object) -> bool:
        return word in self._entries

    def __getitem__(self, word: str) -> LexiconEntry:
        return self._entries[word]

    def __repr__(self) -> str:
        return (
            f"Lexicon({len(self)} words: {len(self.depressive)} depressive, "
            f"{len(self.non_depressive)} non-depressive)"
        )

    @property
    def words(self) -> list[str]:
        return list(self._entries)

    @property
    def depressive(self) -> set[str]:
        return {w for w, e in self._entries.items() if e.polarity == 1}

    @property
    def non_depressive(self) -> set[str]:
        return {w for w, e in self._entries.items() if e.polarity == 0}

    def polarity(self, word: str) -> int | None:
        entry = self._entries.get(word)
        return None if entry is None else entry.polarity

    def as_dict(self) -> dict[str, int]:
        """word -> polarity."""
        return {w: e.polarity for w, e in self._entries.items()}

    def without(self, source: str) -> "Lexicon":
        """A copy without the entries of ``source`` (e.g. ``"seed"``)."""
        return Lexicon((e for e in self if e.source != source), name=self.name)

    # -- files ----------------------------------------------------------------------
    def to_csv(self, path: str | Path) -> Path:
        """Write ``word,polarity,score,source`` (UTF-8)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            for e in self:
                writer.writerow([e.word, e.polarity, f"{e.score:.6g}", e.source])
        return path

    @classmethod
    def from_csv(cls, path: str | Path) -> "Lexicon":
        """Read a lexicon CSV written by :meth:`to_csv` or a two-column gold file.

        The first row is taken as a header when its second field is not a label.
        Labels may be ``1``/``0``, ``1``/``-1`` or ``depressive``/``non-depressive``.
        UTF-8 is tried first, then GB18030 (the encoding of the released Chinese lexicon).
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"lexicon file not found: {path}")
        text = _read_text(path)
        delimiter = "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","
        entries = []
        for lineno, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 2:
                raise LexiconFormatError(f"{path}:{lineno}: expected 'word,label', got one field")
            word = row[0].strip()
            label = parse_label(row[1])
            if label is None:
                if lineno == 1:  # header
                    continue
                raise LexiconFormatError(
                    f"{path}:{lineno}: field 'polarity' has unknown label {row[1]!r} "
                    "(use 1/0, 1/-1 or depressive/non-depressive)"
                )
            if not word:
                raise LexiconFormatError(f"{path}:{lineno}: field 'word' is empty")
            score = 1.0 if label == 1 else -1.0
            source = "file"
            if len(row) >= 3 and row[2].strip():
                try:
                    score = float(row[2])
                except ValueError:
                    raise LexiconFormatError(
                        f"{path}:{lineno}: field 'score' is not a number: {row[2]!r}"
                    ) from None
            if len(row) >= 4 and row[3].strip():
                source = row[3].strip()
            entries.append(LexiconEntry(word, label, score, source))
        if not entries:
            raise LexiconFormatError(f"{path}: no lexicon entries")
        return cls(entries, name=path.stem)


_POSITIVE = {"1", "+1", "depressive", "depressed", "depression", "pos", "positive", "d1"}
_NEGATIVE = {"0", "-1", "non-depressive", "nondepressive", "control", "not", "neg", "negative", "d2"}


def parse_label(value: str) -> int | None:
    """1 for a depressive label, 0 for a non-depressive one, None when not a label."""
    v = str(value).strip().lower()
    if v in _POSITIVE:
        return 1
    if v in _NEGATIVE:
        return 0
    return None


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LexiconFormatError(f"{path}: neither UTF-8 nor GB18030 text")
