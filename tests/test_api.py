"""The library road: train -> save -> load -> score, for every registered model."""

from __future__ import annotations

import csv
import gzip
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import depscreen
from depscreen.api import Predictions, iter_scores, load, save, score, score_file, train, training_record
from depscreen.corpus.io import write_jsonl
from depscreen.corpus.synthetic import make_sample_corpus, make_sample_posts
from depscreen.models.registry import MODELS, make_model

# Small, fast settings per model family: a test of the plumbing, not of quality.
_NET = {"max_epochs": 2, "max_features": 300, "batch_size": 32, "top_n": 0, "ft_epochs": 1,
        "on_degenerate": "warn"}
_FAST = {"cnn": _NET, "lstm": _NET, "cnn-lstm": _NET}
_MIL = {"embedder": "tfidf-svd", "epochs": 2, "ae_epochs": 1}


def _fast_params(name: str) -> dict:
    if name in _FAST:
        return _accepted(name, _FAST[name])
    if name.startswith(("lmilatt", "mil-")):
        return _accepted(name, _MIL)
    if name == "dual-mhim":
        return {}
    return {}


def _accepted(name: str, params: dict) -> dict:
    keys = make_model(name).get_params(deep=True)
    # a wrapper (lmilatt-mhim) takes its base model's parameters nested: base__epochs
    return {(k if k in keys else f"base__{k}"): v for k, v in params.items() if k in keys or f"base__{k}" in keys}


@pytest.fixture(scope="module")
def users():
    return make_sample_corpus(n_users=40, langs=("en",), posts_per_user=(4, 8), seed=3)


@pytest.fixture(scope="module")
def posts():
    return make_sample_posts(n=80, langs=("en",), seed=3)


def _corpus_for(name, users, posts):
    level = getattr(make_model(name), "input_level", "any")
    return posts if level == "post" else users


