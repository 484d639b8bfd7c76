"""Masked hard instance mining: the masking rule, donors, two-phase training, heads,
save / load, and the claim itself (masking the easy signal moves attention to the hard one).

Everything runs on small generated bags of vectors (``EmbeddedUsers``), so no text
embedding is involved and each fit takes a fraction of a second.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from depscreen.corpus import Post, User
from depscreen.models.mhim import MaskingRule, MHIMClassifier, parse_spec, resolve_count
from depscreen.models.mhim.donor import FrozenDonor, MomentumDonor
from depscreen.models.mhim.trainer import ReceiverLMILAtt, fit_donor
from depscreen.models.mil.bags import EmbeddedUsers

DIM = 8

# tiny, fast LMILAtt settings: pool the vectors directly (no LSTM), a few epochs
FAST = dict(embedder="synthetic", encoder="none", autoencoder=False, skip_embedding=False,
            hidden_size=8, attention_size=8, epochs=25, batch_size=16, lr=1e-2, dropout=0.0,
            validation_split=0.0, seed=3)


def make_mhim(**params) -> MHIMClassifier:
    """An MHIMClassifier whose base LMILAtt gets the LMILAtt parameters among ``params``."""
    from depscreen.models.mil import LMILAttClassifier

    own = set(MHIMClassifier().get_params(deep=False)) - {"base"}
    return MHIMClassifier(base=LMILAttClassifier(**{k: v for k, v in params.items() if k not in own}),
                          **{k: v for k, v in params.items() if k in own})


def settings(model) -> dict:
    """``get_params(deep=True)`` without the nested estimator objects (compared by identity)."""
    return {k: v for k, v in model.get_params(deep=True).items() if not hasattr(v, "get_params")}


def two_signal_bags(n_users: int = 80, seed: int = 0, bag: tuple[int, int] = (8, 12),
                    y_kind: str = "binary", with_easy: bool = True) -> tuple[EmbeddedUsers, np.ndarray, list[dict]]:
    """Bags of ``DIM``-d vectors with two kinds of positive evidence.

    Every instance has noise on dims 2..7 and small noise on dims 0..1. A positive bag
    holds one *easy* instance (dim 0 = 3, unmistakable) and one *hard* instance (dim 1 =
    1, weaker), both marked ``Post.label = 1``; ``with_easy=False`` leaves the easy one
    out (hard-only positives). ``info[i]`` gives the positions of the easy / hard
    instances. ``y_kind="ordinal"``: levels 0..3, the evidence scaled by ``level / 3``;
    ``"regression"``: the level plus noise.
    """
    rng = np.random.default_rng(seed)
    users, embs, ys, info = [], [], [], []
    for i in range(n_users):
        n = int(rng.integers(bag[0], bag[1] + 1))
        x = np.zeros((n, DIM), np.float32)
        x[:, 2:] = rng.normal(0, 1, size=(n, DIM - 2))
        x[:, :2] = rng.normal(0, 0.15, size=(n, 2))
        labels = [0] * n
        pos = rng.permutation(n)
        if y_kind == "binary":
            level = i % 2
            easy, hard = ([int(pos[0])], [int(pos[1])]) if level else ([], [])
            easy = easy if with_easy else []
        else:
            level = i % 4
            easy, hard = ([int(pos[0])], [int(pos[1])]) if level else ([], [])
        scale = 1.0 if y_kind == "binary" else level / 3
        for p in easy:
            x[p, 0] = 3.0 * scale
            labels[p] = 1
        for p in hard:
            x[p, 1] = 1.0 * scale
            labels[p] = 1
        posts = [Post(text=f"post {i}-{j}", time=f"2024-01-{j + 1:02d}", id=f"{i}-{j}", label=labels[j])
                 for j in range(n)]
        users.append(User(f"u{i}", level, posts))
        embs.append(x)
        ys.append(level if y_kind != "regression" else level + float(rng.normal(0, 0.1)))
        info.append({"easy": easy, "hard": hard})
    return EmbeddedUsers(users, embs, "synthetic"), np.asarray(ys), info


@pytest.fixture(scope="module")
def binary_data():
    return two_signal_bags(80, seed=0)


@pytest.fixture(scope="module")
def donor(binary_data):
    X, y, _ = binary_data
    return fit_donor(FAST, X, y)


# --------------------------------------------------------------------------- the rule


def test_counts_from_ints_and_shares_keep_one_instance():
    assert resolve_count(2, 10) == 2 and resolve_count(0.25, 10) == 3 and resolve_count(0.04, 10) == 0
    rule = MaskingRule(t=2, b=1)
    assert rule.counts(10) == (2, 4, 1)
    assert rule.counts(3) == (2, 3, 0)  # budget n - 1: b shrinks first
    assert rule.counts(1) == (0, 0, 0)  # a single post is never masked
    assert MaskingRule(t=0.2, b=0.1).counts(20) == (4, 8, 2)
    assert MaskingRule(t=5, b=2).counts(4) == (3, 4, 0)


def test_rule_draws_t_from_top_2t_and_masks_the_b_lowest():
    rule = MaskingRule(t=2, b=2, seed=7)
    att = np.array([0.02, 0.30, 0.05, 0.20, 0.01, 0.15, 0.12, 0.03, 0.10, 0.02])
    top4 = set(np.argsort(-att)[:4].tolist())  # {1, 3, 5, 6}
    seen = set()
    for row in range(60):
        top, bottom = rule.select(att, rule.rng(0, row))
        assert len(top) == 2 and set(top.tolist()) <= top4
        rest = np.setdiff1d(np.arange(len(att)), top)
        assert sorted(bottom.tolist()) == sorted(rest[np.argsort(att[rest], kind="stable")[:2]].tolist())
        assert sorted(bottom.tolist()) == [0, 4]  # the two least attended (0.01 and the first 0.02)
        seen.update(top.tolist())
    assert seen == top4  # the draw really is random over the whole top-2t pool


def test_masks_are_seeded_per_bag_and_epoch_and_change_between_epochs():
    rule = MaskingRule(t=2, b=1, seed=3)
    att = np.linspace(1, 0, 12)
    a = rule.mask_for(att, epoch=4, row=9)
    assert np.array_equal(a, MaskingRule(t=2, b=1, seed=3).mask_for(att, epoch=4, row=9))
    epochs = {tuple(rule.mask_for(att, epoch=e, row=9).tolist()) for e in range(10)}
    assert len(epochs) > 1
    assert a.dtype == bool and (~a).sum() == 3 and not a[-1]  # the least-attended one is masked


def test_soft_mode_gives_weights_and_batch_masks_cover_real_instances_only():
    rule = MaskingRule(t=1, b=1, mode="soft", soft_weight=0.25, seed=0)
    w = rule.mask_for(np.array([0.1, 0.6, 0.2, 0.1]), epoch=0, row=0)
    assert w.dtype == np.float32 and sorted(w.tolist()) == [0.25, 0.25, 1.0, 1.0]
    att = torch.tensor([[0.5, 0.3, 0.2, 0.0, 0.0], [0.1, 0.2, 0.3, 0.2, 0.2]])
    valid = torch.tensor([[True, True, True, False, False], [True] * 5])
    hard = MaskingRule(t=1, b=1, seed=0).batch_mask(att, valid, epoch=0, rows=[0, 1])
    assert hard.dtype == torch.bool
    assert not hard[0, 3:].any()  # padding is never "visible"
    assert int((~hard[0, :3]).sum()) == 2 and int((~hard[1]).sum()) == 2


@pytest.mark.parametrize("kwargs", [dict(t=-1), dict(t=1.5), dict(b="2"), dict(mode="blur"),
                                    dict(soft_weight=1.0), dict(r_factor=0.5), dict(min_keep=0)])
def test_bad_rules_are_refused(kwargs):
    with pytest.raises(ValueError):
        MaskingRule(**kwargs)


def test_parse_spec():
    assert parse_spec("t=2,b=1") == {"t": 2, "b": 1}
    assert parse_spec("t=0.1, b=0") == {"t": 0.1, "b": 0}
    for bad in ("t=2,x=1", "t=two", "", "t=1.5"):
        with pytest.raises(ValueError):
            parse_spec(bad)


# --------------------------------------------------------------------------- training


def test_masked_instances_get_exactly_zero_attention_in_the_receiver(binary_data, donor, monkeypatch):
    X, y, _ = binary_data
    seen = []
    original = ReceiverLMILAtt.forward_batch

    def spy(self, x, mask, attention_mask=None):
        out = original(self, x, mask, attention_mask)
        if attention_mask is not None:
            seen.append((mask.clone(), attention_mask.clone(), out.attention.detach().clone()))
        return out

    monkeypatch.setattr(ReceiverLMILAtt, "forward_batch", spy)
    make_mhim(**FAST, mhim_t=2, mhim_b=1).set_params(base__epochs=3).fit(X, y, donor=donor)
    assert len(seen) == 3 * int(np.ceil(len(X) / FAST["batch_size"]))  # every training batch, masked
    for mask, amask, att in seen:
        masked = mask & ~amask
        assert masked.sum(dim=1).eq(3).all()  # t + b per bag (bags have >= 8 posts)
        assert torch.all(att[masked] == 0)
        assert torch.allclose(att.sum(dim=1), torch.ones(att.shape[0]))
        assert torch.all(att[mask & amask] > 0)


def test_soft_masking_down_weights_instead_of_removing(binary_data, donor, monkeypatch):
    X, y, _ = binary_data
    seen = []
    original = ReceiverLMILAtt.forward_batch

    def spy(self, x, mask, attention_mask=None):
        out = original(self, x, mask, attention_mask)
        if attention_mask is not None:
            plain = original(self, x, mask).attention.detach()
            seen.append((mask, attention_mask.clone(), out.attention.detach(), plain))
        return out

    monkeypatch.setattr(ReceiverLMILAtt, "forward_batch", spy)
    make_mhim(**FAST, masking="soft", soft_weight=0.2).set_params(base__epochs=1).fit(X, y, donor=donor)
    mask, amask, att, plain = seen[0]
    assert amask.dtype == torch.float32
    low = mask & (amask < 1)
    assert torch.all(att[low] > 0)
    # the odds between a down-weighted post and a visible one shrink by exactly soft_weight
    j = int(torch.nonzero(low.any(dim=1))[0])
    lo = int(torch.nonzero(low[j])[0])
    hi = int(torch.nonzero(mask[j] & (amask[j] == 1))[0])
    ratio = (att[j, lo] / att[j, hi]) / (plain[j, lo] / plain[j, hi])
    assert float(ratio) == pytest.approx(0.2, rel=1e-4)


def test_frozen_donor_is_not_updated_in_phase_2(binary_data, donor):
    X, y, _ = binary_data
    before = {k: v.clone() for k, v in donor.network_.state_dict().items()}
    model = make_mhim(**FAST, donor="frozen").set_params(base__epochs=5).fit(X, y, donor=donor)
    after = donor.network_.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert isinstance(model.donor_strategy_, FrozenDonor) and model.donor_ is donor
    # the receiver did train: its weights moved away from the donor's
    rec = model.receiver_.network_.state_dict()
    assert any(not torch.equal(rec[k], after[k]) for k in after)


def test_momentum_donor_follows_the_receiver(binary_data, donor):
    X, y, _ = binary_data
    before = {k: v.clone() for k, v in donor.network_.state_dict().items()}
    model = make_mhim(**FAST, donor="momentum", momentum=0.9).set_params(base__epochs=5).fit(X, y, donor=donor)
    ema = model.donor_strategy_
    assert isinstance(ema, MomentumDonor) and ema.steps == 5 * int(np.ceil(len(X) / FAST["batch_size"]))
    ema_state = ema.network.state_dict()
    assert any(not torch.equal(before[k], ema_state[k]) for k in before)  # the masking donor moved
    assert all(torch.equal(before[k], donor.network_.state_dict()[k]) for k in before)  # phase 1 kept
    # and it moved towards the receiver: closer to it than the phase-1 weights are
    rec = model.receiver_.network_.state_dict()
    d_ema = sum(float((ema_state[k] - rec[k]).norm()) for k in rec)
    d_phase1 = sum(float((before[k] - rec[k]).norm()) for k in rec)
    assert d_ema < d_phase1


def mean_weight(att, info, kind: str) -> float:
    """Mean attention on the ``kind`` (easy / hard) instance over the bags that have one."""
    return float(np.mean([a[i[kind][0]] for a, i in zip(att, info) if i[kind]]))


def test_masking_the_easy_instance_moves_attention_to_the_hard_one():
    X, y, _ = two_signal_bags(128, seed=1)
    model = make_mhim(**FAST, mhim_t=1, mhim_b=0).set_params(base__epochs=40, base__seed=1).fit(X, y)
    Xt, yt, info_t = two_signal_bags(60, seed=101)
    plain, mhim = model.attention(Xt, which="donor"), model.attention(Xt)
    assert mean_weight(plain, info_t, "easy") > 0.8  # the plain model leans on the easy signal
    assert mean_weight(plain, info_t, "hard") < 0.05
    # in full bags the easy post still dominates, but the hard one gets many times more
    assert mean_weight(mhim, info_t, "hard") > 5 * mean_weight(plain, info_t, "hard")
    # where only the hard evidence is present, the receiver has learnt to find it
    Xh, yh, info_h = two_signal_bags(60, seed=102, with_easy=False)
    assert mean_weight(model.attention(Xh), info_h, "hard") > 0.8
    assert mean_weight(model.attention(Xh, which="donor"), info_h, "hard") < 0.3
    from sklearn.metrics import roc_auc_score

    auc_plain = roc_auc_score(yh, model.predict_proba(Xh, which="donor")[:, 1])
    auc_mhim = roc_auc_score(yh, model.predict_proba(Xh)[:, 1])
    assert auc_mhim > 0.9 and auc_mhim > auc_plain + 0.15, (auc_plain, auc_mhim)
    # the entropy log covers both phases, one masked post per bag in phase 2
    assert {r["phase"] for r in model.entropy_log_} == {"donor", "receiver"}
    assert all(r["masked_per_bag"] == pytest.approx(1.0) for r in model.mhim_log_)
    assert len(model.mhim_log_) == len(model.receiver_.history_["classifier"])
    # the masker is a callback of the receiver's training loop: its numbers are in the records
    assert all(r["masked_per_bag"] == pytest.approx(1.0) for r in model.receiver_.history_["classifier"])
    assert [r["train_loss"] for r in model.mhim_log_] == [r["train_loss"] for r in model.receiver_.history_["classifier"]]


@pytest.mark.parametrize("head", ["ordinal", "regression"])
def test_ordinal_and_regression_heads_beat_the_mean(head):
    X, y, _ = two_signal_bags(96, seed=4, y_kind="ordinal" if head == "ordinal" else "regression")
    Xt, yt, _ = two_signal_bags(48, seed=5, y_kind="ordinal" if head == "ordinal" else "regression")
    model = make_mhim(**FAST, head=head, mhim_t=1, mhim_b=1).set_params(base__epochs=40, base__pooling="attention")
    model.fit(X, y)
    pred = np.asarray(model.predict(Xt), dtype=float)
    rmse = float(np.sqrt(np.mean((pred - yt) ** 2)))
    mae = float(np.mean(np.abs(pred - yt)))
    base_rmse = float(np.sqrt(np.mean((np.mean(y) - yt) ** 2)))
    base_mae = float(np.mean(np.abs(np.median(y) - yt)))
    assert model.receiver_.head_ == head
    assert rmse < 0.8 * base_rmse and mae < 0.8 * base_mae, (rmse, base_rmse, mae, base_mae)


def test_no_masking_means_the_donor_is_the_model(binary_data):
    X, y, _ = binary_data
    model = make_mhim(**FAST, mhim_t=0, mhim_b=0).set_params(base__epochs=2).fit(X, y)
    assert model.receiver_ is model.donor_ and model.mhim_log_ == []


def test_save_load_roundtrip_and_explain(binary_data, donor, tmp_path):
    X, y, _ = binary_data
    model = make_mhim(**FAST).set_params(base__epochs=3).fit(X, y, donor=donor)
    folder = model.save(tmp_path / "m")
    assert (folder / "config.json").exists() and (folder / "receiver" / "model.safetensors").exists()
    assert (folder / "donor" / "model.safetensors").exists()
    loaded = MHIMClassifier.load(folder)
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert np.allclose(loaded.predict_proba(X), model.predict_proba(X))
    assert np.array_equal(loaded.predict(X, which="donor"), donor.predict(X))
    exp = loaded.explain(X[:2], top_k=3)
    assert exp[0]["model"] == "mhim-receiver" and len(exp[0]["top_posts"]) == 3
    assert sum(p["weight"] for p in exp[0]["posts"]) == pytest.approx(1.0, abs=1e-5)
    assert loaded.entropy_log_ == model.entropy_log_
    from depscreen.models.base import load_model

    one = loaded._forward(X, explain=True, top_k=3)  # one pass of the receiver
    assert np.array_equal(one.predictions, loaded.predict(X)) and np.array_equal(one.proba, loaded.predict_proba(X))
    assert np.array_equal(one.scores, loaded.score_users(X)) and one.explanations == loaded.explain(X, top_k=3)
    assert loaded._forward(X[:2], explain=True, which="donor").explanations[0]["model"] == "mhim-donor"

    assert type(load_model(folder)).__name__ == "MHIMClassifier"


def test_masks_inspect_the_rule_on_real_bags(binary_data, donor):
    X, y, _ = binary_data
    model = make_mhim(**FAST, mhim_t=2, mhim_b=1).set_params(base__epochs=1).fit(X, y, donor=donor)
    masks = model.masks(X[:4], epoch=0)
    att = donor.attention(X[:4])
    for m, a in zip(masks, att):
        assert len(m) == len(a) and (~m).sum() == 3
        assert a[~m].max() >= np.sort(a)[-4]  # at least one masked post is in the donor's top 2t


def test_bad_parameters_and_inputs():
    X, y, _ = two_signal_bags(8)
    with pytest.raises(ValueError, match="donor"):
        make_mhim(**FAST, donor="teacher").fit(X, y)
    with pytest.raises(ValueError, match="masking"):
        make_mhim(**FAST, masking="blur").fit(X, y)
    with pytest.raises(ValueError, match="labels"):
        make_mhim(**FAST).fit(X, y[:3])
    with pytest.raises(TypeError, match="users"):
        make_mhim(**FAST).fit(["a text", "another"], [0, 1])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MHIMClassifier().predict(X)


# --------------------------------------------------------------------------- dialogue


def test_dual_embedding_reads_the_prefix_and_the_sentence():
    from depscreen.corpus.dialogue import Interview, Turn, interviews_to_users
    from depscreen.embed import get_embedder
    from depscreen.models.mhim.dialogue import DualTurnEmbedder

    iv = Interview("a", [Turn("interviewer", "Do you sleep well at night?"), Turn("participant", "Yes, most days."),
                         Turn("interviewer", "Do you have trouble sleeping?"), Turn("participant", "Yes, most days.")],
                   score=3)
    users = interviews_to_users([iv]).users
    base = get_embedder("tfidf-svd", n_components=4, min_df=1).fit(
        ["Do you sleep well at night? [SEP] Yes, most days.", "Do you have trouble sleeping? [SEP] Yes, most days.",
         "Yes, most days.", "sleep well", "trouble sleeping at night"])
    emb = DualTurnEmbedder(base, "pair").embed_users(users)
    x = emb.embeddings[0]
    assert x.shape == (2, 8) and emb.embedder == f"dual-pair:{base.name}"
    assert not np.allclose(x[0, :4], x[1, :4])  # prefix side differs with the question
    assert np.allclose(x[0, 4:], x[1, 4:])  # sentence side is the same answer
    concat = DualTurnEmbedder(base, "concat").embed_users(users).embeddings[0]
    assert np.allclose(concat[:, 4:], x[:, 4:]) and not np.allclose(concat[:, :4], x[:, :4])
    with pytest.raises(ValueError, match="dual_mode"):
        DualTurnEmbedder(base, "triple")


def test_dual_encoder_with_mhim_scores_generated_interviews(tmp_path):
    from depscreen.corpus.dialogue import make_sample_interviews
    from depscreen.models.mhim.dialogue import DualEncoderMHIM

    train, test = make_sample_interviews(64, seed=1), make_sample_interviews(32, seed=2)
    y_test = np.array([iv.score for iv in test])
    model = DualEncoderMHIM(embedder="tfidf-svd", embedder_options={"n_components": 24}).set_params(
        base__base__epochs=20, base__base__hidden_size=12, base__base__attention_size=12,
        base__base__validation_split=0.0, base__base__lr=1e-2, base__base__head="regression",
        base__base__batch_size=16, base__mhim_t=1, base__mhim_b=1, base__base__seed=5).fit(train)
    pred = model.predict(test)
    rmse = float(np.sqrt(np.mean((pred - y_test) ** 2)))
    base = float(np.sqrt(np.mean((y_test - np.mean([iv.score for iv in train])) ** 2)))
    assert rmse < 0.85 * base, (rmse, base)
    assert model.model_.receiver_ is not model.model_.donor_ and model.model_.mhim_log_
    exp = model.explain(test[:3])
    n_answers = [len(iv.participant_turns) for iv in test[:3]]
    assert [len(e["posts"]) for e in exp] == n_answers
    assert all(abs(sum(p["weight"] for p in e["posts"]) - 1) < 1e-5 for e in exp)
    folder = model.save(tmp_path / "dual")
    loaded = DualEncoderMHIM.load(folder)
    assert np.allclose(loaded.predict(test), pred, atol=1e-5)
    assert settings(loaded) == settings(model)  # the base's settings come back nested
    from depscreen.models.base import load_model

    assert type(load_model(folder)).__name__ == "DualEncoderMHIM"


def test_dual_encoder_nests_its_base_mhim_parameters_with_one_set_of_defaults():
    from sklearn.base import clone

    from depscreen.models import make_model
    from depscreen.models.mhim.dialogue import DUAL_ARCHITECTURE, DualEncoderMHIM
    from depscreen.models.mil import LMILAttClassifier

    default = DualEncoderMHIM()
    assert set(default.get_params(deep=False)) == {"embedder", "embedder_options", "dual_mode", "sep", "base"}
    deep = default.get_params(deep=True)
    mhim = {k: v for k, v in MHIMClassifier().get_params(deep=False).items() if k != "base"}
    assert {k[len("base__"):]: v for k, v in deep.items() if k[len("base__"):] in mhim} == mhim
    lmil = {**LMILAttClassifier().get_params(), **DUAL_ARCHITECTURE}  # LMILAtt's defaults but the architecture
    assert {k[len("base__base__"):]: v for k, v in deep.items() if k.startswith("base__base__")} == lmil
    assert deep["base__base__hidden_size"] == 128 and default.base is None
    model = make_model("dual-mhim", embedder="tfidf-svd", base__mhim_t=1, base__base__lr=0.05)
    assert isinstance(model.base, MHIMClassifier) and model.base.mhim_t == 1 and model.base.base.lr == 0.05
    assert model.base.base.bidirectional and not model.base.base.autoencoder  # set_params starts from the dual base
    twin = clone(model)
    assert settings(twin) == settings(model) and twin.base is not model.base
    twin.set_params(base__base__lr=0.1)
    assert model.base.base.lr == 0.05
    with pytest.raises(ValueError, match="Invalid parameter"):
        DualEncoderMHIM().set_params(base__no_such_thing=1)
    with pytest.raises(TypeError, match="MHIMClassifier"):
        DualEncoderMHIM(base=LMILAttClassifier()).fit([User("u", 1, [Post("a")]), User("v", 0, [Post("b")])])


def test_dual_encoder_save_load_keeps_its_base_and_reads_the_earlier_flat_layout(tmp_path):
    from depscreen.corpus.dialogue import make_sample_interviews
    from depscreen.models.mhim.dialogue import DualEncoderMHIM
    from depscreen.models.mil import LMILAttClassifier

    interviews = make_sample_interviews(16, seed=3)
    lmil = LMILAttClassifier(encoder="none", autoencoder=False, skip_embedding=False, hidden_size=4,
                             attention_size=4, epochs=2, validation_split=0.0, head="regression", seed=2)
    model = DualEncoderMHIM(embedder="tfidf-svd", embedder_options={"n_components": 6},
                            base=MHIMClassifier(base=lmil, mhim_t=1, mhim_b=0)).fit(interviews)
    assert model.base.base.embedder == "use"  # fit leaves the prototype alone ...
    assert model.model_.base.embedder == model.turn_embedder_.name  # ... its clone reads turn vectors
    pred = model.predict(interviews)
    folder = model.save(tmp_path / "dual")
    cfg = json.loads((folder / "config.json").read_text())
    assert set(cfg["params"]) == {"embedder", "embedder_options", "dual_mode", "sep"}
    assert cfg["base"]["model"] == "lmilatt-mhim" and cfg["base"]["params"]["mhim_t"] == 1
    assert cfg["base"]["base"]["params"]["hidden_size"] == 4
    loaded = DualEncoderMHIM.load(folder)
    assert settings(loaded) == settings(model) and np.array_equal(loaded.predict(interviews), pred)
    # a folder written while the dual encoder declared the network and MHIM settings flat
    old_params = {"max_turns": 100, "hidden_size": 4, "attention_size": 4, "epochs": 2, "head": "regression",
                  "mhim_t": 1, "mhim_b": 0, "seed": 2}
    cfg["params"] = {**cfg["params"], **old_params}
    del cfg["base"]
    (folder / "config.json").write_text(json.dumps(cfg))
    (folder / "manifest.json").unlink()
    with pytest.warns(UserWarning, match="cannot be verified"):
        old = DualEncoderMHIM.load(folder)
    assert np.array_equal(old.predict(interviews), pred)
    assert old.base.mhim_t == 1 and old.get_params()["base__base__hidden_size"] == 4
    cfg["base"] = None
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="unknown parameters"):
        DualEncoderMHIM.load(folder)


def test_receiver_reuses_the_donor_autoencoder_and_can_start_from_the_donor():
    X, y, _ = two_signal_bags(24, seed=6)
    lstm = dict(FAST, encoder="lstm", autoencoder=True, hidden_size=4, ae_epochs=2, epochs=1, lr=1e-9)
    donor = fit_donor(dict(lstm, lr=1e-2, epochs=3), X, y)
    d = donor.network_.state_dict()
    ae = [k for k in d if k.startswith("autoencoder.")]
    head = [k for k in d if not k.startswith("autoencoder.")]
    # lr ~ 0 in phase 2: the receiver's weights are the ones it started from
    scratch = make_mhim(**lstm, receiver_init="scratch").fit(X, y, donor=donor)
    r = scratch.receiver_.network_.state_dict()
    assert ae and all(torch.equal(d[k], r[k]) for k in ae)  # phase A is not repeated
    assert scratch.receiver_.history_["autoencoder"] == donor.history_["autoencoder"]
    assert any(not torch.allclose(d[k], r[k]) for k in head)  # attention + head start afresh
    warm = make_mhim(**lstm, receiver_init="donor").fit(X, y, donor=donor)
    r2 = warm.receiver_.network_.state_dict()
    assert all(torch.allclose(d[k], r2[k], atol=1e-6) for k in d)  # ... or from the donor's weights


def test_a_receiver_warm_started_from_the_donor_autoencoder_without_masks_is_the_donor(tmp_path):
    """The public warm start (``warm_start_from``): phase A is unsupervised and seeded, so a
    receiver that keeps the donor's autoencoder, starts its attention and head from the
    same seeded weights and trains without masks must reproduce the plain LMILAtt fit
    exactly -- predictions, attention and the autoencoder's record."""
    from sklearn.base import clone

    from depscreen.models.mhim.trainer import WarmStart
    from depscreen.models.mil import LMILAttClassifier

    X, y, _ = two_signal_bags(24, seed=6)
    lstm = dict(FAST, encoder="lstm", autoencoder=True, hidden_size=4, ae_epochs=2, epochs=3, validation_split=0.25)
    plain = LMILAttClassifier(**lstm).fit(X, y)
    start = WarmStart.from_donor(plain, "scratch")
    assert start.reuse_autoencoder and start.state and all(k.startswith("autoencoder.") for k in start.state)
    receiver = ReceiverLMILAtt(**lstm, warm_start_from=start)
    assert receiver.get_params()["warm_start_from"] is start  # stored untouched
    assert clone(receiver).get_params()["hidden_size"] == 4 and "WarmStart(state=<" in repr(receiver)
    receiver.fit(X, y)
    assert np.array_equal(receiver.predict_proba(X), plain.predict_proba(X))
    assert all(np.array_equal(a, b) for a, b in zip(receiver.attention(X), plain.attention(X)))
    assert receiver.history_["autoencoder"] == plain.history_["autoencoder"]
    # without a warm start it is a plain LMILAtt; saved, it loads as one (the start is no setting)
    assert np.array_equal(ReceiverLMILAtt(**lstm).fit(X, y).predict_proba(X), plain.predict_proba(X))
    folder = receiver.save(tmp_path / "receiver")
    assert "warm_start_from" not in json.loads((folder / "config.json").read_text())["params"]
    from depscreen.models.mil import LMILAttClassifier as Plain

    assert np.array_equal(Plain.load(folder).predict_proba(X), plain.predict_proba(X))
    with pytest.raises(TypeError, match="WarmStart"):
        ReceiverLMILAtt(**lstm, warm_start_from={"autoencoder.x": 1}).fit(X, y)
    with pytest.raises(ValueError, match="receiver_init"):
        WarmStart.from_donor(plain, "teacher")


