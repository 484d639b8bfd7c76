"""The TF-IDF stepper (``depscreen.models.tfidf_stepper``): early detection's score after
every post equals the model's own score on the timeline read so far."""

import numpy as np
import pytest

from depscreen.corpus.synthetic import make_sample_corpus
from depscreen.corpus.types import Post, User
from depscreen.early.runner import make_stepper, run_streams
from depscreen.models.base import forward
from depscreen.models.baselines import TfidfLogReg
from depscreen.models.default import DefaultClassifier
from depscreen.models.stepping import Stepper
from depscreen.models.tfidf_stepper import LinearTfidfStepper


@pytest.fixture(scope="module")
def small_corpus():
    return make_sample_corpus(n_users=24, seed=3)


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
    assert isinstance(model.stepper(), LinearTfidfStepper) and isinstance(model.stepper(), Stepper)
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
