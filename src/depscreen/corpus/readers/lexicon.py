"""The Chinese depression-domain lexicon (Li et al., JMIR Med Inform 2020): ``word,label`` rows.

The released file is GB18030; a UTF-8 re-encoding exists too. :func:`read_lexicon`
detects which one it is given (UTF-8 first, since GB18030 decodes almost any bytes).

Example
-------
>>> from depscreen.corpus.readers import read_lexicon
>>> lexicon = read_lexicon()  # the shared copy  # doctest: +SKIP
>>> lexicon["抑郁"]  # doctest: +SKIP
1
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..io import CorpusFormatError
from ._common import coerce_label, read_text_auto, resolve_source

DEFAULT_LEXICON = "zh/depression-lexicon/Depression_Domain_Lexicon_202003.gb18030.csv"


def read_lexicon(path: str | Path | None = None, *, encodings=("utf-8-sig", "gb18030")) -> dict[str, int]:
    """Read ``word,label`` rows (1 = depressive, 0 = not) into ``{word: label}``.

    A first row whose label is not a number is a header and is skipped. A lexicon is
    small and curated, so damage is an error, not something to skip: a row without
    two fields, a non-integer label, or a word listed twice with different labels
    raises :class:`~depscreen.corpus.CorpusFormatError` naming file and line.
    A folder is searched for ``*.csv`` (the GB18030 original first).
    """
    path = resolve_source(
        path, DEFAULT_LEXICON, patterns=("*.gb18030.csv", "*.csv"), what="lexicon CSV"
    )
    text, _encoding = read_text_auto(path, encodings)
    lexicon: dict[str, int] = {}
    first_seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise CorpusFormatError(f"{path}:{line}: expected 'word,label' (found {len(row)} field)")
        word, label = row[0].strip(), coerce_label(row[1])
        if not isinstance(label, int):
            if line == 1 and not lexicon:
                continue  # header
            raise CorpusFormatError(f"{path}:{line}: field 'label' is not an integer")
        if not word:
            raise CorpusFormatError(f"{path}:{line}: field 'word' is empty")
        if word in lexicon and lexicon[word] != label:
            raise CorpusFormatError(
                f"{path}:{line}: word listed at line {first_seen[word]} with another label"
            )
        lexicon.setdefault(word, label)
        first_seen.setdefault(word, line)
    if not lexicon:
        raise CorpusFormatError(f"{path}: no lexicon entries")
    return lexicon
