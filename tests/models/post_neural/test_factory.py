"""The network choice alone (``depscreen.models.post_neural.factory``): each
architecture's saved configuration holds its own shape settings, and a seed fixes the
initial weights."""

import inspect
import json

import pytest
import torch

from depscreen.models.post_neural import CNNClassifier, CNNLSTMClassifier, LSTMClassifier
from depscreen.models.post_neural.estimators import FEATURIZER_PARAMS, PostNeuralClassifier
from depscreen.models.post_neural.factory import ARCHITECTURES, make_network, network_config
from depscreen.models.post_neural.featurizer import PostFeaturizer
from depscreen.models.post_neural.networks import CNN, CNNLSTM, LSTM
from depscreen.models.registry import model_class

SHAPE = dict(dropout=0.2, filters=4, kernel_sizes=(5, 3), pool_size=2, hidden_size=6, seq_len=3,
             bidirectional=True)
TFIDF = {"n_features": 40}
TOKENS = {"vocab_size": 30, "embed_dim": 8}


def test_each_architecture_records_only_its_own_settings():
    cnn = network_config("cnn", n_classes=3, input="tfidf", inputs=TFIDF, **SHAPE)
    assert cnn == {"n_classes": 3, "input": "tfidf", "dropout": 0.2, "n_features": 40, "filters": 4,
                   "kernel_sizes": [5, 3], "pool_size": 2, "hidden_size": 6}
    lstm = network_config("lstm", n_classes=2, input="tokens", inputs=TOKENS, **SHAPE)
    assert lstm == {"n_classes": 2, "input": "tokens", "dropout": 0.2, "vocab_size": 30, "embed_dim": 8,
                    "hidden_size": 6, "seq_len": 3, "bidirectional": True}
    hybrid = network_config("cnn-lstm", n_classes=2, input="tfidf", inputs=TFIDF, **SHAPE)
    assert hybrid["kernel_size"] == 5 and "kernel_sizes" not in hybrid and "pool_size" not in hybrid
    for config in (cnn, lstm, hybrid):
        assert json.loads(json.dumps(config)) == config  # saved as it is in config.json


@pytest.mark.parametrize("arch,cls", [("cnn", CNN), ("lstm", LSTM), ("cnn-lstm", CNNLSTM)])
@pytest.mark.parametrize("input,inputs", [("tfidf", TFIDF), ("tokens", TOKENS)])
def test_the_built_network_is_the_architecture_asked_for(arch, cls, input, inputs):
    config = network_config(arch, n_classes=3, input=input, inputs=inputs, **SHAPE)
    net = make_network(arch, config, seed=0).eval()
    assert type(net) is cls
    x = torch.rand(5, 40) if input == "tfidf" else torch.randint(1, 30, (5, 7))
    assert net(x).shape == (5, 3)


def test_a_seed_fixes_the_initial_weights():
    config = network_config("cnn-lstm", n_classes=2, input="tfidf", inputs=TFIDF, **SHAPE)
    a, b = make_network("cnn-lstm", config, seed=7), make_network("cnn-lstm", config, seed=7)
    c = make_network("cnn-lstm", config, seed=8)
    for wa, wb in zip(a.state_dict().values(), b.state_dict().values()):
        torch.testing.assert_close(wa, wb, rtol=0, atol=0)
    assert any(not torch.equal(wa, wc) for wa, wc in zip(a.state_dict().values(), c.state_dict().values()))


def test_the_registered_estimators_cover_every_architecture_and_unknown_ones_are_refused():
    assert {model_class(name).arch for name in ("cnn", "lstm", "cnn-lstm")} == set(ARCHITECTURES)
    assert [CNNClassifier.arch, LSTMClassifier.arch, CNNLSTMClassifier.arch] == ["cnn", "lstm", "cnn-lstm"]
    with pytest.raises(ValueError, match="unknown architecture 'gru'"):
        network_config("gru", n_classes=2, input="tfidf", inputs=TFIDF)


def _defaults(function) -> dict:
    return {name: p.default for name, p in inspect.signature(function).parameters.items()
            if p.default is not inspect.Parameter.empty}


@pytest.mark.parametrize("estimator", [PostNeuralClassifier, CNNClassifier, LSTMClassifier, CNNLSTMClassifier])
def test_the_parts_defaults_agree_with_the_estimators_defaults(estimator):
    """The featuriser and the network configuration keep their own defaults (each can be
    used alone) while scikit-learn makes the estimator list its parameters too: the two
    copies must not drift apart, or a part used alone would differ from the estimator."""
    ours = estimator().get_params()
    featurizer = _defaults(PostFeaturizer.__init__)
    assert set(featurizer) == set(FEATURIZER_PARAMS)
    assert {name: ours[name] for name in FEATURIZER_PARAMS} == featurizer
    shape = _defaults(network_config)
    assert shape and {name: ours[name] for name in shape} == shape
