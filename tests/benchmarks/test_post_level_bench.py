"""benchmarks/post_level.py: the recorded neural models report epochs and prediction
speed through the harness's own path (synthetic posts only)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import _peers  # noqa: E402
import post_level  # noqa: E402


def test_recorded_model_times_the_pass_the_harness_uses():
    """cross_val_oof scores depscreen models through ``_forward`` (their own labels), not
    ``predict_proba``: the throughput column must count those posts, once each."""
    from depscreen.corpus.synthetic import make_sample_posts

    corpus = make_sample_posts(n=160, langs=("en",), seed=4)
    X = list(corpus.texts)
    classes, y = np.unique(np.asarray(corpus.labels), return_inverse=True)
    label = "lstm (tf-idf) [test]"
    cls = post_level.recording(post_level.ARCHS["lstm"], label)
    factories = {label: lambda: cls(preprocessing={"lang": "en"}, top_n=0, max_epochs=2, max_features=200,
                                    hidden_size=8, batch_size=32)}
    folds = _peers.plan_folds(corpus, 2, 1, 13)
    post_level.PRED_TIME.pop(label, None)
    post_level.RECORDS.pop(label, None)
    _peers.cross_val_oof(factories, X, y, folds, ["f1"], classes)

    n_pred, seconds = post_level.PRED_TIME.pop(label)
    records = post_level.RECORDS.pop(label)
    assert n_pred == len(X)  # each test post scored exactly once over the two folds
    assert seconds > 0
    assert len(records) == 2 and all(r["epochs"] >= 1 for r in records)
