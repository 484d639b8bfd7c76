"""Language detection on short posts, and stopword lists that keep the signal."""

import pytest

from depscreen.text import detect_language, detect_languages, get_stopwords
from depscreen.text.langdetect import cjk_share


@pytest.mark.parametrize(
    "text, lang",
    [
        ("我今天又失眠了，好累", "zh"),
        ("好累", "zh"),  # two characters are already a Chinese word
        ("我爱 Taylor Swift 的歌", "zh"),  # mixed script, Chinese share decides
        ("I can't sleep again tonight", "en"),
        ("Nobody understands me", "en"),
        ("aku capek banget hari ini", "id"),
        ("saya tidak bisa tidur", "id"),
        ("@bob https://t.co/xyz 😭", "unknown"),  # nothing left once names / links go
        ("ok", "unknown"),
    ],
)
def test_detect_language_short_posts(text, lang):
    assert detect_language(text) == lang


def test_detect_language_options_and_batch():
    assert detect_languages(["我很难过", "I am sad today", "aku sedih sekali"]) == ["zh", "en", "id"]
    assert detect_language("Je suis très fatigué ce soir", languages=("fr", "en")) == "fr"
    assert detect_language("こんにちは、元気ですか", languages=("zh", "ja")) == "ja"
    assert detect_language("こんにちは、元気ですか") == "unknown"  # ja not allowed
    assert cjk_share("ab好") == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="py3langid"):
        detect_language("hello there friend", languages=("xx",))
    with pytest.raises(TypeError):
        detect_language(None)


def test_stopwords_keep_negations_and_first_person_in_every_language():
    en, id_, zh = get_stopwords("en"), get_stopwords("id"), get_stopwords("zh")
    assert {"the", "and", "of"} <= en and not {"not", "never", "i", "me", "my", "nobody"} & en
    assert {"yang", "dan", "untuk"} <= id_ and not {"tidak", "belum", "saya"} & id_
    assert "的" in zh and not {"我", "不", "没有"} & zh
    assert {"not", "i"} <= get_stopwords("en", keep_signal=False)
    assert {"tidak", "saya"} <= get_stopwords("id", keep_signal=False)
    with pytest.raises(ValueError, match="stopword"):
        get_stopwords("fr")


def test_fallback_lists_when_shared_data_is_absent(monkeypatch, tmp_path, caplog):
    from depscreen.text import resources

    monkeypatch.setenv("DEPSCREEN_DATA", str(tmp_path / "missing"))
    zh = resources.load_stopwords_zh.__wrapped__("hit")
    assert "的" in zh and len(zh) < 200  # depscreen's small built-in list
    assert resources.load_kamus_alay.__wrapped__(None) == {}
    slang = resources.load_slang_dictionary(
        resources.load_kamus_alay.__wrapped__(None), resources.load_abbreviations.__wrapped__(None)
    )
    assert slang["gak"] == "tidak" and slang["yg"] == "yang"  # built-in list still works
    assert "not found" in caplog.text
