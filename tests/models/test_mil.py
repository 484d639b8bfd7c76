"""Tests of the user-level multi-instance model (LMILAtt): masks, heads, training,
explanations, save / load. Small generated data, tiny networks, one torch thread."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from depscreen.corpus.synthetic import make_sample_corpus
from depscreen.corpus.types import Post, User
from depscreen.evaluate.explain import explanation_metrics
from depscreen.models.mil import EmbeddedUsers, LMILAttClassifier
from depscreen.models.mil.bags import make_bag, pad_bags, select_posts, time_order
from depscreen.models.mil.networks import (
    BinaryHead,
    LSTMAutoencoder,
    MILNetwork,
    MulticlassHead,
    OrdinalHead,
    masked_softmax,
)
from depscreen.models.mil.training import (
    BagData,
    Checkpoint,
    EarlyStopping,
    EpochLogger,
    StepOutput,
    Trainer,
    attention_stats,
)

FAST = dict(ae_epochs=3, epochs=25, hidden_size=16, attention_size=16, batch_size=8, lr=1e-2,
            validation_split=0.0)


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class ToyEmbedder:
    """Deterministic test embedder: hashed words, random projection (no fitting)."""

    def __init__(self, dim: int = 24, seed: int = 0):
        from sklearn.feature_extraction.text import HashingVectorizer

        self.dim = dim
        self.name = f"toy-hash:{dim}:{seed}"
        self._vec = HashingVectorizer(n_features=2**10, alternate_sign=False, norm="l2")
        self._proj = np.random.default_rng(seed).normal(size=(2**10, dim)).astype(np.float32)

    def embed(self, texts):
        x = np.asarray(self._vec.transform(list(texts)) @ self._proj, dtype=np.float32)
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


@pytest.fixture(scope="module")
def sample():
    """96 English users of the synthetic sample, embedded once with a small tfidf-svd."""
    from depscreen.embed.registry import get_embedder

    corpus = make_sample_corpus(n_users=96, langs=("en",), seed=5, posts_per_user=(10, 20))
    texts = [p.text for u in corpus for p in u.posts]
    emb = get_embedder("tfidf-svd", n_components=48, max_char_features=5000, max_word_features=5000)
    emb.fit(texts)
    vectors = [emb.embed(u.texts) for u in corpus]
    train = EmbeddedUsers(corpus.users[:64], vectors[:64], emb.name)
    test = EmbeddedUsers(corpus.users[64:], vectors[64:], emb.name)
    return emb, train, test


def _users(n_users=6, lo=2, hi=7, seed=0, label_fn=None):
    rng = np.random.default_rng(seed)
    users = []
    for u in range(n_users):
        n = int(rng.integers(lo, hi + 1))
        posts = [Post(text=f"post {u} {i} " + ("sad empty" if (u % 2 and i == 0) else "sunny walk"),
                      time=f"2021-01-{i + 1:02d}T10:00:00", id=f"u{u}p{i}") for i in range(n)]
        rng.shuffle(posts)  # stored out of time order on purpose
        users.append(User(f"u{u}", (label_fn or (lambda k: k % 2))(u), posts))
    return users


# ------------------------------------------------------------------ bags


def test_time_order_and_recent_policy_keep_the_latest_posts():
    user = User("a", 1, [Post("c", "2021-03-01"), Post("a", "2021-01-01"), Post("x", None),
                         Post("b", "2021-02-01")])
    assert time_order(user).tolist() == [1, 3, 0, 2]  # untimed last
    emb = np.arange(4, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    bag = make_bag(user, emb, max_posts=2, policy="recent")
    assert bag.post_index.tolist() == [0, 2]  # the two last in time order
    assert np.array_equal(bag.embeddings[:, 0], [0.0, 2.0])
    assert make_bag(user, emb, max_posts=2, policy="chunks").post_index.tolist() == [1, 3, 0, 2]
    with pytest.raises(ValueError, match="policy"):
        select_posts(3, 2, "oldest")


def test_pad_bags_masks_and_chunk_rounding():
    x, mask = pad_bags([np.ones((3, 2), np.float32), np.ones((1, 2), np.float32)], chunk_len=2)
    assert x.shape == (2, 4, 2)
    assert mask.tolist() == [[True, True, True, False], [True, False, False, False]]
    with pytest.raises(ValueError, match="embedding sizes"):
        pad_bags([np.ones((1, 2), np.float32), np.ones((1, 3), np.float32)])


# ------------------------------------------------------------------ masks


def _net_inputs(seed=0, dim=6):
    g = torch.Generator().manual_seed(seed)
    lengths = [5, 2, 7, 1]
    T = 8
    x = torch.randn(len(lengths), T, dim, generator=g)
    mask = torch.zeros(len(lengths), T, dtype=torch.bool)
    for i, n in enumerate(lengths):
        mask[i, :n] = True
    return x, mask


@pytest.mark.parametrize("pooling", ["attention", "gated", "attention+mean", "mean", "max"])
@pytest.mark.parametrize("encoder,chunk,bidir", [("lstm", None, False), ("lstm", 4, True), ("none", None, False)])
def test_huge_padding_values_change_nothing(pooling, encoder, chunk, bidir):
    torch.manual_seed(0)
    net = MILNetwork(6, 5, encoder=encoder, pooling=pooling, bidirectional=bidir, chunk_len=chunk,
                     skip_embedding=True)
    net.head = MulticlassHead(net.pooled_dim, 3)
    net.eval()
    x, mask = _net_inputs()
    clean = net(x, mask)
    for pad in (1e30, float("inf"), float("nan"), -1e30):
        dirty = x.clone()
        dirty[~mask] = pad
        out = net(dirty, mask)
        assert torch.equal(out.out, clean.out)
        assert torch.equal(out.attention, clean.attention)
        assert torch.equal(out.pooled, clean.pooled)
    assert torch.all(clean.attention[~mask] == 0)
    assert torch.allclose(clean.attention.sum(1), torch.ones(4))


def test_padding_does_not_leak_into_the_autoencoder_loss():
    torch.manual_seed(0)
    ae = LSTMAutoencoder(6, 4)
    x, mask = _net_inputs()
    _, recon = ae(x, mask)
    loss = ae.reconstruction_loss(x, recon, mask)
    # the same loss computed by hand over real posts only
    manual = torch.cat([((recon[i, :n] - x[i, :n]) ** 2).flatten() for i, n in enumerate(mask.sum(1).tolist())])
    assert torch.allclose(loss, manual.mean())
    dirty = x.clone()
    dirty[~mask] = 1e30
    _, recon2 = ae(dirty, mask)
    assert torch.equal(ae.reconstruction_loss(dirty, recon2, mask), loss)
    assert torch.equal(ae.reconstruction_error(dirty, recon2, mask), ae.reconstruction_error(x, recon, mask))
    # gradients stay finite with huge padding
    ae.reconstruction_loss(dirty, recon2, mask).backward()
    assert all(torch.isfinite(p.grad).all() for p in ae.parameters() if p.grad is not None)


@pytest.mark.parametrize("pooling", ["attention", "gated", "attention+mean", "mean", "max"])
def test_extra_attention_mask_gives_exactly_zero_weight(pooling):
    torch.manual_seed(1)
    net = MILNetwork(6, 5, pooling=pooling, skip_embedding=True).eval()
    x, mask = _net_inputs()
    amask = torch.ones_like(mask)
    amask[0, [0, 3]] = False
    amask[2, 1:6] = False
    amask[3, 0] = False  # the only post of this bag: nothing left to attend to
    out = net(x, mask, amask)
    assert torch.all(out.attention[~amask] == 0)
    assert torch.all(out.attention[~mask] == 0)
    assert torch.allclose(out.attention[:3].sum(1), torch.ones(3))
    assert torch.all(out.attention[3] == 0) and torch.all(out.pooled[3] == 0)
    assert torch.isfinite(out.out).all()
    # masking changes the user vector unless the masked posts had no weight anyway
    assert not torch.equal(out.pooled[2], net(x, mask).pooled[2])


def test_soft_attention_mask_scales_unnormalised_weights():
    torch.manual_seed(2)
    net = MILNetwork(6, 5, head=BinaryHead(11), skip_embedding=True).eval()
    x, mask = _net_inputs()
    base = net(x, mask).attention
    soft = torch.ones(mask.shape)
    soft[0, 1] = 0.5
    soft[0, 2] = 0.0
    w = net(x, mask, soft).attention
    expected = base[0] * soft[0] * mask[0]
    assert torch.allclose(w[0], expected / expected.sum(), atol=1e-6)
    assert w[0, 2] == 0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        net(x, mask, soft * 2)


def test_masked_softmax_gradient_is_finite_for_empty_rows():
    scores = torch.randn(2, 3, requires_grad=True)
    keep = torch.tensor([[True, False, True], [False, False, False]])
    w = masked_softmax(scores, keep)
    (w * torch.arange(3.0)).sum().backward()
    assert torch.isfinite(scores.grad).all()
    assert torch.all(w[1] == 0)


# ------------------------------------------------------------------ heads


def test_ordinal_head_probabilities_and_prediction():
    head = OrdinalHead(3, 5)
    out = torch.tensor([[5.0, 4.0, -3.0, -6.0], [-5.0, -6.0, -7.0, -8.0]])
    p = head.proba(out)
    assert torch.allclose(p.sum(1), torch.ones(2))
    assert head.predict(out).tolist() == [2, 0]
    loss = head.loss(out, torch.tensor([2, 0]))
    assert loss < head.loss(out, torch.tensor([4, 4]))


# ------------------------------------------------------------------ the model


def test_finds_planted_posts_well_above_chance(sample):
    _, train, test = sample
    model = LMILAttClassifier(embedder=sample[0], **FAST).fit(train)
    acc = np.mean(model.predict(test) == np.array([u.label for u in test]))
    metrics = explanation_metrics(test.users, model.explain(test))
    assert acc > 0.65
    assert metrics["n_bags_with_truth"] >= 5
    for k in ("10%", "20%"):
        assert metrics[f"recall@{k}"] > 2 * metrics[f"chance@{k}"], metrics
    # attention is far from uniform on this data
    assert metrics["normalised_entropy"] < 0.8


def test_history_logs_loss_and_attention_entropy(sample):
    _, train, _ = sample
    model = LMILAttClassifier(embedder=sample[0], **{**FAST, "epochs": 4, "validation_split": 0.25}).fit(train)
    ae, clf = model.history_["autoencoder"], model.history_["classifier"]
    assert len(ae) == 3 and all("train_loss" in r and "valid_loss" in r for r in ae)
    assert all({"train_loss", "attention_entropy", "attention_entropy_norm", "valid_loss",
                "valid_metric"} <= set(r) for r in clf)
    assert model.n_valid_ == 16


def test_fit_from_users_embeds_with_the_named_backend_and_diagnostics():
    users = make_sample_corpus(n_users=18, langs=("en",), seed=2, posts_per_user=(4, 8)).users
    model = LMILAttClassifier(embedder=ToyEmbedder(), **{**FAST, "epochs": 3}).fit(users)
    assert model.embedder_name_ == "toy-hash:24:0"
    proba = model.predict_proba(users)
    assert proba.shape == (18, 2) and np.allclose(proba.sum(1), 1)
    diag = model.diagnostics(users)
    assert list(diag["user_id"]) == [u.user_id for u in users]
    assert np.isfinite(diag["reconstruction_error"]).all() and (diag["reconstruction_error"] > 0).all()
    assert ((diag["normalised_entropy"] >= 0) & (diag["normalised_entropy"] <= 1 + 1e-6)).all()
    assert np.allclose(diag["uniform_weight"], 1 / diag["n_used"])
    no_ae = LMILAttClassifier(embedder=ToyEmbedder(), encoder="none", autoencoder=False,
                              **{**FAST, "epochs": 2}).fit(users)
    assert no_ae.diagnostics(users)["reconstruction_error"].isna().all()


def test_explain_covers_every_post_and_never_carries_text():
    users = _users(n_users=8, lo=3, hi=9)
    model = LMILAttClassifier(embedder=ToyEmbedder(), max_posts=4, **{**FAST, "epochs": 2}).fit(users)
    explanations = model.explain(users, top_k=2)
    blob = json.dumps(explanations)
    for u, e in zip(users, explanations):
        assert e["user_id"] == u.user_id and e["n_posts"] == len(u.posts)
        assert sorted(p["index"] for p in e["posts"]) == list(range(len(u.posts)))
        times = [u.posts[p["index"]].time for p in e["posts"]]
        assert times == sorted(times)  # time order
        used = [p for p in e["posts"] if p["used"]]
        assert len(used) == min(4, len(u.posts))  # "recent" policy: latest 4 only
        assert all(p["weight"] == 0 for p in e["posts"] if not p["used"])
        assert abs(sum(p["weight"] for p in used) - 1) < 1e-5
        assert len(e["top_posts"]) == min(2, len(used))
        assert e["top_posts"][0]["weight"] == max(p["weight"] for p in used)
        for post in u.posts:
            assert post.text not in blob


def test_chunks_policy_attends_over_the_whole_timeline():
    users = _users(n_users=6, lo=9, hi=13)
    model = LMILAttClassifier(embedder=ToyEmbedder(), max_posts=4, long_timeline="chunks",
                              **{**FAST, "epochs": 2}).fit(users)
    for u, e in zip(users, model.explain(users)):
        assert all(p["used"] for p in e["posts"]) and e["n_used"] == len(u.posts)
        assert abs(sum(p["weight"] for p in e["posts"]) - 1) < 1e-5


def test_save_load_round_trip_gives_identical_predictions(tmp_path, sample):
    emb, train, test = sample
    model = LMILAttClassifier(embedder=emb, **{**FAST, "epochs": 5}).fit(train)
    model.save(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["model"] == "lmilatt" and cfg["embedder"]["name"] == emb.name
    assert (tmp_path / "m" / "model.safetensors").exists()
    loaded = LMILAttClassifier.load(tmp_path / "m")
    assert np.array_equal(loaded.predict_proba(test), model.predict_proba(test))
    assert [e["posts"] for e in loaded.explain(test)] == [e["posts"] for e in model.explain(test)]
    from depscreen.models import load_model

    assert np.array_equal(load_model(tmp_path / "m").predict(test), model.predict(test))


def test_corpus_fitted_embedder_travels_with_the_saved_model(tmp_path):
    from depscreen.embed import get_embedder

    users = make_sample_corpus(n_users=14, langs=("en",), seed=4, posts_per_user=(3, 6)).users
    assert "cache_dir" not in LMILAttClassifier().get_params()  # the embedder owns its cache
    emb = get_embedder("tfidf-svd", n_components=16, cache_dir=tmp_path / "cache")
    model = LMILAttClassifier(embedder=emb, **{**FAST, "epochs": 2, "ae_epochs": 1}).fit(users)
    assert model.embedder_name_.startswith("tfidf-svd:")
    stores = [p for p in (tmp_path / "cache").iterdir() if p.is_dir()]
    assert len(stores) == 1 and (stores[0] / "index.json").exists()  # vectors cached on disk
    model.save(tmp_path / "m")
    assert model.embedder is emb  # save leaves the parameters alone
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["params"]["embedder"] == emb.name and cfg["embedder"]["folder"] == "embedder"
    assert json.loads((tmp_path / "m" / "embedder" / "config.json").read_text())["backend"] == "tfidf-svd"
    loaded = LMILAttClassifier.load(tmp_path / "m")
    assert np.array_equal(loaded.predict_proba(users), model.predict_proba(users))
    loaded.save(tmp_path / "again")  # saved again without ever seeing its embedder object
    again = LMILAttClassifier.load(tmp_path / "again")
    assert np.array_equal(again.predict_proba(users), model.predict_proba(users))

    # a saved embedder folder is a spec as good as a backend name
    by_folder = LMILAttClassifier(embedder=str(tmp_path / "m" / "embedder"),
                                  **{**FAST, "epochs": 1, "ae_epochs": 1}).fit(users)
    assert by_folder.embedder_name_ == model.embedder_name_
    by_folder.save(tmp_path / "f")
    assert np.array_equal(LMILAttClassifier.load(tmp_path / "f").predict(users), by_folder.predict(users))


def test_predict_refuses_another_embedder(tmp_path, sample):
    emb, train, test = sample
    model = LMILAttClassifier(embedder=emb, **{**FAST, "epochs": 2}).fit(train)
    other = EmbeddedUsers(test.users, test.embeddings, "use:other-space:512")
    with pytest.raises(ValueError, match="embedded with 'use:other-space:512'"):
        model.predict(other)
    model.save(tmp_path / "m")
    loaded = LMILAttClassifier.load(tmp_path / "m")
    loaded.set_params(embedder="e5")
    with pytest.raises(ValueError, match="cannot score a corpus embedded with 'e5'"):
        loaded.predict(test.users)
    with pytest.raises(ValueError, match="embedded with"):
        loaded.explain(EmbeddedUsers(test.users, test.embeddings, "e5:x"))


def test_ordinal_head_on_0_to_4_labels_trains():
    corpus = make_sample_corpus(n_users=40, langs=("en",), seed=3, posts_per_user=(5, 10), ordinal=True,
                                positive_share=0.6)
    model = LMILAttClassifier(embedder=ToyEmbedder(), **{**FAST, "epochs": 15}).fit(corpus.users)
    assert model.head_ == "ordinal" and model.classes_.tolist() == sorted(set(corpus.labels))
    hist = model.history_["classifier"]
    assert hist[-1]["train_loss"] < hist[0]["train_loss"]
    pred = model.predict(corpus.users)
    assert set(pred.tolist()) <= set(corpus.labels)
    proba = model.predict_proba(corpus.users)
    assert proba.shape == (40, len(model.classes_)) and np.allclose(proba.sum(1), 1)
    mae_model = np.mean(np.abs(pred - np.array(corpus.labels)))
    mae_const = np.mean(np.abs(np.median(corpus.labels) - np.array(corpus.labels)))
    assert mae_model < mae_const  # learnt something on its own training data


def test_regression_and_multiclass_heads():
    users = _users(n_users=10, lo=3, hi=5)
    scores = [float(i) * 0.7 + 0.25 for i in range(10)]
    reg = LMILAttClassifier(embedder=ToyEmbedder(), **{**FAST, "epochs": 3}).fit(users, scores)
    assert reg.head_ == "regression"
    assert reg.predict(users).dtype.kind == "f"
    assert not hasattr(reg, "predict_proba")  # a regression head has no class probabilities
    names = ["low", "mid", "high", "mid", "low", "high", "mid", "low", "high", "mid"]
    mc = LMILAttClassifier(embedder=ToyEmbedder(), **{**FAST, "epochs": 3}).fit(users, names)
    assert mc.head_ == "multiclass" and set(mc.predict(users)) <= set(names)
    ordl = LMILAttClassifier(embedder=ToyEmbedder(), head="ordinal", label_order=["low", "mid", "high"],
                             **{**FAST, "epochs": 2}).fit(users, names)
    assert ordl.classes_.tolist() == ["low", "mid", "high"]


def test_bad_input_gives_clear_errors():
    users = _users(n_users=4)
    with pytest.raises(ValueError, match="long_timeline"):
        LMILAttClassifier(embedder=ToyEmbedder(), long_timeline="oldest").fit(users)
    with pytest.raises(ValueError, match="autoencoder=False"):
        LMILAttClassifier(embedder=ToyEmbedder(), encoder="none").fit(users)
    with pytest.raises(TypeError, match="input_level='user'"):
        LMILAttClassifier(embedder=ToyEmbedder(), **FAST).fit(["a text"] * 4, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="no label"):
        LMILAttClassifier(embedder=ToyEmbedder(), **FAST).fit(users, [0, 1, None, 1])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LMILAttClassifier().predict(users)


def test_registry_names_and_clone():
    from sklearn.base import clone

    from depscreen.models import make_model

    assert type(make_model("lmilatt")).__name__ == "LMILAttClassifier"
    assert make_model("mil-mean").pooling == "mean" and make_model("mil-max").pooling == "max"
    assert make_model("mil-noae").autoencoder is False
    assert make_model("mil-att-only").encoder == "none"
    assert clone(make_model("mil-mean", hidden_size=8)).get_params()["hidden_size"] == 8
    assert LMILAttClassifier.demo_params["embedder"] in ("tfidf-svd", "use")


def test_attention_mask_fn_hook_masks_training_batches():
    users = _users(n_users=8, lo=3, hi=6)
    seen = []

    def mask_fn(batch, epoch):
        am = batch.mask.clone()
        am[:, 0] = False  # hide the first post of each bag in training
        seen.append((epoch, batch.rows.tolist()))
        return am

    LMILAttClassifier(embedder=ToyEmbedder(), **{**FAST, "epochs": 2}).fit(users, attention_mask_fn=mask_fn)
    assert {e for e, _ in seen} == {0, 1}
    assert sorted(r for e, rows in seen if e == 0 for r in rows) == list(range(8))


# ------------------------------------------------------------------ training loop


def _toy_trainer(tmp, max_epochs, seed=3):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    bags = [rng.normal(size=(int(rng.integers(2, 6)), 4)).astype(np.float32) for _ in range(12)]
    y = np.array([0, 1] * 6)
    net = MILNetwork(4, 3, head=BinaryHead(3 + 4), skip_embedding=True)

    def step(module, batch, epoch):
        out = module(batch.x, batch.mask)
        return StepOutput(module.head.loss(out.out, batch.y), module.head.score(out.out),
                          attention_stats(out.attention, out.keep))

    cbs = [EarlyStopping(patience=100), Checkpoint(tmp), EpochLogger()]
    trainer = Trainer(net, step, max_epochs=max_epochs, batch_size=5, seed=seed, callbacks=cbs,
                      fingerprint="toy", y_dtype=torch.long)
    return trainer, BagData(bags[:9], y[:9]), BagData(bags[9:], y[9:])


def test_checkpoint_resume_matches_an_uninterrupted_run(tmp_path):
    full, train, valid = _toy_trainer(tmp_path / "full", 6)
    full.fit(train, valid)
    part, train, valid = _toy_trainer(tmp_path / "resumed", 3)
    part.fit(train, valid)
    assert len(part.history) == 3
    again, train, valid = _toy_trainer(tmp_path / "resumed", 6)
    again.fit(train, valid)
    assert [r["epoch"] for r in again.history] == list(range(6))
    for a, b in zip(full.history, again.history):
        assert a["train_loss"] == pytest.approx(b["train_loss"], abs=1e-6)
    for (k, v), (_, w) in zip(full.module.state_dict().items(), again.module.state_dict().items()):
        assert torch.allclose(v, w, atol=1e-6), k


def test_early_stopping_stops_and_restores_best(tmp_path):
    trainer, train, valid = _toy_trainer(tmp_path / "es", 40)
    trainer.callbacks[0] = EarlyStopping(patience=2)
    trainer.fit(train, valid)
    es = trainer.callback("early_stopping")
    assert len(trainer.history) < 40
    assert len(trainer.history) - 1 - es.best_epoch == 2
    best = min(r["valid_loss"] for r in trainer.history)
    assert trainer.evaluate(valid)["valid_loss"] == pytest.approx(best, abs=1e-6)


def test_instance_dropout_hides_posts_but_keeps_one_per_bag():
    from depscreen.models.mil.fitting import drop_instances as _drop_instances

    torch.manual_seed(0)
    mask = torch.zeros(50, 6, dtype=torch.bool)
    mask[:, :3] = True
    kept = _drop_instances(mask, None, 0.9)
    assert torch.all(kept.sum(1) >= 1) and not torch.any(kept & ~mask)
    assert kept.sum() < mask.sum()
    amask = mask.clone()
    amask[:, 0] = False
    kept = _drop_instances(mask, amask, 0.5)
    assert not torch.any(kept[:, 0])  # an extra mask is never undone
    users = _users(n_users=8, lo=3, hi=6)
    model = LMILAttClassifier(embedder=ToyEmbedder(), instance_dropout=0.5, **{**FAST, "epochs": 2}).fit(users)
    a, b = model.predict_proba(users), model.predict_proba(users)
    assert np.array_equal(a, b)  # no dropout at prediction


def test_unlabelled_users_join_the_autoencoder_phase_only(tmp_path, monkeypatch):
    from depscreen.corpus import UserCorpus, write_jsonl

    users = _users(n_users=6, lo=3, hi=5)
    extra = _users(n_users=5, lo=3, hi=5, seed=3)
    for u in extra:
        u.user_id, u.label = "x" + u.user_id, None
    path = write_jsonl(UserCorpus(extra[:2]), tmp_path / "unlabelled.jsonl")
    sizes = []
    original = LMILAttClassifier._train_autoencoder

    def spy(self, train, valid):
        sizes.append(len(train))
        return original(self, train, valid)

    monkeypatch.setattr(LMILAttClassifier, "_train_autoencoder", spy)
    model = LMILAttClassifier(embedder=ToyEmbedder(), unlabelled=str(path), **{**FAST, "epochs": 1, "ae_epochs": 1})
    model.fit(users, unlabelled=extra[2:])
    assert sizes == [6 + 3 + 2]  # labelled + in-memory + file
    assert model.n_train_ == 6  # the classifier saw the labelled users only


def test_one_forward_pass_gives_every_output_and_wrappers_agree():
    from depscreen.models.base import forward

    users = _users(n_users=8, lo=3, hi=6)
    model = LMILAttClassifier(embedder=ToyEmbedder(), **{**FAST, "epochs": 2}).fit(users)
    calls = []
    hook = model.network_.register_forward_hook(lambda *a: calls.append(1))
    out = forward(model, users, explain=True, top_k=2)
    hook.remove()
    assert len(calls) == 1  # 8 users fit in one batch: one network call for everything
    assert np.array_equal(out.predictions, model.predict(users))
    assert np.array_equal(out.proba, model.predict_proba(users))
    assert np.array_equal(out.scores, model.score_users(users))
    assert np.allclose(out.scores, out.proba[:, 1])
    assert out.explanations == model.explain(users, top_k=2)
    for e, p, s in zip(out.explanations, out.predictions, out.scores):
        assert e["prediction"] == p and e["score"] == pytest.approx(s)
        assert set(e["top_posts"][0]) == {"index", "weight"}
    assert forward(model, users).explanations is None
    empty = model._forward([], explain=True)
    assert len(empty) == 0 and empty.proba.shape == (0, 2) and empty.explanations == []
    reg = LMILAttClassifier(embedder=ToyEmbedder(), **{**FAST, "epochs": 2}).fit(users, [0.5 + i for i in range(8)])
    r = forward(reg, users, explain=True)
    assert r.proba is None and np.allclose(r.scores, reg.predict(users))
    assert [e["prediction"] for e in r.explanations] == pytest.approx(list(r.predictions))


def _narrow_cone_bags(n_users=60, seed=0, dim=16):
    """Post vectors that all point nearly the same way (pairwise cosine ~0.9, as e5's do);
    positives hold one post nudged along a signal direction."""
    rng = np.random.default_rng(seed)
    offset, signal = np.eye(dim, dtype=np.float32)[0], np.eye(dim, dtype=np.float32)[1]
    users, embs, ys = [], [], []
    for u in range(n_users):
        n = int(rng.integers(6, 12))
        x = offset + 0.3 * rng.normal(size=(n, dim)).astype(np.float32) / np.sqrt(dim)
        label = u % 2
        if label:
            x[rng.integers(n)] += 0.3 * signal
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        users.append(User(f"c{u}", label, [Post(f"p{u}-{i}", time=f"2021-01-{i + 1:02d}") for i in range(n)]))
        embs.append(x)
        ys.append(label)
    return EmbeddedUsers(users, embs, "narrow-cone:16"), np.array(ys)


def test_center_auto_centres_vectors_in_a_narrow_cone_and_travels_with_the_model(tmp_path):
    from sklearn.metrics import roc_auc_score

    X, y = _narrow_cone_bags(seed=0)
    Xt, yt = _narrow_cone_bags(seed=1)
    params = dict(encoder="none", autoencoder=False, hidden_size=8, attention_size=8, epochs=40, lr=1e-2,
                  batch_size=8, validation_split=0.0)
    model = LMILAttClassifier(embedder="x", **params).fit(X, y)
    assert model.embedding_mean_ is not None  # mean pairwise cosine ~0.9 > 0.5
    np.testing.assert_allclose(model.embedding_mean_, np.concatenate(X.embeddings).mean(0), atol=1e-6)
    bag = model._bags(X.users[:1], X.embeddings[:1])[0].embeddings  # what the network sees
    want = X.embeddings[0] - model.embedding_mean_
    np.testing.assert_allclose(bag, want / np.linalg.norm(want, axis=1, keepdims=True), atol=1e-6)
    assert abs(float(np.mean(bag @ bag.T))) < 0.5  # out of the cone
    assert roc_auc_score(yt, model.score_users(Xt)) > 0.85
    flat = LMILAttClassifier(embedder="x", center=False, **params).fit(X, y)
    assert flat.embedding_mean_ is None
    iso = [np.random.default_rng(i).normal(size=(4, 16)).astype(np.float32) for i in range(10)]
    assert flat.set_params(center="auto")._fit_center([v / np.linalg.norm(v, axis=1, keepdims=True) for v in iso]) is None
    assert flat.set_params(center=True)._fit_center(iso) is not None
    cone = [np.concatenate([v, v], axis=1) * 3.0 for v in X.embeddings]  # rows not unit (dual encoder)
    assert flat.set_params(center="auto")._fit_center(cone) is not None
    assert flat._fit_center([3.0 * v for v in iso]) is None
    with pytest.raises(ValueError, match="center"):
        LMILAttClassifier(center="yes").fit(X, y)
    model.save(tmp_path / "m")
    loaded = LMILAttClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.embedding_mean_, model.embedding_mean_)
    np.testing.assert_array_equal(loaded.predict_proba(Xt), model.predict_proba(Xt))


# ------------------------------------------------------------------ scoring speed paths
@pytest.mark.parametrize("options", [{}, {"bidirectional": True}, {"long_timeline": "chunks", "max_posts": 4}])
def test_batched_scoring_equals_scoring_each_user_alone(monkeypatch, options):
    """Scoring runs users of similar length together, INFER_BATCH at a time; what a user
    gets must not depend on who shares the batch (up to float rounding)."""
    from depscreen.models.mil import inference

    users = _users(n_users=13, lo=1, hi=9, seed=4)
    model = LMILAttClassifier(embedder=ToyEmbedder(), **{**FAST, "epochs": 2, **options}).fit(users)
    monkeypatch.setattr(inference, "INFER_BATCH", 4)  # several batches of mixed lengths
    together = model._forward(users, explain=True)
    alone = [model._forward([u], explain=True) for u in users]
    np.testing.assert_allclose(together.proba, np.concatenate([a.proba for a in alone]), rtol=1e-5, atol=1e-6)
    assert list(together.predictions) == [a.predictions[0] for a in alone]
    for e, a in zip(together.explanations, alone):
        assert [p["index"] for p in e["posts"]] == [p["index"] for p in a.explanations[0]["posts"]]
        np.testing.assert_allclose([p["weight"] for p in e["posts"]],
                                   [p["weight"] for p in a.explanations[0]["posts"]], rtol=1e-5, atol=1e-6)


def test_one_directional_lstm_on_padding_equals_packed_sequences():
    """The one-directional encoder runs on the padded batch (the fused kernel); the real
    posts' features equal those of packed sequences and padded slots stay exactly 0."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    from depscreen.models.mil.networks import _run_lstm

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(6, 5, batch_first=True).eval()
    x, mask = _net_inputs()
    x = torch.where(mask[..., None], x, torch.zeros(()))
    with torch.no_grad():
        fast = _run_lstm(lstm, x, mask, None)
        packed = pack_padded_sequence(x, mask.sum(1), batch_first=True, enforce_sorted=False)
        ref, _ = pad_packed_sequence(lstm(packed)[0], batch_first=True, total_length=x.shape[1])
    torch.testing.assert_close(fast, ref, rtol=1e-5, atol=1e-6)
    assert torch.all(fast[~mask] == 0)


def test_zero_padding_is_time_major_and_keeps_gradients():
    from depscreen.models.mil.networks import zero_padding

    x, mask = _net_inputs()
    x[~mask] = float("nan")
    z = zero_padding(x, mask)
    assert torch.equal(z, torch.where(mask[..., None], x, torch.zeros(())))
    assert z.transpose(0, 1).is_contiguous()  # what the LSTM kernel reads without a copy
    g = x.clone().requires_grad_(True)
    zero_padding(g, mask).sum().backward()
    assert torch.equal(g.grad, mask[..., None].expand_as(g).float())
