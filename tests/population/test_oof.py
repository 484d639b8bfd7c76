"""population/oof: the training data's out-of-fold scores, stored beside the weights."""

from __future__ import annotations

import json

import numpy as np
import pytest

from depscreen.models.base import load_model
from depscreen.models.default import DefaultClassifier
from depscreen.population.oof import OOF_ARRAYS, OOF_META, OutOfFold

POSTS = [
    "so tired and sad all the time", "great match today with friends", "i feel empty and hopeless",
    "lovely dinner out tonight", "cannot sleep again, crying", "fun party, great music",
] * 4
LABELS = [1, 0, 1, 0, 1, 0] * 4


def test_round_trip_keeps_indices_and_both_probability_sets(tmp_path):
    rng = np.random.default_rng(0)
    raw = rng.dirichlet([1, 1, 1], 30)
    oof = OutOfFold(classes=np.array([0, 1, 4]), y=rng.integers(0, 3, 30), proba=raw ** 2 / (raw ** 2).sum(1, keepdims=True),
                    raw_proba=raw)
    written = oof.save(tmp_path)
    assert sorted(written) == sorted([OOF_ARRAYS, OOF_META])
    meta = json.loads((tmp_path / OOF_META).read_text())
    assert meta["classes"] == [0, 1, 4] and meta["n"] == 30  # plain Python values, no text labels
    again = OutOfFold.load(tmp_path)
    assert again.classes == [0, 1, 4] and again.y.dtype == np.int64
    np.testing.assert_array_equal(again.y, oof.y)
    np.testing.assert_allclose(again.proba, oof.proba)
    np.testing.assert_allclose(again.raw_proba, raw)
    assert OutOfFold.load(tmp_path / "missing") is None


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="shape"):
        OutOfFold(classes=[0, 1], y=np.array([0, 1]), proba=np.ones((3, 2)) / 2)
    with pytest.raises(ValueError, match="outside"):
        OutOfFold(classes=[0, 1], y=np.array([0, 2]), proba=np.ones((2, 2)) / 2)


def test_default_model_saves_its_oof_and_a_loaded_model_has_it(tmp_path):
    model = DefaultClassifier(embedder=None, Cs=(3.0,)).fit(POSTS, LABELS)
    assert isinstance(model.oof_, OutOfFold) and len(model.oof_) == len(POSTS)
    assert model.oof_.classes == [0, 1]
    np.testing.assert_array_equal(model.oof_.y, LABELS)
    folder = model.save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    assert sorted(config["out_of_fold"]) == sorted([OOF_ARRAYS, OOF_META])
    again = load_model(folder)
    np.testing.assert_allclose(again.oof_.proba, model.oof_.proba)
    # a folder saved before out-of-fold scores were stored loads with oof_ None
    for name in (OOF_ARRAYS, OOF_META, "manifest.json"):
        (folder / name).unlink()
    with pytest.warns(UserWarning):  # unverifiable (no manifest), as such a folder would be
        assert load_model(folder).oof_ is None


def test_saving_a_model_without_oof_over_a_folder_drops_stale_scores(tmp_path):
    from depscreen.models.registry import make_model

    folder = DefaultClassifier(embedder=None, Cs=(3.0,)).fit(POSTS, LABELS).save(tmp_path / "m")
    assert (folder / OOF_ARRAYS).exists()
    make_model("tfidf-lr").fit(POSTS, LABELS).save(folder)
    assert not (folder / OOF_ARRAYS).exists()
    assert load_model(folder).oof_ is None
