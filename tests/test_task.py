"""One task rule for the harness and the models (depscreen/task.py), edge cases included."""

from __future__ import annotations

import numpy as np
import pytest

from depscreen.evaluate.metrics import check_task as harness_check_task
from depscreen.evaluate.metrics import infer_task as harness_infer_task
from depscreen.task import check_task, infer_task


@pytest.mark.parametrize("labels, task", [
    ([0, 1, 1], "binary"),
    ([True, False, True], "binary"),
    ([0.0, 1.0], "binary"),
    ([1, 2, 2], "binary"),
    (["control", "depressed"], "binary"),
    ([0.3, 0.7, 0.3], "regression"),  # non-integral numbers are scores, however few
    ([0, 0.5, 1], "regression"),
    ([12.5, 3.0, 7.25, 0.0], "regression"),
    ([0, 1, 2, 3, 4], "ordinal"),
    ([0.0, 2.0, 4.0], "ordinal"),
    (np.array([0, 1, 2]), "ordinal"),
    (np.array([0.3, 0.7]), "regression"),
    (["joy", "sad", "anger"], "multiclass"),
    ([0, 1, None, 1], "binary"),  # unlabelled samples do not count
])
def test_one_rule_for_harness_and_models(labels, task):
    assert infer_task(labels) == task
    assert harness_infer_task(labels) == task


@pytest.mark.parametrize("labels, message", [
    ([], "no labels"),
    ([None, None], "no labels"),
    ([1, 1, 1], "every sample"),
    ([0, "a", 1], "mixed types"),
    ([0.5, float("nan"), 1.0], "not a finite number"),
])
def test_bad_labels_give_clear_errors(labels, message):
    with pytest.raises(ValueError, match=message):
        infer_task(labels)


def test_explicit_task_is_checked_against_the_labels():
    assert check_task("multiclass", [0, 1, 2]) == "multiclass"
    assert harness_check_task(None, [0.3, 0.7]) == "regression"
    with pytest.raises(ValueError, match="numeric labels"):
        check_task("regression", ["a", "b"])
    with pytest.raises(ValueError, match="3 classes"):
        check_task("binary", [0, 1, 2])
    with pytest.raises(ValueError, match="unknown task"):
        check_task("ranking", [0, 1])


def test_lmilatt_auto_head_follows_the_shared_rule():
    from depscreen.models.mil import LMILAttClassifier

    model = LMILAttClassifier()
    for labels in ([0.3, 0.7, 0.3], [0, 1], [0, 1, 2, 3], ["a", "b", "c"]):
        assert model._resolve_head(np.asarray(labels)) == infer_task(labels)
    assert LMILAttClassifier(head="multiclass")._resolve_head(np.asarray([0, 1, 2])) == "multiclass"
