"""models/base: one forward pass, risk scores, the input-level check."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.feature_extraction.text import TfidfVectorizer

from depscreen.corpus.synthetic import make_sample_corpus, make_sample_posts
from depscreen.models.base import check_input_level, explanation_score, forward, risk_scores
from depscreen.models.registry import make_model


def test_forward_falls_back_to_a_plain_sklearn_estimator():
    posts = make_sample_posts(n=60, langs=("en",), seed=2)
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(posts.texts, posts.labels)
    out = forward(pipe, posts.texts[:5])
    np.testing.assert_array_equal(out.predictions, pipe.predict(posts.texts[:5]))
    np.testing.assert_allclose(out.scores, pipe.predict_proba(posts.texts[:5])[:, 1])
    with pytest.raises(ValueError, match="cannot explain"):
        forward(pipe, posts.texts[:5], explain=True)


def test_forward_keeps_precomputed_bags():
    """EmbeddedUsers carry their vectors: forward must not turn them into a plain list."""
    from depscreen.models.mil.bags import EmbeddedUsers

    corpus = make_sample_corpus(n_users=20, langs=("en",), posts_per_user=(3, 5), seed=1)
    rng = np.random.default_rng(0)
    bags = EmbeddedUsers(corpus.users, [rng.normal(size=(len(u.posts), 8)).astype("float32") for u in corpus.users],
                         "random")
    model = make_model("lmilatt", epochs=2, ae_epochs=1, embedder="random").fit(bags, corpus.labels)
    out = forward(model, bags, explain=True)
    np.testing.assert_allclose(out.proba, model.predict_proba(bags))
    assert [len(e["posts"]) for e in out.explanations] == [len(u.posts) for u in corpus.users]


def test_risk_scores_by_kind_of_label():
    p = np.array([[0.2, 0.8], [0.9, 0.1]])
    np.testing.assert_allclose(risk_scores(p, [0, 1]), [0.8, 0.1])
    np.testing.assert_allclose(risk_scores(p[:, ::-1], ["depressed", "control"]), [0.8, 0.1])  # "depressed" sorts last
    levels = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(risk_scores(levels, [0, 1, 4]), [0.5, 4.0])  # expected level
    assert risk_scores(levels, ["moderate", "not depression", "severe"]) is None  # no order known
    assert explanation_score(None, levels, 1) == 1.0


def test_check_input_level_says_what_to_do():
    users = make_sample_corpus(n_users=6, langs=("en",), seed=1)
    posts = make_sample_posts(n=6, langs=("en",), seed=1)
    check_input_level(make_model("tfidf-lr"), users)
    check_input_level(make_model("tfidf-lr"), posts)
    with pytest.raises(ValueError, match="scores users .* give it a user-level corpus"):
        check_input_level(make_model("lmilatt"), posts)
    with pytest.raises(ValueError, match="score each post of the users"):
        check_input_level(make_model("cnn"), "user")
    with pytest.raises(TypeError):
        check_input_level(make_model("cnn"), ["not", "a", "corpus"])
