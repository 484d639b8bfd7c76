"""The synthetic sample: seeded, labelled as synthetic, with exact instance-level truth."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import numpy as np
import pytest

from depscreen.corpus import PostCorpus, UserCorpus, read_jsonl, write_jsonl
from depscreen.corpus.synthetic import (
    LANGS,
    SYMPTOMS,
    make_sample_corpus,
    make_sample_posts,
    planted_positions,
)


@pytest.fixture(scope="module")
def corpus() -> UserCorpus:
    return make_sample_corpus(n_users=150, seed=7)


def _dump(c) -> list[dict]:
    return [item.to_dict() for item in c]


def test_same_seed_same_corpus_other_seed_differs():
    a = make_sample_corpus(n_users=30, seed=3)
    b = make_sample_corpus(n_users=30, seed=3)
    c = make_sample_corpus(n_users=30, seed=4)
    assert _dump(a) == _dump(b)
    assert _dump(a) != _dump(c)
    assert _dump(make_sample_posts(n=40, seed=3)) == _dump(make_sample_posts(n=40, seed=3))
    assert _dump(make_sample_posts(n=40, seed=3)) != _dump(make_sample_posts(n=40, seed=5))


def test_labelled_synthetic_everywhere(corpus):
    assert "synthetic sample" in corpus.name
    assert corpus.meta["synthetic"] is True and corpus.meta["seed"] == 7
    assert all(u.meta["synthetic"] is True for u in corpus)


def test_label_share_per_language_and_all_languages(corpus):
    assert len(corpus) == 150
    by_lang = Counter(u.meta["lang"] for u in corpus)
    assert set(by_lang) == set(LANGS) and set(by_lang.values()) == {50}
    for lang in LANGS:
        labels = [u.label for u in corpus if u.meta["lang"] == lang]
        assert set(labels) == {0, 1}
        assert np.mean(labels) == pytest.approx(0.4, abs=0.02)
        # posts carry the user's language
        assert {p.lang for u in corpus if u.meta["lang"] == lang for p in u.posts} == {lang}
    zh_text = "".join(p.text for u in corpus if u.meta["lang"] == "zh" for p in u.posts[:3])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh_text)


def test_planted_posts_are_exactly_label_one_and_only_in_depressed_users(corpus):
    for user in corpus:
        flagged = [i for i, p in enumerate(user.posts) if p.label == 1]
        assert all(p.label in (0, 1) for p in user.posts)
        assert flagged == planted_positions(user) == user.meta["planted_positions"]
        if user.label == 0:
            assert flagged == []
            assert not any(p.meta.get("kind") == "planted" for p in user.posts)
        else:
            assert 1 <= len(flagged) < len(user.posts)
            # depressed users mostly write ordinary posts
            assert len(flagged) / len(user.posts) <= 0.35
            assert {user.posts[i].meta["symptom"] for i in flagged} <= set(user.meta["symptoms"])
            assert all(user.posts[i].meta["planted"] is True for i in flagged)


def test_controls_also_write_mildly_negative_ordinary_posts(corpus):
    neg_share = {
        label: np.mean([p.meta["kind"] == "negative" for u in corpus if u.label == label
                        for p in u.posts])
        for label in (0, 1)
    }
    assert neg_share[0] > 0.05
    assert neg_share[1] > 0.03


def test_timestamps_are_iso_and_strictly_ordered(corpus):
    for user in corpus:
        times = [datetime.fromisoformat(p.time) for p in user.posts]
        assert all(a < b for a, b in zip(times, times[1:]))
        assert len({p.id for p in user.posts}) == len(user.posts)
    assert len({u.user_id for u in corpus}) == len(corpus)


def test_no_trivial_cues_separate_the_groups():
    """Volume, post length, timing and punctuation alone must not predict the label."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    c = make_sample_corpus(n_users=300, seed=13)

    def cues(u):
        lengths = [len(p.text) for p in u.posts]
        times = [datetime.fromisoformat(p.time) for p in u.posts]
        return [len(u.posts), np.mean(lengths), np.std(lengths),
                np.mean([t.hour for t in times]), times[0].timestamp(),
                (times[-1] - times[0]).total_seconds(),
                np.mean([p.text.count("!") + p.text.count("！") for p in u.posts])]

    X = np.array([cues(u) for u in c])
    auc = cross_val_score(
        make_pipeline(StandardScaler(), LogisticRegression()), X, np.array(c.labels),
        cv=StratifiedKFold(5, shuffle=True, random_state=0), scoring="roc_auc",
    ).mean()
    assert auc < 0.65


