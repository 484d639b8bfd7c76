"""Readers: every supported source format -> a canonical corpus, with a :class:`ReadReport`.

:data:`READERS` maps a format name (what ``depscreen data convert --format`` takes)
to its reader function; :data:`DESCRIPTIONS` says in one line what each reads.
:func:`read_source` is the single entry point: it checks the options, calls the
reader, and applies the options common to all formats (``lang``, ``positive``).

Every reader attaches its report as ``corpus.report``: how many records were read,
and every record skipped or repaired, counted under a reason with example locations
(``file:line`` and field). Nothing is dropped silently. Damage that makes the whole
input unusable (missing columns, empty file, wrong encoding) raises
:class:`~depscreen.corpus.CorpusFormatError` naming the file and the field or row.

Example
-------
>>> from depscreen.corpus.readers import read_source
>>> corpus = read_source("tweets.csv", "csv", text_col="tweet", label_col="y",
...                      user_col="user", time_col="created")  # doctest: +SKIP
>>> print(corpus.report.summary())  # doctest: +SKIP
tweets.csv: read 120; skipped 3 empty text
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable, Iterable

from ..io import CorpusFormatError
from ..types import Corpus, PostCorpus, PostRecord, User, UserCorpus
from .cssrs import read_cssrs
from .erisk import read_erisk
from .generic import read_csv, read_jsonl, read_parquet, read_tsv
from .indonesian import read_id_suicide
from .lexicon import read_lexicon
from .reddit import read_ltedi, read_reddit_cleaned, read_sdcnl
from .twitter import read_mental_health_twitter
from .weibo import read_clue, read_nlpcc, read_simplifyweibo
from .wu3d import read_wu3d

#: Format name -> reader function ``f(source, **options) -> Corpus``.
READERS: dict[str, Callable[..., Corpus]] = {
    "wu3d": read_wu3d,
    "erisk": read_erisk,
    "mental-health-twitter": read_mental_health_twitter,
    "cssrs": read_cssrs,
    "ltedi": read_ltedi,
    "reddit-cleaned": read_reddit_cleaned,
    "sdcnl": read_sdcnl,
    "nlpcc": read_nlpcc,
    "simplifyweibo": read_simplifyweibo,
    "clue": read_clue,
    "id-suicide": read_id_suicide,
    "csv": read_csv,
    "tsv": read_tsv,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
}

#: Format name -> one line: what it reads, at which level, with which labels.
DESCRIPTIONS: dict[str, str] = {
    "wu3d": "WU3D Weibo users (JSON list of users with label and tweets[]); user level, 1 depressed / 0 normal",
    "erisk": "eRisk XML folder (one <INDIVIDUAL> per subject, chunks merged) + golden truth 'subject label'; user level",
    "mental-health-twitter": "Mental-Health-Twitter CSV grouped by user_id, time-ordered; user level, 1 depressed / 0 not",
    "cssrs": "Reddit C-SSRS 500 users (Post = Python list literal); user level, 0..4 Supportive..Attempt",
    "ltedi": "LT-EDI 2022 DepSign TSV (PID, Text data, Label); post level, 0 not depression / 1 moderate / 2 severe",
    "reddit-cleaned": "Kaggle Reddit depression (cleaned) CSV (clean_text, is_depression); post level, 1 / 0",
    "sdcnl": "SDCNL Reddit CSVs (title + selftext, is_suicide); post level, 1 SuicideWatch / 0 depression",
    "nlpcc": "NLPCC 2013 Weibo emotions CSV (标签,文本); post level, 8 emotion names incl. none",
    "simplifyweibo": "simplifyweibo moods CSV without header (label,text); post level, emotion names",
    "clue": "CLUE Emotion 2020 JSON lines {id, content, label}; post level, 7 emotion names",
    "id-suicide": "Indonesian suicidal-ideation tweets xlsx (sheet 10k: index,tweet,label); post level, 1 / 0; mojibake repaired",
    "csv": "any CSV with a header: --text-col, --label-col, optional --user-col (user level), --time-col, --id-col",
    "tsv": "any tab-separated file with a header; same columns as csv",
    "jsonl": "canonical depscreen JSON Lines as is, else one object per line mapped like csv",
    "parquet": "any Parquet table; same columns as csv",
}

__all__ = [
    "DESCRIPTIONS",
    "READERS",
    "apply_positive",
    "read_lexicon",
    "read_source",
    "reader_options",
    "set_language",
]


def reader_options(fmt: str) -> list[str]:
    """The keyword options the reader of ``fmt`` accepts (besides the source)."""
    reader = read_csv if fmt == "tsv" else _reader(fmt)  # tsv forwards to csv
    params = inspect.signature(reader).parameters
    return [
        name
        for name, p in params.items()
        if name != "source" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]


def _reader(fmt: str) -> Callable[..., Corpus]:
    try:
        return READERS[fmt]
    except KeyError:
        from ...wording import unknown_name

        raise ValueError(unknown_name("format", fmt, READERS)) from None


def read_source(
    source: str | Path | None,
    fmt: str,
    *,
    lang: str | None = None,
    positive: Iterable[Any] | None = None,
    **options: Any,
) -> Corpus:
    """Read ``source`` in format ``fmt`` into a canonical corpus (report in ``corpus.report``).

    Parameters
    ----------
    source : path or None
        File or folder. None reads the data set's copy in the shared data folder
        (named formats only).
    fmt : str
        A key of :data:`READERS`.
    lang : str, optional
        Language code set on every post / record that has none (``zh``, ``en``, ``id``).
    positive : iterable, optional
        Binarise: labels (or label names, compared as strings) in ``positive`` become 1,
        all others 0; see :func:`apply_positive`.
    **options
        Reader options (column names, encoding, ...); an option the reader does not
        take raises ``ValueError`` naming the options it does take.
    """
    reader = _reader(fmt)
    accepted = reader_options(fmt)
    unknown = [k for k in options if k not in accepted]
    if unknown:
        raise ValueError(
            f"format '{fmt}' does not take {', '.join(unknown)}; "
            f"it takes: {', '.join(accepted) or 'no options'}"
        )
    if source is None and fmt in ("csv", "tsv", "jsonl", "parquet", "wu3d", "erisk"):
        raise CorpusFormatError(f"format '{fmt}' needs a source file or folder")
    corpus = reader(source, **options)
    if lang:
        set_language(corpus, lang)
    if positive is not None:
        corpus = apply_positive(corpus, positive)
    return corpus


def set_language(corpus: Corpus, lang: str) -> Corpus:
    """Set ``lang`` on every post / record whose language is unknown (in place)."""
    for item in corpus:
        if isinstance(item, User):
            for post in item.posts:
                if post.lang is None:
                    post.lang = lang
        elif item.lang is None:
            item.lang = lang
    return corpus


def apply_positive(corpus: Corpus, positive: Iterable[Any]) -> Corpus:
    """Binarise labels: 1 when the label or its name is in ``positive``, else 0 (a new corpus).

    Values are compared as strings, case-insensitively, against the label and against
    ``meta['label_name']`` (so ``--positive severe`` works on LT-EDI whose labels are
    0/1/2). The original label is kept in ``meta['label_original']``. A value that
    matches no label raises ``ValueError`` (a typo would silently make every label 0).
    """
    wanted = {str(p).strip().lower() for p in positive}
    if not wanted:
        raise ValueError("positive: give at least one label")

    def names(item) -> set[str]:
        out = {str(item.label).strip().lower()}
        if item.meta.get("label_name") is not None:
            out.add(str(item.meta["label_name"]).strip().lower())
        return out

    seen: set[str] = set()
    for item in corpus:
        seen |= names(item)
    missing = sorted(wanted - seen)
    if missing:
        raise ValueError(
            f"--positive {'label' if len(missing) == 1 else 'labels'} {', '.join(missing)} not found; "
            f"the labels are {', '.join(sorted(seen))}"
        )

    def meta(item) -> dict:
        out = dict(item.meta)
        out.setdefault("label_original", item.label)
        return out

    if isinstance(corpus, UserCorpus):
        users = [User(u.user_id, int(bool(names(u) & wanted)), list(u.posts), meta(u)) for u in corpus]
        return UserCorpus(users, name=corpus.name, report=corpus.report)
    records = [
        PostRecord(r.id, r.text, int(bool(names(r) & wanted)), r.lang, meta(r)) for r in corpus
    ]
    return PostCorpus(records, name=corpus.name, report=corpus.report)
