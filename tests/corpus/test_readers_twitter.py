"""Mental-Health-Twitter reader on a small file in the Kaggle layout."""

from __future__ import annotations

import csv

from depscreen.corpus.readers import read_source

HEADER = ["", "post_id", "post_created", "post_text", "user_id", "followers", "friends", "favourites", "statuses", "retweets", "label"]


def _file(tmp_path):
    rows = [
        [0, "30", "Sun Aug 30 07:48:37 +0000 2015", "diagnosed two years ago", "11", 84, 211, 251, 837, 0, 1],
        [1, "29", "Sat Aug 29 22:11:07 +0000 2015", "awake but tired", "11", 80, 200, 250, 830, 2, 1],
        [2, "29", "Sat Aug 29 22:11:07 +0000 2015", "awake but tired", "11", 80, 200, 250, 830, 2, 1],
        [3, "31", "Mon Aug 31 01:00:00 +0000 2015", "odd label row", "11", 84, 211, 251, 837, 0, 0],
        [4, "90", "Tue Jan 10 10:00:00 +0000 2017", "https://t.co/x new phone", "22", 5, 6, 7, 8, 0, 0],
        [5, "91", "not a date", "", "22", 5, 6, 7, 8, 0, 0],
        [6, "92", "Tue Jan 10 11:00:00 +0000 2017", "", "33", 1, 1, 1, 1, 0, 0],
    ]
    path = tmp_path / "Mental-Health-Twitter.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_mental_health_twitter_user_level(tmp_path):
    corpus = read_source(_file(tmp_path), "mental-health-twitter")
    users = {u.user_id: u for u in corpus}
    assert set(users) == {"11", "22"}
    u = users["11"]
    assert u.label == 1  # majority label; the disagreeing row is counted
    assert [p.id for p in u.posts] == ["29", "29", "30", "31"]  # time-ordered, repeats kept
    assert u.posts[0].time == "2015-08-29T22:11:07+00:00"
    assert u.posts[0].meta == {"retweets": 2}
    assert u.meta == {"followers": 84, "friends": 211, "favourites": 251, "statuses": 837}
    report = corpus.report
    assert report.recovered["conflicting labels within user (majority kept)"] == 1
    assert report.skipped["empty text"] == 2
    assert report.skipped["empty timeline (user with no usable post)"] == 1


def test_mental_health_twitter_drop_duplicates(tmp_path):
    corpus = read_source(_file(tmp_path), "mental-health-twitter", drop_duplicate_posts=True)
    users = {u.user_id: u for u in corpus}
    assert [p.id for p in users["11"].posts] == ["29", "30", "31"]
    assert corpus.report.skipped["duplicate post (same user, id and text)"] == 1
    assert corpus.report.examples["duplicate post (same user, id and text)"] == [
        "Mental-Health-Twitter.csv:4 field 'post_id'"
    ]
