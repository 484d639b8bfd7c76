"""Explainability metrics (attention entropy, Recall@k) of attention models, alone and
inside cross-validation."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from depscreen.corpus import Post, User, UserCorpus
from depscreen.evaluate import cross_validate
from depscreen.evaluate.explainability import (
    EXPLAIN_METRICS,
    explainability_metrics,
    fold_explainability,
    has_instance_truth,
)

SAD = ["tired", "empty", "hopeless", "alone", "numb"]
NEUTRAL = ["coffee", "match", "weekend", "recipe", "train", "movie", "garden", "music", "dinner", "book"]


def users_with_truth(n_users: int = 40, seed: int = 0, truth: bool = True) -> list[User]:
    """Positive users hide 2 sad posts (``Post.label = 1``) among 8-12 neutral ones."""
    rng = random.Random(seed)
    users = []
    for u in range(n_users):
        y = u % 2
        n = rng.randint(8, 12)
        sad_at = set(rng.sample(range(n), 2)) if y else set()
        posts = []
        for j in range(n):
            words = rng.sample(NEUTRAL, 4) + ([rng.choice(SAD), rng.choice(SAD)] if j in sad_at else [])
            rng.shuffle(words)
            posts.append(Post(" ".join(words), time=f"2021-03-{j + 1:02d}", id=f"{u}-{j}",
                              label=(int(j in sad_at) if truth else None)))
        users.append(User(f"u{u}", y, posts))
    return users


class SadWordAttention(ClassifierMixin, BaseEstimator):
    """A stand-in attention model: weight of a post ~ exp(sharpness * sad words)."""

    input_level = "user"
    explains_posts = True

    def __init__(self, sharpness: float = 2.0):
        self.sharpness = sharpness

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def _weights(self, user):
        s = np.array([sum(w in SAD for w in p.text.split()) for p in user.posts], float)
        e = np.exp(self.sharpness * s)
        return e / e.sum()

    def predict(self, X):
        return np.array([int(any(w in SAD for p in u.posts for w in p.text.split())) for u in X])

    def explain(self, X):
        return [{"user_id": u.user_id,
                 "posts": [{"index": i, "weight": float(w), "used": True} for i, w in enumerate(self._weights(u))]}
                for u in X]


class NoWeights(SadWordAttention):
    def explain(self, X):
        return [{"user_id": u.user_id, "features": ["sad"]} for u in X]


class FeatureExplainer(SadWordAttention):
    """explain() says which n-grams or features mattered, not which posts."""

    explains_posts = False

    def explain(self, X):
        raise AssertionError("the harness must not ask a model without per-post weights")


def test_attention_on_the_truth_gives_full_recall_and_low_entropy():
    users = users_with_truth()
    sharp = explainability_metrics(SadWordAttention(sharpness=5.0), users)
    flat = explainability_metrics(SadWordAttention(sharpness=0.0), users)
    assert sharp["recall@20%"] == 1.0 and sharp["recall@50%"] == 1.0
    assert sharp["n_bags_with_truth"] == 20 and sharp["n_bags"] == 40
    # uniform attention: entropy = mean log n, normalised 1, Recall@k at chance (ties by position)
    expected = np.mean([math.log(len(u.posts)) for u in users])
    assert flat["attention_entropy"] == pytest.approx(expected)
    assert flat["attention_entropy_norm"] == pytest.approx(1.0)
    assert sharp["attention_entropy"] < flat["attention_entropy"]
    assert 0 < sharp["chance@10%"] < sharp["chance@20%"] < sharp["chance@50%"] < 1
    assert sharp["lift@10%"] == pytest.approx(sharp["recall@10%"] / sharp["chance@10%"])


def test_without_instance_truth_only_entropy_is_reported():
    users = users_with_truth(truth=False)
    assert not has_instance_truth(users)
    m = explainability_metrics(SadWordAttention(), users)
    assert set(m) == {"attention_entropy", "attention_entropy_norm", "n_bags"}


def test_models_that_cannot_explain_are_refused_or_skipped():
    users = users_with_truth(6)
    with pytest.raises(TypeError, match="explain"):
        explainability_metrics(object(), users)
    with pytest.raises(ValueError, match="posts"):
        explainability_metrics(NoWeights(), users)
    with pytest.raises(TypeError, match="users"):
        explainability_metrics(SadWordAttention(), ["a post"])
    assert fold_explainability(NoWeights(), users) == {}
    assert fold_explainability(FeatureExplainer(), users) == {}
    assert fold_explainability(SadWordAttention(), ["text"]) == {}
    assert set(fold_explainability(SadWordAttention(), users)) >= set(EXPLAIN_METRICS)


def test_cross_validate_reports_entropy_and_recall_for_attention_models():
    corpus = UserCorpus(users_with_truth(40, seed=2), name="bags-with-truth")
    res = cross_validate(SadWordAttention(sharpness=3.0), corpus, cv=4, seed=1, progress=False)
    for name in EXPLAIN_METRICS:
        assert name in res.summary and res.summary[name].n == 4
    assert res.mean("recall@50%") == 1.0
    base = cross_validate("majority", corpus, cv=4, seed=1, progress=False)
    assert "attention_entropy" not in base.summary  # no explain(): nothing added
    row = res.to_markdown(["f1", "attention_entropy", "recall@20%"])
    assert "recall@20%" in row


def test_cross_validate_with_a_real_mhim_model():
    corpus = UserCorpus(users_with_truth(32, seed=3), name="bags-with-truth")
    base = dict(embedder="tfidf-svd", embedder_options={"n_components": 16}, encoder="none",
                autoencoder=False, skip_embedding=False, hidden_size=8, attention_size=8, epochs=4,
                validation_split=0.0, batch_size=16)
    params = {**{f"base__{k}": v for k, v in base.items()}, "mhim_t": 1, "mhim_b": 1}  # MHIM wraps LMILAtt
    res = cross_validate("lmilatt-mhim", corpus, cv=2, seed=1, params=params, progress=False)
    ent = res.mean("attention_entropy")
    assert 0 < ent <= max(math.log(len(u.posts)) for u in corpus.users) + 1e-6
    for k in ("10%", "20%", "50%"):
        assert 0.0 <= res.mean(f"recall@{k}") <= 1.0
