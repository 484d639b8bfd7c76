import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from depscreen.early.policies import (
    ConsecutivePositives,
    FixedThreshold,
    LearnedStop,
    MinPostsThreshold,
    NotBefore,
    SelectPolicy,
    apply_policy,
    first_alert,
    make_policy,
)
from depscreen.early.runner import ScoreStream

S = [0.2, 0.6, 0.4, 0.7, 0.8, 0.9]


def _stream(uid, label, scores):
    return ScoreStream(uid, label, np.asarray(scores, float), np.arange(1, len(scores) + 1))


def test_fixed_threshold_and_strict():
    assert first_alert(FixedThreshold(0.6), S) == 2
    assert first_alert(FixedThreshold(0.6, strict=True), S) == 4
    assert first_alert(FixedThreshold(0.95), S) is None


def test_min_posts_consecutive_not_before():
    assert first_alert(MinPostsThreshold(0.5, min_posts=3), S) == 4
    assert first_alert(ConsecutivePositives(0.5, k=2), S) == 5
    assert first_alert(ConsecutivePositives(0.5, k=4), S) is None
    assert first_alert(NotBefore(ConsecutivePositives(0.5, k=2), n=6), S) == 6
    assert first_alert(NotBefore(FixedThreshold(0.5), n=3), S) == 4


def test_decide_agrees_with_first_alert_and_is_final():
    for p in (FixedThreshold(0.6), MinPostsThreshold(0.5, 3), ConsecutivePositives(0.5, 2), NotBefore(None, 4)):
        t = p.first_alert(np.asarray(S), np.arange(1, 7))
        stepwise = next((i for i in range(len(S)) if p.decide(S[: i + 1], list(range(1, i + 2)))), None)
        assert t == stepwise, p
    # apply_policy: one decision per user, delay = posts read at the alert or all posts
    d, k, step = apply_policy(FixedThreshold(0.65), [_stream("a", 1, S), _stream("b", 0, [0.1, 0.2])])
    assert d.tolist() == [1, 0] and k.tolist() == [4, 2] and step.tolist() == [3, -1]


def test_auto_threshold_is_fitted_on_training_streams_only():
    train = [_stream(f"p{i}", 1, [0.3, 0.45, 0.5]) for i in range(5)] + \
            [_stream(f"n{i}", 0, [0.1, 0.2, 0.25]) for i in range(5)]
    p = FixedThreshold("auto")
    with pytest.raises(NotFittedError):
        p.first_alert(np.asarray(S))
    p.fit(train)
    # any threshold in (0.25, 0.3] separates at the first post: ERDE_50 is minimal there
    assert 0.25 < p.threshold_ <= 0.3
    assert "auto=" in p.label()


def test_learned_stop_learns_a_rule():
    rng = np.random.default_rng(0)
    train = [_stream(f"p{i}", 1, np.clip(0.5 + 0.05 * np.arange(20) + rng.normal(0, 0.05, 20), 0, 1))
             for i in range(8)]
    train += [_stream(f"n{i}", 0, np.clip(0.4 + rng.normal(0, 0.05, 20), 0, 1)) for i in range(8)]
    p = LearnedStop().fit(train)
    d, _, _ = apply_policy(p, train)
    assert d[:8].mean() > d[8:].mean()
    with pytest.raises(NotFittedError):
        LearnedStop().decide([0.5])
    with pytest.raises(ValueError, match="both classes"):
        LearnedStop().fit(train[:8])


def test_select_policy_picks_by_objective():
    train = [_stream(f"p{i}", 1, [0.3, 0.45, 0.5]) for i in range(5)] + \
            [_stream(f"n{i}", 0, [0.1, 0.2, 0.25]) for i in range(5)]
    sel = SelectPolicy(["threshold:t=0.9", "threshold:t=auto"]).fit(train)
    assert "auto" in sel.chosen_.label()
    assert set(sel.scores_) == {"threshold(t=0.9)", sel.chosen_.label()}


def test_make_policy_specs():
    assert isinstance(make_policy("threshold"), FixedThreshold)
    p = make_policy("consecutive:t=0.7,k=4")
    assert (p.threshold, p.k) == (0.7, 4)
    p = make_policy("min-posts:n=7")
    assert p.min_posts == 7
    p = make_policy("threshold:t=0.6,not_before=5")
    assert isinstance(p, NotBefore) and p.n == 5 and p.policy.threshold == 0.6
    assert make_policy("ss3").strict
    with pytest.raises(ValueError, match="did you mean 'threshold'"):
        make_policy("treshold")
    with pytest.raises(ValueError, match="unknown parameter"):
        make_policy("threshold:q=1")
