"""Normalisation that keeps the signal, and PII redaction.

Social-media text carries personal data (links, user names, e-mail addresses, phone
numbers) that a depression screen must not learn from and must not leak. It also
carries signal that generic cleaning throws away: pronouns, negations, "...", emoji,
elongated words ("sooooo"). :func:`normalise` replaces the personal data with
placeholders and evens out spelling noise, but keeps the rest.

Placeholders are lower-case words in angle brackets, so every tokeniser in
:mod:`depscreen.text` keeps each as one token: ``<url>``, ``<user>``, ``<email>``,
``<phone>`` and, when numbers are masked, ``<num>``.

Example
-------
>>> normalise("Sooooo tired!!!!! see https://t.co/abc @bob 😭")
'Soo tired!! see <url> <user> 😭'
>>> redact("mail me at a.b@example.org or +62 812-3456-7890")
'mail me at <email> or <phone>'
"""

from __future__ import annotations

import html
import re
import unicodedata

import emoji as _emoji

__all__ = [
    "PLACEHOLDERS",
    "EMOJI_MODES",
    "normalise",
    "redact",
    "to_halfwidth",
    "squeeze",
    "handle_emoji",
    "handle_hashtags",
    "handle_numbers",
]

PLACEHOLDERS = ("<url>", "<user>", "<email>", "<phone>", "<num>")
EMOJI_MODES = ("keep", "describe", "remove")
HASHTAG_MODES = ("keep", "strip", "remove")
NUMBER_MODES = ("keep", "placeholder", "remove")
KNOWN_LANGS = ("zh", "en", "id")

# --- PII patterns -------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w])")

# Bare domains need a known top-level domain so "e.g." or "3.5" never become links.
_TLDS = (
    "com|net|org|edu|gov|info|biz|io|co|ly|me|tv|cc|gl|gd|be|to|us|uk|id|cn|hk|tw|jp|kr|"
    "de|fr|it|es|nl|ru|au|ca|in|sg|my|ph|app|dev|link|xyz|site|online"
)
_URL = re.compile(
    r"(?:https?://|ftp://|www\.)\S*"
    r"|(?<![\w@.-])(?:[A-Za-z0-9-]+\.)+(?:" + _TLDS + r")(?:/\S*)?(?![\w-])",
    re.IGNORECASE,
)
_URL_TRAIL = ".,;:!?)]}'\"…>"

# @mention: Twitter / Weibo / Instagram handles (\w covers CJK names on Weibo).
_MENTION = re.compile(r"(?<![\w@])@[\w.\-]*\w")

# Phone numbers: digit groups with single separators, optional +country and (area);
# 9-15 digits in all. An unseparated run counts only when it starts with + or 0, or
# is a Chinese mobile number, so years, counts and ids are left alone.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+?\d{9,15}"
    r"|(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,5}(?:[ .-]\d{2,5}){1,5})(?![\w:])"
)
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")

_PLACEHOLDER_RE = re.compile(r"<(?:url|user|email|phone|num)>")


def _replace_url(match: re.Match) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _URL_TRAIL:
        tail = url[-1] + tail
        url = url[:-1]
    # "http://" alone (a truncated retweet) is still a link
    return "<url>" + tail


def _replace_phone(match: re.Match) -> str:
    raw = match.group(0)
    digits = re.sub(r"\D", "", raw)
    if not 9 <= len(digits) <= 15:
        return raw
    groups = re.findall(r"\d+", raw)
    if len(groups) > 1 or "(" in raw:
        # lists of years ("2014 2015 2016") and thousands ("100 000 000") are numbers
        if all(len(g) == 4 and g[:2] in ("19", "20") for g in groups):
            return raw
        if re.fullmatch(r"\d{1,3}(?:[ .,]\d{3})+", raw):
            return raw
        return "<phone>"
    if raw.startswith(("+", "0")) or _CN_MOBILE.fullmatch(raw):
        return "<phone>"
    return raw


