"""C-SSRS 500-user reader: Python-list literals, truncated cells recovered and counted."""

from __future__ import annotations

import csv

import pytest

from depscreen.corpus import CorpusFormatError
from depscreen.corpus.readers import read_source
from depscreen.corpus.readers.cssrs import parse_post_list


def test_parse_post_list_exact_and_recovered():
    assert parse_post_list("['a', \"it's\"]") == (["a", "it's"], None, False)
    posts, how, cut = parse_post_list("['first', 'second is cu")
    assert posts == ["first", "second is cu"] and cut and "truncated" in how
    posts, how, cut = parse_post_list("['first', \"it's cu")
    assert posts == ["first", "it's cu"] and cut
    posts, how, cut = parse_post_list("['first', ")
    assert posts == ["first"] and not cut
    posts, how, cut = parse_post_list("garbage 'one' stray ' quote 'two'")
    assert "one" in posts and "scanned" in how
    assert parse_post_list("no literal here") == ([], None, False)


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["User", "Post", "Label"])
        writer.writerows(rows)
    return path


def test_read_cssrs(tmp_path):
    cut = str(["I am here for you", "call someone you trust"])[:-8]  # cut mid-post, like the 32,759-char cells
    path = _write(
        tmp_path / "500_Reddit_users_posts_labels.csv",
        [
            ["user-0", str(["feeling low", "  ", "no way out"]), "Ideation"],
            ["user-1", cut, "Supportive"],
            ["user-2", "not a list", "Attempt"],
            ["user-3", str(["x"]), "Unknown"],
            ["user-4", str(["took pills last night"]), "attempt"],
        ],
    )
    corpus = read_source(path, "cssrs")
    users = {u.user_id: u for u in corpus}
    assert set(users) == {"user-0", "user-1", "user-4"}
    assert users["user-0"].label == 2 and users["user-0"].meta["label_name"] == "ideation"
    assert users["user-0"].texts == ["feeling low", "no way out"]
    assert [p.id for p in users["user-0"].posts] == ["user-0-0", "user-0-2"]
    assert users["user-1"].label == 0
    assert users["user-1"].texts == ["I am here for you", "call someone you"]
    assert users["user-1"].posts[-1].meta == {"truncated": True}
    assert users["user-4"].label == 4
    report = corpus.report
    assert report.recovered["truncated post list (closed and parsed)"] == 1
    assert report.examples["truncated post list (closed and parsed)"] == [
        "500_Reddit_users_posts_labels.csv:3 field 'Post'"
    ]
    assert report.skipped["unparseable post list"] == 1
    assert report.skipped["empty text"] == 1
    assert report.skipped["empty timeline (user with no usable post)"] == 1
    assert any(k.startswith("unknown label") for k in report.skipped)


def test_cssrs_missing_column(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("User,Posts,Label\nu,['a'],Attempt\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="'Post'"):
        read_source(path, "cssrs")
