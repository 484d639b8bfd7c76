import json
import random

import numpy as np
import pytest
from sklearn.base import clone

from depscreen.corpus import Post, User, UserCorpus
from depscreen.lexicon.lexicon import Lexicon
from depscreen.models.base import load_model
from depscreen.models.feature_models import FeatureClassifier, LexiconLogReg, LogRegFeatures
from depscreen.models.registry import make_model, model_class

DEP = ["hopeless", "crying", "worthless", "empty", "exhausted"]
CTL = ["football", "picnic", "concert", "barbecue", "holiday"]
DEP_CONTEXTS = ["i feel {w} tonight", "so {w} and alone again", "another {w} night awake",
                "{w} and tired of everything"]
CTL_CONTEXTS = ["great {w} with friends", "the {w} this weekend was fun",
                "lovely {w} in the sun", "{w} with the team today"]
FAST = dict(
    vector_size=16, w2v_epochs=30, w2v_min_count=1, n_keywords=10, lexicon_n_seeds=4,
    lexicon_tc=0.3, lexicon_seed_min_df=2, lang="en",
)


FILLERS = [f"{a}{b}" for a in ("ka", "lo", "mi", "ne", "su", "to") for b in ("ra", "vi", "po", "de", "gu")]


def make_users(n=24, seed=0, unique=False):
    rng = random.Random(seed)
    users = []
    for i in range(n):
        label = int(i % 2 == 0)
        words = DEP if label else CTL
        posts = []
        for k in range(rng.randint(20, 28)):
            own = rng.random() < 0.75
            w = rng.choice(words) if own else rng.choice(CTL if label else DEP)
            text = rng.choice(DEP_CONTEXTS if w in DEP else CTL_CONTEXTS).format(w=w)
            if unique:  # distinct texts survive the harness's duplicate removal
                text += " " + " ".join(rng.sample(FILLERS, 3))
            posts.append(Post(text, f"2021-05-{1 + k % 28:02d}T{rng.randint(0, 23):02d}:00:00"))
        users.append(User(f"u{i}", label, posts))
    return UserCorpus(users)


@pytest.fixture(scope="module")
def corpus():
    return make_users()


def test_registry_names_map_to_variants_with_right_defaults():
    for name, clf, lex in [("nb", "nb", False), ("svm", "svm", False), ("l-dt", "dt", True), ("l-lr", "lr", True)]:
        params = make_model(name).get_params()
        assert (params["classifier"], params["use_lexicon"]) == (clf, lex)
        assert issubclass(model_class(name), FeatureClassifier)
    cloned = clone(LexiconLogReg(vector_size=8))
    assert cloned.get_params()["use_lexicon"] is True and cloned.vector_size == 8
    assert make_model("l-rf", use_lexicon=False).use_lexicon is False
    assert FeatureClassifier.input_level == "user"
    assert isinstance(FeatureClassifier.demo_params, dict)


@pytest.mark.parametrize("classifier", ["nb", "dt", "lr", "rf", "svm"])
def test_each_classifier_fits_and_predicts(corpus, classifier):
    users, y = corpus.users, corpus.labels
    model = FeatureClassifier(classifier, **FAST).fit(users[:16], y[:16])
    proba = model.predict_proba(users[16:])
    assert proba.shape == (8, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(users[16:])) <= {0, 1}
    assert model.lexicon_ is None
    assert not any(n.startswith("lexicon:") for n in model.feature_names_out_)


def test_l_variant_builds_lexicon_from_training_fold_only(corpus):
    users, y = list(corpus.users), corpus.labels
    # a word that only test users write must not enter the lexicon
    test_users = make_users(n=6, seed=5).users
    for u in test_users:
        u.posts.append(Post("i feel zzzleak tonight"))
    model = make_model("l-lr", **FAST).fit(users, y)
    lex = model.lexicon_
    assert isinstance(lex, Lexicon) and len(lex) > 4
    assert "zzzleak" not in lex
    # the lexicon learnt the planted words of each side
    dep_found = set(DEP) & lex.depressive
    ctl_found = set(CTL) & lex.non_depressive
    assert dep_found and ctl_found
    assert not (set(DEP) & lex.non_depressive) and not (set(CTL) & lex.depressive)
    names = model.feature_names_out_
    j = names.index("lexicon:dep_count")
    F = model.transform(users)
    dep_users = [i for i, label in enumerate(y) if label == 1]
    ctl_users = [i for i, label in enumerate(y) if label == 0]
    assert F[dep_users, j].mean() > F[ctl_users, j].mean()
    explained = model.explain(users[:2])
    assert explained[0]["prediction"] == 1 and "top_features" in explained[0]
    assert set(explained[0]["depressive_lexicon_words"]) <= lex.depressive
    # the posts holding most depressive lexicon words, by index into user.posts
    top = explained[0]["top_posts"]
    assert top and [t["weight"] for t in top] == sorted((t["weight"] for t in top), reverse=True)
    for t in top:
        words = users[0].posts[t["index"]].text.split()
        assert sum(w in lex.depressive for w in words) == t["weight"]
    assert check_explanation(json.loads(json.dumps(explained[0]))) == []