def redact(text: str) -> str:
    """Replace e-mail addresses, URLs, @mentions and phone numbers with placeholders.

    The order matters: e-mail first (its domain would look like a link), then links
    (a link can hold an ``@``), then mentions, then phone numbers.

    >>> redact("@ana check www.x.com or call 0812 3456 7890")
    '<user> check <url> or call <phone>'
    """
    if not isinstance(text, str):
        raise TypeError(f"redact expects a str, got {type(text).__name__}")
    text = _EMAIL.sub("<email>", text)
    text = _URL.sub(_replace_url, text)
    text = _MENTION.sub("<user>", text)
    text = _PHONE.sub(_replace_phone, text)
    return text


# --- width, emoji, repeats, hashtags, numbers --------------------------------------------


_HALFWIDTH = {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = " "

# Characters that can start or be part of an emoji; text without any skips the (slow)
# emoji tokenizer. CJK punctuation is deliberately outside these ranges.
_EMOJI_CANDIDATE = re.compile(
    "[\u00a9\u00ae\u203c-\u2bff\u3030\u303d\u3297\u3299\ufe0f\u20e3\U0001F000-\U0001FAFF]"
)


def to_halfwidth(text: str) -> str:
    """Full-width ASCII forms (U+FF01-U+FF5E) and the ideographic space to half width.

    Only those characters are NFKC-normalised; Chinese punctuation without an ASCII
    twin (``。``, ``、``, ``【】``) and every other character stay as they are.

    >>> to_halfwidth("ｈｔｔｐ：／／ｘ．ｃｏｍ　１２３，好")
    'http://x.com 123,好'
    """
    return text.translate(_HALFWIDTH)


def handle_emoji(text: str, mode: str = "keep") -> str:
    """Keep emoji (spaced out as their own tokens), describe them as ``:name:``
    tokens (English CLDR names from the ``emoji`` package), or remove them."""
    if mode not in EMOJI_MODES:
        raise ValueError(f"emoji must be one of {EMOJI_MODES}, got {mode!r}")
    if not _EMOJI_CANDIDATE.search(text):
        return text
    if mode == "keep":
        return _emoji.replace_emoji(text, replace=lambda chars, data: f" {chars} ")
    if mode == "describe":
        return _emoji.demojize(text, delimiters=(" :", ": "))
    return _emoji.replace_emoji(text, replace=" ")


_ELLIPSIS = re.compile(r"\.{3,}")
_REPEAT_CHAR = re.compile(r"([^\d\s.])\1{2,}")
_REPEAT_PAIR = re.compile(r"([^\W\d_]{2})\1{2,}")


def squeeze(text: str, keep: int = 2) -> str:
    """Cut runs of one character (or a two-letter unit) to ``keep`` copies.

    "sooooo" -> "soo", "!!!!!" -> "!!", "哈哈哈哈哈" -> "哈哈", "wkwkwkwk" -> "wkwk",
    "hahahaha" -> "haha", "😭😭😭😭" -> "😭😭". Digits are never squeezed (1000000 is
    a number, not an elongation) and runs of dots become "..." (an ellipsis is signal).

    >>> squeeze("noooo!!!! wkwkwkwk 哈哈哈哈 1000000 ......")
    'noo!! wkwk 哈哈 1000000 ...'
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    text = _ELLIPSIS.sub("...", text)
    text = _REPEAT_CHAR.sub(lambda m: m.group(1) * keep, text)
    text = _REPEAT_PAIR.sub(lambda m: m.group(1) * keep, text)
    return text


# Twitter-style "#word" and Weibo-style "#topic#".
_WEIBO_TOPIC = re.compile(r"#([^#\s]{1,40})#")
_HASHTAG = re.compile(r"(?<![\w&])#(\w[\w-]*)")


def handle_hashtags(text: str, mode: str = "keep", lang: str | None = None) -> str:
    """Keep hashtags, strip the ``#`` (``#depression`` -> ``depression``), or remove them.

    For Chinese text (``lang="zh"``) Weibo's paired ``#话题#`` form is handled as one tag.
    """
    if mode not in HASHTAG_MODES:
        raise ValueError(f"hashtags must be one of {HASHTAG_MODES}, got {mode!r}")
    if mode == "keep":
        return text
    repl = (lambda m: f" {m.group(1)} ") if mode == "strip" else " "
    if lang == "zh":
        text = _WEIBO_TOPIC.sub(repl, text)
    return _HASHTAG.sub(repl, text)


_NUMBER = re.compile(r"(?<![\w<])[+-]?\d+(?:[.,:/-]\d+)*(?:st|nd|rd|th|s|k|m|%)?(?![\w>])")


def handle_numbers(text: str, mode: str = "keep") -> str:
    """Keep numbers, replace each by ``<num>``, or remove them."""
    if mode not in NUMBER_MODES:
        raise ValueError(f"numbers must be one of {NUMBER_MODES}, got {mode!r}")
    if mode == "keep":
        return text
    return _NUMBER.sub("<num>" if mode == "placeholder" else " ", text)


# --- the whole step ---------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalise(
    text: str,
    *,
    lang: str | None = None,
    emoji: str = "keep",
    squeeze_repeats: bool = True,
    fullwidth: bool = True,
    lowercase: bool = False,
    redact_pii: bool = True,
    hashtags: str = "keep",
    numbers: str = "keep",
    unescape_html: bool = True,
) -> str:
    """Normalise one post while keeping its signal.

    Steps, in order: HTML entities unescaped (``&amp;`` -> ``&``, common in tweets);
    full-width ASCII to half width; PII redaction (:func:`redact`); hashtags; numbers;
    repeated characters squeezed; emoji; whitespace collapsed; optional lower case.
    Pronouns, negations, punctuation such as "..." and emoji are never removed by
    default.

    Parameters
    ----------
    text : str
        The post.
    lang : {"zh", "en", "id"} or None
        Language hint; for ``"zh"`` Weibo's ``#topic#`` hashtags are recognised.
    emoji : {"keep", "describe", "remove"}
        Keep emoji as separate tokens, replace each by its ``:name:`` description, or
        drop it.
    squeeze_repeats : bool
        Cut character runs to two ("sooooo" -> "soo", "哈哈哈哈哈" -> "哈哈").
    fullwidth : bool
        Map full-width ASCII forms (common in Chinese text) to half width.
    lowercase : bool
        Lower-case the result (placeholders are unaffected).
    redact_pii : bool
        Replace URLs, mentions, e-mail addresses and phone numbers by placeholders.
    hashtags : {"keep", "strip", "remove"}
        ``#word`` kept, turned into ``word``, or removed.
    numbers : {"keep", "placeholder", "remove"}
        Numbers kept, replaced by ``<num>``, or removed.
    unescape_html : bool
        Turn HTML entities into characters first.

    Returns
    -------
    str

    Examples
    --------
    >>> normalise("I'm sooooo done...... @ana http://t.co/x 😭", emoji="describe")
    "I'm soo done... <user> <url> :loudly_crying_face:"
    >>> normalise("ＯＫ，我好累啊啊啊啊", lang="zh")
    'OK,我好累啊啊'
    """
    if not isinstance(text, str):
        raise TypeError(f"normalise expects a str, got {type(text).__name__}")
    if lang is not None and lang not in KNOWN_LANGS and not re.fullmatch(r"[a-z]{2,3}", lang):
        raise ValueError(f"lang must be one of {KNOWN_LANGS}, an ISO code or None, got {lang!r}")
    if unescape_html:
        text = html.unescape(text)
    if fullwidth:
        text = to_halfwidth(text)
    if redact_pii:
        text = redact(text)
    text = handle_hashtags(text, hashtags, lang=lang)
    text = handle_numbers(text, numbers)
    if squeeze_repeats:
        text = squeeze(text)  # before emoji, so "😭😭😭😭" becomes two, not four, names
    text = handle_emoji(text, emoji)
    text = _SPACES.sub(" ", text).strip()
    if lowercase:
        text = text.lower()  # placeholders are lower case already
    return text
