"""benchmarks/_peers.py: the peers, the fold loop and the paired verdict (synthetic data only)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import _peers  # noqa: E402

from depscreen.corpus import Post, User  # noqa: E402

SAD = ["so tired of everything", "cannot sleep again alone", "feel empty and hopeless", "crying all night tired"]
FINE = ["great game with friends", "lunch at the beach today", "new bike ride was fun", "watched a film tonight"]


def _posts(n: int = 80, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = [f"{rng.choice(SAD if label else FINE)} {rng.integers(1000)}" for label in y]
    return X, y


def _users(n: int = 40) -> tuple[list[User], np.ndarray]:
    X, y = _posts(3 * n)
    users = [User(str(i), int(y[3 * i]), [Post(t) for t in X[3 * i : 3 * i + 3]]) for i in range(n)]
    return users, np.asarray([u.label for u in users])


class _FakeUse:
    """Deterministic 'sentence vectors': counts of sad vs fine words (no model download)."""

    def embed(self, texts):
        sad = {w for t in SAD for w in t.split()}
        return np.asarray([[sum(w in sad for w in t.split()), len(t.split()), 1.0] for t in texts], dtype=np.float32)


@pytest.fixture
def fake_use(monkeypatch):
    monkeypatch.setattr(_peers, "use_embedder", lambda cache_dir=None: _FakeUse())


@pytest.mark.parametrize("level", ["post", "user"])
def test_every_peer_fits_and_separates_the_classes(level, fake_use):
    X, y = _posts() if level == "post" else _users()
    folds = _peers.seeded_folds(y, cv=4, repeats=1, seed=13)
    oof = _peers.cross_val_oof(_peers.make_peers(), X, y, folds, ["f1", "accuracy"])
    assert list(oof.per_fold) == list(_peers.PEER_NAMES)
    for m in _peers.PEER_NAMES:
        assert len(oof.per_fold[m]["f1"]) == 4
        assert oof.mean(m, "accuracy") > 0.9, m
        assert oof.pred[m][0].shape == y.shape


def test_use_peer_averages_a_users_post_vectors(fake_use):
    users, _ = _users(4)
    V = _peers.UsePeer()._vectors(users)
    expected = _FakeUse().embed(users[1].texts).mean(axis=0)
    np.testing.assert_allclose(V[1], expected)


def test_chinese_peer_uses_character_ngrams():
    peer = clone(_peers.WordCharPeer(chinese=True))  # a scikit-learn estimator: clone keeps params
    X = ["我今天很难过", "我今天很开心", "心里很难过想哭", "和朋友一起很开心"] * 5
    y = np.asarray([1, 0, 1, 0] * 5)
    peer.fit(X, y)
    char = peer.model_.steps[0][1].transformer_list[1][1]
    assert char.analyzer == "char" and char.ngram_range == (1, 4)
    assert list(peer.predict(["很难过"])) == [1]
    assert _peers.WordCharPeer().fit(X, y).model_.steps[0][1].transformer_list[1][1].analyzer == "char_wb"


def test_fast_metrics_match_scikit_learn():
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 3, 200), rng.integers(0, 3, 200)
    classes = np.asarray([0, 1, 2])
    assert _peers.metric("f1_macro", y, p, None, classes) == pytest.approx(f1_score(y, p, average="macro"))
    assert _peers.metric("mae", y, p, None, classes) == pytest.approx(np.abs(y - p).mean())
    yb, pb = y % 2, p % 2
    assert _peers.metric("f1", yb, pb, None, np.asarray([0, 1])) == pytest.approx(f1_score(yb, pb))


def test_paired_bootstrap_verdicts():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    good = np.where(rng.random(400) < 0.95, y, 1 - y)
    bad = np.where(rng.random(400) < 0.70, y, 1 - y)
    classes = np.asarray([0, 1])
    win = _peers.paired_bootstrap(y, [good], [bad], [None], [None], "f1_macro", True, classes, seed=0)
    assert win["verdict"] == "win" and win["ci95"][0] > 0
    loss = _peers.paired_bootstrap(y, [bad], [good], [None], [None], "f1_macro", True, classes, seed=0)
    assert loss["verdict"] == "loss"
    tie = _peers.paired_bootstrap(y, [good], [good], [None], [None], "f1_macro", True, classes, seed=0)
    assert tie["verdict"] == "tie" and tie["diff"] == 0
    # lower is better (MAE): the more accurate model wins
    mae = _peers.paired_bootstrap(y, [good], [bad], [None], [None], "mae", False, classes, seed=0)
    assert mae["verdict"] == "win" and mae["diff"] < 0
    counts = _peers.sign_counts([0.5, 0.6, 0.7], [0.6, 0.6, 0.6], higher=True)
    assert counts == {"better": 1, "worse": 1, "equal": 1}


def test_verdict_picks_the_strongest_peer_and_renders(fake_use):
    X, y = _posts(120)
    noisy = _peers.WordPeer

    class Coin:
        """A model that guesses: clearly worse than every peer."""

        def fit(self, X, y):
            self.classes_ = np.unique(y)
            return self

        def predict_proba(self, X):
            p = np.random.default_rng(len(X)).random(len(X))
            return np.c_[1 - p, p]

    factories = {"coin": Coin, **_peers.make_peers()}
    oof = _peers.cross_val_oof(factories, X, y, _peers.seeded_folds(y, 4, 2, 13), ["f1"])
    test = _peers.verdict(oof, "coin", y, "f1", higher=True, seed=0, target=0.9)
    best = max(_peers.PEER_NAMES, key=lambda m: oof.mean(m, "f1"))
    assert test["peer"] == best and test["verdict"] == "loss" and test["target_met"] is False
    assert sum(test["folds"].values()) == 8
    same = _peers.cross_val_oof({"a": noisy, "b": noisy}, X, y, _peers.seeded_folds(y, 4, 1, 13), ["f1"])
    assert _peers.verdict(same, "a", y, "f1", True, 0, peers=["b"])["verdict"] == "tie"  # identical: not a win
    cells = _peers.verdict_cells(test)
    assert cells[0] == best and cells[2] == "**loss**"
    assert "Verdict: **loss**" in _peers.verdict_sentence(test, "f1")


def test_plan_folds_are_the_folds_compare_uses_and_full_metrics_match_it():
    from depscreen.corpus import PostCorpus, PostRecord
    from depscreen.evaluate import compare

    X, y = _posts(60)
    corpus = PostCorpus([PostRecord(str(i), t, int(lab)) for i, (t, lab) in enumerate(zip(X, y))])
    folds = _peers.plan_folds(corpus, cv=3, repeats=2, seed=7)
    plan = compare([("w", _peers.WordPeer())], corpus, cv=3, repeats=2, seed=7, progress=False, dedup=False)
    ours = [te.tolist() for splits in folds for _, te in splits]
    assert ours == [f.test.tolist() for f in plan["w"].split.folds]
    Xs, classes, yi = _peers.samples(corpus)
    oof = _peers.cross_val_oof({"w": _peers.WordPeer}, Xs, yi, folds, ["f1"], classes)
    summary, per_fold = _peers.full_metrics(oof, "w", yi, "binary")
    assert len(per_fold) == 6
    assert summary["f1"].mean == pytest.approx(plan["w"].mean("f1"))
    assert summary["roc_auc"].mean == pytest.approx(plan["w"].mean("roc_auc"))


def test_set_header_names_the_proxy_and_the_notes():
    res = {"description": "Some posts", "proxy": "sadness, not depression", "notes": ["read: 10"], "dedup": "dedup: 10 -> 9"}
    lines = _peers.set_header("toy (proxy)", res)
    assert lines[0] == "## toy (proxy)" and "**Proxy label:** sadness, not depression." in lines
    assert lines[-2:] == ["- read: 10", "- dedup: 10 -> 9"]
    assert not any("Proxy" in x for x in _peers.set_header("toy", {**res, "proxy": None}))



class _RuleModel:
    """A depscreen-style model whose decision rule is not the most probable class."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.tile([0.7, 0.3], (len(X), 1))

    def _forward(self, X, explain=False, top_k=5):
        from depscreen.models.base import Forward

        proba = self.predict_proba(X)
        return Forward(np.ones(len(X), dtype=int), proba, proba[:, 1], None)  # threshold below 0.3


