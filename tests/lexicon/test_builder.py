import pytest

from depscreen.lexicon import LexiconBuilder, SeedSet, evaluate_lexicon
from depscreen.lexicon.lexicon import Lexicon

from .conftest import FILLER

FAST = dict(vector_size=16, window=3, min_count=2, epochs=30, seed_min_df=2, stopwords=False)


@pytest.mark.parametrize("method", ["w2v-lpa", "w2v", "so-w2v"])
def test_planted_synonyms_of_seeds_are_found_and_labelled(planted_posts, method):
    docs, labels = planted_posts
    b = LexiconBuilder(method, n_seeds=2, tc=0.8, **FAST).fit(docs, labels)
    assert b.seeds_.depressive == ["sad"] and b.seeds_.control == ["happy"]
    lex = b.lexicon_
    assert lex["sad"].source == "seed" and lex.polarity("happy") == 0
    assert lex["gloomy"].source == "expanded"
    assert lex.polarity("gloomy") == 1
    assert lex.polarity("cheerful") == 0
    if method == "w2v-lpa":
        assert b.converged_ and b.n_iter_ >= 1
        assert b.graph_.n_seeds == 2
        # words of both corpora (fillers), where reached at all, sit nearer 0
        assert all(abs(lex[w].score) < min(lex["gloomy"].score, -lex["cheerful"].score)
                   for w in FILLER if w in lex)
    summary = b.summary()
    assert summary["size"] == len(lex) and summary["method"] == method


def test_centering_makes_tc_selective(planted_posts):
    docs, labels = planted_posts
    raw = LexiconBuilder(n_seeds=2, tc=0.8, vector_postprocess="none", **FAST).fit(docs, labels)
    centered = LexiconBuilder(n_seeds=2, tc=0.8, **FAST).fit(docs, labels, word_vectors=raw.raw_vectors_)
    assert len(centered.candidates_) < len(raw.candidates_)
    assert set(FILLER) & set(raw.candidates_)  # uncentered small-corpus vectors reach fillers


def test_so_pmi_labels_words_that_co_occur_with_seeds(planted_posts):
    docs, labels = planted_posts
    b = LexiconBuilder("so-pmi", n_seeds=2, tc=0.5, **FAST).fit(docs, labels)
    # "tired" shares posts with "sad" only, "sunny" with "happy" only
    assert b.lexicon_.polarity("tired") == 1
    assert b.lexicon_.polarity("sunny") == 0


def test_seed_file_shared_vectors_and_vector_file(planted_posts, tmp_path):
    docs, labels = planted_posts
    seed_file = tmp_path / "seeds.csv"
    seed_file.write_text("word,label\ngloomy,1\ncheerful,0\nnot_in_corpus,1\n", encoding="utf-8")
    first = LexiconBuilder(seeds=str(seed_file), tc=0.8, **FAST).fit(docs, labels)
    assert first.seeds_.depressive == ["gloomy"] and first.missing_seeds_ == ["not_in_corpus"]
    assert first.lexicon_.polarity("sad") == 1 and first.lexicon_.polarity("happy") == 0

    # the same vectors handed over directly, or written to a word2vec file and loaded
    again = LexiconBuilder(seeds=SeedSet(["gloomy"], ["cheerful"]), tc=0.8, **FAST).fit(
        docs, labels, word_vectors=first.vectors_
    )
    assert again.lexicon_.as_dict() == first.lexicon_.as_dict()
    vec_file = tmp_path / "vectors.txt"
    first.vectors_.save_word2vec_format(str(vec_file), binary=False)
    loaded = LexiconBuilder(seeds=str(seed_file), tc=0.8, vectors=str(vec_file), **FAST).fit(docs, labels)
    assert loaded.lexicon_.polarity("sad") == 1
    combined = LexiconBuilder(
        seeds=str(seed_file), tc=0.8, vectors=str(vec_file), combine_vectors=True, **FAST
    ).fit(docs, labels)
    assert combined.vectors_.vector_size == 32


def test_fit_corpora_equals_fit_with_labels_and_is_reproducible(planted_posts):
    docs, labels = planted_posts
    d1 = [d for d, y in zip(docs, labels) if y == 1]
    d2 = [d for d, y in zip(docs, labels) if y == 0]
    a = LexiconBuilder(n_seeds=2, tc=0.8, **FAST).fit_corpora(d1, d2).lexicon_
    b = LexiconBuilder(n_seeds=2, tc=0.8, **FAST).fit(docs, labels).lexicon_
    assert a.as_dict() == b.as_dict()


def test_evaluating_a_built_lexicon_against_a_planted_gold(planted_posts):
    docs, labels = planted_posts
    gold = Lexicon.from_pairs([("sad", 1), ("gloomy", 1), ("happy", 0), ("cheerful", 0), ("rain", 1)])
    lex = LexiconBuilder(n_seeds=2, tc=0.8, **FAST).fit(docs, labels).lexicon_
    s = evaluate_lexicon(lex, gold)
    assert s.correct == 4 and s.precision == 1.0 and s.recall == pytest.approx(0.8)


def test_clear_errors():
    docs = [["a", "b"], ["c", "d"]]
    with pytest.raises(ValueError, match="unknown method"):
        LexiconBuilder("lda", **FAST).fit(docs, [1, 0])
    with pytest.raises(ValueError, match="both corpora"):
        LexiconBuilder(**FAST).fit(docs, [1, 1])
    with pytest.raises(ValueError, match="2 samples but y has 1"):
        LexiconBuilder(**FAST).fit(docs, [1])
    with pytest.raises(TypeError, match="expected str"):
        LexiconBuilder(**FAST).fit([1, 2], [1, 0])
