"""inspect_corpus: counts, duplicates, time / link confounds, on corpora the test builds."""

from __future__ import annotations

import io
import json
import random

from rich.console import Console

from depscreen.corpus import Post, PostCorpus, PostRecord, User, UserCorpus
from depscreen.evaluate.inspect import inspect_corpus, render_inspection


def _confounded(seed: int = 0) -> UserCorpus:
    """Depressed users 2010-2015 with http:// links, controls 2016-2017 with https:// ones."""
    rng = random.Random(seed)
    users = []
    for i in range(12):
        depressed = i < 6
        posts = []
        for j in range(rng.randint(3, 8)):
            year = rng.randint(2010, 2015) if depressed else rng.randint(2016, 2017)
            link = "http://bit.ly/a" if depressed else "https://t.co/b"
            text = f"post {i}-{j} about my day {link}" if j % 2 == 0 else f"plain post {i}-{j}"
            posts.append(Post(text, f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00"))
        users.append(User(f"u{i}", int(depressed), posts))
    users[0].posts.append(Post("shared text", "2012-01-01T00:00:00"))
    users[7].posts.append(Post("shared text", "2016-06-01T00:00:00"))
    return UserCorpus(users, name="toy")


def test_counts_and_time_ranges():
    corpus = _confounded()
    info = inspect_corpus(corpus, lang_sample=0)
    assert info["level"] == "user" and info["labels"] == {"0": 6, "1": 6}
    sizes = [len(u.posts) for u in corpus]
    assert info["n_posts"] == sum(sizes)
    assert info["posts_per_user"]["min"] == min(sizes) and info["posts_per_user"]["max"] == max(sizes)
    assert info["time"]["by_label"]["1"]["min_year"] >= 2010
    assert info["time"]["by_label"]["1"]["max_year"] <= 2015
    assert info["time"]["by_label"]["0"]["min_year"] == 2016
    assert info["duplicates"] == {
        "distinct_texts": info["n_posts"] - 1,
        "duplicated_texts": 1,
        "extra_copies": 1,
        "cross_label": 1,
        "cross_user": 1,
    }
    links = info["links"]["by_label"]
    assert links["1"]["http"] > 0 and links["1"]["https"] == 0
    assert links["0"]["https"] == links["0"]["t.co"] > 0 and links["0"]["http"] == 0
    json.dumps(info)  # JSON-ready


def test_confounds_fire_on_time_and_link_style():
    info = inspect_corpus(_confounded(), lang_sample=0, min_posts=5)
    kinds = {w["kind"] for w in info["confounds"]}
    assert {"time", "links", "duplicates"} <= kinds
    time = next(w for w in info["confounds"] if w["kind"] == "time")
    assert time["overlap"] == 0.0 and time["auc_posts"] in (0.0, 1.0)


def test_no_time_or_link_confound_when_labels_mix():
    rng = random.Random(1)
    users = []
    for i in range(12):
        posts = [
            Post(f"post {i}-{j} https://t.co/x" if j % 2 else f"post {i}-{j} http://a.b/c",
                 f"{rng.randint(2010, 2017)}-05-0{rng.randint(1, 9)}T00:00:00")
            for j in range(6)
        ]
        users.append(User(f"u{i}", i % 2, posts))
    info = inspect_corpus(UserCorpus(users), lang_sample=0, min_posts=5)
    assert not [w for w in info["confounds"] if w["kind"] in ("time", "links")]


def test_post_corpus_languages_and_rendering():
    records = [
        PostRecord("1", "I cannot sleep again and everything feels heavy", 1),
        PostRecord("2", "我又失眠了，什么都不想做", 1),
        PostRecord("3", "We went hiking and the weather was lovely", 0),
        PostRecord("4", "saya tidak bisa tidur lagi malam ini", 0, meta={"time": "2020-01-01T00:00:00"}),
    ]
    info = inspect_corpus(PostCorpus(records, name="mini"), lang_sample=10)
    assert info["languages"]["sampled"] == 4
    assert sum(info["languages"]["counts"].values()) == 4
    assert "zh" in info["languages"]["counts"]
    assert "posts_per_user" not in info
    assert info["time"]["n_with_time"] == 1
    buffer = io.StringIO()
    render_inspection(info, Console(file=buffer, width=120))
    shown = buffer.getvalue()
    assert "mini: 4 posts" in shown
    assert "失眠" not in shown and "hiking" not in shown  # never prints post text


def test_posts_whose_text_is_null_are_counted_not_a_traceback():
    corpus = UserCorpus([User("a", 1, [Post(None, "2020-01-01"), Post("fine day", "2020-01-02")]),
                         User("b", 0, [Post("hello there")])], name="nulls")
    info = inspect_corpus(corpus, lang_sample=0)
    assert info["posts_without_text"] == 1 and info["n_posts"] == 2
    out = io.StringIO()
    render_inspection(info, Console(file=out, width=200))
    assert "skipped 1 posts whose text is not a string" in out.getvalue()
    posts = PostCorpus([PostRecord("1", None, 1), PostRecord("2", "ok", 0)])
    assert inspect_corpus(posts, lang_sample=0)["posts_without_text"] == 1