def test_the_planted_signal_is_learnable():
    """The content carries the label: a bag-of-words model separates held-out users and
    posts well above chance (the task is hard at small n, not impossible)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline

    def held_out_auc(docs, y):
        model = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 2), sublinear_tf=True),
                              LogisticRegression(C=10, class_weight="balanced", max_iter=1000))
        cut = int(len(docs) * 0.7)
        model.fit(docs[:cut], y[:cut])
        return roc_auc_score(y[cut:], model.predict_proba(docs[cut:])[:, 1])

    users = make_sample_corpus(n_users=300, seed=21)
    assert held_out_auc(["\n".join(u.texts) for u in users], np.array(users.labels)) > 0.85
    posts = make_sample_posts(n=600, seed=21)
    assert held_out_auc(posts.texts, np.array(posts.labels)) > 0.9


def test_texts_are_varied(corpus):
    texts = [p.text for u in corpus for p in u.posts]
    duplicates = len(texts) - len(set(texts))
    assert duplicates / len(texts) < 0.06


def test_jsonl_round_trip_keeps_instance_truth(tmp_path, corpus):
    path = write_jsonl(corpus, tmp_path / "sample.jsonl")
    back = read_jsonl(path)
    assert isinstance(back, UserCorpus)
    assert _dump(back) == _dump(corpus)
    assert [planted_positions(u) for u in back] == [planted_positions(u) for u in corpus]


def test_ordinal_levels_grow_in_signal():
    c = make_sample_corpus(n_users=240, seed=11, ordinal=True)
    assert set(c.labels) == {0, 1, 2, 3, 4}
    assert "ordinal" in c.name
    share = {lv: np.mean([len(planted_positions(u)) / len(u.posts) for u in c if u.label == lv])
             for lv in range(5)}
    explicit = {lv: np.mean([p.meta["intensity"] == 2 for u in c if u.label == lv
                             for p in u.posts if p.label == 1]) for lv in range(1, 5)}
    assert share[0] == 0
    assert share[1] < share[2] < share[3] < share[4]
    assert explicit[1] < explicit[2] < explicit[3] < explicit[4]
    assert all(u.meta["severity"] == u.label for u in c)


def test_episode_placement_and_symptom_subset():
    c = make_sample_corpus(n_users=30, seed=2, placement="episode", symptoms=["sleep"])
    for user in c:
        pos = planted_positions(user)
        if user.label == 1:
            assert pos[-1] - pos[0] + 1 <= max(len(pos), round(len(pos) * 1.8))
            assert {user.posts[i].meta["symptom"] for i in pos} == {"sleep"}


def test_sample_posts_level_labels_and_languages():
    posts = make_sample_posts(n=90, langs=("en", "id"), seed=4, positive_share=0.3)
    assert isinstance(posts, PostCorpus)
    assert posts.meta["synthetic"] is True and "synthetic sample" in posts.name
    assert Counter(posts.labels) == {1: 27, 0: 63}
    assert {r.lang for r in posts} == {"en", "id"}
    for r in posts:
        assert (r.label == 1) == bool(r.meta.get("planted"))
        if r.label == 1:
            assert r.meta["symptom"] in SYMPTOMS


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"langs": ("en", "fr")}, "unsupported language"),
        ({"n_users": 3}, "n_users"),
        ({"positive_share": 1.0}, "positive_share"),
        ({"posts_per_user": (10, 5)}, "posts_per_user"),
        ({"signal_share": (0.5, 0.2)}, "signal_share"),
        ({"symptoms": ["boredom"]}, "symptoms"),
        ({"placement": "random"}, "placement"),
    ],
)
def test_bad_arguments_are_named(kwargs, field):
    with pytest.raises(ValueError, match=field):
        make_sample_corpus(**{"n_users": 12, **kwargs})
