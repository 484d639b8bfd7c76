"""depscreen-default: the model train uses when none is named."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from depscreen.corpus import Post, User
from depscreen.models.base import forward, load_model
from depscreen.models.default import DefaultClassifier
from depscreen.models.registry import DEFAULT_MODEL, make_model

POSTS = [
    "so tired and sad all the time", "great match today with friends", "i feel empty and hopeless",
    "lovely dinner out tonight", "cannot sleep again, crying", "fun party, great music",
] * 3
LABELS = [1, 0, 1, 0, 1, 0] * 3


def _fit(**kw):
    return DefaultClassifier(embedder=None, **kw).fit(POSTS, LABELS)


def test_registered_as_the_default_and_params_untouched():
    model = make_model(DEFAULT_MODEL)
    assert isinstance(model, DefaultClassifier) and model.input_level == "any"
    odd = DefaultClassifier(Cs=(-1,), embedder=None)
    assert odd.Cs == (-1,)  # __init__ stores, fit validates
    with pytest.raises(ValueError, match="Cs"):
        odd.fit(POSTS, LABELS)
    with pytest.raises(NotFittedError):
        DefaultClassifier().predict(["x"])
    with pytest.raises(ValueError, match="two classes"):
        DefaultClassifier(embedder=None).fit(POSTS[:3], [1, 1, 1])
    assert clone(model).get_params() == model.get_params()


def test_fit_predict_explain_one_pass_agree():
    model = _fit()
    assert model.C_ in model.Cs and set(model.cv_scores_) <= set(model.Cs)
    fw = forward(model, ["sad and empty", "great party"], explain=True, top_k=3)
    assert fw.predictions.tolist() == [1, 0]
    assert np.allclose(fw.proba, model.predict_proba(["sad and empty", "great party"]))
    assert np.allclose(fw.scores, fw.proba[:, 1])
    first = fw.explanations[0]
    assert first["prediction"] == 1 and first["score"] == pytest.approx(fw.scores[0])
    assert first["top_features"] and all(f["contribution"] > 0 for f in first["top_features"])
    assert len(first["top_features"]) <= 3


def test_users_get_top_posts_by_index_and_links_are_redacted():
    users = [
        User("a", 1, [Post("i feel empty http://x.com/a"), Post("so tired")]),
        User("b", 0, [Post("great match https://t.co/b"), Post("dinner out")]),
    ] * 3
    model = DefaultClassifier(embedder=None, min_df=1).fit(users, [1, 0] * 3)
    names = set(model.word_.vocabulary_) | set(model.char_.vocabulary_)
    assert not any("http" in n or "t.co" in n for n in names)  # one placeholder, no scheme
    exp = model.explain(users[:1], top_k=2)[0]
    assert [p["index"] for p in exp["top_posts"]] == [0, 1]
    assert "i feel" not in json.dumps(exp["top_posts"])


def test_save_load_identical_outputs(tmp_path):
    model = _fit()
    folder = model.save(tmp_path / "m")
    assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.skops"))
    config = json.loads((folder / "config.json").read_text())
    assert config["model"] == "depscreen-default"
    again = load_model(folder)
    X = POSTS + ["never seen words here"]
    assert np.array_equal(again.predict_proba(X), model.predict_proba(X))
    assert again.explain(X[:2]) == model.explain(X[:2])
    assert again.get_params() == model.get_params()


def test_chinese_features_are_words_not_clauses():
    zh = ["我今天好累，不想活了", "今天天气很好，出去玩", "心里很难过，一直在哭", "和朋友吃饭很开心"] * 3
    model = DefaultClassifier(embedder=None, min_df=1).fit(zh, [1, 0, 1, 0] * 3)
    assert model.zh_ and model.char_.analyzer == "char" and model.char_.ngram_range == (1, 4)
    words = [f for f in model.word_.vocabulary_ if " " not in f]
    assert "难过" in words and "今天" in words
    assert "心里很难过" not in words and max(len(w) for w in words) <= 4
    feats = [f["feature"] for f in model.explain(["我很难过"], top_k=10)[0]["top_features"]]
    assert any(len(f) >= 2 and not f.startswith("char:") and " " not in f for f in feats)


def test_embedder_failure_falls_back_to_tfidf_with_a_warning():
    model = DefaultClassifier(embedder="hf:/nonexistent/model/folder")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(POSTS, LABELS)
    assert model.embedder_used_ is None and not model.stacked_
    assert any("TF-IDF model alone" in str(w.message) for w in caught)
    assert model.predict(["sad and empty"]).tolist() == [1]


def test_stacked_with_an_embedder_saves_and_loads(tmp_path, monkeypatch):
    from depscreen.models import default as mod

    class Fake:
        dim = 4

        def embed(self, texts):
            return np.asarray([[t.count("sad") + t.count("empty"), len(t) % 3, 1.0, t.count("great")] for t in texts],
                              dtype=np.float32)

    monkeypatch.setattr(mod.DefaultClassifier, "_embedder", lambda self: Fake())
    model = DefaultClassifier(embedder="fake").fit(POSTS, LABELS)
    assert model.embedder_used_ == "fake" and model.stacked_
    assert model.embed_C_ in model.embed_Cs
    again = load_model(model.save(tmp_path / "s"))
    assert np.allclose(again.predict_proba(POSTS), model.predict_proba(POSTS))
    three = DefaultClassifier(embedder="fake").fit(POSTS, [0, 1, 2] * 6)
    assert three.predict_proba(POSTS[:2]).shape == (2, 3)


def test_stack_weights_never_negative_and_fit_a_clear_signal():
    from depscreen.models.default import _fit_stack, _stack_proba

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    good = np.where(y[:, None] == np.arange(2), 0.9, 0.1)          # informative model
    flipped = np.where(y[:, None] == np.arange(2), 0.2, 0.8)       # anti-informative model
    logs = [np.log(good), np.log(flipped)]
    w, b = _fit_stack(logs, y, np.ones(len(y)))
    assert (w >= 0).all() and w[0] > 0.5 and w[1] < 1e-3  # the flipped model is switched off, not inverted
    P = _stack_proba(logs, w, b)
    assert np.allclose(P.sum(1), 1) and (P.argmax(1) == y).all()


def test_C_chosen_by_out_of_fold_log_likelihood():
    model = _fit()
    assert all(v <= 0 for v in model.cv_scores_.values())  # mean log-likelihoods
    assert model.cv_scores_[model.C_] == max(model.cv_scores_.values())


def test_C_search_stops_once_the_held_out_likelihood_falls():
    rng = np.random.default_rng(1)
    words = sorted({w for t in POSTS for w in t.replace(",", "").split()})
    X = [" ".join(rng.choice(words, 6)) for _ in range(60)]
    y = rng.integers(0, 2, 60)  # nothing to learn: a larger C only overfits
    model = DefaultClassifier(embedder=None, Cs=(0.1, 1.0, 10.0, 100.0)).fit(X, y)
    tried = sorted(model.cv_scores_)
    assert tried == sorted(model.Cs)[: len(tried)] and len(tried) < 4
    assert model.cv_scores_[tried[-1]] < model.cv_scores_[tried[-2]]  # stopped at the first fall
    assert model.C_ == max(tried, key=model.cv_scores_.get)