def test_a_depscreen_model_is_scored_by_its_own_decision_rule():
    X, y = _posts()
    folds = _peers.seeded_folds(y, cv=4, repeats=1, seed=13)
    oof = _peers.cross_val_oof({"rule": _RuleModel}, X, y, folds, ["accuracy"])
    assert (oof.pred["rule"][0] == 1).all()  # its predict, not the argmax of its probabilities
    assert np.allclose(oof.score["rule"][0], 0.3)


@pytest.mark.parametrize("name", ["word-lr", "word+char-lr", "use-lr"])
def test_peers_step_post_by_post_with_their_own_score(fake_use, name):
    """benchmarks/early.py steps each peer incrementally; after every post its score must
    be the peer's probability for the timeline read so far."""
    from depscreen.early.runner import make_stepper

    X, y = _users()
    peer = _peers.make_peers()[name]().fit(X, y)
    stepper = make_stepper(peer)
    assert stepper.incremental
    for user in X[:3]:
        state = stepper.init(user)
        for n, post in enumerate(user.posts, start=1):
            score = stepper.advance([state], [[post]])[0]
            prefix = User(user.user_id, user.label, user.posts[:n])
            assert score == pytest.approx(peer.predict_proba([prefix])[0, 1], abs=1e-5)


def test_holm_adjusts_in_input_order_and_skips_missing():
    adjusted = _peers.holm([0.01, 0.04, 0.03, float("nan"), 0.5])
    assert adjusted[:3] == pytest.approx([0.04, 0.09, 0.09])
    assert adjusted[3] != adjusted[3] and adjusted[4] == pytest.approx(0.5)
    tests = [{"p_two_sided": 0.01}, {"p_two_sided": 0.2}]
    assert _peers.add_holm(tests) == 2 and tests[0]["holm_p"] == pytest.approx(0.02)
    assert "2 comparisons" in _peers.multiplicity_sentence(2)


def test_ridge_peer_regresses_a_score(fake_use):
    from depscreen.corpus import Post, User

    users = [User(str(i), float(i % 5), [Post(("sad " * (i % 5)) + f"day {i}")]) for i in range(40)]
    y = np.asarray([u.label for u in users])
    for name, make in _peers.make_regression_peers().items():
        pred = make().fit(users[:30], y[:30]).predict(users[30:])
        assert pred.shape == (10,) and pred.min() >= 0.0 and pred.max() <= 4.0
        if name != "use-ridge":  # the word count of "sad" is the score
            assert np.corrcoef(pred, y[30:])[0, 1] > 0.8