def test_mhim_checks_its_labels_like_the_other_models():
    X, y, _ = two_signal_bags(8)
    with pytest.raises(ValueError, match="X has 8 users but y has 3 labels"):
        make_mhim(**FAST).fit(X, y[:3])
    with pytest.raises(ValueError, match="MHIMClassifier needs at least two classes"):
        make_mhim(**FAST).fit(X, np.zeros(8, dtype=int))
    with pytest.raises(ValueError, match="no label"):
        make_mhim(**FAST).fit(X, [None] * 8)


def test_mhim_wraps_a_base_model_with_nested_parameters(tmp_path):
    from sklearn.base import clone

    from depscreen.models import make_model
    from depscreen.models.mil import LMILAttClassifier
    from depscreen.models.mil.estimator import MILMeanClassifier

    lmil = LMILAttClassifier().get_params()
    default = MHIMClassifier()
    nested = {k[len("base__"):]: v for k, v in default.get_params(deep=True).items() if k.startswith("base__")}
    assert nested == lmil and default.base is None  # base=None: LMILAtt with its defaults
    assert "lr" not in default.get_params(deep=False)  # no re-declared LMILAtt parameters
    model = make_model("lmilatt-mhim", mhim_t=1, base__lr=0.05, base__embedder="tfidf-svd")
    assert isinstance(model.base, LMILAttClassifier) and model.base.lr == 0.05 and model.mhim_t == 1
    twin = clone(model)
    assert twin.get_params()["base__lr"] == 0.05 and twin.base is not model.base
    twin.set_params(base__lr=0.1)
    assert model.base.lr == 0.05  # a clone does not share its base
    assert MHIMClassifier(base=MILMeanClassifier()).get_params()["base__pooling"] == "mean"
    with pytest.raises(ValueError, match="Invalid parameter"):
        MHIMClassifier().set_params(base__no_such_thing=1)


def test_save_load_keeps_the_base_model_and_reads_the_earlier_layout(binary_data, donor, tmp_path):
    X, y, _ = binary_data
    model = make_mhim(**FAST).set_params(base__epochs=2).fit(X, y, donor=donor)
    folder = model.save(tmp_path / "m")
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["base"]["model"] == "lmilatt" and cfg["base"]["params"]["epochs"] == 2
    assert "base" not in cfg["params"] and cfg["params"]["mhim_t"] == 2
    loaded = MHIMClassifier.load(folder)
    assert loaded.get_params()["base__epochs"] == 2 and loaded.base.encoder == "none"
    assert np.array_equal(loaded.predict(X), model.predict(X))
    # a folder written before MHIM wrapped a base model: LMILAtt parameters flat
    cfg["params"] = {**cfg["params"], **cfg.pop("base")["params"], "cache_dir": None}
    (folder / "config.json").write_text(json.dumps(cfg))
    (folder / "manifest.json").unlink()  # such folders had no file manifest either
    with pytest.warns(UserWarning, match="cannot be verified"):
        old = MHIMClassifier.load(folder)
    assert old.base.epochs == 2 and np.array_equal(old.predict(X), model.predict(X))
