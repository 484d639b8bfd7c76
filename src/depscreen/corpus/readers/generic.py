"""Generic tables (CSV, TSV, JSON Lines, Parquet) with a column mapping.

With a user column the rows become a :class:`~depscreen.corpus.UserCorpus` (posts
grouped per user and ordered by time); without one, a
:class:`~depscreen.corpus.PostCorpus`. A JSON Lines file already in depscreen's
canonical layout is read as it is.

Example
-------
>>> from depscreen.corpus.readers import read_source
>>> corpus = read_source("posts.csv", "csv", text_col="body", label_col="y")  # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from ..io import CorpusFormatError
from ..io import read_jsonl as read_canonical_jsonl
from ..types import Corpus, Post, PostRecord, ReadReport
from ._common import (
    UserBuilder,
    check_columns,
    coerce_label,
    finish_posts,
    iter_csv,
    iter_json_objects,
    parse_time,
    read_text,
    resolve_source,
    take_text,
)


def rows_to_corpus(
    rows: Iterable[tuple[str, dict[str, Any]]],
    *,
    path: Path,
    report: ReadReport,
    columns: list[str] | None,
    text_col: str = "text",
    label_col: str | None = "label",
    user_col: str | None = None,
    time_col: str | None = None,
    id_col: str | None = None,
    require_label: bool = True,
    fix_mojibake: bool = False,
    keep_empty_users: bool = False,
) -> Corpus:
    """Turn ``(where, row)`` pairs into a corpus following the column mapping.

    ``columns`` (the header) is checked up front when known; for JSON Lines, where
    each record may differ, a missing text / user column is counted per record.
    """
    needed = [text_col] + [c for c in (user_col, time_col, id_col) if c]
    if require_label and label_col:
        needed.append(label_col)
    if columns is not None:
        check_columns(columns, needed, path)
    builder = UserBuilder(report, keep_empty=keep_empty_users) if user_col else None
    records: list[PostRecord] = []
    n = 0
    for where, row in rows:
        n += 1
        absent = [c for c in needed if c not in row]
        if absent:
            report.skip("missing field", f"{where} field '{absent[0]}'")
            continue
        label = coerce_label(row.get(label_col)) if label_col else None
        if builder is not None:
            uid = str(row[user_col]).strip()
            if not uid:
                report.skip("missing user id", f"{where} field '{user_col}'")
                continue
            builder.add_user(uid, where)
            if label is None and require_label:
                report.skip("missing label", f"{where} field '{label_col}'")
                continue
            text = take_text(row[text_col], report, where, text_col, fix_mojibake=fix_mojibake)
            post = None
            if text is not None:
                post = Post(
                    text=text,
                    time=parse_time(row[time_col], report, where, time_col) if time_col else None,
                    id=str(row[id_col]).strip() if id_col and row.get(id_col) is not None else None,
                )
            builder.add_post(uid, post, label, where)
            continue
        if label is None and require_label:
            report.skip("missing label", f"{where} field '{label_col}'")
            continue
        text = take_text(row[text_col], report, where, text_col, fix_mojibake=fix_mojibake)
        if text is None:
            continue
        rid = str(row[id_col]).strip() if id_col and row.get(id_col) is not None else ""
        meta = {}
        if time_col:
            time = parse_time(row[time_col], report, where, time_col)
            if time:
                meta["time"] = time
        records.append(PostRecord(rid or f"{path.stem}-{n}", text, label, meta=meta))
    if builder is not None:
        return builder.build(path.stem, path, require_label=require_label)
    return finish_posts(records, path.stem, report, path)


def read_csv(
    source: str | Path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    user_col: str | None = None,
    time_col: str | None = None,
    id_col: str | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    require_label: bool = True,
    fix_mojibake: bool = False,
    keep_empty_users: bool = False,
) -> Corpus:
    """Generic CSV with a header; columns named by ``text_col`` (default ``text``), ``label_col``, ``user_col``, ``time_col``, ``id_col``."""
    path = resolve_source(source, None, patterns=("*.csv",), what="CSV file")
    report = ReadReport(source=str(path))
    text_col = text_col or "text"
    label_col = label_col or "label"
    needed = [text_col] + [c for c in (user_col, time_col, id_col) if c]
    if require_label:
        needed.append(label_col)
    gen = iter_csv(path, report, delimiter=delimiter, encoding=encoding, required=needed)
    return rows_to_corpus(
        gen,
        path=path,
        report=report,
        columns=None,  # the header is checked by iter_csv
        text_col=text_col,
        label_col=label_col,
        user_col=user_col,
        time_col=time_col,
        id_col=id_col,
        require_label=require_label,
        fix_mojibake=fix_mojibake,
        keep_empty_users=keep_empty_users,
    )


def read_tsv(source: str | Path, **options: Any) -> Corpus:
    """Generic tab-separated file with a header; same column options as ``csv``."""
    options.setdefault("delimiter", "\t")
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        source = resolve_source(source, None, patterns=("*.tsv", "*.txt"), what="TSV file")
    return read_csv(source, **options)


def read_jsonl(
    source: str | Path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    user_col: str | None = None,
    time_col: str | None = None,
    id_col: str | None = None,
    encoding: str = "utf-8-sig",
    require_label: bool = True,
    fix_mojibake: bool = False,
    keep_empty_users: bool = False,
) -> Corpus:
    """JSON Lines: depscreen's canonical corpus as is, else one object per line mapped by columns."""
    path = resolve_source(source, None, patterns=("*.jsonl", "*.json", "*.txt"), what="JSON Lines file")
    text = read_text(path, encoding)
    mapped = any(c is not None for c in (text_col, user_col, time_col, id_col))
    if not mapped and _looks_canonical(text):
        return read_canonical_jsonl(path)
    report = ReadReport(source=str(path))

    rows = ((where, data) for _, where, data in iter_json_objects(text, path.name, report))
    return rows_to_corpus(
        rows,
        path=path,
        report=report,
        columns=None,
        text_col=text_col or "text",
        label_col=label_col or "label",
        user_col=user_col,
        time_col=time_col,
        id_col=id_col,
        require_label=require_label,
        fix_mojibake=fix_mojibake,
        keep_empty_users=keep_empty_users,
    )


