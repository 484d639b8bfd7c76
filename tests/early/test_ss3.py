import numpy as np
import pytest

pytest.importorskip("pyss3")

from depscreen.early.harness import early_cross_validate  # noqa: E402
from depscreen.early.runner import run_streams  # noqa: E402
from depscreen.early.ss3 import SS3Classifier  # noqa: E402
from depscreen.models.base import forward  # noqa: E402


def test_ss3_stepper_accumulates_to_the_whole_timeline_score(en_corpus):
    model = SS3Classifier().fit(en_corpus.users, en_corpus.labels)
    run = run_streams(model, en_corpus.users[:4])
    assert run.stepper == "ss3-incremental"
    last = np.array([s.scores[-1] for s in run.streams])
    assert np.allclose(last, forward(model, en_corpus.users[:4]).scores)
    full = run_streams(model, en_corpus.users[:4], mode="recompute")
    assert max(np.abs(a.scores - b.scores).max() for a, b in zip(run.streams, full.streams)) < 1e-9


def test_ss3_in_the_harness_with_its_own_rule(en_corpus):
    res = early_cross_validate(SS3Classifier(), en_corpus, ["ss3"], cv=3)
    assert list(res.summary) == ["threshold(t=0.5, strict)"]