@pytest.mark.parametrize("name", sorted(n for n in MODELS if n != "dual-mhim"))
def test_every_model_trains_scores_saves_loads(name, users, posts, tmp_path):
    corpus = _corpus_for(name, users, posts)
    proto = make_model(name, **_fast_params(name))
    plain = lambda m: {k: v for k, v in m.get_params().items() if not hasattr(v, "get_params")}  # noqa: E731
    assert plain(clone(proto)) == plain(proto)  # a wrapper's base model compares by its base__ params
    model, record = train(proto, corpus)
    assert not hasattr(proto, "classes_")  # the caller's estimator stays unfitted
    assert record.model == name and record.n_items <= len(corpus)
    can_explain = callable(getattr(model, "explain", None))
    first = score(model, corpus, explain=can_explain, batch_size=7)
    assert len(first) == len(corpus)
    # batched scoring equals one pass over everything
    whole = score(model, corpus, explain=False, batch_size=10_000)
    np.testing.assert_array_equal(first.labels, whole.labels)
    if first.proba is not None:
        np.testing.assert_allclose(first.proba, whole.proba, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(first.proba.sum(axis=1), 1.0, rtol=1e-5)
    if can_explain:
        assert len(first.explanations) == len(corpus)
        for exp, label in zip(first.explanations, first.labels):
            assert exp["prediction"] == (label.item() if isinstance(label, np.generic) else label)
            assert "score" in exp
    folder = save(model, tmp_path / name, record)
    assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.pickle"))
    again = score(load(folder), corpus, explain=can_explain, batch_size=7)
    np.testing.assert_array_equal(again.labels, first.labels)
    if first.proba is not None:
        np.testing.assert_allclose(again.proba, first.proba, rtol=1e-5, atol=1e-6)
    if can_explain:
        assert json.dumps(again.explanations, sort_keys=True, default=str) == json.dumps(
            first.explanations, sort_keys=True, default=str
        )
    assert training_record(folder).model == name


def test_train_deduplicates_and_records(posts):
    doubled = type(posts)(posts.records + posts.records[:10], name="doubled")
    model, record = train("tfidf-lr", doubled, params={"class_weight": "balanced"})
    assert record.n_items == len(posts)
    assert record.dedup["items_before"] == len(posts) + 10
    assert record.params["class_weight"] == "balanced"
    assert "not a diagnos" in record.to_dict()["disclaimer"]


def test_train_refuses_unlabelled_and_wrong_level(users, posts):
    with pytest.raises(ValueError, match="scores single posts"):
        train("cnn", users)
    unlabelled = type(posts)([type(r)(r.id, r.text, None) for r in posts.records[:5]] + posts.records[5:])
    with pytest.raises(ValueError, match="5 of .* have no label"):
        train("tfidf-lr", unlabelled)


def test_train_warns_when_the_model_learns_one_class(posts):
    skewed = type(posts)(posts.records[:3] + [r for r in posts.records if r.label == 0][:60])
    labels = [r.label for r in skewed.records]
    assert 0 < sum(labels) < 5
    _, record = train("tfidf-lr", skewed, params={"C": 0.01})
    assert any("learned nothing" in w for w in record.extra.get("warnings", []))
    _, balanced = train("tfidf-lr", skewed, params={"class_weight": "balanced", "C": 10})
    assert "warnings" not in balanced.extra


def test_score_texts_users_and_per_post(users, posts):
    model, _ = train("tfidf-lr", posts)
    texts = score(model, ["i feel hopeless and empty", "great match tonight"])
    assert texts.ids == ["0", "1"] and texts.truth is None
    per_post = score(model, users, per_post=True, batch_size=5)
    assert len(per_post) == sum(len(u.posts) for u in users.users)
    assert per_post.id_columns == ["user_id", "post_index", "post_id"]
    first_user = users.users[0]
    assert per_post.post_index[: len(first_user.posts)] == list(range(len(first_user.posts)))
    with pytest.raises(ValueError, match="needs a user-level corpus"):
        score(model, posts, per_post=True)
    with pytest.raises(TypeError, match="mixes users and posts"):
        score(model, [users.users[0], "text"], batch_size=4)


def test_predictions_frame_and_csv_read_back_plainly(users, tmp_path):
    model, _ = train("tfidf-lr", users, params={"class_weight": "balanced"})
    preds = score(model, users, explain=True)
    frame = preds.to_frame()
    assert list(frame.columns) == ["user_id", "true_label", "predicted", "score", "proba_0", "proba_1"]
    path = preds.to_csv(tmp_path / "p.csv")
    back = pd.read_csv(path)
    assert list(back.columns) == list(frame.columns)  # no comment line in front of the header
    np.testing.assert_allclose(back["score"], frame["score"], atol=1e-6)
    meta = json.loads((tmp_path / "p.csv.meta.json").read_text())
    assert meta["model"] == "tfidf-lr" and "not a diagnos" in meta["disclaimer"]
    assert oct(path.stat().st_mode & 0o777) == oct((tmp_path / "p.csv.meta.json").stat().st_mode & 0o777)


def test_score_file_streams_gzip_to_csv_and_parquet(users, tmp_path):
    model, _ = train("tfidf-lr", users, params={"class_weight": "balanced"})
    src = write_jsonl(users, tmp_path / "users.jsonl")
    gz = tmp_path / "users.jsonl.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    seen = []
    summary = score_file(model, gz, tmp_path / "out.csv", explain_out=tmp_path / "exp.jsonl",
                         batch_size=6, progress=seen.append)
    assert summary["n_items"] == len(users) and seen[-1] == len(users) and len(seen) == -(-len(users) // 6)
    rows = list(csv.DictReader((tmp_path / "out.csv").open()))
    in_memory = score(model, users)
    assert [r["user_id"] for r in rows] == in_memory.ids
    np.testing.assert_allclose([float(r["score"]) for r in rows], in_memory.scores, atol=1e-6)
    exp_lines = (tmp_path / "exp.jsonl").read_text().splitlines()
    assert len(exp_lines) == len(users) and json.loads(exp_lines[0])["user_id"] == in_memory.ids[0]
    score_file(model, src, tmp_path / "out.parquet", batch_size=6)
    table = pd.read_parquet(tmp_path / "out.parquet")
    np.testing.assert_allclose(table["score"], in_memory.scores, atol=1e-6)
    import pyarrow.parquet as pq

    assert b"depscreen.disclaimer" in pq.read_schema(tmp_path / "out.parquet").metadata
    assert not list(tmp_path.glob(".*.partial"))


def test_score_file_leaves_no_half_file_on_error(users, tmp_path):
    model, _ = train("tfidf-lr", users, params={"class_weight": "balanced"})
    bad = tmp_path / "bad.jsonl"
    good = write_jsonl(users, tmp_path / "good.jsonl").read_text()
    bad.write_text(good + '{"user_id": "x", "posts": [{"text": null}]}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:\d+: posts\[0\].text must be a string, got null"):
        score_file(model, bad, tmp_path / "out.csv", batch_size=5)
    assert not (tmp_path / "out.csv").exists()
    assert not list(tmp_path.glob(".*.partial"))


def test_iter_scores_is_lazy(users):
    """A generator input is read one batch at a time (bounded memory)."""
    model, _ = train("tfidf-lr", users, params={"class_weight": "balanced"})
    pulled = []

    def stream():
        for u in users.users:
            pulled.append(u.user_id)
            yield u

    batches = iter_scores(model, stream(), batch_size=4)
    first = next(batches)
    assert len(first) == 4 and len(pulled) == 4
    assert isinstance(first, Predictions)


def test_package_reexports_the_api():
    assert depscreen.train is train and depscreen.score is score


def test_dual_encoder_interviews_through_the_api(tmp_path):
    """dual-mhim (regression head on interview bags): no probabilities, values as scores."""
    from depscreen.corpus.dialogue import interviews_to_users, make_sample_interviews

    corpus = interviews_to_users(make_sample_interviews(24, seed=1))
    params = {"embedder": "tfidf-svd", "embedder_options": {"n_components": 8}, "base__base__epochs": 2,
              "base__base__hidden_size": 4, "base__base__attention_size": 4, "base__base__validation_split": 0.0,
              "base__base__head": "regression", "base__mhim_t": 1, "base__mhim_b": 1}
    model, record = train("dual-mhim", corpus, params=params)
    first = score(model, corpus, explain=True, batch_size=5)
    assert first.proba is None and first.scores is not None and len(first) == 24
    assert "proba_" not in ",".join(first.columns)
    np.testing.assert_allclose(first.scores, first.labels.astype(float), rtol=1e-5)
    folder = save(model, tmp_path / "dual", record)
    again = score(load(folder), corpus, explain=True, batch_size=24)
    np.testing.assert_allclose(again.labels.astype(float), first.labels.astype(float), rtol=1e-5, atol=1e-6)
    assert [len(e["posts"]) for e in again.explanations] == [len(u.posts) for u in corpus.users]
