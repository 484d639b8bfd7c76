"""models/calibrated and train(calibration=...): any classifier calibrated on its out-of-fold scores."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from depscreen.api import load, save, train, training_record
from depscreen.corpus.synthetic import make_sample_posts
from depscreen.evaluate.metrics import expected_calibration_error
from depscreen.models.baselines import TfidfLogReg
from depscreen.models.calibrated import CalibratedModel
from depscreen.models.default import DefaultClassifier
from depscreen.population.calibration import MIN_CLASS_MEMBERS


@pytest.fixture(scope="module")
def skewed():
    """Synthetic posts with about 1 case in 6: far from balanced."""
    posts = make_sample_posts(n=600, langs=("en",), seed=4)
    cases = [r for r in posts.records if r.label == 1]
    others = [r for r in posts.records if r.label == 0]
    keep = others + cases[: max(len(others) // 5, MIN_CLASS_MEMBERS + 1)]
    return type(posts)(keep, name="skewed")


def _split(corpus, seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(corpus))
    cut = len(idx) // 2
    texts, labels = np.asarray(corpus.texts, dtype=object), np.asarray(corpus.labels)
    return (list(texts[idx[:cut]]), labels[idx[:cut]]), (list(texts[idx[cut:]]), labels[idx[cut:]])


def test_wrapper_lowers_ece_of_a_balanced_model_on_a_skewed_set(skewed):
    (X, y), (Xt, yt) = _split(skewed)
    plain = TfidfLogReg(class_weight="balanced").fit(X, y)
    wrapped = CalibratedModel(TfidfLogReg(class_weight="balanced"), method="sigmoid", cv=5).fit(X, y)
    raw_ece = expected_calibration_error(plain.predict_proba(Xt)[:, 1], yt == 1)
    cal_ece = expected_calibration_error(wrapped.predict_proba(Xt)[:, 1], yt == 1)
    assert cal_ece < raw_ece
    assert wrapped.oof_.raw_proba is not None and len(wrapped.oof_) == len(X)
    assert wrapped.decision_["rule"] == "threshold"  # chosen on the calibrated out-of-fold scores
    np.testing.assert_array_equal(wrapped.predict(Xt), wrapped.decide(wrapped.predict_proba(Xt)))


def test_train_calibration_wraps_or_sets_and_records(skewed, tmp_path):
    model, record = train("tfidf-lr", skewed, calibration="sigmoid")
    assert isinstance(model, CalibratedModel) and record.model == "calibrated"
    assert record.extra["calibration"] == {"method": "sigmoid", "calibrated": True, "estimator": "tfidf-lr"}
    folder = save(model, tmp_path / "w", record)
    again = load(folder)
    np.testing.assert_allclose(again.predict_proba(skewed.texts[:20]), model.predict_proba(skewed.texts[:20]))
    assert training_record(folder).extra["calibration"]["method"] == "sigmoid"
    own, rec = train("depscreen-default", skewed, params={"embedder": None, "Cs": (3.0,)}, calibration="none")
    assert isinstance(own, DefaultClassifier) and own.calibration is None and own.calibrator_ is None
    assert rec.extra["calibration"]["calibrated"] is False
    with pytest.raises(ValueError, match="calibration must be one of"):
        train("tfidf-lr", skewed, calibration="platt")


def test_too_few_members_fall_back_and_the_record_says_so(skewed):
    few = [r for r in skewed.records if r.label == 1][: MIN_CLASS_MEMBERS - 1]
    thin = type(skewed)([r for r in skewed.records if r.label == 0][:80] + few)
    model, record = train("depscreen-default", thin, params={"embedder": None, "Cs": (3.0,)})
    assert model.calibrator_ is None
    assert "left uncalibrated" in record.extra["calibration"]["note"]
    wrapped, record = train("tfidf-lr", thin, calibration="auto")
    assert wrapped.calibrator_ is None and "left uncalibrated" in record.extra["calibration"]["note"]
    assert wrapped.predict_proba(thin.texts[:3]).shape == (3, 2)


def test_old_default_folder_loads_uncalibrated_with_a_warning(skewed, tmp_path):
    model = DefaultClassifier(embedder=None, Cs=(3.0,)).fit(skewed.texts, skewed.labels)
    assert model.calibration_ == "sigmoid" and model.calibrator_ is not None
    folder = model.save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    assert config["fitted"]["calibration"]["state"]["method"] == "sigmoid"
    del config["fitted"]["calibration"]  # as saved before calibration existed
    (folder / "config.json").write_text(json.dumps(config))
    for name in ("manifest.json", "out_of_fold.json", "out_of_fold.safetensors"):
        (folder / name).unlink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = load(folder)
    assert any("uncalibrated" in str(w.message) for w in caught)
    assert old.calibrator_ is None and "uncalibrated" in old.calibration_note_ and old.oof_ is None
    raw = model.predict_proba(skewed.texts[:10])
    assert not np.allclose(old.predict_proba(skewed.texts[:10]), raw)  # the raw, balanced probabilities


def test_cli_train_calibration(skewed, tmp_path):
    from typer.testing import CliRunner

    import depscreen.cli.evaluate  # noqa: F401  (registers train on the app)
    from depscreen.cli import app
    from depscreen.corpus.io import write_jsonl

    data = write_jsonl(skewed, tmp_path / "posts.jsonl")
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["train", "--data", str(data), "--out", str(out), "--model", "tfidf-lr",
                                      "--calibration", "sigmoid"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "calibrated on out-of-fold training scores (sigmoid)" in result.output
    assert training_record(out).model == "calibrated"
    bad = CliRunner().invoke(app, ["train", "--data", str(data), "--out", str(tmp_path / "x"), "--calibration",
                                   "platt"], terminal_width=200)
    assert bad.exit_code != 0 and "calibration must be one of" in bad.output and "Traceback" not in bad.output


def test_default_calibrated_whatever_the_class_weights(skewed):
    """Balanced weights push raw P(case) toward one half; calibrated, both fits give the
    training population's share of cases (out of fold)."""
    y = np.asarray(skewed.labels)
    share = y.mean()
    for weights in ("balanced", None):
        model = DefaultClassifier(embedder=None, Cs=(3.0,), class_weight=weights).fit(skewed.texts, y)
        assert abs(model.oof_.proba[:, 1].mean() - share) < 0.03
        if weights == "balanced":
            assert model.oof_.raw_proba[:, 1].mean() > share + 0.05
            raw_ece = expected_calibration_error(model.oof_.raw_proba[:, 1], y == 1)
            assert expected_calibration_error(model.oof_.proba[:, 1], y == 1) < raw_ece
