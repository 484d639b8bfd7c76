from __future__ import annotations

import json
import random

import numpy as np
import pytest
import skops.io as sio
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from depscreen.corpus import Post, User
from depscreen.models import load_model, make_model
from depscreen.models.baselines import (
    MajorityBaseline,
    TfidfLogReg,
    UntrustedModelFileError,
    dump_skops,
    load_skops,
)

SAD = ["hopeless", "empty", "tired", "alone", "worthless", "numb"]
NEUTRAL = ["coffee", "match", "recipe", "garden", "movie", "beach", "office", "music", "train", "book"]


def _texts(n: int, seed: int = 0):
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        y = i % 2
        words = rng.sample(NEUTRAL, 4) + ([rng.choice(SAD), rng.choice(SAD)] if y else [])
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(y)
    return texts, np.array(labels)


def _users(n: int, seed: int = 0, labels=(0, 1)):
    rng = random.Random(seed)
    users = []
    for u in range(n):
        y = labels[u % len(labels)]
        k = labels.index(y)
        posts = [
            Post(" ".join(rng.sample(NEUTRAL, 3) + [SAD[k]] * (k > 0 and rng.random() < 0.8)))
            for _ in range(rng.randint(2, 5))
        ]
        users.append(User(f"u{u}", y, posts))
    return users


def test_majority_predicts_prior():
    m = MajorityBaseline().fit(["a", "b", "c", "d"], ["x", "y", "y", "z"])
    assert m.predict(["q", "r"]).tolist() == ["y", "y"]
    np.testing.assert_allclose(m.predict_proba(["q"]), [[0.25, 0.5, 0.25]])
    assert m.classes_.tolist() == ["x", "y", "z"]
    assert MajorityBaseline.input_level == "any"
    users = _users(6)
    assert len(MajorityBaseline().fit(users, [u.label for u in users]).predict(users)) == 6


def test_not_fitted_is_clear():
    with pytest.raises(NotFittedError, match="call fit"):
        TfidfLogReg().predict(["x"])
    with pytest.raises(NotFittedError):
        MajorityBaseline().predict_proba(["x"])


def test_tfidf_learns_posts_and_users():
    X, y = _texts(80)
    model = TfidfLogReg().fit(X[:60], y[:60])
    assert (model.predict(X[60:]) == y[60:]).mean() > 0.9
    assert model.predict_proba(X[60:]).shape == (20, 2)
    users = _users(40)
    uy = [u.label for u in users]
    um = TfidfLogReg(class_weight="balanced").fit(users[:30], uy[:30])
    assert (um.predict(users[30:]) == np.array(uy[30:])).mean() >= 0.8


def test_tfidf_multiclass_multinomial():
    users = _users(60, labels=(0, 1, 2))
    m = TfidfLogReg(analyzer="both", char_ngram_max=4).fit(users, [u.label for u in users])
    P = m.predict_proba(users)
    assert P.shape == (60, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-6)
    assert m.classes_.tolist() == [0, 1, 2]


def test_tfidf_options_change_features():
    X, y = _texts(20)
    word = TfidfLogReg(analyzer="word", word_ngram_max=1).fit(X, y)
    both = TfidfLogReg(analyzer="both").fit(X, y)
    capped = TfidfLogReg(max_features=5).fit(X, y)
    n = lambda m: len(m.feature_names_)  # noqa: E731
    assert n(both) > n(word) and n(capped) == 5
    with pytest.raises(ValueError, match="analyzer"):
        TfidfLogReg(analyzer="bytes").fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        TfidfLogReg(class_weight="auto").fit(X, y)
    with pytest.raises(ValueError, match="two classes"):
        TfidfLogReg().fit(X[:2], [1, 1])


@pytest.mark.parametrize(
    "model, params, message",
    [
        ("tfidf-lr", {"char_ngram_min": 4, "char_ngram_max": 2}, r"char_ngram_range must be \(low, high\).*\(4, 2\)"),
        ("depscreen-default", {"zh_char_ngram_range": (0, 2)}, r"zh_char_ngram_range must be \(low, high\)"),
        ("tfidf-lr", {"word_ngram_max": 0}, "word_ngram_max must be at least 1"),
        ("depscreen-default", {"word_ngram_max": 0}, "word_ngram_max must be at least 1"),
        ("depscreen-default", {"class_weight": "auto"}, "class_weight must be None or 'balanced'"),
    ],
)
def test_tfidf_models_share_one_ngram_check(model, params, message):
    """tfidf-lr and the default model refuse the same bad n-gram settings with one wording."""
    X, y = _texts(20)
    with pytest.raises(ValueError, match=message):
        make_model(model, **params).fit(X, y)


