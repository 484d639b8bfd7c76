"""One entry point for tokenising a post in Chinese, English or Indonesian (:func:`tokenize`).

:func:`tokenize` picks the language's tokeniser (jieba for zh, regex + slang +
Sastrawi for id, regex for en), detects the language when ``lang="auto"``, and caches
tokeniser objects (jieba dictionaries, slang tables and stem caches are built once).

>>> tokenize("I don't want to get up :(", "en", stopwords=True)
['i', "don't", 'want', ':(']
>>> tokenize("gw gak bisa tidur", "id", slang={"gw": "saya"})
['saya', 'gak', 'bisa', 'tidur']
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

from .en import EnglishTokenizer, is_punctuation, regex_tokens
from .id import IndonesianTokenizer
from .langdetect import DEFAULT_LANGUAGES, detect_language
from .zh import ChineseTokenizer

__all__ = [
    "TOKENIZER_LANGS",
    "tokenize",
    "get_tokenizer",
    "load_user_dictionary",
    "default_chinese_tokenizer",
]

TOKENIZER_LANGS = ("zh", "en", "id")

_default_zh: ChineseTokenizer | None = None


def default_chinese_tokenizer() -> ChineseTokenizer:
    """The Chinese tokeniser :func:`tokenize` uses when no ``user_dict`` is given."""
    global _default_zh
    if _default_zh is None:
        _default_zh = ChineseTokenizer()
    return _default_zh


def load_user_dictionary(path_or_words: str | Path | Iterable[str], freq: int | None = None) -> int:
    """Add words to the default Chinese tokeniser used by :func:`tokenize`.

    Only depscreen's own jieba instance changes, never jieba's global dictionary. For an
    isolated dictionary build a :class:`~depscreen.text.zh.ChineseTokenizer` instead or
    pass ``user_dict=`` to :func:`tokenize`. Returns the number of words added.
    """
    added = default_chinese_tokenizer().load_user_dictionary(path_or_words, freq=freq)
    _cached_tokenizer.cache_clear()
    return added


def _freeze(value):
    """A hashable key for tokeniser options (lists / sets / dicts of words)."""
    if isinstance(value, (bool, type(None), str, int, float)):
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), str(v)) for k, v in value.items())))
    return ("seq", tuple(sorted(str(v) for v in value)))


def _thaw(value):
    if isinstance(value, tuple) and value and value[0] == "map":
        return dict(value[1])
    if isinstance(value, tuple) and value and value[0] == "seq":
        return list(value[1])
    return value


@lru_cache(maxsize=64)
def _cached_tokenizer(lang, stopwords, stem, slang, user_dict, lowercase, punctuation, keep_signal, zh_list):
    stopwords = _thaw(stopwords)
    if lang == "en":
        return EnglishTokenizer(
            stopwords=stopwords, stem=stem, lowercase=lowercase, punctuation=punctuation, keep_signal=keep_signal
        )
    if lang == "id":
        return IndonesianTokenizer(
            slang=_thaw(slang),
            stopwords=stopwords,
            stem=stem,
            lowercase=lowercase,
            punctuation=punctuation,
            keep_signal=keep_signal,
        )
    if lang == "zh":
        if user_dict is None and stopwords is False and lowercase and punctuation:
            return default_chinese_tokenizer()
        tok = ChineseTokenizer(
            stopwords=stopwords,
            lowercase=lowercase,
            punctuation=punctuation,
            keep_signal=keep_signal,
            zh_list=zh_list,
        )
        if user_dict is None:
            # share the default instance's dictionary (and any user words loaded into it)
            tok._jieba = default_chinese_tokenizer()._jieba
            tok.user_dictionaries = list(default_chinese_tokenizer().user_dictionaries)
        else:
            tok.load_user_dictionary(_thaw(user_dict))
        return tok
    raise ValueError(f"no tokeniser for language {lang!r}; use one of {TOKENIZER_LANGS} or 'auto'")


def get_tokenizer(
    lang: str,
    *,
    stopwords: bool | Iterable[str] = False,
    stem: bool = False,
    slang: bool | Mapping[str, str] = True,
    user_dict: str | Path | Iterable[str] | None = None,
    lowercase: bool = True,
    punctuation: bool = True,
    keep_signal: bool = True,
    zh_list: str = "hit",
):
    """A (cached) tokeniser object for ``lang`` with these options; call it on a text.

    Each has ``split(text)`` (raw tokens) and ``process(tokens)`` (the per-token steps).
    """
    return _cached_tokenizer(
        lang,
        _freeze(stopwords),
        bool(stem),
        _freeze(slang),
        _freeze(user_dict),
        bool(lowercase),
        bool(punctuation),
        bool(keep_signal),
        zh_list,
    )


def tokenize(
    text: str,
    lang: str,
    *,
    stopwords: bool | Iterable[str] = False,
    stem: bool = False,
    slang: bool | Mapping[str, str] = True,
    user_dict: str | Path | Iterable[str] | None = None,
    lowercase: bool = True,
    punctuation: bool = True,
    keep_signal: bool = True,
    zh_list: str = "hit",
    languages: Iterable[str] = DEFAULT_LANGUAGES,
) -> list[str]:
    """Tokenise one post.

    Parameters
    ----------
    text : str
        The post, ideally passed through :func:`depscreen.text.normalise` first (raw
        links and mentions are still kept whole, but not redacted).
    lang : {"zh", "en", "id", "auto"}
        ``"auto"`` detects the language among ``languages``; a text whose language is
        unknown or outside zh / en / id gets the language-neutral regex tokeniser
        (lower case and punctuation options only; no stopwords, slang or stems).
    stopwords : bool or iterable of str
        Remove the language's stopwords (negations and first-person pronouns are kept
        unless ``keep_signal=False``), or the given words.
    stem : bool
        id: Sastrawi (cached); en: plural removal (Harman S-stemmer); zh: no effect.
    slang : bool or mapping
        id only: slang -> formal normalisation (kamus alay + abbreviations), or a table.
    user_dict : path or iterable of words
        zh only: a jieba user dictionary for this call's tokeniser (cached by value).
    lowercase, punctuation, keep_signal : bool
    zh_list : {"hit", "baidu", "cn", "scu", "all"}
        Which shared Chinese stopword list ``stopwords=True`` uses.
    languages : iterable of str
        Candidates for ``lang="auto"``.

    Returns
    -------
    list of str
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a str, got {type(text).__name__}")
    if lang == "auto":
        lang = detect_language(text, languages=tuple(languages))
        if lang not in TOKENIZER_LANGS:
            tokens = regex_tokens(text, lowercase=lowercase)
            return [t for t in tokens if punctuation or not is_punctuation(t)]
    elif lang not in TOKENIZER_LANGS:
        raise ValueError(f"no tokeniser for language {lang!r}; use one of {TOKENIZER_LANGS} or 'auto'")
    tok = get_tokenizer(
        lang,
        stopwords=stopwords,
        stem=stem,
        slang=slang,
        user_dict=user_dict,
        lowercase=lowercase,
        punctuation=punctuation,
        keep_signal=keep_signal,
        zh_list=zh_list,
    )
    return tok(text)
