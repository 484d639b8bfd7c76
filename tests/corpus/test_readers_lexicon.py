"""Chinese depression lexicon (GB18030 / UTF-8) and the word-list loaders in readers.resources."""

from __future__ import annotations

import warnings

import pytest

from depscreen.corpus import CorpusFormatError
from depscreen.corpus.readers import read_lexicon
from depscreen.corpus.readers.resources import (
    load_abbreviations,
    load_kamus_alay,
    load_sogou_words,
    load_stopwords_zh,
)

LEXICON = "抑郁词,抑郁倾向（0非抑郁；1抑郁）\n抑郁,1\n崩溃,1\n开心,0\n\n压力,1\n"


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_read_lexicon_detects_encoding(tmp_path, encoding):
    path = tmp_path / f"lex.{encoding}.csv"
    path.write_bytes(LEXICON.encode(encoding))
    assert read_lexicon(path) == {"抑郁": 1, "崩溃": 1, "开心": 0, "压力": 1}


def test_read_lexicon_errors(tmp_path):
    conflict = tmp_path / "c.csv"
    conflict.write_text("抑郁,1\n开心,0\n抑郁,0\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"c.csv:3: word listed at line 1"):
        read_lexicon(conflict)
    badlabel = tmp_path / "b.csv"
    badlabel.write_text("抑郁,1\n开心,maybe\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"b.csv:2: field 'label'"):
        read_lexicon(badlabel)
    undecodable = tmp_path / "u.csv"
    undecodable.write_bytes(b"\x81\x30\xff\xff,1\n")
    with pytest.raises(CorpusFormatError, match="cannot decode"):
        read_lexicon(undecodable)
    empty = tmp_path / "e.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="empty file"):
        read_lexicon(empty)


def test_kamus_alay_most_frequent_formal(tmp_path):
    path = tmp_path / "colloquial-indonesian-lexicon.csv"
    path.write_text(
        "slang,formal,In-dictionary,context,category1,category2,category3\n"
        "beliin,membelikan,1,\"beliin aku, ya\",afiksasi,0,0\n"
        "beliin,belikan,1,ctx,afiksasi,0,0\n"
        "beliin,belikan,1,ctx,afiksasi,0,0\n"
        "Woww ,wow,1,wow,elongasi,0,0\n",
        encoding="utf-8",
    )
    assert load_kamus_alay(path) == {"beliin": "belikan", "woww": "wow"}


def test_abbreviations(tmp_path):
    path = tmp_path / "kamus_singkatan.csv"
    path.write_bytes(b"aamiin;amin \r\ngk;tidak\r\ngk;gak\r\ngk;tidak\r\nkaos/mug/jaket; \r\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert load_abbreviations(path) == {"aamiin": "amin", "gk": "tidak"}
    assert any("skipped 1" in str(w.message) for w in caught)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\nc,d\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="not an 'abbreviation;expansion' list"):
        load_abbreviations(bad)


def test_stopwords_folder_union_and_sogou(tmp_path):
    (tmp_path / "cn_stopwords.txt").write_text("的\n了\n", encoding="utf-8")
    (tmp_path / "hit_stopwords.txt").write_text("了\n　\n吧 \n", encoding="utf-8")
    assert load_stopwords_zh(tmp_path) == {"的", "了", "吧"}
    words = tmp_path / "sogou.txt"
    words.write_text("一一二二\n躺平\n\n躺平\n", encoding="utf-8")
    assert load_sogou_words(words) == {"一一二二", "躺平"}
