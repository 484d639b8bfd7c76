"""English tokenisation: a regex tokeniser that keeps social-media units whole.

One token each: placeholders (``<url>``), described emoji (``:loudly_crying_face:``),
raw links, @mentions, #hashtags, emoticons (``:(``, ``:'(``, ``<3``, ``T_T``), words
with contractions (``don't``, ``can't``, ``I'm``; curly apostrophes become straight),
hyphenated words, abbreviations (``e.g.``), numbers, ``...`` and ``!!``, and emoji sequences (ZWJ families and
skin tones stay together). The building blocks are shared with the Indonesian and
Chinese tokenisers.

>>> EnglishTokenizer()("I can't sleep... <url> :'( 😭 #depression")
['i', "can't", 'sleep', '...', '<url>', ":'(", '😭', '#depression']
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

__all__ = [
    "EnglishTokenizer",
    "PROTECTED",
    "TOKEN_RE",
    "regex_tokens",
    "s_stem",
    "is_punctuation",
    "EMOTICON_RE",
    "fold_case",
]

_PLACEHOLDER = r"<(?:url|user|email|phone|num)>"
_EMOJI_NAME = r"(?<!\S):[a-z][\w\-&'’.]*:(?!\S)"
_URL = r"(?:https?://|www\.)\S+"
_MENTION = r"@\w+"
_HASHTAG = r"#\w+"
_EMOTICON = (
    r"(?<![\w:;])(?:"
    r"[:;=8][-o*'^]?[)\](\[dDpP/\\|@3oO]+(?![\w])"  # :) :( :'( ;P :-D :/ =))
    r"|[)\](\[][-o*'^]?[:;=8](?![\w)])"  # (: ): reversed
    r"|<3+|</3|[Tt]_[Tt]|;_;|-_-|\^_\^|\^\^|o_O|O_o|xD|XD"
    r")"
)
_EMOJI_SEQ = (
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u3030\u303D\u3297\u3299]"
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u200D\uFE0F\U0001F3FB-\U0001F3FF\U000E0020-\U000E007F]*"
)
_PUNCT_RUN = r"\.{2,}|…+|[!?！？]+"

# Units no word splitter may cut: used whole by every language.
PROTECTED = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (_PLACEHOLDER, _EMOJI_NAME, _URL, _MENTION, _HASHTAG, _EMOTICON, _EMOJI_SEQ, _PUNCT_RUN)
    )
)
EMOTICON_RE = re.compile(f"^(?:{_EMOTICON})$")

_NUMBER = r"\d+(?:[.,:/]\d+)+"
_ABBREV = r"(?<!\w)(?:[A-Za-z]\.){2,}"  # e.g. U.S. a.m.
_WORD = r"[^\W_]+(?:['’\-][^\W_]+)*"
TOKEN_RE = re.compile(f"{PROTECTED.pattern}|{_NUMBER}|{_ABBREV}|{_WORD}|\\S")
_PLACEHOLDER_RE = re.compile(f"^{_PLACEHOLDER}$")


def fold_case(token: str) -> str:
    """Lower-case a token, except emoticons whose case is meaning (``:D`` vs ``:d``...)."""
    return token if EMOTICON_RE.match(token) else token.lower()


def regex_tokens(text: str, *, lowercase: bool = True) -> list[str]:
    """Split ``text`` into tokens with :data:`TOKEN_RE` (curly apostrophes made straight)."""
    tokens = [m.group(0).replace("’", "'") for m in TOKEN_RE.finditer(text)]
    return [fold_case(t) for t in tokens] if lowercase else tokens


def is_punctuation(token: str) -> bool:
    """True for tokens made only of punctuation / math symbols ("...", "!!", ",").

    Emoticons, emoji (Unicode "So" symbols) and placeholders are not punctuation.
    """
    if not token or EMOTICON_RE.match(token) or _PLACEHOLDER_RE.match(token):
        return False
    return all(unicodedata.category(ch)[0] == "P" or unicodedata.category(ch) in ("Sm", "Sk", "Sc") for ch in token)


def s_stem(word: str) -> str:
    """Harman's S-stemmer: a light plural remover that never over-stems.

    ``ies`` -> ``y`` (not after e/a), ``es`` -> ``e`` (not after a/e/o), ``s`` dropped (not
    after u/s); words of three letters or fewer and non-alphabetic tokens are kept.

    >>> [s_stem(w) for w in ["feelings", "worries", "does", "stress", "us", "pills"]]
    ['feeling', 'worry', 'doe', 'stress', 'us', 'pill']
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


class EnglishTokenizer:
    """Regex tokeniser with negation-preserving stopwords and an optional light stemmer.

    Parameters
    ----------
    stopwords : bool or iterable of str
        ``True`` removes :func:`depscreen.text.stopwords.get_stopwords` ("en"), which
        keeps negations and first-person pronouns; an iterable is used as the list.
    stem : bool
        Apply :func:`s_stem` (plural removal only).
    lowercase : bool
    punctuation : bool
        Keep punctuation tokens ("...", "!!"); emoticons and emoji are always kept.
    keep_signal : bool
        With ``stopwords=True``: keep negations and first-person pronouns.
    """

    lang = "en"

    def __init__(
        self,
        *,
        stopwords: bool | Iterable[str] = False,
        stem: bool = False,
        lowercase: bool = True,
        punctuation: bool = True,
        keep_signal: bool = True,
    ):
        self.stopwords = stopwords
        self.stem = stem
        self.lowercase = lowercase
        self.punctuation = punctuation
        self.keep_signal = keep_signal
        self._stop = _resolve_stopwords("en", stopwords, keep_signal)

    def __call__(self, text: str) -> list[str]:
        return self.process(self.split(text))

    def split(self, text: str) -> list[str]:
        """Raw regex tokens (no case folding, no filtering)."""
        return regex_tokens(text, lowercase=False)

    def process(self, tokens: Iterable[str]) -> list[str]:
        """Case folding, punctuation and stopword removal, stems: the per-token steps,
        usable on tokens from any splitter."""
        out = []
        for tok in tokens:
            if self.lowercase:
                tok = fold_case(tok)
            if not self.punctuation and is_punctuation(tok):
                continue
            if self._stop and tok.lower() in self._stop:
                continue
            if self.stem:
                tok = s_stem(tok)
            out.append(tok)
        return out


def _resolve_stopwords(lang: str, stopwords, keep_signal: bool) -> frozenset[str]:
    if stopwords is False or stopwords is None:
        return frozenset()
    if stopwords is True:
        from .stopwords import get_stopwords

        return get_stopwords(lang, keep_signal=keep_signal)
    if isinstance(stopwords, str):
        raise TypeError("stopwords must be a bool or an iterable of words, not a str")
    return frozenset(w.lower() for w in stopwords)
