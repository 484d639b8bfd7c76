from __future__ import annotations

import math

import numpy as np
import pytest

from depscreen.evaluate.metrics import (
    FoldMetrics,
    check_task,
    compute_metrics,
    infer_task,
    positive_label,
    sum_confusion,
    summarize,
)


def test_infer_task():
    assert infer_task([0, 1, 0]) == "binary"
    assert infer_task(["no", "yes"]) == "binary"
    assert infer_task([0, 1, 2, 3, 4]) == "ordinal"
    assert infer_task([0.0, 1.0, 2.0]) == "ordinal"
    assert infer_task(["joy", "sadness", "anger"]) == "multiclass"
    assert infer_task([0.1, 0.5, 2.3]) == "regression"
    with pytest.raises(ValueError, match="every sample"):
        infer_task([1, 1])
    with pytest.raises(ValueError, match="numeric labels"):
        check_task("ordinal", ["a", "b", "c"])
    assert check_task("multiclass", [0, 1, 2]) == "multiclass"


def test_positive_label():
    assert positive_label([0, 1]) == 1
    assert positive_label([True, False]) is True
    assert positive_label(["control", "depressed"]) == "depressed"


def test_binary_against_hand_computed():
    y_true = [1, 1, 1, 0, 0, 0, 0, 0]
    y_pred = [1, 1, 0, 1, 0, 0, 0, 0]
    proba = np.array([[0.1, 0.9], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7], [0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.65, 0.35]])
    m = compute_metrics(y_true, y_pred, proba=proba, classes=[0, 1], task="binary")
    v = m.values
    # TP=2 FN=1 FP=1 TN=4
    assert v["accuracy"] == pytest.approx(6 / 8)
    assert v["precision"] == pytest.approx(2 / 3)
    assert v["recall"] == pytest.approx(2 / 3)
    assert v["f1"] == pytest.approx(2 / 3)
    f1_neg = 2 * (4 / 5) * (4 / 5) / (8 / 5)
    assert v["f1_macro"] == pytest.approx((2 / 3 + f1_neg) / 2)
    # ranking: positives 0.9, 0.8, 0.4 ; negatives 0.7, 0.1, 0.2, 0.3, 0.35
    # pairs won: 0.9 beats 5, 0.8 beats 5, 0.4 beats 4 -> 14 / 15
    assert v["roc_auc"] == pytest.approx(14 / 15)
    # average precision: ranks 0.9(P) 0.8(P) 0.7(N) 0.4(P) -> (1 + 1 + 3/4) / 3
    assert v["pr_auc"] == pytest.approx((1 + 1 + 0.75) / 3)
    assert m.confusion == [[4, 1], [1, 2]]
    assert not m.single_class_prediction


def test_single_class_truth_gives_nan_not_crash():
    m = compute_metrics([0, 0, 0], [0, 1, 0], proba=[[0.9, 0.1], [0.4, 0.6], [0.8, 0.2]], classes=[0, 1], task="binary")
    assert math.isnan(m.values["roc_auc"]) and math.isnan(m.values["pr_auc"])
    assert math.isnan(m.values["recall"])
    assert m.values["precision"] == 0.0  # predicted a positive that was wrong
    assert m.values["accuracy"] == pytest.approx(2 / 3)
    assert any("single class in the fold's truth" in n for n in m.notes)


def test_single_class_prediction_is_flagged_and_scored_zero():
    m = compute_metrics([1, 0, 1, 0], [0, 0, 0, 0], proba=[[0.6, 0.4]] * 4, classes=[0, 1], task="binary")
    assert m.single_class_prediction
    assert m.values["f1"] == 0.0 and m.values["precision"] == 0.0
    assert m.values["roc_auc"] == pytest.approx(0.5)
    assert m.values["f1_macro"] == pytest.approx((0 + 2 / 3) / 2)


