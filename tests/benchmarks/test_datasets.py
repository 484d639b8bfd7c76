"""benchmarks/_datasets.py: the confound-controlled MHT setting (no data sets needed)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from _datasets import DATASETS, normalise_links  # noqa: E402

from depscreen.corpus import Post, User, UserCorpus  # noqa: E402


def test_links_handles_and_years_become_placeholders():
    corpus = UserCorpus([
        User("a", 1, [Post("read this http://bit.ly/x in 2012", "2012-01-01"), Post("plain")]),
        User("b", 0, [Post("@ana look https://t.co/y", "2017-01-01")]),
    ], name="toy")
    out, changed = normalise_links(corpus)
    texts = [p.text for u in out for p in u.posts]
    assert texts == ["read this <url> in <year>", "plain", "<user> look <url>"]
    assert changed == 2
    assert [p.time for u in out for p in u.posts] == ["2012-01-01", None, "2017-01-01"]  # kept, never read by models
    assert corpus.users[0].posts[0].text.startswith("read this http")  # input untouched


def test_controlled_specs_use_the_mention_filter_and_link_normalisation():
    spec = DATASETS["mht-controlled"]
    assert spec.normalise_links and spec.self_disclosure_scope == "mention"
    assert DATASETS["mht-controlled-narrow"].self_disclosure_scope == "narrow"
    assert DATASETS["mht-filtered"].self_disclosure_scope == "narrow"  # older results stay reproducible
    assert DATASETS["weibo-sadness"].proxy and DATASETS["id-suicide"].proxy


def test_without_times_drops_every_post_time_and_keeps_the_rest():
    from _datasets import without_times

    corpus = UserCorpus([User("a", 1, [Post("x", "2012-01-01"), Post("y", "2013-01-01")], {"k": 1})], name="toy")
    out = without_times(corpus)
    assert [p.time for p in out.users[0].posts] == [None, None]
    assert [p.text for p in out.users[0].posts] == ["x", "y"] and out.users[0].meta == {"k": 1}
    assert corpus.users[0].posts[0].time == "2012-01-01"  # input untouched


def test_deduplicated_removes_copies_and_samples_stratified():
    from _datasets import deduplicated

    from depscreen.corpus import PostCorpus, PostRecord

    records = [PostRecord(str(i), f"text {i % 50}", int(i % 50 < 10)) for i in range(100)]  # each text twice
    corpus, report = deduplicated(PostCorpus(records))
    assert len(corpus) == 50 and report.items_before == 100
    small, _ = deduplicated(PostCorpus(records), limit=25, seed=1)
    assert len(small) == 25 and sum(small.labels) == 5  # the 1:4 label ratio kept
