"""Tests of the user-bag builder (positive posts hidden among negatives, instance truth)."""

from __future__ import annotations

import numpy as np
import pytest

from depscreen.corpus.bags import instance_truth, make_bag_corpus
from depscreen.corpus.types import PostCorpus, PostRecord


def _posts(n_pos=200, n_neg=600, dup=0, conflict=0):
    recs = [PostRecord(f"p{i}", f"sad text number {i}", 1, lang="en") for i in range(n_pos)]
    recs += [PostRecord(f"n{i}", f"happy text number {i}", 0, lang="en") for i in range(n_neg)]
    recs += [PostRecord(f"d{i}", f"happy text number {i}", 0) for i in range(dup)]  # exact duplicates
    recs += [PostRecord(f"c{i}", f"sad text number {i}", 0) for i in range(conflict)]  # both labels
    return PostCorpus(recs, name="toy posts")


@pytest.mark.parametrize("share", [0.5, 0.2, 0.05])
def test_positive_bags_hide_the_requested_share_of_positive_posts(share):
    users = make_bag_corpus(_posts(n_neg=800), n_users=40, posts_per_user=20, positive_share=share, seed=1)
    pos = [u for u in users if u.label == 1]
    neg = [u for u in users if u.label == 0]
    assert len(pos) == 20 and len(neg) == 20
    for u in pos:
        truth = instance_truth(u)
        assert truth.sum() == max(1, round(share * 20))
        assert all(p.id.startswith("p") for p, t in zip(u.posts, truth) if t)
        assert all(p.id.startswith("n") for p, t in zip(u.posts, truth) if not t)
    for u in neg:
        assert not instance_truth(u).any()
    assert users.meta["positive_share"] == share and users.meta["seed"] == 1


def test_positions_are_random_times_increase_and_posts_are_not_reused():
    users = make_bag_corpus(_posts(), n_users=30, posts_per_user=(8, 16), positive_share=0.25, seed=4)
    first_positions = set()
    ids = []
    for u in users:
        times = [p.time for p in u.posts]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert 8 <= len(u.posts) <= 16
        ids += [p.id for p in u.posts]
        if u.label == 1:
            first_positions.add(int(np.flatnonzero(instance_truth(u))[0]))
    assert len(ids) == len(set(ids))  # no source post in two bags
    assert len(first_positions) > 3  # positives are not always at the same place


def test_same_seed_same_corpus_other_seed_other_corpus():
    a = make_bag_corpus(_posts(), n_users=10, posts_per_user=6, seed=7)
    b = make_bag_corpus(_posts(), n_users=10, posts_per_user=6, seed=7)
    c = make_bag_corpus(_posts(), n_users=10, posts_per_user=6, seed=8)
    key = lambda corpus: [(u.label, [p.id for p in u.posts]) for u in corpus]  # noqa: E731
    assert key(a) == key(b) and key(a) != key(c)


def test_duplicates_and_conflicting_texts_are_removed_and_counted():
    users = make_bag_corpus(_posts(n_pos=50, n_neg=100, dup=10, conflict=5), n_users=10, posts_per_user=5, seed=0)
    assert users.meta["duplicates_removed"] == 10
    assert users.meta["conflicting_removed"] == 10  # 5 texts x 2 records each
    assert users.meta["positive_pool"] == 45


def test_too_few_posts_is_a_clear_error_unless_replace():
    with pytest.raises(ValueError, match="only 20 and 30 distinct"):
        make_bag_corpus(_posts(n_pos=20, n_neg=30), n_users=20, posts_per_user=10)
    users = make_bag_corpus(_posts(n_pos=20, n_neg=30), n_users=20, posts_per_user=10, replace=True)
    for u in users:
        ids = [p.id for p in u.posts]
        assert len(ids) == len(set(ids))
    with pytest.raises(ValueError, match="positive"):
        make_bag_corpus(_posts(n_pos=0), n_users=4)


def test_string_labels_and_synthetic_planted_truth():
    from depscreen.corpus.synthetic import make_sample_corpus

    recs = [PostRecord(f"s{i}", f"t{i}", "sadness" if i % 3 == 0 else "joy") for i in range(300)]
    users = make_bag_corpus(PostCorpus(recs), n_users=10, posts_per_user=10, positive_label="sadness",
                            positive_share=0.3, seed=2)
    for u in users:
        assert instance_truth(u).sum() == (3 if u.label == 1 else 0)
        assert all(p.meta["source_label"] in ("sadness", "joy") for p in u.posts)
    sample = make_sample_corpus(n_users=6, langs=("en",), seed=1)
    u = next(u for u in sample if u.label == 1)
    assert instance_truth(u).tolist() == [bool(p.meta.get("planted")) for p in u.posts]