def test_l_variant_uses_a_lexicon_file_instead_of_building(corpus, tmp_path):
    path = Lexicon.from_pairs([("hopeless", 1), ("picnic", 0)]).to_csv(tmp_path / "lex.csv")
    model = LexiconLogReg(lexicon=str(path), build_lexicon_on_fit=False, **FAST)
    model.fit(corpus.users, corpus.labels)
    assert model.lexicon_.as_dict() == {"hopeless": 1, "picnic": 0}
    F = model.transform(corpus.users)
    j = model.feature_names_out_.index("lexicon:dep_count")
    expected = [sum(p.text.split().count("hopeless") for p in u.posts) for u in corpus.users]
    assert F[:, j].tolist() == expected
    with pytest.raises(ValueError, match="lexicon file"):
        LexiconLogReg(build_lexicon_on_fit=False, **FAST).fit(corpus.users, corpus.labels)


@pytest.mark.parametrize("name", ["nb", "dt", "rf", "lr", "l-svm"])
def test_save_load_round_trip_without_pickle(corpus, tmp_path, name):
    users, y = corpus.users, corpus.labels
    model = make_model(name, **FAST).fit(users[:16], y[:16])
    folder = model.save(tmp_path / name)
    files = sorted(p.name for p in folder.iterdir())
    assert "config.json" in files and "estimator.skops" in files and "style_vectors.bin" in files
    assert ("lexicon.csv" in files) == (name == "l-svm")
    assert not any(f.endswith((".pkl", ".pickle", ".joblib")) for f in files)
    loaded = load_model(folder)
    assert type(loaded) is type(model)
    a, b = model._forward(users[16:], explain=True), loaded._forward(users[16:], explain=True)
    np.testing.assert_array_equal(a.predictions, b.predictions)
    np.testing.assert_array_equal(a.proba, b.proba)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert a.explanations == b.explanations
    assert loaded.feature_names_out_ == model.feature_names_out_


def test_errors_are_clear(corpus):
    with pytest.raises(ValueError, match="unknown classifier"):
        FeatureClassifier("knn", **FAST).fit(corpus.users, corpus.labels)
    with pytest.raises(ValueError, match="two classes"):
        LogRegFeatures(**FAST).fit(corpus.users[:4], [1, 1, 1, 1])
    with pytest.raises(Exception, match="not fitted"):
        LogRegFeatures().predict(corpus.users)
    with pytest.raises(ValueError, match="name the depressed labels"):
        LexiconLogReg(**FAST).fit(corpus.users, ["a", "b", "c"] * 8)


def test_models_on_the_same_fold_share_vectors_and_lexicon(corpus):
    users, y = corpus.users, corpus.labels
    a = make_model("l-lr", **FAST).fit(users[:20], y[:20])
    b = make_model("l-rf", **FAST).fit(users[:20], y[:20])
    style = lambda m: dict(m.features_.transformers_)["style"].vectors_  # noqa: E731
    assert style(a) is style(b)
    assert a.lexicon_ is b.lexicon_
    c = make_model("l-lr", **FAST).fit(users[2:22], y[2:22])  # another training set
    assert style(c) is not style(a)


def test_runs_through_the_evaluation_harness():
    from depscreen.evaluate import compare

    users = make_users(n=30, seed=3, unique=True)
    comp = compare([("lr", make_model("lr", **FAST)), ("l-lr", make_model("l-lr", **FAST))],
                   users, cv=3, seed=13, progress=False)
    assert comp.models == ["lr", "l-lr"]
    for r in comp.results:
        assert len(r.folds) == 3 and 0.0 <= r.mean("roc_auc") <= 1.0
    # planted words make the L- variant's lexicon features informative on this sample
    assert comp["l-lr"].mean("roc_auc") > 0.7


