"""eRisk XML reader on a small collection written in the eRisk layout (chunks + golden truth)."""

from __future__ import annotations

import pytest

from depscreen.corpus import CorpusFormatError
from depscreen.corpus.readers import read_source
from depscreen.corpus.readers.erisk import read_golden_truth


def _writing(title, date, text, info="reddit post"):
    return (
        f"<WRITING>\n\t<TITLE> {title} </TITLE>\n\t<DATE> {date} </DATE>\n"
        f"\t<INFO> {info} </INFO>\n\t<TEXT> {text} </TEXT>\n</WRITING>\n"
    )


def _individual(subject, writings):
    return f"<INDIVIDUAL>\n<ID>{subject}</ID>\n" + "".join(writings) + "</INDIVIDUAL>\n"


@pytest.fixture
def collection(tmp_path):
    c1, c2 = tmp_path / "chunks" / "chunk1", tmp_path / "chunks" / "chunk2"
    c1.mkdir(parents=True)
    c2.mkdir(parents=True)
    # files list writings newest first
    (c1 / "train_subject1_1.xml").write_text(
        _individual(
            "train_subject1",
            [_writing("", "2014-05-06 15:06:35", "Feeling hopeless again"), _writing("My week", "2014-05-01 10:00:00", "")],
        ),
        encoding="utf-8",
    )
    (c2 / "train_subject1_2.xml").write_text(
        _individual("train_subject1", [_writing("", "2014-06-01 09:00:00", "Still here", "reddit comment")]),
        encoding="utf-8",
    )
    # a raw '&' and a control character, as in real dumps
    (c1 / "train_subject2_1.xml").write_text(
        _individual("train_subject2", [_writing("Cats & dogs", "2015-01-01 00:00:00", "fun\x01 day"), _writing("", "2015-01-02 00:00:00", "")]),
        encoding="utf-8",
    )
    (c1 / "train_subject3_1.xml").write_text(
        _individual("train_subject3", [_writing("", "2015-01-01 00:00:00", "not labelled")]), encoding="utf-8"
    )
    (c1 / "broken_1.xml").write_text("<INDIVIDUAL><ID>x</ID><WRITING>", encoding="utf-8")
    (tmp_path / "risk_golden_truth.txt").write_text("train_subject1\t1\ntrain_subject2 0\nbad line here\n", encoding="utf-8")
    return tmp_path


def test_erisk_merges_chunks_orders_by_date_and_labels(collection):
    corpus = read_source(collection, "erisk")
    users = {u.user_id: u for u in corpus}
    assert set(users) == {"train_subject1", "train_subject2"}
    s1 = users["train_subject1"]
    assert s1.label == 1
    assert s1.texts == ["My week", "Feeling hopeless again", "Still here"]
    assert [p.time for p in s1.posts] == ["2014-05-01T10:00:00", "2014-05-06T15:06:35", "2014-06-01T09:00:00"]
    assert s1.posts[2].meta == {"info": "reddit comment", "chunk": 2}
    s2 = users["train_subject2"]
    assert s2.label == 0 and s2.texts == ["Cats & dogs\n\nfun  day"]
    report = corpus.report
    assert report.recovered["malformed XML repaired (bare '&' / control characters)"] == 1
    assert report.skipped["unparseable XML"] == 1
    assert report.examples["unparseable XML"][0].startswith("broken_1.xml:1:")
    assert report.skipped["subject not in golden truth"] == 1
    assert report.skipped["malformed golden-truth line"] == 1
    assert report.skipped["empty text"] == 1


def test_erisk_explicit_golden_and_folder_labels(collection, tmp_path_factory):
    golden = tmp_path_factory.mktemp("g") / "truth.txt"
    golden.write_text("train_subject3 1\n", encoding="utf-8")
    corpus = read_source(collection / "chunks", "erisk", golden=golden)
    assert [(u.user_id, u.label) for u in corpus] == [("train_subject3", 1)]

    pos = tmp_path_factory.mktemp("e2017") / "positive_examples_anonymous_chunks"
    pos.mkdir()
    (pos / "subject9_1.xml").write_text(_individual("subject9", [_writing("", "2016-01-01 00:00:00", "x")]), encoding="utf-8")
    corpus = read_source(pos.parent, "erisk")
    assert corpus[0].label == 1
    assert corpus.report.recovered["label taken from folder name"] == 1


def test_erisk_errors(tmp_path):
    with pytest.raises(CorpusFormatError, match="no .xml files"):
        read_source(tmp_path, "erisk")
    bad = tmp_path / "truth.txt"
    bad.write_text("only-one-field\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="truth.txt:1"):
        read_golden_truth(bad)
