"""The LMILAtt stepper (``depscreen.models.mil.stepper``): carried LSTM state and running
attention pooling give the model's own score on every prefix; layouts it cannot follow
make ``stepper()`` None and early detection re-scores instead."""

import numpy as np
import pytest

from depscreen.corpus.synthetic import make_sample_corpus
from depscreen.early.runner import RecomputeStepper, make_stepper, run_streams


@pytest.fixture(scope="module")
def short_corpus():
    return make_sample_corpus(n_users=12, langs=("en",), seed=5, posts_per_user=(8, 16))


@pytest.mark.parametrize("params", [
    {"pooling": "attention", "max_posts": 6},  # past 6 posts: the 'recent' window, recomputed
    {"pooling": "attention+mean", "skip_embedding": True},
    {"pooling": "gated", "long_timeline": "chunks", "max_posts": 4},  # LSTM restarted every 4 posts
])
def test_lmilatt_steps_incrementally_with_the_same_scores(short_corpus, params):
    from depscreen.models.mil.stepper import MILStepper
    from depscreen.models.registry import make_model

    model = make_model("lmilatt", embedder="tfidf-svd", epochs=2, ae_epochs=1, hidden_size=16, attention_size=8,
                       **params)
    model.fit(short_corpus.users, short_corpus.labels)
    assert isinstance(model.stepper(), MILStepper)
    assert isinstance(make_stepper(model), MILStepper)
    users = short_corpus.users[:3]
    a = run_streams(model, users, max_posts=14)
    b = run_streams(model, users, max_posts=14, mode="recompute")
    assert a.mode == "incremental" and b.mode == "recompute"
    assert max(float(np.abs(x.scores - y.scores).max()) for x, y in zip(a.streams, b.streams)) < 1e-5
    assert max(float(np.ptp(s.scores)) for s in a.streams) > 0  # the scores move: not a constant


def test_lmilatt_max_pooling_falls_back_to_recompute(short_corpus):
    from depscreen.models.registry import make_model

    model = make_model("mil-max", embedder="tfidf-svd", epochs=1, ae_epochs=1, hidden_size=16)
    model.fit(short_corpus.users, short_corpus.labels)
    assert model.stepper() is None
    assert isinstance(make_stepper(model), RecomputeStepper)