# ------------------------------------------------------------------ one forward pass
import json  # noqa: E402

from depscreen.explanation_schema import check_explanation  # noqa: E402
from depscreen.models.base import Forward, forward  # noqa: E402

ATTRIBUTION = {"nb": "log-likelihood", "dt": "tree-path", "lr": "linear", "rf": "tree-path",
               "svm": "occlusion"}


@pytest.mark.parametrize("classifier", ["nb", "dt", "lr", "rf", "svm"])
def test_forward_is_one_pass_and_the_wrappers_read_from_it(corpus, classifier, monkeypatch):
    users, y = corpus.users, corpus.labels
    model = FeatureClassifier(classifier, **FAST).fit(users[:16], y[:16])
    test = users[16:]
    old_predict = model.estimator_.predict(model.transform(test))  # scikit-learn's own labels
    calls = []
    transform = model.features_.transform
    monkeypatch.setattr(model.features_, "transform", lambda u: calls.append(1) or transform(u))
    out = forward(model, test, explain=True, top_k=3)
    assert isinstance(out, Forward) and len(calls) == 1  # features computed once
    np.testing.assert_array_equal(out.predictions, old_predict)
    np.testing.assert_array_equal(out.predictions, model.predict(test))
    np.testing.assert_array_equal(out.proba, model.predict_proba(test))
    np.testing.assert_array_equal(out.scores, out.proba[:, 1])
    assert out.explanations == model.explain(test, top_k=3)
    assert model._forward(test).explanations is None
    for e, p, s in zip(out.explanations, out.predictions, out.scores):
        assert e["prediction"] == p and e["score"] == s
        assert not {"predicted", "proba", "user_id"} & set(e)
        assert e["attribution"] == ATTRIBUTION[classifier]
        assert len(e["top_features"]) <= 3
        assert all(f["contribution"] > 0 for f in e["top_features"])
        assert "top_posts" not in e  # no lexicon: no post-level reason
        assert check_explanation(json.loads(json.dumps(e))) == []  # as written to a file
    empty = model._forward([], explain=True)
    assert empty.proba.shape == (0, 2) and empty.explanations == []


def test_contributions_add_up_to_what_the_model_computed(corpus):
    from scipy.special import logsumexp

    users, y = corpus.users, corpus.labels
    test = users[16:]
    for classifier in ("lr", "dt", "rf", "nb"):
        model = FeatureClassifier(classifier, **FAST).fit(users[:16], y[:16])
        F = model.transform(test)
        proba = model.predict_proba(test)
        c = proba.argmax(axis=1)
        method, contrib = model._contributions(F, c)
        clf = model.estimator_[-1]
        sign = np.where(c == 1, 1.0, -1.0)
        if classifier == "lr":  # the decision value toward the predicted class, less the intercept
            decision = clf.decision_function(model.estimator_[:-1].transform(F))
            np.testing.assert_allclose(contrib.sum(axis=1), sign * (decision - clf.intercept_[0]))
        elif classifier == "nb":  # the log-odds of the predicted class, less the prior's
            jll = clf.predict_joint_log_proba(F)
            jll -= logsumexp(jll, axis=1, keepdims=True)
            prior = np.log(clf.class_prior_)
            expected = sign * ((jll[:, 1] - jll[:, 0]) - (prior[1] - prior[0]))
            np.testing.assert_allclose(contrib.sum(axis=1), expected, rtol=1e-6, atol=1e-6)
        else:  # the predicted class's probability, less its share at the root(s)
            trees = [clf] if classifier == "dt" else clf.estimators_
            root = np.mean([t.tree_.value[0, 0] / t.tree_.value[0, 0].sum() for t in trees], axis=0)
            np.testing.assert_allclose(contrib.sum(axis=1) + root[c], proba[np.arange(len(c)), c])


def test_levels_get_an_expected_level_as_score(corpus):
    users = corpus.users
    levels = [i % 3 for i in range(len(users))]
    model = FeatureClassifier("lr", **FAST).fit(users, levels)
    out = model._forward(users[:5], explain=True)
    assert out.proba.shape == (5, 3)
    np.testing.assert_allclose(out.scores, out.proba @ np.arange(3))
    assert [e["score"] for e in out.explanations] == out.scores.tolist()
