"""Post-level neural classifiers (paper 003): networks, training loop, estimators."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from depscreen.models.post_neural.data import (
    SparseRows,
    TokenSequences,
    batch_loader,
    build_vocabulary,
    encode,
)
from depscreen.models.post_neural.networks import build_network
from depscreen.models.training_loop import (
    BestWeights,
    EarlyStopping,
    EpochLogger,
    Trainer,
    classification_metrics,
    classification_step,
    make_loss,
    predicts_one_class,
)

# short test runs on tiny corpora may collapse; the tests of that behaviour catch the
# warning themselves
pytestmark = pytest.mark.filterwarnings(
    "ignore::depscreen.models.post_neural.estimators.DegenerateModelWarning"
)


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny nets run fastest single-threaded on a shared 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class Tensors:
    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.y)

    def batch(self, idx):
        return (self.X[idx],), self.y[idx]


# ------------------------------------------------------------------ networks
@pytest.mark.parametrize("arch", ["cnn", "lstm", "cnn-lstm"])
@pytest.mark.parametrize("seq_len", [1, 4])
def test_networks_on_tfidf_vectors(arch, seq_len):
    net = build_network(arch, n_classes=3, input="tfidf", n_features=23, filters=4,
                        hidden_size=5, seq_len=seq_len)
    out = net(torch.rand(6, 23))
    assert out.shape == (6, 3)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("arch", ["cnn", "lstm", "cnn-lstm"])
def test_networks_on_tokens_ignore_padding(arch):
    torch.manual_seed(0)
    net = build_network(arch, n_classes=2, input="tokens", vocab_size=30, embed_dim=8,
                        filters=4, hidden_size=5).eval()
    ids = torch.tensor([[5, 6, 7, 0, 0], [8, 9, 0, 0, 0]])
    lengths = torch.tensor([3, 2])
    padded_more = torch.cat([ids, torch.zeros(2, 4, dtype=torch.long)], dim=1)
    a, b = net(ids, lengths), net(padded_more, lengths)
    assert a.shape == (2, 2)
    torch.testing.assert_close(a, b)  # extra padding changes nothing


def test_network_errors_are_clear():
    with pytest.raises(ValueError, match="unknown architecture"):
        build_network("transformer", n_classes=2, input="tfidf", n_features=3)
    with pytest.raises(ValueError, match="input must be one of"):
        build_network("cnn", n_classes=2, input="chars", n_features=3)
    with pytest.raises(ValueError, match="n_features"):
        build_network("lstm", n_classes=2, input="tfidf")


# ------------------------------------------------------------- training loop
# the post-level networks train on the shared loop (models/training_loop.py) through
# their batch loader and the classification step; these tests pin what they rely on
def _separable(n=60, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 4, generator=g)
    return X, (X[:, 0] + X[:, 1] > 0).long()


def _trainer(net, callbacks=(), *, lr=1e-3, max_epochs=10, batch_size=64, seed=13, class_weights=None):
    return Trainer(net, classification_step(make_loss(class_weights)), batch_loader(batch_size), lr=lr,
                   max_epochs=max_epochs, seed=seed, callbacks=list(callbacks), metrics=classification_metrics())


def test_early_stopping_stops_on_rising_validation_loss():
    torch.manual_seed(0)
    X, _ = _separable()
    y_noise = torch.randint(0, 2, (60,), generator=torch.Generator().manual_seed(1))
    net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
    stopper = EarlyStopping(patience=2, restore_best=False)
    trainer = _trainer(net, [BestWeights(), stopper], lr=0.05, max_epochs=200, batch_size=8)
    history = trainer.fit(Tensors(X[:40], y_noise[:40]), Tensors(X[40:], y_noise[40:])).history
    assert trainer.stop_training and len(history) < 200
    assert len(history) == stopper.best_epoch + stopper.patience + 1  # epochs count from 0


def test_best_weights_are_restored():
    torch.manual_seed(0)
    X, y = _separable()
    net = torch.nn.Linear(4, 2)
    ckpt = BestWeights()
    trainer = _trainer(net, [ckpt], lr=0.5, max_epochs=8, batch_size=4)
    valid = Tensors(X[40:], y[40:])
    history = trainer.fit(Tensors(X[:40], y[:40]), valid).history
    best = min(h["valid_loss"] for h in history)
    assert ckpt.best_ == pytest.approx(best)
    assert ckpt.best_epoch_ == min(history, key=lambda h: h["valid_loss"])["epoch"]
    assert trainer.evaluate(valid)["valid_loss"] == pytest.approx(best, rel=1e-5)


def test_monitoring_a_missing_value_is_a_clear_error():
    X, y = _separable()
    trainer = _trainer(torch.nn.Linear(4, 2), [BestWeights()], max_epochs=2)
    with pytest.raises(KeyError, match="valid_loss.*not recorded"):
        trainer.fit(Tensors(X, y))


def test_class_weights_change_the_loss():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.5], [0.2, 0.1]])
    y = torch.tensor([0, 1, 0, 1])
    plain = make_loss(None)(logits, y)
    weighted = make_loss([1.0, 5.0])(logits, y)
    assert float(plain) != pytest.approx(float(weighted))
    with pytest.raises(ValueError, match="positive"):
        make_loss([1.0, 0.0])


def test_training_is_seeded_and_logs_numbers_only(caplog):
    X, y = _separable()

    def run():
        torch.manual_seed(3)
        net = torch.nn.Linear(4, 2)
        logger = EpochLogger(logger=logging.getLogger("depscreen.models.post_neural"))
        _trainer(net, [logger], max_epochs=3, batch_size=7, seed=5).fit(Tensors(X, y))
        return net.weight.detach().clone()

    with caplog.at_level(logging.INFO, logger="depscreen.models.post_neural"):
        a = run()
    b = run()
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert "epoch 0: train_loss=" in caplog.text


# ----------------------------------------------------------------- data
def test_token_data_and_vocabulary():
    docs = [["sad", "sad", "tired"], ["fun"], []]
    vocab = build_vocabulary(docs, max_size=4)
    assert vocab == ["<pad>", "<unk>", "sad", "fun"]  # ties alphabetical, capped
    ids = encode(docs + [["unknown"]], vocab, max_len=2)
    assert [list(i) for i in ids] == [[2, 2], [3], [1], [1]]
    (batch, lengths), y = TokenSequences(ids, np.array([1, 0, 0, 1])).batch(np.array([0, 1]))
    assert batch.tolist() == [[2, 2], [3, 0]] and lengths.tolist() == [2, 1]
    assert y.tolist() == [1, 0]


def test_sparse_rows_densify_per_batch():
    import scipy.sparse as sp

    X = sp.random(10, 7, density=0.3, random_state=0, format="csr")
    (x,), y = SparseRows(X, np.arange(10) % 2).batch(np.array([3, 1]))
    np.testing.assert_allclose(x.numpy(), X[[3, 1]].toarray(), rtol=1e-6)
    with pytest.raises(ValueError, match="targets"):
        SparseRows(X, np.zeros(3))


# ---------------------------------------------------------------- estimators
from depscreen.models import load_model, make_model  # noqa: E402
from depscreen.models.post_neural import (  # noqa: E402
    CNNClassifier,
    CNNLSTMClassifier,
    LSTMClassifier,
    PostNeuralClassifier,
)

SAD = ["sad", "empty", "tired", "hopeless", "alone", "crying", "worthless", "numb"]
FUN = ["game", "lunch", "friends", "sunny", "movie", "pizza", "beach", "concert"]
FILL = ["today", "really", "the", "was", "so", "at", "my", "and"]


def _posts(n=40, seed=0, positive_share=0.5):
    """Realistic-shaped short posts; the class shows only in the topic words."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        label = int(rng.random() < positive_share)
        words = list(rng.choice(SAD if label else FUN, 2)) + list(rng.choice(FILL, 4))
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + rng.choice([".", "!", " :(", " https://t.co/x"]))
        labels.append(label)
    return texts, np.array(labels)


