import numpy as np
import pytest

from depscreen.early.harness import early_cross_validate
from depscreen.early.policies import FixedThreshold
from depscreen.early.report import html_early_report, tradeoff


class RecordingPolicy(FixedThreshold):
    """Remembers which users it was fitted on (a class attribute: clones share it)."""

    fitted_on: list = []

    @property
    def needs_fit(self):
        return True

    def fit(self, streams, y=None):
        RecordingPolicy.fitted_on.append({s.user_id for s in streams})
        self.threshold_ = 0.5
        return self


def test_cross_validation_and_policies_fit_on_training_users_only(en_corpus, tmp_path):
    small_corpus = en_corpus
    RecordingPolicy.fitted_on = []
    res = early_cross_validate("tfidf-lr", small_corpus, ["threshold", RecordingPolicy(), "consecutive:k=2"],
                               params={"class_weight": "balanced"}, cv=3, seed=13)
    assert len(res.folds) == 3 and len(RecordingPolicy.fitted_on) == 3
    ids = [u.user_id for u in small_corpus.users]
    for fold, fitted in zip(res.folds, RecordingPolicy.fitted_on):
        assert fitted and len(fitted) == fold.n_train  # every training user, out of fold
    # test users of a fold never reach the policy fitted in that fold
    from depscreen.evaluate.splits import deduplicate, make_splits

    clean, _ = deduplicate(small_corpus)
    plan = make_splits(clean.labels, cv=3, seed=13)
    for f, fitted in zip(plan.folds, RecordingPolicy.fitted_on):
        assert not fitted & {clean.users[i].user_id for i in f.test}
    assert set(ids) >= {s.user_id for s in res.streams}
    assert len(res.streams) == len(clean)
    m = res.summary["threshold(t=0.5)"]
    assert 0 <= m["erde50"][0] <= 1 and 0 <= m["f_latency"][0] <= 1
    assert res.folds[0].run["mode"] == "incremental"
    payload = res.to_dict()
    assert payload["runner"]["steps_per_second"] > 0
    out = html_early_report(res, tmp_path / "early.html")
    text = out.read_text()
    assert text.count("data:image/png;base64,") == 2 + len(res.decisions)
    assert "not a diagnosis" in text.lower() or "screening" in text.lower()


def test_tradeoff_matches_policy_metrics(en_corpus):
    small_corpus = en_corpus
    res = early_cross_validate("tfidf-lr", small_corpus, ["threshold:t=0.5"], params={"class_weight": "balanced"},
                               cv=3, seed=13)
    curve = tradeoff(res.streams, res.y, thresholds=[0.5])
    assert curve["erde50"][0] == pytest.approx(res.pooled["threshold(t=0.5)"]["erde50"])


def test_refuses_post_corpus_and_multiclass():
    from depscreen.corpus.synthetic import make_sample_corpus, make_sample_posts
    from depscreen.corpus.types import User, UserCorpus

    with pytest.raises(TypeError, match="user-level"):
        early_cross_validate("tfidf-lr", make_sample_posts(n=20, seed=1), cv=2)
    c = make_sample_corpus(n_users=12, seed=1)
    three = UserCorpus([User(u.user_id, i % 3, u.posts) for i, u in enumerate(c.users)])
    with pytest.raises(ValueError, match="binarise"):
        early_cross_validate("tfidf-lr", three, cv=2)
