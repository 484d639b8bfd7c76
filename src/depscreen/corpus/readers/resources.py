"""Word lists that the tokenisers use: Indonesian slang and abbreviations, Chinese stopwords and internet words.

Each loader takes a path, or ``None`` for the copy under
:func:`depscreen.corpus.locate.shared_data_dir`, and returns a plain ``dict`` or
``set``. Keys are lower-cased where the tokeniser looks them up lower-cased.

Example
-------
>>> from depscreen.corpus.readers.resources import load_kamus_alay
>>> slang = load_kamus_alay()  # doctest: +SKIP
>>> slang["gpp"]  # doctest: +SKIP
'tidak apa-apa'
"""

from __future__ import annotations

import warnings
from collections import Counter, defaultdict
from pathlib import Path

from ..io import CorpusFormatError
from ..types import ReadReport
from ._common import iter_csv, read_text, resolve_source

KAMUS_ALAY = "id/kamus-alay/colloquial-indonesian-lexicon.csv"
ABBREVIATIONS = "id/abbreviations/kamus_singkatan.csv"
STOPWORDS_ZH = "zh/stopwords"
SOGOU_WORDS = "zh/sogou-network-words/sogou_network_words_accumulated.txt"


def _most_common(pairs: dict[str, list[str]]) -> dict[str, str]:
    """Per key the most frequent value; ties go to the value seen first."""
    out = {}
    for key, values in pairs.items():
        counts = Counter(values)
        best = max(counts.values())
        out[key] = next(v for v in values if counts[v] == best)
    return out


def load_kamus_alay(path: str | Path | None = None) -> dict[str, str]:
    """Colloquial Indonesian lexicon (Salsabila et al. 2018): ``{slang: formal}``.

    The CSV (``slang,formal,In-dictionary,context,...``) repeats a slang form once per
    context tweet, sometimes with different formal words (``beliin`` -> ``belikan`` /
    ``membelikan``); the most frequent formal word wins. 15,006 rows give 4,331 forms.
    """
    path = resolve_source(path, KAMUS_ALAY, patterns=("*.csv",), what="kamus alay CSV")
    report = ReadReport(source=str(path))
    pairs: dict[str, list[str]] = defaultdict(list)
    for where, row in iter_csv(path, report, required=("slang", "formal")):
        slang, formal = row["slang"].strip().lower(), row["formal"].strip()
        if not slang or not formal:
            report.skip("empty slang or formal word", where)
            continue
        pairs[slang].append(formal)
    if not pairs:
        raise CorpusFormatError(f"{path}: no entries")
    report.read = sum(len(v) for v in pairs.values())
    if report.skipped:
        warnings.warn(report.summary(), stacklevel=2)
    return _most_common(pairs)


def load_abbreviations(path: str | Path | None = None) -> dict[str, str]:
    """Indonesian abbreviation list, ``abbrev;expansion`` lines without header: ``{abbrev: expansion}``.

    Trailing spaces are stripped; an abbreviation listed twice keeps its most
    frequent expansion. Lines without an expansion (the public list has
    ``kaos/mug/jaket;``) are skipped with a warning that counts them; a file where
    most lines are not ``abbrev;expansion`` raises
    :class:`~depscreen.corpus.CorpusFormatError`.
    """
    path = resolve_source(path, ABBREVIATIONS, patterns=("*.csv", "*.txt"), what="abbreviation list")
    report = ReadReport(source=str(path))
    pairs: dict[str, list[str]] = defaultdict(list)
    n = 0
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        n += 1
        parts = line.split(";")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            report.skip("not 'abbreviation;expansion'", f"{path.name}:{lineno}")
            continue
        pairs[parts[0].strip().lower()].append(parts[1].strip())
    if not pairs or report.n_skipped > n / 2:
        first = next(iter(report.examples.values()), ["?"])[0]
        raise CorpusFormatError(
            f"{path}: not an 'abbreviation;expansion' list ({report.n_skipped} of {n} lines "
            f"malformed, first at {first})"
        )
    report.read = n - report.n_skipped
    if report.skipped:
        warnings.warn(report.summary(), stacklevel=2)
    return _most_common(pairs)


def _word_lines(path: Path) -> set[str]:
    return {w.strip() for w in read_text(path).splitlines() if w.strip()}


def load_stopwords_zh(path: str | Path | None = None) -> set[str]:
    """Chinese stopwords: one word a line. A folder gives the union of its ``*_stopwords.txt``
    files (cn, hit, baidu, scu: 2,312 distinct entries after stripping whitespace)."""
    path = resolve_source(path, STOPWORDS_ZH, what="stopword list")
    if path.is_dir():
        files = sorted(path.glob("*stopwords*.txt")) or sorted(path.glob("*.txt"))
    else:
        files = [path]
    if not files:
        raise CorpusFormatError(f"{path}: no stopword files")
    words: set[str] = set()
    for file in files:
        words |= _word_lines(file)
    return words


def load_sogou_words(path: str | Path | None = None) -> set[str]:
    """Sogou internet vocabulary, one word a line (a segmentation dictionary: no meanings)."""
    path = resolve_source(path, SOGOU_WORDS, patterns=("*.txt",), what="word list")
    return _word_lines(path)
