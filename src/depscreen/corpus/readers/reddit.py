"""Post-level Reddit sets: the cleaned Kaggle depression set, SDCNL and LT-EDI 2022 DepSign.

Example
-------
>>> from depscreen.corpus.readers import read_source
>>> corpus = read_source(None, "ltedi")  # the shared copy of dev.tsv  # doctest: +SKIP
>>> corpus[0].label, corpus[0].meta["label_name"]  # doctest: +SKIP
(2, 'severe')
"""

from __future__ import annotations

from pathlib import Path

from ..io import CorpusFormatError
from ..types import PostCorpus, PostRecord, ReadReport
from ._common import (
    coerce_label,
    finish_posts,
    iter_csv,
    map_label,
    resolve_source,
    take_text,
)

#: LT-EDI 2022 DepSign labels in ordinal order.
LTEDI_LABELS = {"not depression": 0, "moderate": 1, "severe": 2}


def read_reddit_cleaned(source: str | Path | None = None, *, encoding: str = "utf-8-sig") -> PostCorpus:
    """Kaggle "Depression: Reddit Dataset (Cleaned)": columns ``clean_text,is_depression`` (1 = depression).

    The text is already lower-cased with punctuation stripped upstream; there are no
    user ids or times. Ids are ``reddit-<line>``.
    """
    path = resolve_source(
        source,
        "en/reddit-depression-cleaned/depression_dataset_reddit_cleaned.csv",
        patterns=("depression_dataset_reddit_cleaned.csv", "*.csv"),
    )
    report = ReadReport(source=str(path))
    records = []
    for where, row in iter_csv(path, report, encoding=encoding, required=("clean_text", "is_depression")):
        label = _binary(row["is_depression"], report, where, "is_depression")
        if label is None:
            continue
        text = take_text(row["clean_text"], report, where, "clean_text")
        if text is None:
            continue
        records.append(PostRecord(f"reddit-{where.rsplit(':', 1)[1]}", text, label))
    return finish_posts(records, "reddit-depression-cleaned", report, path)


def _binary(value, report: ReadReport, where: str, field: str) -> int | None:
    label = coerce_label(value)
    if label is None:
        report.skip("missing label", f"{where} field '{field}'")
        return None
    if label not in (0, 1):
        report.skip("label not 0/1", f"{where} field '{field}'")
        return None
    return int(label)


def read_sdcnl(
    source: str | Path | None = None,
    *,
    text: str = "raw",
    encoding: str = "utf-8-sig",
) -> PostCorpus:
    """SDCNL (Haque et al. 2021): ``is_suicide`` 1 = r/SuicideWatch, 0 = r/depression.

    ``source`` is one CSV or the ``data`` folder; a folder is read as
    ``training-set.csv`` + ``testing-set.csv`` (``combined-set.csv`` is their union and
    is read only when the split files are absent), each record keeping its
    ``meta['split']``. ``text='raw'`` joins title and self-text as posted;
    ``text='clean'`` uses the upstream ``megatext_clean`` column. The author is kept in
    ``meta['author']`` (pseudonymised by ``--pseudonymise``).
    """
    if text not in ("raw", "clean"):
        raise ValueError(f"sdcnl: text must be 'raw' or 'clean', not {text!r}")
    if source is None:
        path = resolve_source(None, "en/sdcnl")
    else:
        path = resolve_source(source, None)
    if path.is_dir():
        files = [path / "training-set.csv", path / "testing-set.csv"]
        files = [f for f in files if f.exists()] or sorted(path.glob("*.csv"))
        if not files:
            raise CorpusFormatError(f"{path}: no SDCNL CSV files")
    else:
        files = [path]
    report = ReadReport(source=str(path))
    records = []
    required = ("title", "selftext", "is_suicide") if text == "raw" else ("megatext_clean", "is_suicide")
    for file in files:
        split = file.stem.replace("-set", "").replace("ing", "")  # training-set -> train
        for where, row in iter_csv(file, report, encoding=encoding, required=required):
            label = _binary(row["is_suicide"], report, where, "is_suicide")
            if label is None:
                continue
            if text == "raw":
                title, body = row["title"].strip(), row["selftext"].strip()
                joined = "\n\n".join(part for part in (title, body) if part)
                body_text = take_text(joined, report, where, "title+selftext")
            else:
                body_text = take_text(row["megatext_clean"], report, where, "megatext_clean")
            if body_text is None:
                continue
            index = _row_index(row) or where.rsplit(":", 1)[1]
            meta = {
                "split": split,
                "subreddit": "SuicideWatch" if label == 1 else "depression",
            }
            if row.get("author", "").strip():
                meta["author"] = row["author"].strip()
            records.append(PostRecord(f"sdcnl-{split}-{index}", body_text, label, meta=meta))
    return finish_posts(records, "sdcnl", report, path)