TINY = dict(
    preprocessing={"lang": "en"}, ft_epochs=3, ft_min_count=1, ft_vector_size=16, min_df=1,
    filters=8, hidden_size=16, embed_dim=16, dropout=0.1, lr=0.01, batch_size=16,
    validation_fraction=0.0, patience=0, max_epochs=25, on_degenerate="warn",
)
ESTIMATORS = [CNNClassifier, LSTMClassifier, CNNLSTMClassifier]


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("input", ["tfidf", "tokens"])
def test_each_model_overfits_a_tiny_separable_set(cls, input):
    texts, y = _posts()
    top_n = 1 if input == "tfidf" else 0
    clf = cls(input=input, top_n=top_n, pool_size=2, **{**TINY, "max_epochs": 40}).fit(texts, y)
    assert (clf.predict(texts) == y).mean() == 1.0
    proba = clf.predict_proba(texts)
    assert proba.shape == (len(texts), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert list(clf.classes_) == [0, 1]


@pytest.mark.parametrize("name,input", [("cnn", "tfidf"), ("lstm", "tokens"), ("cnn-lstm", "tfidf")])
def test_save_load_round_trip_gives_identical_predictions(tmp_path, name, input):
    texts, y = _posts(seed=1)
    clf = make_model(name, input=input, top_n=2, **{**TINY, "max_epochs": 3}).fit(texts, y)
    folder = clf.save(tmp_path / name)
    files = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors"} <= files
    assert not any(f.endswith((".pkl", ".pickle", ".pt")) for f in files)
    back = load_model(folder)
    assert type(back) is type(clf)
    new = ["Really tired and numb today", "Pizza at the beach!", "", "unknown words only"]
    np.testing.assert_array_equal(back.predict_proba(texts + new), clf.predict_proba(texts + new))


def test_saved_config_records_preprocessing_and_expansion(tmp_path):
    import json

    texts, y = _posts(seed=2)
    clf = CNNClassifier(top_n=2, **{**TINY, "max_epochs": 2,
                                     "preprocessing": {"lang": "en", "clean": False, "casefold": False}})
    folder = clf.fit(texts, y).save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    steps = config["preprocessing"]["steps"]
    assert "clean" not in steps and "casefold" not in steps and "tokenize" in steps
    assert config["preprocessing"]["params"]["clean"] is False
    assert config["model"] == "cnn" and config["classes"] == [0, 1]
    assert len(config["training"]["history"]) == 2
    features = json.loads((folder / "features.json").read_text())
    assert set(features["expansion_map"]) == set(features["vocabulary"])
    # switched-off casefolding is visible in the learned vocabulary
    assert any(w[:1].isupper() for w in features["vocabulary"])


def test_paper_preset_removes_what_the_paper_removes():
    texts, y = _posts(seed=3)
    clf = LSTMClassifier(top_n=0, **{**TINY, "max_epochs": 1,
                                      "preprocessing": {"preset": "paper003", "lang": "en"}})
    clf.fit(texts, y)
    vocab = clf.features_.vocabulary_
    assert "<url>" not in vocab and "the" not in vocab and "!" not in vocab
    with pytest.raises(ValueError, match="preset"):
        LSTMClassifier(preprocessing={"preset": "mine"}).fit(texts, y)


def test_early_stopping_stops_the_estimator():
    texts, _ = _posts(n=60, seed=4)
    noise = np.random.default_rng(5).integers(0, 2, len(texts))  # nothing to learn
    clf = LSTMClassifier(top_n=0, **{**TINY, "validation_fraction": 0.3, "patience": 2,
                                      "max_epochs": 60, "lr": 0.05})
    clf.fit(texts, noise)
    assert len(clf.history_) < 60
    assert clf.n_valid_ == 18
    assert clf.best_epoch_ == min(clf.history_, key=lambda h: h["valid_loss"])["epoch"]


def test_class_weights_change_training():
    texts, y = _posts(n=40, seed=6, positive_share=0.2)
    plain = CNNClassifier(top_n=0, class_weight=None, **{**TINY, "max_epochs": 1}).fit(texts, y)
    weighted = CNNClassifier(top_n=0, **{**TINY, "max_epochs": 1}).fit(texts, y)  # the default
    assert plain.class_weight_ is None
    counts = np.bincount(y)
    np.testing.assert_allclose(weighted.class_weight_, len(y) / (2 * counts))
    assert weighted.history_[0]["train_loss"] != pytest.approx(plain.history_[0]["train_loss"])
    as_dict = CNNClassifier(top_n=0, class_weight={1: 3.0}, **{**TINY, "max_epochs": 1}).fit(texts, y)
    np.testing.assert_allclose(as_dict.class_weight_, [1.0, 3.0])


def test_fit_is_seeded():
    texts, y = _posts(seed=7)
    a = CNNLSTMClassifier(top_n=2, seed=3, **{**TINY, "max_epochs": 2}).fit(texts, y)
    b = CNNLSTMClassifier(top_n=2, seed=3, **{**TINY, "max_epochs": 2}).fit(texts, y)
    np.testing.assert_array_equal(a.predict_proba(texts), b.predict_proba(texts))


def test_unlabelled_text_trains_the_vectors_only():
    texts, y = _posts(seed=8)
    extra = ["melancholy rainy evenings feel gloomy"] * 5
    clf = CNNClassifier(top_n=2, **{**TINY, "max_epochs": 1}).fit(texts, y, unlabelled=extra)
    assert "melancholy" not in clf.features_.vocabulary_


def test_estimator_api_and_errors():
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    texts, y = _posts(seed=9)
    assert CNNClassifier.input_level == "post"
    clone(CNNClassifier(top_n=5))  # parameters survive cloning
    with pytest.raises(NotFittedError):
        LSTMClassifier().predict(texts)
    with pytest.raises(TypeError, match="shared base"):
        PostNeuralClassifier().fit(texts, y)
    with pytest.raises(ValueError, match="two classes"):
        CNNClassifier(**TINY).fit(texts, np.zeros(len(texts)))
    with pytest.raises(ValueError, match="labels"):
        CNNClassifier(**TINY).fit(texts, y[:-1])
    with pytest.raises(ValueError, match="input must be"):
        CNNClassifier(input="chars").fit(texts, y)


@pytest.mark.parametrize("input", ["tfidf", "tokens"])
def test_explain_names_the_words_that_decided(input, tmp_path):
    texts, y = _posts(seed=10)
    clf = CNNClassifier(input=input, top_n=0, pool_size=2, **TINY).fit(texts, y)
    reasons = clf.explain(["Really hopeless and numb today", "Pizza with friends at the beach"])
    assert [r["prediction"] for r in reasons] == [1, 0]
    top_words = {f["feature"] for f in reasons[0]["top_features"][:2]}
    assert top_words & set(SAD)
    assert all(f["contribution"] > 0 for r in reasons for f in r["top_features"])


def test_explain_marks_expanded_features():
    texts, y = _posts(seed=11)
    clf = LSTMClassifier(top_n=3, **TINY).fit(texts, y)
    reasons = clf.explain(texts, top_k=50)
    expanded = [f for r in reasons for f in r["top_features"] if f.get("expanded")]
    assert expanded
    for f in expanded:
        assert f["via"] in clf.features_.expansion_map()[f["feature"]]


# ------------------------------------------------------------ one forward pass
import json  # noqa: E402

from depscreen.explanation_schema import check_explanation  # noqa: E402
from depscreen.models.base import Forward, forward, risk_scores  # noqa: E402
from depscreen.models.post_neural import DegenerateModelWarning  # noqa: E402


def _three_levels(n=60, seed=0):
    """Short posts with three levels (0 fun, 1 tired, 2 sad words)."""
    rng = np.random.default_rng(seed)
    words = {0: FUN, 1: ["tired", "stressed", "bored", "restless"], 2: SAD}
    y = rng.integers(0, 3, n)
    texts = [" ".join(list(rng.choice(words[k], 2)) + list(rng.choice(FILL, 3))) for k in y]
    return texts, y


def _count_calls(net):
    calls = []
    handle = net.register_forward_hook(lambda *_: calls.append(1))
    return calls, handle


@pytest.mark.parametrize("input", ["tfidf", "tokens"])
def test_forward_is_one_pass_and_the_wrappers_read_from_it(input):
    texts, y = _posts(seed=12)
    clf = LSTMClassifier(input=input, top_n=0, **{**TINY, "max_epochs": 5}).fit(texts, y)
    new = ["Really hopeless and numb today", "Pizza with friends at the beach", ""]
    calls, handle = _count_calls(clf.network_)
    out = forward(clf, new, explain=True, top_k=3)
    handle.remove()
    assert isinstance(out, Forward) and len(calls) == 1  # one network pass for everything
    np.testing.assert_array_equal(out.predictions, clf.predict(new))
    np.testing.assert_array_equal(out.proba, clf.predict_proba(new))  # gradient pass = plain pass
    np.testing.assert_array_equal(out.scores, out.proba[:, 1])  # binary: P(positive)
    assert out.explanations == clf.explain(new, top_k=3)
    plain = clf._forward(new)
    assert plain.explanations is None
    np.testing.assert_array_equal(plain.proba, out.proba)
    for e, p, s in zip(out.explanations, out.predictions, out.scores):
        assert e["prediction"] == p and e["score"] == s and "predicted" not in e
        assert len(e["top_features"]) <= 3
        assert all(set(f) >= {"feature", "contribution"} for f in e["top_features"])
        assert check_explanation(json.loads(json.dumps(e))) == []  # as written to a file
    empty = clf._forward([], explain=True)
    assert empty.proba.shape == (0, 2) and empty.explanations == []


def test_forward_scores_levels_by_their_expected_value():
    texts, y = _three_levels()
    clf = CNNLSTMClassifier(top_n=0, **{**TINY, "max_epochs": 5}).fit(texts, y)
    out = clf._forward(texts[:7], explain=True)
    assert out.proba.shape == (7, 3)
    np.testing.assert_allclose(out.scores, out.proba @ np.arange(3))
    np.testing.assert_array_equal(out.scores, risk_scores(out.proba, clf.classes_))
    assert [e["score"] for e in out.explanations] == out.scores.tolist()
    named = np.array(["low", "mid", "high"])[y]  # nominal labels: no order, no risk score
    clf = CNNLSTMClassifier(top_n=0, **{**TINY, "max_epochs": 2}).fit(texts, named)
    out = clf._forward(texts[:4], explain=True)
    assert out.scores is None
    assert [e["score"] for e in out.explanations] == out.proba.max(axis=1).tolist()


@pytest.mark.parametrize("name,input", [("cnn", "tfidf"), ("lstm", "tokens")])
def test_forward_survives_save_and_load(tmp_path, name, input):
    texts, y = _posts(seed=13)
    clf = make_model(name, input=input, top_n=2, pool_size=2, **{**TINY, "max_epochs": 4}).fit(texts, y)
    back = load_model(clf.save(tmp_path / name))
    new = texts[:5] + ["Really tired and numb today", "unknown words only", ""]
    a, b = clf._forward(new, explain=True), back._forward(new, explain=True)
    np.testing.assert_array_equal(a.predictions, b.predictions)
    np.testing.assert_array_equal(a.proba, b.proba)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert a.explanations == b.explanations
    assert (back.degenerate_, back.fallback_, back.max_epochs_) == (clf.degenerate_, clf.fallback_, 4)


# ---------------------------------------------- robust defaults, collapse check
def test_trainer_records_macro_f1_and_collapse():
    X, y = _separable()
    record = _trainer(torch.nn.Linear(4, 2), max_epochs=1).fit(Tensors(X, y), Tensors(X, y)).history[0]
    assert {"valid_acc", "valid_f1_macro", "valid_n_predicted", "valid_degenerate"} <= set(record)
    with torch.no_grad():  # a network that always says class 1
        collapsed = torch.nn.Linear(4, 2)
        collapsed.weight.zero_()
        collapsed.bias.copy_(torch.tensor([0.0, 1.0]))
    got = _trainer(collapsed).evaluate(Tensors(X, y))
    assert got["valid_degenerate"] is True and got["valid_n_predicted"] == 1
    assert got["valid_acc"] == pytest.approx(float(y.float().mean()))
    assert got["valid_f1_macro"] == pytest.approx(f1_of_one_class(y.numpy(), 1))
    assert predicts_one_class(np.array([0, 1]), np.array([1, 1]))
    assert not predicts_one_class(np.array([1, 1]), np.array([1, 1]))  # one class is the truth
    assert not predicts_one_class(np.array([0, 1]), np.array([0, 1]))


def f1_of_one_class(truth, label):
    from sklearn.metrics import f1_score

    return f1_score(truth, np.full(len(truth), label), average="macro", zero_division=0)


class _Holder:
    def __init__(self, module):
        self.module = module
        self.resumed = False


def test_best_weights_keep_the_best_epoch_that_predicts_more_than_one_class():
    net = torch.nn.Linear(2, 2)
    holder = _Holder(net)
    records = [  # the loss keeps falling while the network collapses from epoch 2 on
        {"epoch": 0, "valid_loss": 0.9, "valid_degenerate": False},
        {"epoch": 1, "valid_loss": 0.8, "valid_degenerate": False},
        {"epoch": 2, "valid_loss": 0.7, "valid_degenerate": True},
        {"epoch": 3, "valid_loss": 0.6, "valid_degenerate": True},
    ]

    def run(ckpt):
        ckpt.on_train_begin(holder)
        for r in records:
            with torch.no_grad():
                net.weight.fill_(float(r["epoch"]))  # weights tell the epochs apart
            ckpt.on_epoch_end(holder, dict(r))
        ckpt.on_train_end(holder)
        return float(net.weight.detach()[0, 0])

    plain = BestWeights()
    assert run(plain) == 3.0 and plain.best_epoch_ == 3 and plain.best_degenerate_
    assert plain.alternative_epoch_ == 1
    assert plain.restore_alternative(net) == 1 and float(net.weight.detach()[0, 0]) == 1.0
    assert plain.best_epoch_ == 1 and plain.restore_alternative(net) is None
    skipping = BestWeights(skip_degenerate=True)
    assert run(skipping) == 1.0 and skipping.best_epoch_ == 1


SEVERITY_WORDS = {  # words whose rate grows with the level; neighbouring levels overlap
    0: ["fun", "great", "happy", "enjoyed", "laughing", "excited", "relaxed", "nice"],
    1: ["tired", "stressed", "bored", "meh", "restless", "annoyed", "down", "off"],
    2: ["sad", "lonely", "empty", "crying", "anxious", "overwhelmed", "numb", "drained"],
    3: ["hopeless", "worthless", "pointless", "burden", "goodbye", "giving", "up", "trapped"],
}
EVERYDAY = (
    "today work coffee bus train home friend family weekend morning evening night lunch "
    "dinner game movie music song phone class exam boss office rain weather city park walk "
    "dog cat food tea shop money week month year people went got made saw watched told"
).split()
GLUE = "i the a and to of in it my was so but just really with for at on that this is me".split()
ENDINGS = ["", ".", "!", "...", " :(", " lol", " https://t.co/abc", " #mood"]


def _severity_posts(n, seed, shares=(0.7, 0.13, 0.1, 0.07)):
    """Synthetic (not real) posts shaped like a severity set: four levels, the highest
    rare, level words in 85% of posts, a neighbouring level's word in 35%."""
    rng = np.random.default_rng(seed)
    y = rng.choice(len(shares), size=n, p=shares)
    texts = []
    for label in y:
        words = list(rng.choice(GLUE, rng.integers(3, 9))) + list(rng.choice(EVERYDAY, rng.integers(2, 12)))
        if rng.random() < 0.85:
            words += list(rng.choice(SEVERITY_WORDS[label], rng.integers(1, 3)))
        if rng.random() < 0.35:
            words.append(rng.choice(SEVERITY_WORDS[int(np.clip(label + rng.choice([-1, 1]), 0, 3))]))
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + rng.choice(ENDINGS))
    return texts, y


