"""FastText feature expansion: the rule on planted, known similarities."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from depscreen.features.tfidf_expansion import (
    FastTextExpandedTfidf,
    expand_tfidf,
    nearest_vocabulary_neighbours,
)

# Known geometry: for "sad" the ranking is unhappy (cos 0.994) > gloomy (0.919) > rest (0).
VECTORS = {
    "sad": [1.0, 0.0, 0.0],
    "unhappy": [0.9, 0.1, 0.0],
    "gloomy": [0.7, 0.3, 0.0],
    "day": [0.0, 1.0, 0.0],
    "pizza": [0.0, 0.0, 1.0],
    "pasta": [0.0, 0.1, 1.0],
}
TRAIN = [
    ["sad", "day"],
    ["unhappy", "day"],
    ["gloomy", "day", "day"],
    ["pizza", "pasta"],
    ["pasta", "day"],
]


@pytest.fixture()
def vec_file(tmp_path):
    path = tmp_path / "tiny.vec"
    lines = [f"{len(VECTORS)} 3"] + [
        f"{w} " + " ".join(f"{x:.3f}" for x in v) for w, v in VECTORS.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _col(exp, word):
    return exp.vocabulary_.index(word)


def test_neighbours_follow_cosine_rank(vec_file):
    exp = FastTextExpandedTfidf(top_n=2, vectors_path=vec_file).fit(TRAIN)
    assert exp.expansion_map()["sad"] == ["unhappy", "gloomy"]
    assert exp.expansion_map()["pizza"][0] == "pasta"


def test_zero_feature_filled_from_planted_similar_word(vec_file):
    exp = FastTextExpandedTfidf(top_n=1, vectors_path=vec_file).fit(TRAIN)
    doc = [["unhappy", "day"]]
    plain = exp.transform_plain(doc).toarray()[0]
    expanded = exp.transform(doc).toarray()[0]
    sad, unhappy = _col(exp, "sad"), _col(exp, "unhappy")
    assert plain[sad] == 0.0
    assert plain[unhappy] > 0
    assert expanded[sad] == pytest.approx(plain[unhappy])
    # words with no similar word in the document stay zero
    assert expanded[_col(exp, "pizza")] == 0.0


def test_rank_order_most_similar_present_word_wins(vec_file):
    exp = FastTextExpandedTfidf(top_n=2, vectors_path=vec_file).fit(TRAIN)
    sad, unhappy, gloomy = (_col(exp, w) for w in ("sad", "unhappy", "gloomy"))
    doc = [["gloomy", "gloomy", "unhappy"]]  # gloomy has the larger value
    plain = exp.transform_plain(doc).toarray()[0]
    assert plain[gloomy] > plain[unhappy]
    assert exp.transform(doc).toarray()[0, sad] == pytest.approx(plain[unhappy])
    # with only the rank-2 word present, top_n decides
    only_gloomy = [["gloomy", "day"]]
    top1 = FastTextExpandedTfidf(top_n=1, vectors_path=vec_file).fit(TRAIN)
    assert top1.transform(only_gloomy).toarray()[0, sad] == 0.0
    filled = exp.transform(only_gloomy).toarray()[0]
    assert filled[sad] == pytest.approx(exp.transform_plain(only_gloomy).toarray()[0, gloomy])


def test_nonzero_values_are_kept_and_no_chaining(vec_file):
    exp = FastTextExpandedTfidf(top_n=1, vectors_path=vec_file).fit(TRAIN)
    doc = [["sad", "unhappy", "unhappy"]]
    plain = exp.transform_plain(doc).toarray()[0]
    expanded = exp.transform(doc).toarray()[0]
    present = plain > 0
    np.testing.assert_array_equal(expanded[present], plain[present])
    # "gloomy"'s nearest word is "unhappy" (present) -> filled; "pasta"'s nearest is
    # "pizza" (absent) -> stays zero even if pizza itself could have been filled
    assert expanded[_col(exp, "gloomy")] == pytest.approx(plain[_col(exp, "unhappy")])
    assert expanded[_col(exp, "pasta")] == 0.0


def test_top_n_zero_is_plain_tfidf(vec_file):
    exp = FastTextExpandedTfidf(top_n=0, vectors_path=vec_file).fit(TRAIN)
    a = exp.transform(TRAIN).toarray()
    b = exp.transform_plain(TRAIN).toarray()
    np.testing.assert_array_equal(a, b)


def test_vectorised_rule_matches_reference_loop():
    rng = np.random.default_rng(0)
    X = sp.random(40, 30, density=0.15, random_state=1, format="csr")
    neighbours = rng.integers(-1, 30, size=(30, 5))
    got = expand_tfidf(X, neighbours).toarray()
    dense = X.toarray()
    want = dense.copy()
    for d in range(dense.shape[0]):
        for w in range(dense.shape[1]):
            if dense[d, w] != 0:
                continue
            for s in neighbours[w]:
                if s >= 0 and dense[d, s] != 0:
                    want[d, w] = dense[d, s]
                    break
    np.testing.assert_array_equal(got, want)


def test_min_similarity_drops_weak_neighbours(vec_file):
    from depscreen.embed.wordvectors import load_word_vectors

    kv = load_word_vectors(vec_file)
    vocab = ["sad", "unhappy", "gloomy", "pizza"]
    table = nearest_vocabulary_neighbours(vocab, kv, 3, min_similarity=0.5)
    assert list(table[0]) == [1, 2, -1]  # pizza (cos 0) is dropped
    assert list(table[3]) == [-1, -1, -1]


def test_trains_fasttext_with_unlabelled_text():
    rng = np.random.default_rng(3)
    words = ["sedih", "galau", "capek", "makan", "nasi", "enak", "tidur", "malam"]
    train = [list(rng.choice(words, 6)) for _ in range(30)]
    unlabelled = [list(rng.choice(words + ["hampa"], 6)) for _ in range(30)]
    exp = FastTextExpandedTfidf(top_n=3, ft_min_count=1, ft_epochs=3, seed=7)
    X = exp.fit_transform(train, unlabelled=unlabelled)
    assert "hampa" not in exp.vocabulary_  # unlabelled text only trains FastText
    assert "hampa" in exp.word_vectors_.key_to_index
    assert exp.neighbours_.shape == (len(exp.vocabulary_), 3)
    assert X.nnz >= exp.transform_plain(train).nnz
    again = FastTextExpandedTfidf(top_n=3, ft_min_count=1, ft_epochs=3, seed=7)
    again.fit(train, unlabelled=unlabelled)
    assert again.expansion_map() == exp.expansion_map()  # seeded


def test_save_load_round_trip(tmp_path, vec_file):
    exp = FastTextExpandedTfidf(top_n=2, vectors_path=vec_file, sublinear_tf=True).fit(TRAIN)
    path = exp.save(tmp_path / "features.json")
    back = FastTextExpandedTfidf.load(path)
    docs = TRAIN + [["unhappy"], ["gloomy", "pasta"], ["unknown", "words"]]
    np.testing.assert_array_equal(back.transform(docs).toarray(), exp.transform(docs).toarray())
    assert back.expansion_map() == exp.expansion_map()


def test_accepts_whitespace_strings_and_rejects_other_input(vec_file):
    exp = FastTextExpandedTfidf(top_n=1, vectors_path=vec_file).fit(TRAIN)
    a = exp.transform(["unhappy day"]).toarray()
    b = exp.transform([["unhappy", "day"]]).toarray()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="document 0"):
        exp.transform([123])


def test_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="top_n"):
        FastTextExpandedTfidf(top_n=-1).fit(TRAIN)
    with pytest.raises(FileNotFoundError, match="missing.vec"):
        FastTextExpandedTfidf(vectors_path=str(tmp_path / "missing.vec")).fit(TRAIN)
    bad = tmp_path / "bad.json"
    bad.write_text('{"params": {}}')
    with pytest.raises(ValueError, match="bad.json.*vocabulary"):
        FastTextExpandedTfidf.load(bad)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FastTextExpandedTfidf().transform(TRAIN)


def test_transform_both_is_one_vectorisation_with_both_views(vec_file):
    exp = FastTextExpandedTfidf(top_n=2, vectors_path=vec_file).fit(TRAIN)
    docs = [["unhappy", "day"], ["pizza", "sad"], []]
    expanded, plain = exp.transform_both(docs)
    np.testing.assert_array_equal(expanded.toarray(), exp.transform(docs).toarray())
    np.testing.assert_array_equal(plain.toarray(), exp.transform_plain(docs).toarray())
    assert expanded.nnz > plain.nnz  # expansion filled something in
