"""Operating points through the API: chosen at train time, stored in the folder, applied
by ``score`` / ``score_file`` after ``load``, overridable per call; old folders and ordered
levels."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from depscreen import api
from depscreen.corpus.synthetic import make_sample_corpus, make_sample_posts
from depscreen.population.operating_point import OperatingPointError, choose_point

PARAMS = {"embedder": None}  # depscreen-default without the sentence encoder: fast, same OOF machinery


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    corpus = make_sample_posts(n=500, seed=3, positive_share=0.3)
    model, record = api.train("depscreen-default", corpus, params=PARAMS, operating_point="sensitivity=0.9")
    folder = api.save(model, tmp_path_factory.mktemp("op") / "model", record)
    return model, record, folder


@pytest.fixture(scope="module")
def held_out():
    return make_sample_posts(n=600, seed=41, positive_share=0.3)


def test_train_chooses_the_point_on_out_of_fold_scores_and_records_it(trained):
    model, record, folder = trained
    point = model.operating_point_
    assert point.spec == "sensitivity=0.9" and point.cases == [1]
    assert point.oof["sensitivity"] >= 0.9
    again = choose_point("sensitivity=0.9", list(model.classes_), model.oof_)
    assert again.threshold == point.threshold
    stored = json.loads((folder / "training.json").read_text())["operating_point"]
    assert stored["spec"] == "sensitivity=0.9" and stored["threshold"] == pytest.approx(point.threshold)


def test_loaded_model_applies_the_stored_point(trained, held_out):
    _, _, folder = trained
    model = api.load(folder)
    assert model.operating_point_.threshold == pytest.approx(trained[0].operating_point_.threshold)
    preds = api.score(model, held_out)
    assert "flagged" in preds.columns and preds.operating_point["spec"] == "sensitivity=0.9"
    p1 = preds.proba[:, list(preds.classes).index(1)]
    assert np.array_equal(preds.flagged, p1 >= model.operating_point_.threshold)
    assert np.array_equal(preds.labels == 1, preds.flagged)


def test_requested_sensitivity_holds_on_held_out_users(trained, held_out):
    """Trained on one synthetic sample, scored on another: the sensitivity asked for is
    met within three standard errors of two binomial proportions of the held-out cases
    (the threshold is estimated on ~150 training cases, the rate measured on ~180)."""
    model = trained[0]
    preds = api.score(model, held_out)
    truth = np.asarray(held_out.labels) == 1
    sensitivity = preds.flagged[truth].mean()
    tol = 3 * math.sqrt(0.9 * 0.1 / truth.sum() + 0.9 * 0.1 / model.operating_point_.oof["n_cases"])
    assert abs(sensitivity - 0.9) <= tol, (sensitivity, tol)


def test_a_point_given_at_scoring_time_overrides_the_stored_one(trained, held_out):
    model = api.load(trained[2])
    preds = api.score(model, held_out, operating_point="specificity=0.95")
    expected = choose_point("specificity=0.95", list(model.classes_), model.oof_)
    assert preds.operating_point["spec"] == "specificity=0.95"
    assert preds.operating_point["threshold"] == pytest.approx(expected.threshold)
    assert expected.threshold != pytest.approx(model.operating_point_.threshold)
    own = api.score(model, held_out, operating_point="model")  # the model's own rule, no point
    assert own.flagged is None and "flagged" not in own.columns
    assert np.array_equal(own.labels, model.predict(held_out.texts))


def test_score_file_writes_the_point_beside_the_predictions(trained, held_out, tmp_path):
    from depscreen.corpus.io import write_jsonl

    src = write_jsonl(held_out, tmp_path / "posts.jsonl")
    summary = api.score_file(api.load(trained[2]), src, tmp_path / "out.csv", operating_point="threshold=0.5")
    meta = json.loads((tmp_path / "out.csv.meta.json").read_text())
    assert meta["operating_point"]["spec"] == "threshold=0.5" and "flagged" in summary["columns"]
    header = (tmp_path / "out.csv").read_text().splitlines()[0].split(",")
    assert header[header.index("predicted") + 1] == "flagged"


def test_bad_and_unreachable_points_fail_clearly(trained, held_out):
    model = trained[0]
    with pytest.raises(OperatingPointError, match="unknown operating point 'sensitvity'"):
        api.score(model, held_out, operating_point="sensitvity=0.9")
    with pytest.raises(OperatingPointError, match="flags no training item"):
        api.score(model, held_out, operating_point="threshold=1.0")
    with pytest.raises(OperatingPointError, match="positive class '1'"):
        api.train("depscreen-default", make_sample_posts(n=60, seed=2), params=PARAMS,
                  operating_point="sensitivity=0.9@0")


def test_folder_saved_before_out_of_fold_scores_says_retrain(trained, held_out, tmp_path):
    import shutil

    from depscreen.population.oof import OOF_ARRAYS, OOF_META

    old = tmp_path / "old"
    shutil.copytree(trained[2], old)
    for name in (OOF_ARRAYS, OOF_META, "manifest.json"):  # what a folder from before looked like
        (old / name).unlink(missing_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unverified folder
        model = api.load(old)
    assert model.oof_ is None
    with pytest.raises(OperatingPointError, match="has none.*retrain it"):
        api.score(model, held_out, operating_point="sensitivity=0.8")
    fixed = api.score(model, held_out, operating_point="threshold=0.4")  # needs no out-of-fold scores
    assert fixed.operating_point["oof"] is None and fixed.flagged is not None


def test_ordered_levels_flag_level_or_above(tmp_path):
    corpus = make_sample_corpus(n_users=80, posts_per_user=(3, 5), seed=5, ordinal=True)
    model, record = api.train("depscreen-default", corpus, params=PARAMS, operating_point="sensitivity=0.8@2")
    folder = api.save(model, tmp_path / "levels", record)
    loaded = api.load(folder)
    point = loaded.operating_point_
    assert point.ordered and point.cases == [2, 3, 4]
    preds = api.score(loaded, corpus)
    at_or_above = preds.proba[:, 2:].sum(axis=1)
    assert np.array_equal(preds.flagged, at_or_above >= point.threshold)
    assert np.all(preds.labels[preds.flagged] >= 2) and np.all(preds.labels[~preds.flagged] < 2)
    with pytest.raises(OperatingPointError, match="name the cases with @LEVEL"):
        api.score(loaded, corpus, operating_point="sensitivity=0.8")
