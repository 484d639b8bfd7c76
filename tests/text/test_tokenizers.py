"""Tokenisers per language: units kept whole, user dictionaries, slang, stopwords, stems."""

import pytest

from depscreen.text import ChineseTokenizer, IndonesianTokenizer, normalise, tokenize
from depscreen.text.en import s_stem
from depscreen.text.resources import load_abbreviations, load_kamus_alay, load_slang_dictionary


# --- English ------------------------------------------------------------------------------


def test_english_keeps_contractions_emoticons_placeholders_and_emoji():
    text = normalise("I can’t do this anymore :'( https://t.co/x @ana 👨‍👩‍👧 #alone...")
    assert tokenize(text, "en") == [
        "i", "can't", "do", "this", "anymore", ":'(", "<url>", "<user>", "👨‍👩‍👧", "#alone", "...",
    ]


def test_english_stopwords_keep_negations_and_first_person():
    tokens = tokenize("I do not want to be with them, nobody cares about me", "en", stopwords=True)
    for kept in ("i", "not", "nobody", "me", "want", "cares"):
        assert kept in tokens
    for removed in ("to", "be", "with", "them", "about"):
        assert removed not in tokens
    # the original Glasgow list removes the signal words
    plain = tokenize("I do not want to be with them, nobody cares about me", "en",
                     stopwords=True, keep_signal=False)
    assert "not" not in plain and "i" not in plain and "nobody" not in plain


def test_english_light_stemming_and_punctuation_switch():
    assert tokenize("Feelings, worries!!", "en", stem=True, punctuation=False) == ["feeling", "worry"]
    assert [s_stem(w) for w in ("stress", "us", "pills")] == ["stress", "us", "pill"]
    assert tokenize(":( ...", "en", punctuation=False) == [":("]  # emoticons are not punctuation


def test_custom_stopword_list():
    assert tokenize("the cat and the dog", "en", stopwords=["the", "and"]) == ["cat", "dog"]
    with pytest.raises(TypeError):
        tokenize("x", "en", stopwords="the")


# --- Chinese ------------------------------------------------------------------------------


def test_jieba_user_dictionary_changes_segmentation_of_planted_word(tmp_path):
    planted = "蓝瘦香菇"
    plain = ChineseTokenizer()("最近总是蓝瘦香菇")
    assert planted not in plain
    dict_file = tmp_path / "user.txt"
    dict_file.write_text(f"{planted}\n网抑云 5 n\n", encoding="utf-8")
    tok = ChineseTokenizer(user_dict=dict_file)
    assert tok("最近总是蓝瘦香菇") == ["最近", "总是", planted]
    assert tok.user_dictionaries == [str(dict_file)]
    # the words only live in that tokeniser: a fresh one still splits them
    assert planted not in ChineseTokenizer()("最近总是蓝瘦香菇")
    # tokenize(user_dict=...) takes a word list as well
    assert planted in tokenize("最近总是蓝瘦香菇", "zh", user_dict=[planted])


def test_chinese_keeps_protected_units_and_signal_stopwords():
    tokens = tokenize(normalise("我真的不想活了!!!!! @小明 https://t.cn/x 😭😭"), "zh")
    assert tokens[:3] == ["我", "真的", "不想"]
    assert "!!" in tokens and "<user>" in tokens and "<url>" in tokens
    assert tokens.count("😭") == 2
    filtered = tokenize("我真的不想活了,你们都不懂我", "zh", stopwords=True, punctuation=False)
    assert "我" in filtered and "不" in filtered  # first person and negation kept
    assert "了" not in filtered and "," not in filtered


def test_missing_user_dictionary_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="user dictionary"):
        ChineseTokenizer(user_dict=tmp_path / "nope.txt")


# --- Indonesian ---------------------------------------------------------------------------


def test_indonesian_slang_from_a_small_kamus_file(tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="depscreen.text.resources")  # counts logged at INFO, not printed
    kamus = tmp_path / "kamus.csv"
    kamus.write_text(
        "slang,formal,In-dictionary,context,category1,category2,category3\n"
        "gw,saya,1,ctx,abreviasi,0,0\n"
        "bgt,banget,1,ctx,abreviasi,0,0\n"
        "bgt,banget,1,ctx,abreviasi,0,0\n"
        "bgt,bagaimana,1,ctx,abreviasi,0,0\n"  # minority reading loses the vote
        "gpp,enggak apa-apa,1,ctx,abreviasi,0,0\n",
        encoding="utf-8",
    )
    abbrev = tmp_path / "abbrev.csv"
    abbrev.write_text("tdk;tidak \r\nbgt;sangat\r\nkosong; \r\n", encoding="utf-8")
    assert load_kamus_alay(str(kamus)) == {"gw": "saya", "bgt": "banget", "gpp": "enggak apa-apa"}
    assert load_abbreviations(str(abbrev)) == {"tdk": "tidak", "bgt": "sangat"}  # empty skipped
    assert "skipped 1" in caplog.text  # ... and counted
    table = load_slang_dictionary(str(kamus), str(abbrev), builtin=False)
    assert table["bgt"] == "banget"  # kamus alay wins over the abbreviation list
    tok = IndonesianTokenizer(slang=table)
    assert tok("Gw tdk sedihhh bgt, gpp") == ["saya", "tidak", "sedih", "banget", ",", "enggak", "apa-apa"]


def test_indonesian_stopwords_keep_negation_and_stemming_is_optional():
    table = {"gak": "tidak"}
    tokens = tokenize("aku gak bisa tidur karena kesepian", "id", slang=table, stopwords=True)
    assert tokens == ["aku", "tidak", "tidur", "kesepian"]  # 'bisa', 'karena' are stopwords
    stemmed = tokenize("aku gak bisa tidur karena kesepian", "id", slang=table, stopwords=True, stem=True)
    assert stemmed == ["aku", "tidak", "tidur", "sepi"]
    tok = IndonesianTokenizer(slang=False, stem=True)
    tok("kesepian kesepian")
    assert tok._stem_cache == {"kesepian": "sepi"}  # each word stemmed once


def test_auto_language_and_unknown_language():
    assert tokenize("saya sangat sedih hari ini", "auto", slang=False) == ["saya", "sangat", "sedih", "hari", "ini"]
    assert tokenize("我很难过", "auto") == ["我", "很", "难过"]
    assert tokenize("Ça va pas du tout", "auto", languages=("fr", "en")) == ["ça", "va", "pas", "du", "tout"]
    with pytest.raises(ValueError, match="no tokeniser"):
        tokenize("x", "fr")


# --- real resources (shared data) ------------------------------------------------------------


def test_real_kamus_alay_and_sogou_dictionary(shared_data):
    kamus = load_kamus_alay(str(shared_data / "id/kamus-alay/colloquial-indonesian-lexicon.csv"))
    assert len(kamus) > 4000 and kamus["yg"] == "yang" and kamus["bgt"] == "banget"
    tokens = tokenize("gw capek bgt, yg gw mau cuma tidur", "id")
    assert "yang" in tokens and "banget" in tokens and "yg" not in tokens

    sogou = shared_data / "zh/sogou-network-words/sogou_network_words_accumulated.txt"
    words = [w.strip() for w in sogou.read_text(encoding="utf-8").splitlines() if w.strip()]
    tok = ChineseTokenizer()
    # a long internet word that plain jieba splits
    target = next(w for w in words if 4 <= len(w) <= 6 and w not in tok(f"今天{w}了"))
    assert tok.load_user_dictionary(sogou) >= 100_000
    assert target in tok(f"今天{target}了")
