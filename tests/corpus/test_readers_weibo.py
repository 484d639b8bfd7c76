"""Weibo emotion readers (NLPCC, simplifyweibo, CLUE) on files written in their formats."""

from __future__ import annotations

import json

import pytest

from depscreen.corpus import CorpusFormatError
from depscreen.corpus.readers import read_source


def test_nlpcc_header_and_empty_text(tmp_path):
    path = tmp_path / "Nlpcc2013Train.csv"
    path.write_text(
        "标签,文本\nnone,三八节下午路过~见到鲜花[鲜花]\nsadness,\"好难过，\n真的\"\nlike,\n", encoding="utf-8"
    )
    corpus = read_source(path, "nlpcc")
    assert corpus.labels == ["none", "sadness"]
    assert corpus[1].text == "好难过，\n真的"
    assert corpus.report.examples["empty text"] == ["Nlpcc2013Train.csv:5 field 'text'"]


def test_simplifyweibo_names_and_numeric_ids(tmp_path):
    names = tmp_path / "simplifyweibo_5_moods.csv"
    names.write_text("anger,抓狂我竟然被笑话\nsadnass,我想哭\nsadness,心好累\n", encoding="utf-8")
    corpus = read_source(names, "simplifyweibo", positive=["sadness"])
    assert corpus.labels == [0, 1, 1]  # no header row lost, the upstream misspelling normalised
    assert corpus.report.recovered["misspelt emotion label normalised"] == 1

    numeric = tmp_path / "simplifyweibo_4_moods.csv"
    numeric.write_text("label,review\n0,开心\n3,低落的一天\n9,未知\n", encoding="utf-8-sig")
    corpus = read_source(numeric, "simplifyweibo")
    assert corpus.labels == ["happiness", "sadness"]
    assert corpus.report.skipped["unknown mood id"] == 1


def test_clue_folder_with_damaged_lines(tmp_path):
    lines = [
        {"id": 0, "content": "其实我愿意吞声忍气", "label": "sadness"},
        {"id": 1, "content": "今天很开心", "label": "happiness"},
    ]
    (tmp_path / "valid.txt").write_text("\n".join(json.dumps(l, ensure_ascii=False) for l in lines) + "\n", encoding="utf-8")
    (tmp_path / "test.txt").write_text(
        json.dumps({"id": 0, "content": "好怕", "label": "fear"}, ensure_ascii=False)
        + "\n{\"id\": 1, \"content\": \"cut\n"
        + json.dumps({"id": 2, "content": "无标签"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    corpus = read_source(tmp_path, "clue")
    assert [r.id for r in corpus] == ["clue-valid-0", "clue-valid-1", "clue-test-0"]
    assert [r.meta["split"] for r in corpus] == ["valid", "valid", "test"]
    assert corpus.report.skipped["invalid JSON"] == 1
    assert corpus.report.skipped["missing label"] == 1
    assert corpus.report.examples["missing label"] == ["test.txt:3 field 'label'"]


def test_clue_empty_folder(tmp_path):
    with pytest.raises(CorpusFormatError, match="no CLUE files"):
        read_source(tmp_path, "clue")
