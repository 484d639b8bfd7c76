"""Generic CSV / TSV / JSON Lines / Parquet readers, read_source and the robustness rules."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from depscreen.corpus import CorpusFormatError, PostCorpus, UserCorpus, write_jsonl
from depscreen.corpus.readers import READERS, apply_positive, read_source, reader_options
from depscreen.corpus.readers._common import coerce_label, to_iso


def write_csv(path, header, rows, delimiter=","):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def tweets_csv(tmp_path):
    rows = [
        ["u1", "2020-01-03 10:00", "third post", "1", "p3"],
        ["u2", "2019-05-01 09:00", "hello world", "0", "p4"],
        ["u1", "2020-01-01 08:00", "first post", "1", "p1"],
        ["u1", "2020-01-02 08:00", "", "1", "p2"],  # empty text
        ["u3", "2020-02-01 08:00", "   ", "0", "p5"],  # u3 ends with an empty timeline
        ["u2", "2019-04-01 09:00", "earlier", "", "p6"],  # missing label
    ]
    return write_csv(tmp_path / "tweets.csv", ["user", "created", "body", "y", "pid"], rows)


def test_csv_user_level_groups_orders_and_counts(tweets_csv):
    corpus = read_source(
        tweets_csv, "csv", text_col="body", label_col="y", user_col="user", time_col="created", id_col="pid"
    )
    assert isinstance(corpus, UserCorpus)
    users = {u.user_id: u for u in corpus}
    assert set(users) == {"u1", "u2"}
    assert [p.id for p in users["u1"].posts] == ["p1", "p3"]  # time-ordered
    assert users["u1"].posts[0].time == "2020-01-01T08:00:00"
    assert users["u1"].label == 1 and users["u2"].label == 0
    report = corpus.report
    assert report.read == 2
    assert report.skipped["empty text"] == 2
    assert report.skipped["missing label"] == 1
    assert report.skipped["empty timeline (user with no usable post)"] == 1
    assert report.examples["missing label"] == ["tweets.csv:7 field 'y'"]
    assert "tweets.csv:5 field 'body'" in report.examples["empty text"]


def test_csv_post_level_without_user_column(tweets_csv):
    corpus = read_source(tweets_csv, "csv", text_col="body", label_col="y", id_col="pid")
    assert isinstance(corpus, PostCorpus)
    assert [r.id for r in corpus] == ["p3", "p4", "p1"]
    assert corpus.labels == [1, 0, 1]
    assert corpus.report.n_skipped == 3


def test_csv_unlabelled_allowed_when_asked(tweets_csv):
    corpus = read_source(tweets_csv, "csv", text_col="body", label_col="y", require_label=False)
    assert None in corpus.labels
    assert "missing label" not in corpus.report.skipped


def test_missing_column_names_file_and_field(tweets_csv):
    with pytest.raises(CorpusFormatError) as err:
        read_source(tweets_csv, "csv", text_col="text", label_col="y")
    assert "tweets.csv" in str(err.value) and "'text'" in str(err.value)
    assert "'body'" in str(err.value)  # lists the columns that are there


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CorpusFormatError, match="empty.csv: empty file"):
        read_source(empty, "csv")
    header = tmp_path / "header.csv"
    header.write_text("text,label\n")
    with pytest.raises(CorpusFormatError, match="header.csv: no usable records"):
        read_source(header, "csv")


def test_wrong_encoding_names_line(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("text,label\nok,1\n抑郁的一天,1\n".encode("gb18030"))
    with pytest.raises(CorpusFormatError, match=r"gbk.csv:3: not valid utf-8"):
        read_source(path, "csv")
    corpus = read_source(path, "csv", encoding="gb18030")
    assert corpus.texts == ["ok", "抑郁的一天"]


def test_malformed_rows_are_counted_with_location(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text('text,label\n"multi\nline post",1\ntoo,many,fields\n\nfine,0\n', encoding="utf-8")
    corpus = read_source(path, "csv")
    assert corpus.texts == ["multi\nline post", "fine"]
    assert corpus.report.skipped["wrong number of fields (expected 2)"] == 1
    assert corpus.report.examples["wrong number of fields (expected 2)"] == ["bad.csv:4 (3 fields)"]
    assert corpus.report.skipped["blank line"] == 1


def test_one_megabyte_post_is_read_intact(tmp_path):
    big = ("word, \"quoted\" and\nnew lines " * 40_000)[:1_048_576].strip()
    path = write_csv(tmp_path / "big.csv", ["text", "label"], [[big, 1], ["small", 0]])
    corpus = read_source(path, "csv")
    assert corpus[0].text == big and len(corpus[0].text) > 1_000_000


def test_tsv(tmp_path):
    path = write_csv(tmp_path / "p.tsv", ["text", "label"], [["a, b", "x"], ["c", "y"]], delimiter="\t")
    corpus = read_source(path, "tsv")
    assert corpus.texts == ["a, b", "c"] and corpus.labels == ["x", "y"]


def test_jsonl_canonical_and_mapped(tmp_path):
    from depscreen.corpus import Post, User

    canonical = UserCorpus([User("a", 1, [Post("hi", "2020-01-01T00:00:00")])])
    path = write_jsonl(canonical, tmp_path / "c.jsonl")
    back = read_source(path, "jsonl")
    assert isinstance(back, UserCorpus) and back[0].posts[0].text == "hi"

    mapped = tmp_path / "m.jsonl"
    lines = [
        json.dumps({"who": "u", "msg": "one", "lab": 1, "at": 1577836800}),
        "{not json",
        json.dumps({"who": "u", "msg": "two", "lab": 1, "at": 1577836900}),
        json.dumps({"who": "v", "lab": 0}),
    ]
    mapped.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = read_source(mapped, "jsonl", text_col="msg", label_col="lab", user_col="who", time_col="at")
    assert [p.text for p in corpus[0].posts] == ["one", "two"]
    assert corpus[0].posts[0].time == "2020-01-01T00:00:00+00:00"
    assert corpus.report.skipped["invalid JSON"] == 1
    assert corpus.report.skipped["missing field"] == 1
    assert corpus.report.examples["missing field"] == ["m.jsonl:4 field 'msg'"]


def test_parquet(tmp_path):
    frame = pd.DataFrame(
        {"t": ["x", None, "z"], "l": [1, 0, 0], "u": ["a", "a", "b"], "ts": pd.to_datetime(["2021-01-02", "2021-01-01", "2021-01-03"])}
    )
    path = tmp_path / "d.parquet"
    frame.to_parquet(path)
    corpus = read_source(path, "parquet", text_col="t", label_col="l", user_col="u", time_col="ts")
    assert {u.user_id: len(u.posts) for u in corpus} == {"a": 1, "b": 1}
    assert corpus.report.examples["empty text"] == ["d.parquet:row 2 field 't'"]
    with pytest.raises(CorpusFormatError, match="missing column"):
        read_source(path, "parquet", text_col="nope", label_col="l")


def test_read_source_rejects_unknown_format_and_option(tweets_csv):
    with pytest.raises(ValueError, match="unknown format"):
        read_source(tweets_csv, "nope")
    with pytest.raises(ValueError, match="does not take text_col"):
        read_source(tweets_csv, "cssrs", text_col="body")
    assert "text_col" in reader_options("tsv")
    assert set(READERS) >= {"wu3d", "erisk", "csv", "tsv", "jsonl", "parquet", "cssrs", "ltedi"}


def test_positive_binarises_by_label_or_name_and_rejects_typos(tmp_path):
    path = write_csv(tmp_path / "e.csv", ["text", "label"], [["a", "sadness"], ["b", "joy"], ["c", "Sadness"]])
    corpus = read_source(path, "csv", positive=["sadness"], lang="en")
    assert corpus.labels == [1, 0, 1]  # compared case-insensitively
    assert corpus[0].meta["label_original"] == "sadness" and corpus[0].lang == "en"
    with pytest.raises(ValueError, match="not found"):
        apply_positive(corpus, ["sadnes"])


def test_coercions():
    assert [coerce_label(v) for v in ("1", "1.0", " 2 ", "0.5", "sad", "", None, True)] == [
        1, 1, 2, 0.5, "sad", None, None, 1
    ]
    assert to_iso("Sun Aug 30 07:48:37 +0000 2015") == "2015-08-30T07:48:37+00:00"
    assert to_iso("2020-05-01 00:32") == "2020-05-01T00:32:00"
    assert to_iso(1_440_920_917_000) == "2015-08-30T07:48:37+00:00"
    with pytest.raises(ValueError):
        to_iso("yesterday")


def test_unparseable_time_is_kept_null_and_counted(tmp_path):
    path = write_csv(tmp_path / "t.csv", ["u", "text", "label", "when"], [["a", "x", 1, "3分钟前"], ["a", "y", 1, "2020-01-01"]])
    corpus = read_source(path, "csv", user_col="u", time_col="when")
    assert [p.time for p in corpus[0].posts] == ["2020-01-01T00:00:00", None]
    assert corpus.report.recovered["unparseable time (kept as null)"] == 1
