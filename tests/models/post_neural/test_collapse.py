"""The retry after a collapse alone (``depscreen.models.post_neural.collapse``): the
retry's settings, the warning's wording, and which run is kept."""

import pytest

from depscreen.models.post_neural.collapse import (
    RETRY_EPOCH_FACTOR,
    RETRY_LR_FACTOR,
    RETRY_MORE_EPOCHS,
    DegenerateModelWarning,
    collapse_message,
    resolve_collapse,
    retry_plan,
)
from depscreen.models.post_neural.training import TrainingRun


def _run(*, epochs_run=10, max_epochs=10, best_epoch=9, degenerate=True, class_weight=None, lr=0.01):
    history = [{"epoch": e, "train_loss": 1.0 - 0.01 * e} for e in range(epochs_run)]
    return TrainingRun(network=None, trainer=None, checkpoint=None, history=history, best_epoch=best_epoch,
                       class_weight=None, class_weight_spec=class_weight, lr=lr, max_epochs=max_epochs,
                       n_pretrained_rows=0, degenerate=degenerate, predicted_class=0,
                       checked_on="validation", n_checked=25)


def test_a_run_still_improving_gets_more_epochs_else_a_lower_rate():
    improving = _run()
    assert improving.still_improving
    assert retry_plan(improving) == ("balanced", 0.01, 10 * RETRY_MORE_EPOCHS)
    stalled = _run(epochs_run=6, best_epoch=2, class_weight={"1": 4.0})
    assert not stalled.still_improving
    assert retry_plan(stalled) == ({"1": 4.0}, 0.01 * RETRY_LR_FACTOR, 10 * RETRY_EPOCH_FACTOR)


def test_the_warning_names_the_cause_and_what_happens_next():
    text = collapse_message(_run(), ("balanced", 0.01, 30), "CNNClassifier (cnn, input=tfidf)")
    assert text.startswith("CNNClassifier (cnn, input=tfidf) predicts one class (0) for all 25 validation posts")
    assert "unweighted loss" in text and "too few updates" in text
    assert "retraining once with class_weight='balanced', lr=0.01, max_epochs=30" in text
    stalled = collapse_message(_run(best_epoch=2, class_weight="balanced"), None, "LSTMClassifier")
    assert "learning rate too high" in stalled and "unweighted" not in stalled
    assert stalled.endswith("Now keeping it (on_degenerate='warn').")


def test_a_retry_that_does_not_collapse_is_kept_and_recorded():
    first, second, plans = _run(), _run(degenerate=False, max_epochs=30), []
    with pytest.warns(DegenerateModelWarning, match="has collapsed"):
        kept, fallback = resolve_collapse(first, ("balanced", 0.01, 30), lambda plan: plans.append(plan) or second,
                                          who="LSTMClassifier (lstm, input=tfidf)", name="LSTMClassifier")
    assert kept is second and plans == [("balanced", 0.01, 30)]
    assert fallback["kept"] == "retry" and fallback["first"]["degenerate"] and fallback["retry"]["max_epochs"] == 30


def test_without_a_plan_the_first_run_is_kept_after_the_warning():
    first = _run()
    with pytest.warns(DegenerateModelWarning, match="keeping it"):
        kept, fallback = resolve_collapse(first, None, lambda plan: pytest.fail("no retry"), who="m", name="m")
    assert kept is first and fallback == {"first": first.summary(), "kept": "first"}
