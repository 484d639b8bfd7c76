import numpy as np
import pytest

from depscreen.corpus.types import Post, User
from depscreen.early.runner import (
    LinearTfidfStepper,
    PostAggregateStepper,
    RecomputeStepper,
    make_stepper,
    run_streams,
)
from depscreen.models.base import forward
from depscreen.models.baselines import MajorityBaseline, TfidfLogReg
from depscreen.models.default import DefaultClassifier


def _max_gap(a, b):
    return max(float(np.abs(x.scores - y.scores).max()) for x, y in zip(a.streams, b.streams))


@pytest.mark.parametrize("model", [
    TfidfLogReg(),
    TfidfLogReg(analyzer="both", word_ngram_max=3, class_weight="balanced"),
    DefaultClassifier(embedder=None, Cs=(3.0,)),
])
def test_incremental_equals_the_models_own_score_on_each_prefix(small_corpus, model):
    users = small_corpus.users
    model.fit(users, small_corpus.labels)
    inc = run_streams(model, users[:5])
    assert inc.mode == "incremental" and isinstance(make_stepper(model), LinearTfidfStepper)
    full = run_streams(model, users[:5], mode="recompute")
    assert full.mode == "recompute"
    assert _max_gap(inc, full) < 1e-5
    # and the last step is the model's score on the whole timeline
    last = np.array([s.scores[-1] for s in inc.streams])
    assert np.allclose(last, forward(model, users[:5]).scores, atol=1e-5)


@pytest.mark.parametrize("char", ["char_wb", "char"])
def test_a_scikit_learn_tfidf_pipeline_steps_like_its_own_score(small_corpus, char):
    """The peers' "ten lines of scikit-learn" (word 1-2 + character TF-IDF, each block
    normalised on its own, + LR on users' posts joined by newlines) step incrementally,
    with the pipeline's own probability on every prefix."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    users = small_corpus.users
    docs = ["\n".join(u.texts) for u in users]
    grams = (2, 5) if char == "char_wb" else (1, 4)
    pipe = make_pipeline(
        make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                   TfidfVectorizer(analyzer=char, ngram_range=grams, sublinear_tf=True)),
        LogisticRegression(C=10, class_weight="balanced", max_iter=2000),
    ).fit(docs, small_corpus.labels)
    stepper = LinearTfidfStepper.from_pipeline(pipe)
    for user in users[:4]:
        state = stepper.init(user)
        for n, post in enumerate(user.posts, start=1):
            score = stepper.advance([state], [[post]])[0]
            expected = pipe.predict_proba(["\n".join(user.texts[:n])])[0, 1]
            assert score == pytest.approx(expected, abs=1e-6)


def test_from_pipeline_refuses_what_it_cannot_step(small_corpus):
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    docs = ["\n".join(u.texts) for u in small_corpus.users]
    counts = make_pipeline(CountVectorizer(), LogisticRegression()).fit(docs, small_corpus.labels)
    with pytest.raises(TypeError, match="TfidfVectorizer"):
        LinearTfidfStepper.from_pipeline(counts)


def test_chinese_char_ngrams_and_whitespace_at_joins(small_corpus):
    zh = [u for u in small_corpus.users if u.meta.get("lang") == "zh"]
    zh = [User(u.user_id, u.label, [Post(p.text) for p in u.posts]) for u in zh]
    zh[0].posts[1].text = "  " + zh[0].posts[1].text + " \n"
    zh[0].posts[2].text = ""
    model = DefaultClassifier(embedder=None, min_df=1).fit(zh, [u.label for u in zh])
    assert model.zh_  # plain char n-grams over the joined document
    a = run_streams(model, zh[:3], step=2)
    b = run_streams(model, zh[:3], step=2, mode="recompute")
    assert _max_gap(a, b) < 1e-5
    assert a.streams[0].seen[:2].tolist() == [2, 4]


def test_post_level_model_with_aggregator(small_corpus):
    texts = [p.text for u in small_corpus.users for p in u.posts]
    labels = [int(p.label == 1) for u in small_corpus.users for p in u.posts]
    model = TfidfLogReg(class_weight="balanced").fit(texts, labels)
    user = small_corpus.users[0]
    for agg in ("mean", "max"):
        run = run_streams(model, [user], aggregate=agg)
        post_scores = forward(model, user.texts).scores
        expected = np.cumsum(post_scores) / np.arange(1, len(post_scores) + 1) if agg == "mean" \
            else np.maximum.accumulate(post_scores)
        assert np.allclose(run.streams[0].scores, expected)
    assert isinstance(make_stepper(model, aggregate="max"), PostAggregateStepper)


def test_fallback_for_other_models_and_limits(small_corpus):
    model = MajorityBaseline().fit(small_corpus.users, small_corpus.labels)
    assert isinstance(make_stepper(model), RecomputeStepper)
    with pytest.raises(ValueError, match="no incremental stepper"):
        make_stepper(model, "incremental")
    run = run_streams(model, small_corpus.users[:4], max_posts=3)
    assert all(len(s) <= 3 for s in run.streams)
    assert run.user_steps == sum(len(s) for s in run.streams)
    assert run.timing()["mode"] == "recompute"
    with pytest.raises(ValueError, match="step"):
        run_streams(model, small_corpus.users[:1], step=0)


class _HashEmbedder:
    """A deterministic stand-in for a sentence embedder (no model download)."""

    dim = 16

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, hash(w) % self.dim] += 1.0
        return out


def test_stacked_default_model_keeps_a_running_mean_of_post_vectors(en_corpus):
    model = DefaultClassifier(embedder="use", Cs=(3.0,), embed_Cs=(1.0,))
    model._embedder_obj = _HashEmbedder()
    model.fit(en_corpus.users, en_corpus.labels)
    assert getattr(model, "stacked_", None) or getattr(model, "meta_lr_", None) is not None
    stepper = make_stepper(model)
    assert stepper.name == "tfidf-incremental+embedding-mean"
    a = run_streams(model, en_corpus.users[:4])
    b = run_streams(model, en_corpus.users[:4], mode="recompute")
    assert _max_gap(a, b) < 1e-4


@pytest.mark.parametrize("params", [
    {"pooling": "attention", "max_posts": 6},  # past 6 posts: the 'recent' window, recomputed
    {"pooling": "attention+mean", "skip_embedding": True},
    {"pooling": "gated", "long_timeline": "chunks", "max_posts": 4},  # LSTM restarted every 4 posts
])
def test_lmilatt_steps_incrementally_with_the_same_scores(short_corpus, params):
    from depscreen.early.mil_stepper import MILStepper
    from depscreen.models.registry import make_model

    model = make_model("lmilatt", embedder="tfidf-svd", epochs=2, ae_epochs=1, hidden_size=16, attention_size=8,
                       **params)
    model.fit(short_corpus.users, short_corpus.labels)
    assert isinstance(make_stepper(model), MILStepper)
    users = short_corpus.users[:3]
    a = run_streams(model, users, max_posts=14)
    b = run_streams(model, users, max_posts=14, mode="recompute")
    assert a.mode == "incremental" and b.mode == "recompute"
    assert _max_gap(a, b) < 1e-5
    assert max(float(np.ptp(s.scores)) for s in a.streams) > 0  # the scores move: not a constant


def test_lmilatt_max_pooling_falls_back_to_recompute(short_corpus):
    from depscreen.models.registry import make_model

    model = make_model("mil-max", embedder="tfidf-svd", epochs=1, ae_epochs=1, hidden_size=16)
    model.fit(short_corpus.users, short_corpus.labels)
    assert isinstance(make_stepper(model), RecomputeStepper)