ROBUST = dict(preprocessing={"lang": "en"}, top_n=0, hidden_size=8)  # everything else default
OLD_DEFAULTS = dict(class_weight=None, lr=1e-3, max_epochs=20)


def test_defaults_do_not_collapse_on_an_imbalanced_severity_set():
    import warnings

    from sklearn.metrics import f1_score

    texts, y = _severity_posts(400, seed=1)
    test_texts, test_y = _severity_posts(300, seed=101)
    with pytest.warns(DegenerateModelWarning, match="one class.*class_weight='balanced'"):
        old = LSTMClassifier(**ROBUST, **OLD_DEFAULTS, on_degenerate="warn").fit(texts, y)
    assert old.degenerate_ and old.fallback_["kept"] == "first"
    assert len(set(old.predict(test_texts))) == 1  # the majority level for every post

    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateModelWarning)
        new = LSTMClassifier(**ROBUST).fit(texts, y)
    assert not new.degenerate_ and new.fallback_ is None
    assert new.class_weight_[3] > new.class_weight_[0]  # balanced: the rare level weighs more
    assert new.n_valid_ == 40 and new.best_epoch_ == min(
        new.history_, key=lambda h: h["valid_loss"])["epoch"]
    predicted = new.predict(test_texts)
    assert len(set(predicted)) == 4
    old_f1 = f1_score(test_y, old.predict(test_texts), average="macro")
    new_f1 = f1_score(test_y, predicted, average="macro")
    assert new_f1 > 0.5 and new_f1 > old_f1 + 0.25


