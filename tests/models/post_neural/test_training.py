"""One training run alone (``depscreen.models.post_neural.training``): class weights,
the epoch limit, and a network trained on the shared loop then checked for collapse."""

import json

import numpy as np
import pytest
import scipy.sparse as sp

from depscreen.models.post_neural.data import SparseRows
from depscreen.models.post_neural.factory import make_network, network_config
from depscreen.models.post_neural.training import class_weights, epochs_for, train_network


def test_class_weights_balance_the_classes_present():
    classes = np.array(["mild", "none", "severe"])
    y = np.array([1] * 8 + [0] * 2)  # no "severe" in this training part
    np.testing.assert_allclose(class_weights(classes, y, "balanced"), [2.5, 0.625, 1.0])
    assert class_weights(classes, y, None) is None
    np.testing.assert_allclose(class_weights(np.array([0, 1]), y, {"1": 3.0}), [1.0, 3.0])  # JSON keys
    with pytest.raises(ValueError, match="class_weight must be"):
        class_weights(classes, y, "inverse")


def test_the_epoch_limit_follows_the_data_size_unless_given():
    assert epochs_for(None, 300, 64) == 200 and epochs_for(None, 4000, 64) == 32
    assert epochs_for(None, 10**6, 64) == 20 and epochs_for(5, 10**6, 64) == 5


def _separable(n=60, n_features=20, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.random((n, n_features)) * (rng.random((n, n_features)) < 0.2)
    X[:, 0] += y  # one feature tells the classes apart
    X[:, 1] += 1 - y
    return sp.csr_matrix(X), y


@pytest.mark.parametrize("with_validation", [True, False])
def test_a_run_trains_on_the_shared_loop_and_checks_for_collapse(with_validation):
    X, y = _separable()
    train = SparseRows(X[:40], y[:40])
    valid = SparseRows(X[40:], y[40:]) if with_validation else None
    config = network_config("lstm", n_classes=2, input="tfidf", inputs={"n_features": 20}, hidden_size=8,
                            dropout=0.0)
    run = train_network(make_network("lstm", config, seed=1), train, valid, classes=np.array([0, 1]),
                        y_train=y[:40], class_weight="balanced", lr=0.05, max_epochs=30, batch_size=8,
                        patience=0, seed=1)
    assert len(run.history) == 30 and run.history[-1]["train_loss"] < run.history[0]["train_loss"]
    assert not run.degenerate and run.checked_on == ("validation" if with_validation else "training")
    assert run.n_checked == (20 if with_validation else 40)
    np.testing.assert_allclose(run.class_weight, [1.0, 1.0])
    summary = run.summary()
    assert json.loads(json.dumps(summary)) == summary and summary["epochs_run"] == 30
    assert summary["predicted_class"] is None  # named only for a collapsed run


def test_a_network_that_cannot_learn_is_found_degenerate():
    config = network_config("cnn", n_classes=2, input="tfidf", inputs={"n_features": 20}, filters=2,
                            kernel_sizes=(3,), pool_size=2, hidden_size=4, dropout=0.0)
    # posts with no words in the vocabulary: one output for every post, learnt toward the majority
    y = np.array([0] * 30 + [1] * 10)
    empty = SparseRows(sp.csr_matrix((40, 20)), y)
    run = train_network(make_network("cnn", config, seed=1), empty, None, classes=np.array(["no", "yes"]),
                        y_train=y, class_weight=None, lr=0.05, max_epochs=5, batch_size=8, patience=0, seed=1)
    assert run.degenerate and run.predicted_class == "no" and run.summary()["predicted_class"] == "no"
    assert run.checked_on == "training" and run.n_checked == 40
