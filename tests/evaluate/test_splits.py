from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from depscreen.corpus import Post, PostCorpus, PostRecord, User, UserCorpus
from depscreen.evaluate.splits import SplitWarning, corpus_groups, deduplicate, make_splits


def _posts(pairs):
    return PostCorpus([PostRecord(f"r{i}", t, lab) for i, (t, lab) in enumerate(pairs)], name="t")


def test_post_dedup_keeps_first_and_drops_conflicts():
    corpus = _posts(
        [("same", 1), ("other", 0), ("same", 1), (" same ", 1), ("clash", 0), ("x", 1), ("clash", 1), ("clash", 0)]
    )
    clean, rep = deduplicate(corpus)
    assert [r.id for r in clean] == ["r0", "r1", "r5"]
    assert rep.duplicates_removed == 2  # two extra copies of "same" (whitespace trimmed)
    assert rep.conflicting_texts == 1
    assert rep.conflicting_removed == 3
    assert (rep.items_before, rep.items_after, rep.removed) == (8, 3, 5)
    assert len(corpus) == 8  # input untouched


def test_post_dedup_treats_1_and_1_0_as_one_label():
    clean, rep = deduplicate(_posts([("a", 1), ("a", 1.0), ("b", 0)]))
    assert rep.conflicting_texts == 0 and rep.duplicates_removed == 1 and len(clean) == 2


def test_user_dedup_within_and_across_users():
    users = [
        User("a", 1, [Post("hello"), Post("hello"), Post("mine")]),
        User("b", 0, [Post("hello"), Post("other")]),
        User("c", 0, [Post("mine")]),  # only a copy of a's text: emptied
    ]
    clean, rep = deduplicate(UserCorpus(users))
    assert [u.user_id for u in clean] == ["a", "b"]
    assert [p.text for p in clean[0].posts] == ["hello", "mine"]
    assert [p.text for p in clean[1].posts] == ["other"]
    assert rep.within_user_removed == 1
    assert rep.cross_user_removed == 2
    assert rep.users_emptied == 1
    assert (rep.posts_before, rep.posts_after) == (6, 3)
    assert len(users[0].posts) == 3  # input untouched
    assert "1 user left empty" in rep.summary()


def test_no_text_in_train_and_test(make_users):
    corpus = make_users(n_users=40, seed=3)
    # plant shared texts across users: dedup must keep each in one user only
    for i in range(0, 40, 4):
        corpus[i].posts.append(Post("i was diagnosed with depression"))
        corpus[i].posts.append(Post(corpus[(i + 1) % 40].posts[0].text))
    clean, rep = deduplicate(corpus)
    assert rep.cross_user_removed >= 10
    plan = make_splits(clean.labels, cv=5, repeats=2, seed=1)
    for fold in plan.folds:
        train = {p.text.strip() for i in fold.train for p in clean[i].posts}
        test = {p.text.strip() for i in fold.test for p in clean[i].posts}
        assert not train & test
        assert not set(fold.train) & set(fold.test)
        assert len(fold.train) + len(fold.test) == len(clean)


def test_stratification_and_fold_sizes():
    y = [1] * 30 + [0] * 70
    plan = make_splits(y, cv=5, repeats=3, seed=13)
    assert len(plan.folds) == 15 and plan.strategy == "RepeatedStratifiedKFold"
    yarr = np.array(y)
    for fold in plan.folds:
        assert fold.n_test == 20 and fold.n_train == 80
        assert Counter(yarr[fold.test].tolist()) == {1: 6, 0: 14}
    # every sample is tested exactly once per repeat
    for r in range(3):
        tested = np.concatenate([f.test for f in plan.folds if f.repeat == r])
        assert sorted(tested.tolist()) == list(range(100))
    sizes = plan.fold_sizes()
    assert sizes[0] == {"repeat": 0, "fold": 0, "train": 80, "test": 20}


def test_seeded_reproducibility():
    y = [0, 1, 2] * 20
    a = make_splits(y, cv=4, repeats=2, seed=7)
    b = make_splits(y, cv=4, repeats=2, seed=7)
    c = make_splits(y, cv=4, repeats=2, seed=8)
    assert all(np.array_equal(f.test, g.test) for f, g in zip(a.folds, b.folds))
    assert any(not np.array_equal(f.test, g.test) for f, g in zip(a.folds, c.folds))
    # repeats differ from each other
    assert not np.array_equal(a.folds[0].test, a.folds[4].test)


def test_tiny_class_reduces_k_with_warning():
    y = [0] * 20 + [1] * 3
    with pytest.warns(SplitWarning, match="reduced cv from 5 to 3"):
        plan = make_splits(y, cv=5, seed=0)
    assert plan.n_splits == 3 and plan.n_splits_requested == 5
    assert plan.notes and "3 samples" in plan.notes[0]
    for fold in plan.folds:
        assert 1 in np.array(y)[fold.test]


def test_singleton_class_is_an_error():
    with pytest.raises(ValueError, match="label 'rare' has only 1"):
        make_splits(["a"] * 10 + ["rare"], cv=3)
    with pytest.raises(ValueError, match="one label"):
        make_splits([1] * 10, cv=3)
    with pytest.raises(ValueError, match="at least 2"):
        make_splits([0, 1] * 5, cv=1)


def test_regression_uses_plain_kfold():
    plan = make_splits(np.linspace(0, 1, 30).tolist(), cv=3, repeats=2, stratify=False, seed=0)
    assert plan.strategy == "RepeatedKFold" and len(plan.folds) == 6


def test_post_corpus_grouped_by_user_meta():
    records = []
    for u in range(12):
        for j in range(4):
            records.append(PostRecord(f"{u}-{j}", f"text {u} {j}", u % 2, meta={"user_id": f"u{u}"}))
    corpus = PostCorpus(records)
    groups = corpus_groups(corpus)
    assert groups is not None
    plan = make_splits(corpus.labels, cv=3, repeats=2, seed=5, groups=groups)
    assert plan.grouped and plan.strategy == "StratifiedGroupKFold" and len(plan.folds) == 6
    g = np.array(groups)
    for fold in plan.folds:
        assert not set(g[fold.train]) & set(g[fold.test])
    assert corpus_groups(PostCorpus(records[:1])) is None


def test_messages_use_plain_numbers_and_plurals():
    from depscreen.evaluate.splits import make_splits

    with pytest.raises(ValueError, match=r"label 0 has only 1 sample; every label"):
        make_splits(np.array([0.0] + [1.0] * 9), cv=3, seed=0)