def test_a_collapsed_network_is_retrained_and_the_retry_is_recorded(tmp_path):
    texts, y = _severity_posts(300, seed=2, shares=(0.88, 0.12))
    with pytest.warns(DegenerateModelWarning, match="collapsed.*retraining once"):
        clf = LSTMClassifier(**ROBUST, **{**OLD_DEFAULTS, "max_epochs": 10}).fit(texts, y)
    first, retry = clf.fallback_["first"], clf.fallback_["retry"]
    assert first["degenerate"] and first["predicted_class"] == 0 and first["class_weight"] is None
    assert retry["class_weight"] == "balanced" and not retry["degenerate"]
    assert clf.fallback_["kept"] == "retry" and not clf.degenerate_
    assert clf.class_weight_ is not None and len(clf.history_) == retry["epochs_run"]
    test_texts, _ = _severity_posts(200, seed=102, shares=(0.88, 0.12))
    assert len(set(clf.predict(test_texts))) == 2
    import json

    saved = json.loads((clf.save(tmp_path / "m") / "config.json").read_text())
    assert saved["training"]["fallback"]["kept"] == "retry"
    assert saved["training"]["degenerate"] is False


def test_auto_epochs_follow_the_data_size_and_bad_settings_are_refused():
    clf = LSTMClassifier()
    assert clf._epochs_for(300) == 200 and clf._epochs_for(4000) == 32 and clf._epochs_for(10**6) == 20
    assert LSTMClassifier(max_epochs=7)._epochs_for(300) == 7
    texts, y = _posts(seed=14)
    with pytest.raises(ValueError, match="on_degenerate"):
        LSTMClassifier(on_degenerate="ignore").fit(texts, y)
    with pytest.raises(ValueError, match="class_weight"):
        LSTMClassifier(class_weight="inverse").fit(texts, y)
    with pytest.raises(ValueError, match="max_epochs"):
        LSTMClassifier(max_epochs=0).fit(texts, y)


def test_when_the_retry_collapses_too_the_best_epoch_with_two_classes_is_kept(monkeypatch):
    texts, y = _severity_posts(300, seed=2, shares=(0.88, 0.12))
    # a retry that repeats the collapsing settings collapses the same way
    monkeypatch.setattr(LSTMClassifier, "_retry_plan", lambda self, run: (None, 1e-3, 10))
    with pytest.warns(DegenerateModelWarning, match="retrained network predicts one class too"):
        clf = LSTMClassifier(**ROBUST, **{**OLD_DEFAULTS, "max_epochs": 10}).fit(texts, y)
    assert clf.fallback_["first"]["degenerate"] and clf.fallback_["retry"]["degenerate"]
    epoch = clf.best_epoch_
    assert clf.fallback_["kept"] == f"first, epoch {epoch}" and not clf.degenerate_
    assert clf.history_[epoch]["valid_n_predicted"] == 2
    assert epoch < clf.fallback_["first"]["best_epoch"]
