"""Normalisation and PII redaction keep the signal and remove personal data."""

import pytest

from depscreen.text import normalise, redact
from depscreen.text.normalise import handle_hashtags, handle_numbers, squeeze, to_halfwidth


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("see https://t.co/AbC123 now", "see <url> now"),
        ("see http://t.co/x). and www.example.com/a?b=1, ok", "see <url>). and <url>, ok"),
        ("bit.ly/3xYz is short", "<url> is short"),
        ("RT @some_user: hi @张三 ok", "RT <user>: hi <user> ok"),
        ("mail a.b+c@mail.co.id today", "mail <email> today"),
        ("call +62 812-3456-7890 or (555) 123-4567", "call <phone> or <phone>"),
        ("hp 081234567890 / 13812345678", "hp <phone> / <phone>"),
    ],
)
def test_redact_replaces_pii_with_placeholders(raw, expected):
    assert redact(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "from 2014 2015 2016 to 2009-2016",  # years are not phones
        "100 000 000 people",  # thousands are not phones
        "on 2016-01-02 12:30 at 3.14159",
        "e.g. 3.5 kg, i.e. fine",  # abbreviations are not domains
        "tweet id 123456789012",  # an unseparated run needs + / 0 / a CN mobile prefix
    ],
)
def test_redact_leaves_non_pii_alone(text):
    assert redact(text) == text


def test_normalise_keeps_pronouns_negations_ellipsis_and_emoji_by_default():
    out = normalise("I don't know anymore...... I can't 😭")
    assert out == "I don't know anymore... I can't 😭"


def test_emoji_modes():
    text = "so tired 😭😭😭😭 today"
    assert normalise(text) == "so tired 😭 😭 today"
    described = normalise(text, emoji="describe")
    assert described == "so tired :loudly_crying_face: :loudly_crying_face: today"
    assert normalise(text, emoji="remove") == "so tired today"
    with pytest.raises(ValueError, match="emoji"):
        normalise(text, emoji="translate")


def test_squeeze_repeats():
    assert normalise("sooooo tired!!!!!") == "soo tired!!"
    assert squeeze("哈哈哈哈哈") == "哈哈"
    assert squeeze("wkwkwkwkwk hahahaha") == "wkwk haha"
    assert squeeze("1000000 and 2222") == "1000000 and 2222"  # numbers are not elongations
    assert normalise("sooooo", squeeze_repeats=False) == "sooooo"


def test_fullwidth_to_halfwidth_for_chinese():
    assert to_halfwidth("ＡＢＣ１２３！") == "ABC123!"
    assert normalise("我好累，ｈｔｔｐ：／／ｔ．ｃｎ／ａ　ＯＫ", lang="zh") == "我好累,<url> OK"
    assert "。" in normalise("好。")  # no ASCII twin: unchanged
    assert normalise("ＯＫ", fullwidth=False) == "ＯＫ"


def test_html_entities_hashtags_numbers_lowercase():
    assert normalise("me &amp; you") == "me & you"
    assert handle_hashtags("#Depression is real", "strip") == " Depression  is real"
    assert normalise("#Depression is real", hashtags="remove") == "is real"
    assert normalise("#抑郁症#好难 #sad", lang="zh", hashtags="strip") == "抑郁症 好难 sad"
    assert handle_numbers("3 days, 2.5 kg, 10%", "placeholder") == "<num> days, <num> kg, <num>"
    assert normalise("Call @Bob NOW 3 times", lowercase=True, numbers="placeholder") == (
        "call <user> now <num> times"
    )


def test_bad_input_is_a_clear_error():
    with pytest.raises(TypeError, match="str"):
        normalise(None)
    with pytest.raises(ValueError, match="hashtags"):
        normalise("x", hashtags="drop")
