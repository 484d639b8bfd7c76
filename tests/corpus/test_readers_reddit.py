"""Reddit post-level readers (reddit-cleaned, SDCNL, LT-EDI) on files written in their formats."""

from __future__ import annotations

import csv

import pytest

from depscreen.corpus import CorpusFormatError
from depscreen.corpus.readers import read_source


def _write(path, header, rows, delimiter=","):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def test_reddit_cleaned(tmp_path):
    path = _write(
        tmp_path / "depression_dataset_reddit_cleaned.csv",
        ["clean_text", "is_depression"],
        [["i feel empty every day", 1], ["great game last night", 0], ["", 1], ["what", 7]],
    )
    corpus = read_source(path, "reddit-cleaned")
    assert corpus.texts == ["i feel empty every day", "great game last night"]
    assert corpus.labels == [1, 0]
    assert corpus[0].id == "reddit-2"
    assert corpus.report.skipped == {"empty text": 1, "label not 0/1": 1}


def test_reddit_cleaned_missing_column(tmp_path):
    path = _write(tmp_path / "x.csv", ["text", "is_depression"], [["a", 1]])
    with pytest.raises(CorpusFormatError, match="'clean_text'"):
        read_source(path, "reddit-cleaned")


SDCNL_HEADER = ["", "title", "selftext", "author", "num_comments", "is_suicide", "url", "megatext_clean"]


def test_sdcnl_folder_reads_train_and_test(tmp_path):
    _write(
        tmp_path / "training-set.csv",
        SDCNL_HEADER,
        [
            [339, "Need help", "I can't go on", "alice", 3, 1, "u", "need help cant go on"],
            [12, "", "Tired of everything", "bob", 0, 0, "u", "tired everything"],
        ],
    )
    _write(tmp_path / "testing-set.csv", SDCNL_HEADER, [[7, "Title only", "", "carol", 1, 0, "u", "title only"]])
    _write(tmp_path / "combined-set.csv", SDCNL_HEADER, [[1, "dup", "dup", "x", 0, 0, "u", "dup"]])
    corpus = read_source(tmp_path, "sdcnl")
    assert [r.id for r in corpus] == ["sdcnl-train-339", "sdcnl-train-12", "sdcnl-test-7"]
    assert corpus[0].text == "Need help\n\nI can't go on"
    assert corpus[1].text == "Tired of everything"
    assert corpus[0].meta == {"split": "train", "subreddit": "SuicideWatch", "author": "alice"}
    clean = read_source(tmp_path / "training-set.csv", "sdcnl", text="clean")
    assert clean.texts == ["need help cant go on", "tired everything"]


LTEDI_ROWS = [
    ["dev_pid_1", "I enjoyed today!\nBut tomorrow, \"who knows\"", "moderate"],
    ["dev_pid_2", "Nothing matters anymore", "Severe"],
    ["dev_pid_3", "Went hiking", "not depression"],
    ["dev_pid_4", "Odd label", "mild"],
    ["dev_pid_5", "No label", ""],
]


def test_ltedi_multiline_text_and_ordinal_labels(tmp_path):
    path = _write(tmp_path / "dev.tsv", ["PID", "Text data", "Label"], LTEDI_ROWS, delimiter="\t")
    corpus = read_source(path, "ltedi")
    assert [r.id for r in corpus] == ["dev_pid_1", "dev_pid_2", "dev_pid_3"]
    assert corpus[0].text == "I enjoyed today!\nBut tomorrow, \"who knows\""
    assert corpus.labels == [1, 2, 0]
    assert [r.meta["label_name"] for r in corpus] == ["moderate", "severe", "not depression"]
    unknown = [k for k in corpus.report.skipped if k.startswith("unknown label")]
    assert len(unknown) == 1 and corpus.report.skipped["missing label"] == 1
    # the location is the line where the row starts: header 1, pid_1 spans 2-3, ...
    assert corpus.report.examples[unknown[0]] == ["dev.tsv:6 field 'Label'"]


def test_ltedi_positive_by_label_name(tmp_path):
    path = _write(tmp_path / "dev.tsv", ["PID", "Text data", "Label"], LTEDI_ROWS[:3], delimiter="\t")
    corpus = read_source(path, "ltedi", positive=["moderate", "severe"])
    assert corpus.labels == [1, 1, 0]


def test_ltedi_official_test_file_header(tmp_path):
    # the labelled test release says "Pid / text data / Class labels"
    path = _write(tmp_path / "test.tsv", ["Pid", "text data", "Class labels"], LTEDI_ROWS[:3], delimiter="\t")
    corpus = read_source(path, "ltedi")
    assert [r.id for r in corpus] == ["dev_pid_1", "dev_pid_2", "dev_pid_3"]
    assert corpus.labels == [1, 2, 0] and corpus[0].meta["split"] == "test"
    assert corpus[0].text.startswith("I enjoyed today!")


def test_ltedi_header_without_a_label_column_is_refused(tmp_path):
    path = _write(tmp_path / "x.tsv", ["Pid", "text data", "Score"], LTEDI_ROWS[:1], delimiter="\t")
    with pytest.raises(CorpusFormatError, match="no column for 'Label'.*'Score'"):
        read_source(path, "ltedi")
