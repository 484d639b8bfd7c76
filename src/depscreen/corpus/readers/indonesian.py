"""Indonesian suicidal-ideation tweets (``final_dataset.xlsx``, sheet ``10k``: ``index,tweet,label``).

Some tweets carry mojibake upstream (UTF-8 emoji read as cp1252: ``ðŸ˜”`` for 😔);
:func:`ftfy.fix_encoding` repairs them and each repair is counted in the report.
The set was collected by keyword, so negatives contain the keywords too, and many
texts repeat: deduplicate before splitting (the evaluation harness does).

Example
-------
>>> from depscreen.corpus.readers import read_source
>>> tweets = read_source(None, "id-suicide")  # doctest: +SKIP
>>> tweets.report.recovered  # doctest: +SKIP
Counter({'mojibake repaired (ftfy)': 1967})
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..io import CorpusFormatError
from ..types import PostCorpus, PostRecord, ReadReport
from ._common import check_columns, coerce_label, finish_posts, iter_csv, resolve_source, take_text

_COLUMNS = ("index", "tweet", "label")


def _xlsx_rows(path: Path, sheet: str, report: ReadReport):
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise CorpusFormatError(f"{path}: not a readable .xlsx workbook ({exc})") from exc
    try:
        if sheet not in book.sheetnames:
            raise CorpusFormatError(
                f"{path}: no sheet {sheet!r} (sheets are {', '.join(map(repr, book.sheetnames))})"
            )
        rows = book[sheet].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise CorpusFormatError(f"{path}: sheet {sheet!r} is empty")
        names = [str(h).strip().lower() if h is not None else "" for h in header]
        check_columns(names, _COLUMNS, f"{path} sheet {sheet!r}")
        for r, values in enumerate(rows, start=2):
            where = f"{path.name}:{sheet}!row {r}"
            if values is None or all(v is None for v in values):
                report.skip("blank row", where)
                continue
            yield where, dict(zip(names, values))
    finally:
        book.close()


def read_id_suicide(
    source: str | Path | None = None,
    *,
    sheet: str = "10k",
    fix_mojibake: bool = True,
) -> PostCorpus:
    """Indonesian suicidal-ideation tweets, label 1 = ideation / 0 = not; mojibake repaired with ftfy.

    ``source`` is the workbook (``sheet`` picks the sheet) or a CSV export with the
    same ``index,tweet,label`` columns. Ids are ``id-suicide-<index>``.
    """
    path = resolve_source(
        source,
        "id/suicide-ideation-tweets/final_dataset.xlsx",
        patterns=("final_dataset.xlsx", "*.xlsx", "*.csv"),
    )
    report = ReadReport(source=str(path))
    if path.suffix.lower() == ".csv":
        rows = iter_csv(path, report, required=_COLUMNS)
    else:
        rows = _xlsx_rows(path, sheet, report)
    records = []
    for where, row in rows:
        label = coerce_label(row["label"])
        if label is None:
            report.skip("missing label", f"{where} field 'label'")
            continue
        if label not in (0, 1):
            report.skip("label not 0/1", f"{where} field 'label'")
            continue
        text = take_text(row["tweet"], report, where, "tweet", fix_mojibake=fix_mojibake)
        if text is None:
            continue
        index = coerce_label(row["index"])
        rid = f"id-suicide-{index}" if index is not None else f"id-suicide-{where.rsplit(' ', 1)[-1]}"
        records.append(PostRecord(rid, text, label))
    return finish_posts(records, "id-suicide-ideation", report, path)
