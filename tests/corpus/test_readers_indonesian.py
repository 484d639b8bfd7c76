"""Indonesian suicidal-ideation xlsx reader (mojibake repair) on a workbook the test writes."""

from __future__ import annotations

import openpyxl
import pytest

from depscreen.corpus import CorpusFormatError
from depscreen.corpus.readers import read_source


def _mojibake(text: str) -> str:
    """UTF-8 bytes read as cp1252, the damage found upstream."""
    return text.encode("utf-8").decode("cp1252")


def _workbook(path, rows, sheet="10k", header=("index", "tweet", "label")):
    book = openpyxl.Workbook()
    book.active.title = "current_data"
    book.active.append(["other", "sheet"])
    ws = book.create_sheet(sheet)
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    book.save(path)
    return path


def test_id_suicide_repairs_and_counts_mojibake(tmp_path):
    broken = _mojibake("suasana batin ngerasa tertekan banget 😔")
    path = _workbook(
        tmp_path / "final_dataset.xlsx",
        [(1, broken, 0), (2, "pengen mati aja", 1), (3, None, 1), (4, "tanpa label", None), (5, "label aneh", 3)],
    )
    corpus = read_source(path, "id-suicide")
    assert corpus.texts == ["suasana batin ngerasa tertekan banget 😔", "pengen mati aja"]
    assert corpus.labels == [0, 1]
    assert [r.id for r in corpus] == ["id-suicide-1", "id-suicide-2"]
    report = corpus.report
    assert report.recovered["mojibake repaired (ftfy)"] == 1
    assert report.examples["mojibake repaired (ftfy)"] == ["final_dataset.xlsx:10k!row 2 field 'tweet'"]
    assert report.skipped == {"empty text": 1, "missing label": 1, "label not 0/1": 1}

    raw = read_source(path, "id-suicide", fix_mojibake=False)
    assert raw.texts[0] == broken


def test_id_suicide_errors(tmp_path):
    path = _workbook(tmp_path / "a.xlsx", [(1, "x", 0)], sheet="other")
    with pytest.raises(CorpusFormatError, match="no sheet '10k'"):
        read_source(path, "id-suicide")
    path = _workbook(tmp_path / "b.xlsx", [(1, "x", 0)], header=("index", "text", "label"))
    with pytest.raises(CorpusFormatError, match="missing column.*'tweet'"):
        read_source(path, "id-suicide")
    fake = tmp_path / "c.xlsx"
    fake.write_text("index,tweet,label\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="not a readable .xlsx"):
        read_source(fake, "id-suicide")