def _row_index(row: dict[str, str]) -> str | None:
    """The upstream row index (first, unnamed column; ``Unnamed: 0`` in the combined file)."""
    for key in ("Unnamed: 0", ""):
        value = row.get(key, "").strip()
        if value:
            return value
    return None


# Header spellings of the LT-EDI files (case and spacing ignored): the train / dev files
# say ``PID, Text data, Label``, the official labelled test file ``Pid, text data, Class labels``.
LTEDI_COLUMNS = {
    "PID": ("pid", "post id", "id"),
    "Text data": ("text data", "text"),
    "Label": ("label", "class labels", "class label", "labels"),
}


def _ltedi_header(path: Path, encoding: str) -> list[str]:
    """The file's column names mapped to the canonical ``PID / Text data / Label``; a clear
    error when a column cannot be found."""
    import csv
    import io

    from ._common import read_text

    first = next(csv.reader(io.StringIO(read_text(path, encoding), newline=""), delimiter="\t"), None)
    if not first:
        raise CorpusFormatError(f"{path}: empty file")
    names = [c.strip() for c in first]
    out = list(names)
    for canonical, spellings in LTEDI_COLUMNS.items():
        hits = [i for i, n in enumerate(names) if " ".join(n.split()).lower() in spellings]
        if not hits:
            raise CorpusFormatError(
                f"{path}: no column for {canonical!r} (accepted: {', '.join(spellings)}, any case; "
                f"columns are {', '.join(repr(n) for n in names)})"
            )
        out[hits[0]] = canonical
    return out


def read_ltedi(source: str | Path | None = None, *, encoding: str = "utf-8-sig") -> PostCorpus:
    """LT-EDI 2022 DepSign TSV (``PID, Text data, Label``): label 0 not depression, 1 moderate, 2 severe.

    The label name is kept in ``meta['label_name']``. Texts span several lines inside
    quotes; they are kept whole. A folder is searched for ``dev.tsv``, ``train.tsv``,
    ``test.tsv`` (all that exist, ``meta['split']`` set from the file name). Header names
    are matched ignoring case and spacing, and the official labelled test file's
    ``Pid / text data / Class labels`` is read too (:data:`LTEDI_COLUMNS`).
    """
    path = resolve_source(source, "en/ltedi2022-depsign/dev.tsv")
    files = sorted(path.glob("*.tsv")) if path.is_dir() else [path]
    if not files:
        raise CorpusFormatError(f"{path}: no .tsv files")
    report = ReadReport(source=str(path))
    records = []
    for file in files:
        for where, row in iter_csv(
            file, report, delimiter="\t", encoding=encoding, header=False, fieldnames=_ltedi_header(file, encoding)
        ):
            if where.endswith(":1"):  # the header row itself
                continue
            mapped = map_label(row["Label"], LTEDI_LABELS, report, where, "Label")
            if mapped is None:
                continue
            text = take_text(row["Text data"], report, where, "Text data")
            if text is None:
                continue
            pid = row["PID"].strip() or f"{file.stem}-{where.rsplit(':', 1)[1]}"
            records.append(
                PostRecord(pid, text, mapped[0], meta={"label_name": mapped[1], "split": file.stem})
            )
    return finish_posts(records, "ltedi2022-depsign", report, path)
