from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from depscreen.corpus import Post, User, UserCorpus
from depscreen.evaluate import Comparison, CVResult, compare, cross_validate
from depscreen.models.baselines import MajorityBaseline, TfidfLogReg


class UserOnly(ClassifierMixin, BaseEstimator):
    """A user-level model that records what it was given."""

    input_level = "user"

    def fit(self, X, y):
        assert all(isinstance(x, User) for x in X)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_tfidf_beats_majority_on_posts(post_corpus):
    comp = compare(["majority", "tfidf-lr"], post_corpus, cv=4, seed=13, progress=False)
    assert isinstance(comp, Comparison) and comp.models == ["majority", "tfidf-lr"]
    tf, maj = comp["tfidf-lr"], comp["majority"]
    assert tf.mean("f1_macro") > maj.mean("f1_macro") + 0.3
    assert tf.mean("roc_auc") > 0.85
    assert maj.mean("roc_auc") == pytest.approx(0.5)
    assert maj.single_class_folds == 4 and tf.single_class_folds == 0
    # same folds for both models
    assert [f.n_test for f in tf.folds] == [f.n_test for f in maj.folds]
    assert tf.split is maj.split


def test_user_level_cv_records_everything(user_corpus):
    res = cross_validate("tfidf-lr", user_corpus, cv=3, repeats=2, seed=5, progress=False)
    assert isinstance(res, CVResult)
    assert res.task == "binary" and res.seed == 5 and len(res.folds) == 6
    assert res.corpus["level"] == "user" and res.corpus["n_items"] == 60
    assert res.mean("f1") > 0.8
    d = res.to_dict()
    json.dumps(d)  # JSON-able
    assert d["seed"] == 5 and d["cv"] == 3 and d["repeats"] == 2
    assert len(d["fold_sizes"]) == 6
    assert all(fs["train"] + fs["test"] == 60 for fs in d["fold_sizes"])
    assert set(d["metrics"]["f1"]) == {"mean", "std", "n", "n_nan"}
    assert d["dedup"]["applied"] and d["dedup"]["posts_before"] >= d["dedup"]["posts_after"]
    assert d["timings"]["fit_seconds_mean"] > 0 and d["timings"]["predict_items_per_second"] > 0
    assert d["params"]["C"] == 1.0 and d["model"] == "tfidf-lr"
    assert "not a diagnosis" in d["disclaimer"]
    assert len(d["folds"][0]["confusion_matrix"]) == 2


def test_same_seed_same_numbers(post_corpus):
    a = cross_validate("tfidf-lr", post_corpus, cv=3, seed=1, progress=False)
    b = cross_validate("tfidf-lr", post_corpus, cv=3, seed=1, progress=False)
    assert a.fold_values("f1") == b.fold_values("f1")


def test_dedup_counts_reach_the_result(make_posts):
    corpus = make_posts(n=60, seed=2)
    corpus.items += [corpus[0], corpus[1], corpus[1]]  # three exact copies
    res = cross_validate("majority", corpus, cv=3, progress=False)
    assert res.dedup.duplicates_removed == 3 and res.corpus["n_items"] == 60
    off = cross_validate("majority", corpus, cv=3, progress=False, dedup=False)
    assert not off.dedup.applied and off.corpus["n_items"] == 63


def test_estimator_is_cloned_and_params_applied(post_corpus):
    est = TfidfLogReg(C=0.5)
    res = cross_validate(est, post_corpus, cv=3, progress=False, params={"class_weight": "balanced"})
    assert not hasattr(est, "classifier_")  # the caller's estimator stays unfitted
    assert est.class_weight is None
    assert res.params["class_weight"] == "balanced" and res.params["C"] == 0.5
    assert res.model == "tfidf-lr"


def test_plain_sklearn_pipeline_on_posts(post_corpus):
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression())
    res = cross_validate(("sk-pipe", pipe), post_corpus, cv=3, progress=False)
    assert res.model == "sk-pipe" and res.mean("accuracy") > 0.8


def test_user_model_refuses_post_corpus(post_corpus, user_corpus):
    with pytest.raises(ValueError, match="input_level='user'.*post-level"):
        cross_validate(UserOnly(), post_corpus, cv=3, progress=False)
    res = cross_validate(UserOnly(), user_corpus, cv=3, progress=False)
    assert res.single_class_folds == 3
    assert any("single class on 3 of 3" in n for n in res.notes)
    assert math.isnan(res.mean("roc_auc"))  # no predict_proba


def test_multiclass_and_ordinal(make_users):
    users = make_users(n_users=45, seed=4, labels=(0, 1, 2))
    res = cross_validate("tfidf-lr", users, cv=3, progress=False)
    assert res.task == "ordinal"
    for m in ("mae", "rmse", "mae_expected", "rmse_expected", "f1_macro", "roc_auc_ovr"):
        assert not math.isnan(res.mean(m))
    maj = cross_validate("majority", users, cv=3, progress=False)
    assert res.mean("mae") < maj.mean("mae")
    names = make_users(n_users=30, seed=4, labels=("low", "mid", "high"))
    mc = cross_validate("majority", names, cv=3, progress=False)
    assert mc.task == "multiclass" and "mae" not in mc.summary
    with pytest.raises(KeyError, match="not measured"):
        mc.mean("mae")
    forced = cross_validate("majority", users, cv=3, progress=False, task="multiclass")
    assert "mae" not in forced.summary


def test_errors_are_clear(post_corpus):
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        cross_validate("nope", post_corpus, progress=False)
    post_corpus[0].label = None
    with pytest.raises(ValueError, match="1 of 120 records have no label"):
        cross_validate("majority", post_corpus, progress=False)


def test_compare_rejects_duplicate_labels_and_stray_params(post_corpus):
    with pytest.raises(ValueError, match="unique"):
        compare(["majority", "majority"], post_corpus, progress=False)
    with pytest.raises(ValueError, match="not compared"):
        compare(["majority"], post_corpus, progress=False, params={"tfidf-lr": {"C": 2}})
    comp = compare(
        ["majority", ("lr-char", TfidfLogReg(analyzer="char"))], post_corpus, cv=3, progress=False,
        params={"lr-char": {"char_ngram_max": 4}},
    )
    assert comp["lr-char"].params["char_ngram_max"] == 4


def test_tiny_class_reduces_folds_in_cv():
    users = [User(f"u{i}", int(i < 3), [Post(f"post {i} {'sad' if i < 3 else 'fun'}")]) for i in range(15)]
    with pytest.warns(UserWarning, match="reduced cv"):
        res = cross_validate("majority", UserCorpus(users), cv=5, progress=False)
    assert res.split.n_splits == 3 and any("reduced cv" in n for n in res.notes)


def test_progress_bar_runs(post_corpus):
    res = cross_validate(MajorityBaseline(), post_corpus, cv=2, progress=True)
    assert len(res.folds) == 2