def test_multiclass_macro_and_ovr_auc():
    y_true = ["a", "a", "b", "b", "c", "c"]
    y_pred = ["a", "b", "b", "b", "c", "a"]
    P = np.array(
        [[0.8, 0.1, 0.1], [0.4, 0.5, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.5, 0.1, 0.4]]
    )
    m = compute_metrics(y_true, y_pred, proba=P, classes=["a", "b", "c"], task="multiclass")
    # per class P/R: a: P=1/2 R=1/2; b: P=2/3 R=1; c: P=1 R=1/2
    f = [0.5, 0.8, 2 / 3]
    assert m.values["precision_macro"] == pytest.approx((0.5 + 2 / 3 + 1) / 3)
    assert m.values["recall_macro"] == pytest.approx((0.5 + 1 + 0.5) / 3)
    assert m.values["f1_macro"] == pytest.approx(sum(f) / 3)
    from sklearn.metrics import roc_auc_score

    assert m.values["roc_auc_ovr"] == pytest.approx(roc_auc_score(y_true, P, multi_class="ovr"))
    assert m.confusion == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]


def test_multiclass_auc_skips_absent_class_with_note():
    P = np.array([[0.7, 0.2, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1]])
    m = compute_metrics([0, 1, 0], [0, 1, 0], proba=P, classes=[0, 1, 2], task="multiclass")
    assert m.values["roc_auc_ovr"] == pytest.approx(1.0)
    assert any("2 of 3 classes" in n for n in m.notes)


def test_ordinal_errors_from_labels_and_expected_value():
    y_true = [0, 1, 2, 3, 4]
    y_pred = [0, 2, 2, 1, 4]
    P = np.zeros((5, 5))
    P[np.arange(5), y_pred] = 0.5
    P[:, 0] += 0.5  # half the mass on level 0 -> expected value = pred / 2
    m = compute_metrics(y_true, y_pred, proba=P, classes=[0, 1, 2, 3, 4], task="ordinal")
    assert m.values["mae"] == pytest.approx((0 + 1 + 0 + 2 + 0) / 5)
    assert m.values["rmse"] == pytest.approx(math.sqrt((1 + 4) / 5))
    expected = np.array(y_pred) / 2
    assert m.values["mae_expected"] == pytest.approx(np.mean(np.abs(expected - y_true)))
    assert m.values["rmse_expected"] == pytest.approx(np.sqrt(np.mean((expected - y_true) ** 2)))
    assert "f1_macro" in m.values and "qwk" in m.values


def test_regression():
    m = compute_metrics([1.0, 2.0, 3.0], [1.5, 2.0, 2.0], task="regression")
    assert m.values["mae"] == pytest.approx(0.5)
    assert m.values["rmse"] == pytest.approx(math.sqrt((0.25 + 1) / 3))
    assert m.values["r2"] == pytest.approx(1 - 1.25 / 2)
    c = compute_metrics([2.0, 2.0], [1.0, 3.0], task="regression")
    assert math.isnan(c.values["r2"])


def test_bad_shapes_are_clear():
    with pytest.raises(ValueError, match="y_pred has 2"):
        compute_metrics([0, 1, 0], [0, 1], task="binary")
    with pytest.raises(ValueError, match="proba has shape"):
        compute_metrics([0, 1], [0, 1], proba=[[1.0], [0.0]], classes=[0, 1], task="binary")


def test_summarize_excludes_nan_and_notes_it():
    folds = [
        FoldMetrics({"f1": 0.5, "roc_auc": 0.8}),
        FoldMetrics({"f1": 0.7, "roc_auc": math.nan}),
        FoldMetrics({"f1": 0.9, "roc_auc": 0.6}),
    ]
    summary, notes = summarize(folds)
    assert summary["f1"].mean == pytest.approx(0.7)
    assert summary["f1"].std == pytest.approx(np.std([0.5, 0.7, 0.9], ddof=1))
    assert summary["roc_auc"].mean == pytest.approx(0.7)
    assert summary["roc_auc"].n == 2 and summary["roc_auc"].n_nan == 1
    assert notes == ["roc_auc: undefined on 1 of 3 folds, left out of the mean"]
    assert summary["roc_auc"].to_dict()["n_nan"] == 1
    assert "(1 NaN)" in summary["roc_auc"].format()


def test_sum_confusion():
    a = FoldMetrics({}, [[1, 0], [2, 3]], [0, 1])
    b = FoldMetrics({}, [[4, 1], [0, 1]], [0, 1])
    assert sum_confusion([a, b]) == [[5, 1], [2, 4]]
