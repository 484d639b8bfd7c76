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
    assert explained[0]["user_id"] == "u0" and "top_features" in explained[0]
    assert set(explained[0]["depressive_lexicon_words"]) <= lex.depressive


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


@pytest.mark.parametrize("name", ["lr", "l-svm"])
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
    assert np.allclose(loaded.predict_proba(users[16:]), model.predict_proba(users[16:]))
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
