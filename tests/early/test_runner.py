import numpy as np
import pytest

from depscreen.corpus.types import User
from depscreen.early.runner import (
    PostAggregateStepper,
    RecomputeStepper,
    make_stepper,
    run_streams,
)
from depscreen.models.base import forward
from depscreen.models.baselines import MajorityBaseline, TfidfLogReg

# Each model's own stepper is tested beside it (tests/models/test_tfidf_stepper.py,
# test_default_stepper.py, mil/test_stepper.py): its score equals the model's on every prefix.


def test_post_level_model_with_aggregator(small_corpus):
    texts = [p.text for u in small_corpus.users for p in u.posts]
    labels = [int(p.label == 1) for u in small_corpus.users for p in u.posts]
    model = TfidfLogReg(class_weight="balanced").fit(texts, labels)
    user = small_corpus.users[0]
    for agg in ("mean", "max"):
        run = run_streams(model, [user], aggregate=agg)
        post_scores = forward(model, user.texts).scores
        expected = np.cumsum(post_scores) / np.arange(1, len(post_scores) + 1) if agg == "mean" \
            else np.maximum.accumulate(post_scores)
        assert np.allclose(run.streams[0].scores, expected)
    assert isinstance(make_stepper(model, aggregate="max"), PostAggregateStepper)


def test_fallback_for_other_models_and_limits(small_corpus):
    model = MajorityBaseline().fit(small_corpus.users, small_corpus.labels)
    assert isinstance(make_stepper(model), RecomputeStepper)
    with pytest.raises(ValueError, match="no incremental stepper"):
        make_stepper(model, "incremental")
    run = run_streams(model, small_corpus.users[:4], max_posts=3)
    assert all(len(s) <= 3 for s in run.streams)
    assert run.user_steps == sum(len(s) for s in run.streams)
    assert run.timing()["mode"] == "recompute"
    with pytest.raises(ValueError, match="step"):
        run_streams(model, small_corpus.users[:1], step=0)


class _CannotStep(TfidfLogReg):
    """A TF-IDF model that says it cannot step (its ``stepper()`` is None)."""

    def stepper(self):
        return None


def test_a_model_without_a_stepper_is_scored_by_re_scoring_each_prefix(small_corpus):
    users = small_corpus.users[:4]
    model = _CannotStep(class_weight="balanced").fit(small_corpus.users, small_corpus.labels)
    assert isinstance(make_stepper(model), RecomputeStepper)
    with pytest.raises(ValueError, match="no incremental stepper"):
        make_stepper(model, "incremental")
    run = run_streams(model, users, step=2)
    assert run.mode == "recompute" and run.stepper == "recompute"
    for stream, user in zip(run.streams, users):
        prefixes = [User(user.user_id, user.label, user.posts[:n]) for n in stream.seen]
        assert stream.seen[-1] == len(user.posts)
        assert np.allclose(stream.scores, forward(model, prefixes).scores, rtol=0, atol=1e-12)
    # the same scores as the model that steps (same parameters, same data)
    stepping = TfidfLogReg(class_weight="balanced").fit(small_corpus.users, small_corpus.labels)
    inc = run_streams(stepping, users, step=2)
    assert inc.mode == "incremental"
    assert max(float(np.abs(a.scores - b.scores).max()) for a, b in zip(inc.streams, run.streams)) < 1e-5