def test_clone_keeps_params():
    m = TfidfLogReg(C=3.0, analyzer="char")
    c = clone(m)
    assert c.get_params() == m.get_params() and not hasattr(c, "classifier_")


@pytest.mark.parametrize("name", ["majority", "tfidf-lr"])
def test_save_load_round_trip_identical(tmp_path, name):
    users = _users(30, labels=(0, 1, 2))
    y = [u.label for u in users]
    model = make_model(name, **({"analyzer": "both", "C": 2.0} if name == "tfidf-lr" else {}))
    model.fit(users, y)
    folder = model.save(tmp_path / name)
    config = json.loads((folder / "config.json").read_text())
    expected = "model.skops" if name == "majority" else "arrays.safetensors"
    assert config["model"] == name and config["weights"] == expected
    assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.joblib"))
    if name == "tfidf-lr":  # the vectoriser is saved as data, without the dead stop_words_ set
        assert not list(folder.glob("*.skops"))
        assert set(config["vectorizers"]) == {"word", "char"}
        assert "stop_words_" not in json.dumps(config)
    loaded = load_model(folder)
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict(users), model.predict(users))
    np.testing.assert_array_equal(loaded.predict_proba(users), model.predict_proba(users))


def test_save_before_fit_fails(tmp_path):
    with pytest.raises(NotFittedError):
        TfidfLogReg().save(tmp_path / "m")


def test_untrusted_skops_file_is_refused(tmp_path):
    from fractions import Fraction  # a type skops does not trust by default

    path = tmp_path / "bad.skops"
    sio.dump({"payload": Fraction(1, 3)}, path)
    with pytest.raises(UntrustedModelFileError, match=r"untrusted types \['fractions.Fraction'\]"):
        load_skops(path)
    assert load_skops(path, trusted=["fractions.Fraction"])["payload"] == Fraction(1, 3)
    good = dump_skops(MajorityBaseline().fit(["a", "b"], [0, 1]).dummy_, tmp_path / "ok.skops")
    assert load_skops(good).classes_.tolist() == [0, 1]


def test_explain_posts_and_users():
    X, y = _texts(60)
    m = TfidfLogReg().fit(X, y)
    sad_doc = "hopeless empty coffee"
    exp = m.explain([sad_doc], top_k=3)[0]
    assert exp["prediction"] == 1
    feats = [f["feature"] for f in exp["top_features"]]
    assert feats and all(f["contribution"] > 0 for f in exp["top_features"])
    assert any("hopeless" in f or "empty" in f for f in feats[:2])
    users = [User("u", 1, [Post("coffee match"), Post("hopeless worthless empty"), Post("music book")])]
    uexp = m.explain(users, top_k=2)[0]
    assert uexp["top_posts"][0]["index"] == 1
    assert "text" not in json.dumps(uexp)


def test_max_features_cut_is_not_saved(tmp_path):
    """The n-grams cut by max_features (stop_words_) are dropped at fit and never written."""
    X, y = _texts(40)
    m = TfidfLogReg(max_features=5).fit(X, y)
    assert all(vec.stop_words_ is None for _, vec in m.vectorizers_)
    folder = m.save(tmp_path / "m")
    assert len(json.loads((folder / "word.vocab.json").read_text())) == 5
    np.testing.assert_array_equal(load_model(folder).predict_proba(X), m.predict_proba(X))


def test_chinese_is_segmented_into_words():
    """Word features on Chinese are jieba words, not whole clauses."""
    sad = ["我今天很难过，晚上又失眠了", "觉得自己很没用，好想哭", "每天都很累，什么都不想做", "心里好难受，没有人懂我"]
    fun = ["今天和朋友去吃火锅，好开心", "周末去爬山，风景很美", "新买的手机很好用", "晚上看了一场精彩的比赛"]
    X = sad * 3 + fun * 3
    y = [1] * 12 + [0] * 12
    m = TfidfLogReg(word_ngram_max=1).fit(X, y)
    feats = [f["feature"] for f in m.explain(["我好难过，晚上失眠"], top_k=5)[0]["top_features"]]
    assert feats, "an unseen Chinese post must get an explanation"
    assert all(len(f) <= 4 for f in feats), feats  # words, not clauses
    assert {"难过", "失眠"} & set(feats)
    assert m.predict(["我好难过，晚上失眠"])[0] == 1
