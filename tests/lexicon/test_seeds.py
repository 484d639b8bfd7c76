import pytest

from depscreen.lexicon.lexicon import LexiconFormatError
from depscreen.lexicon.seeds import SeedSet, extract_seeds, is_wordlike, load_seeds


def _corpora():
    d1 = [["i", "feel", "sad", "tonight"]] * 6 + [["so", "tired", "and", "sad"]] * 4 + [
        ["diagnosed", "with", "depression", "today"]
    ] * 5 + [["hopeless", "again", "<url>", "2019"]] * 3
    d2 = [["i", "feel", "great", "today"]] * 6 + [["sunny", "beach", "and", "friends"]] * 4 + [
        ["match", "tonight"]
    ] * 3
    return d1, d2


def test_tfidf_contrast_picks_words_of_each_side_and_skips_blocked_words():
    d1, d2 = _corpora()
    seeds = extract_seeds(
        d1, d2, n_seeds=6, stopwords={"i", "and", "so", "with", "again"},
        exclude={"diagnosed", "depression"}, min_df=2,
    )
    assert seeds.depressive[0] == "sad"
    assert set(seeds.depressive) <= {"sad", "tired", "hopeless", "today", "tonight"}
    assert not {"diagnosed", "depression", "<url>", "2019", "i", "and"} & set(seeds.depressive)
    assert seeds.control[0] == "great"
    assert "feel" not in seeds.depressive + seeds.control  # same weight in both corpora
    assert all(seeds.scores[w] > 0 for w in seeds.depressive)
    assert all(seeds.scores[w] < 0 for w in seeds.control)
    assert seeds.order[:2] == [seeds.depressive[0], seeds.control[0]]  # interleaved by rank


def test_top_nests_smaller_sets_and_vocabulary_restricts():
    d1, d2 = _corpora()
    seeds = extract_seeds(d1, d2, n_seeds=6, min_df=1)
    small = seeds.top(2)
    assert small.depressive == seeds.depressive[:1] and small.control == seeds.control[:1]
    only = extract_seeds(d1, d2, n_seeds=2, min_df=1, vocabulary={"tired", "beach"})
    assert (only.depressive, only.control) == (["tired"], ["beach"])


def test_too_few_seeds_is_a_clear_error():
    d1, d2 = _corpora()
    with pytest.raises(ValueError, match="only"):
        extract_seeds(d1, d2, n_seeds=400, min_df=1)
    with pytest.raises(ValueError, match="non-empty"):
        extract_seeds([], d2)


def test_seed_file_round_trip_and_errors(tmp_path):
    path = tmp_path / "seeds.csv"
    path.write_text("word,label\n# hand-picked\n绝望,1\n开心,0\n崩溃,depressive\n", encoding="utf-8")
    seeds = load_seeds(path)
    assert seeds.depressive == ["绝望", "崩溃"] and seeds.control == ["开心"]
    assert seeds.order == ["绝望", "开心", "崩溃"]
    seeds.to_csv(tmp_path / "out.csv")
    assert load_seeds(tmp_path / "out.csv").labels == seeds.labels

    path.write_text("sad\t1\nhappy\tunknown\n", encoding="utf-8")
    with pytest.raises(LexiconFormatError, match=r"seeds.csv:2: field 'label'"):
        load_seeds(path)
    path.write_text("sad,1\nsad,0\n", encoding="utf-8")
    with pytest.raises(LexiconFormatError, match="both labels"):
        load_seeds(path)
    path.write_text("sad,1\n", encoding="utf-8")
    with pytest.raises(LexiconFormatError, match="non-depressive"):
        load_seeds(path)
    with pytest.raises(ValueError, match="both"):
        SeedSet(["x"], ["x"])


def test_wordlike():
    assert is_wordlike("抑郁") and is_wordlike("sad") and is_wordlike("b2b")
    assert not is_wordlike("<url>") and not is_wordlike("2019") and not is_wordlike("!!")


def test_non_strict_extraction_uses_the_seeds_that_exist():
    d1, d2 = _corpora()
    seeds = extract_seeds(d1, d2, n_seeds=400, min_df=1, strict=False)
    assert 0 < len(seeds.depressive) < 200 and 0 < len(seeds.control) < 200
    assert seeds.depressive[0] == "sad"
