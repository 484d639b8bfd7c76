"""Weibo emotion sets (post level, proxies for low mood): NLPCC 2013, simplifyweibo, CLUE Emotion 2020.

Labels stay emotion names (``sadness``, ``happiness`` ...); binarise with
``positive=["sadness"]`` (``--positive sadness``) for a low-mood proxy task.

Example
-------
>>> from depscreen.corpus.readers import read_source
>>> posts = read_source(None, "clue", positive=["sadness"])  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from ..io import CorpusFormatError
from ..types import PostCorpus, PostRecord, ReadReport
from ._common import finish_posts, iter_csv, iter_json_objects, read_text, resolve_source, take_text

#: Numeric mood ids of simplifyweibo_4_moods (upstream README: 0 喜悦, 1 愤怒, 2 厌恶, 3 低落).
SIMPLIFYWEIBO_MOODS = {0: "happiness", 1: "anger", 2: "disgust", 3: "sadness"}

#: Misspellings found in upstream documentation / files, mapped to the emotion name.
_ALIASES = {"sadnass": "sadness", "happy": "happiness", "sad": "sadness"}


def _emotion(value: str, report: ReadReport, where: str, field: str, numeric: dict[int, str] | None = None):
    """A normalised emotion name, or None (counted) when missing / unknown id."""
    name = " ".join(str(value).split()).lower()
    if not name:
        report.skip("missing label", f"{where} field '{field}'")
        return None
    if name.isdigit() and numeric is not None:
        if int(name) not in numeric:
            report.skip("unknown mood id", f"{where} field '{field}'")
            return None
        return numeric[int(name)]
    if name in _ALIASES:
        report.recover("misspelt emotion label normalised", f"{where} field '{field}'")
        return _ALIASES[name]
    return name


def _two_column(
    path: Path,
    report: ReadReport,
    *,
    header_names: set[str],
    encoding: str,
    prefix: str,
    numeric: dict[int, str] | None = None,
) -> list[PostRecord]:
    """Rows ``label,text``; a first row whose first field is in ``header_names`` is a header."""
    records = []
    first = True
    for where, row in iter_csv(path, report, encoding=encoding, header=False, fieldnames=("label", "text")):
        if first:
            first = False
            if row["label"].strip().lower() in header_names:
                continue
        label = _emotion(row["label"], report, where, "label", numeric)
        if label is None:
            continue
        text = take_text(row["text"], report, where, "text")
        if text is None:
            continue
        line = where.rsplit(":", 1)[1]
        records.append(PostRecord(f"{prefix}-{line}", text, label))
    return records


def read_nlpcc(source: str | Path | None = None, *, encoding: str = "utf-8-sig") -> PostCorpus:
    """NLPCC 2013 Weibo emotions (``Nlpcc2013Train.csv``: header ``标签,文本``), 8 classes incl. ``none``."""
    path = resolve_source(
        source,
        "zh/weibo-emotion-nlpcc-mix/Nlpcc2013Train.csv",
        patterns=("Nlpcc*.csv", "nlpcc*.csv"),
    )
    report = ReadReport(source=str(path))
    records = _two_column(path, report, header_names={"标签", "label"}, encoding=encoding, prefix="nlpcc")
    return finish_posts(records, "nlpcc2013", report, path)


def read_simplifyweibo(source: str | Path | None = None, *, encoding: str = "utf-8-sig") -> PostCorpus:
    """simplifyweibo moods: ``label,text`` rows without a header (a ``label,review`` header is skipped).

    Labels are emotion names (5 moods file) or numeric mood ids (4 moods file:
    0 happiness, 1 anger, 2 disgust, 3 sadness = 低落, as documented upstream);
    ids are mapped to names and the id kept nowhere else.
    """
    path = resolve_source(
        source,
        "zh/weibo-emotion-nlpcc-mix/simplifyweibo_5_moods.csv",
        patterns=("simplifyweibo*.csv",),
    )
    report = ReadReport(source=str(path))
    records = _two_column(
        path,
        report,
        header_names={"label", "标签"},
        encoding=encoding,
        prefix="simplifyweibo",
        numeric=SIMPLIFYWEIBO_MOODS,
    )
    return finish_posts(records, path.stem, report, path)


def read_clue(source: str | Path | None = None, *, encoding: str = "utf-8-sig") -> PostCorpus:
    """CLUE Emotion 2020: JSON lines ``{id, content, label}``, 7 emotions.

    A folder is read as ``train.txt``, ``valid.txt``, ``test.txt`` (those present);
    ``meta['split']`` is the file name and ids are ``clue-<split>-<id>``.
    """
    path = resolve_source(source, "zh/clue-emotion2020")
    if path.is_dir():
        files = [path / f"{s}.txt" for s in ("train", "valid", "test") if (path / f"{s}.txt").exists()]
        files = files or sorted(path.glob("*.json*"))
        if not files:
            raise CorpusFormatError(f"{path}: no CLUE files (train.txt, valid.txt, test.txt)")
    else:
        files = [path]
    report = ReadReport(source=str(path))
    records = []
    for file in files:
        text = read_text(file, encoding)
        for lineno, where, data in iter_json_objects(text, file.name, report):
            if "content" not in data:
                report.skip("missing field", f"{where} field 'content'")
                continue
            label = _emotion(data.get("label") or "", report, where, "label")
            if label is None:
                continue
            content = take_text(data["content"], report, where, "content")
            if content is None:
                continue
            rid = data.get("id", lineno)
            records.append(PostRecord(f"clue-{file.stem}-{rid}", content, label, meta={"split": file.stem}))
    return finish_posts(records, "clue-emotion2020", report, path)