def _looks_canonical(text: str) -> bool:
    """True when the first record is a canonical user (``user_id`` + ``posts``) or post (``id`` + ``text``)."""
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            return False
        if not isinstance(data, dict):
            return False
        if "posts" in data and "user_id" in data:
            return True
        return "id" in data and "text" in data
    return False


def read_parquet(
    source: str | Path,
    *,
    text_col: str | None = None,
    label_col: str | None = None,
    user_col: str | None = None,
    time_col: str | None = None,
    id_col: str | None = None,
    require_label: bool = True,
    fix_mojibake: bool = False,
    keep_empty_users: bool = False,
) -> Corpus:
    """Parquet table (read with pyarrow); same column options as ``csv``; rows are located as ``file:row N``."""
    import pandas as pd

    path = resolve_source(source, None, patterns=("*.parquet", "*.pq"), what="Parquet file")
    if path.stat().st_size == 0:
        raise CorpusFormatError(f"{path}: empty file")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise CorpusFormatError(f"{path}: not a readable Parquet file ({exc})") from exc
    if frame.empty:
        raise CorpusFormatError(f"{path}: empty table (no rows)")
    report = ReadReport(source=str(path))
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    rows = ((f"{path.name}:row {i + 1}", rec) for i, rec in enumerate(frame.to_dict("records")))
    return rows_to_corpus(
        rows,
        path=path,
        report=report,
        columns=columns,
        text_col=text_col or "text",
        label_col=label_col or "label",
        user_col=user_col,
        time_col=time_col,
        id_col=id_col,
        require_label=require_label,
        fix_mojibake=fix_mojibake,
        keep_empty_users=keep_empty_users,
    )
