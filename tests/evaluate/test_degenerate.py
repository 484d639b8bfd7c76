"""One warning for models that learned nothing: a single class, or (nearly) one value."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin

import depscreen
from depscreen.corpus import PostCorpus, PostRecord
from depscreen.evaluate import cross_validate
from depscreen.evaluate.degenerate import CONSTANT_SPREAD, constant_predictions, warning_message
from depscreen.evaluate.metrics import compute_metrics
from depscreen.evaluate.report import degenerate_warnings


class MeanScore(RegressorMixin, BaseEstimator):
    """Predicts the training mean (plus ``jitter`` x the text length): a score model
    that learned nothing when ``jitter`` is 0."""

    def __init__(self, jitter: float = 0.0):
        self.jitter = jitter

    def fit(self, X, y):
        self.mean_ = float(np.mean(np.asarray(y, dtype=float)))
        return self

    def predict(self, X):
        return np.array([self.mean_ + self.jitter * len(x) for x in X], dtype=float)


def _scores(n: int = 60) -> PostCorpus:
    rng = np.random.default_rng(3)
    levels = rng.integers(0, 25, size=n)
    records = [PostRecord(f"p{i}", "word " * int(v + 1), float(v)) for i, v in enumerate(levels)]
    return PostCorpus(records, name="scores")


def test_constant_predictions_is_relative_to_the_spread_of_the_truth():
    truth = np.linspace(0, 24, 50)
    assert "for every item" in constant_predictions(truth, 10.2 + 0.1 * np.sin(truth), numeric=True)
    assert constant_predictions(truth, truth * 0.5 + 3, numeric=True) is None  # shrunk but ranked: it learned
    edge = truth.std() * CONSTANT_SPREAD * 1.5
    assert constant_predictions(truth, 10 + edge * np.sign(np.sin(truth * 7)), numeric=True) is None
    assert constant_predictions(np.full(5, 3.0), np.full(5, 3.0), numeric=True) is None  # no spread to miss
    assert constant_predictions([0, 1, 1], [1, 1, 1]) == "predicts '1' for every item"
    assert constant_predictions([0, 1, 1], [0, 1, 1]) is None


def test_regression_folds_with_one_value_are_flagged_and_warned():
    m = compute_metrics([0.0, 12.0, 24.0, 6.0], [10.0, 10.1, 10.0, 10.1], task="regression")
    assert m.single_class_prediction and any("for every item" in n for n in m.notes)
    assert not compute_metrics([0.0, 12.0, 24.0], [1.0, 13.0, 20.0], task="regression").single_class_prediction
    corpus = _scores()
    flat = cross_validate(MeanScore(), corpus, cv=3, seed=13, task="regression", progress=False)
    learned = cross_validate(MeanScore(jitter=5.0), corpus, cv=3, seed=13, task="regression", progress=False)
    assert flat.single_class_folds == 3 and learned.single_class_folds == 0
    (model, message), = degenerate_warnings([flat, learned])
    assert "(nearly) one value for every item on 3 of 3 folds" in message
    assert "class imbalance" not in message  # a score has no classes to balance


def test_train_warns_for_a_constant_score_model_and_names_the_cause():
    corpus = _scores()
    _, record = depscreen.train(MeanScore(), corpus, dedup=False)
    (warning,) = record.extra["warnings"]
    assert warning.startswith("the model predicts 11.") and "for every training item (truth 0 to 24" in warning
    _, record = depscreen.train(MeanScore(jitter=5.0), corpus, dedup=False)
    assert "warnings" not in record.extra


class Recorded(MeanScore):
    """A model that checks itself while training (``degenerate_``) and must not be re-scored."""

    classes_ = np.array([0, 1])

    def __init__(self, degenerate: bool = True, epochs: int = 2):
        self.degenerate = degenerate
        self.epochs = epochs

    def fit(self, X, y):
        self.degenerate_ = self.degenerate
        return self

    def predict(self, X):
        raise AssertionError("train re-scored a model that records degenerate_")


@pytest.mark.parametrize("degenerate", [True, False])
def test_train_reads_a_recorded_degenerate_flag_instead_of_rescoring(degenerate):
    records = [PostRecord(f"p{i}", f"text {i}", i % 2) for i in range(20)]
    _, record = depscreen.train(Recorded(degenerate=degenerate), PostCorpus(records, name="two"), dedup=False)
    warnings = record.extra.get("warnings", [])
    assert bool(warnings) == degenerate
    if degenerate:
        assert "validation split" in warnings[0] and "too few training epochs (epochs=2)" in warnings[0]


def test_warning_message_names_causes():
    msg = warning_message("x predicted a single class", params={"class_weight": None}, label_counts={"0": 90, "1": 10}, model="x")
    assert "10% of the data" in msg and "--param x:class_weight=balanced" in msg
    assert "Likely cause" not in warning_message("y", params={}, label_counts=None)
