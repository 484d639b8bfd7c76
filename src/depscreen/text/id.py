"""Indonesian tokenisation: case folding, slang normalisation, stopwords, Sastrawi stems.

The steps of paper 003's preprocessing, each optional, in this order:

1. regex tokens (shared with English: placeholders, emoji, emoticons, ``anak-anak``
   and ``wkwk`` stay whole), lower-cased;
2. slang -> formal with kamus alay + the abbreviation list + a small built-in list
   (:func:`depscreen.text.resources.load_slang_dictionary`); an expansion may be several
   words ("gpp" -> "tidak apa-apa"). An elongated form not in the dictionary
   ("sedihhh") is reduced to a known root word or slang entry when that exists;
3. stopwords: Sastrawi's list, keeping negations and first-person pronouns unless
   ``keep_signal=False``;
4. optional Sastrawi stemming. Sastrawi is slow and over-stems, so it is off by default
   and every stem is cached per tokeniser.

>>> tok = IndonesianTokenizer(slang={"gw": "saya", "bgt": "banget"}, stopwords=True)
>>> tok("Gw sedih bgt, gak bisa tidur...")
['saya', 'sedih', 'banget', ',', 'gak', 'tidur', '...']
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from .en import _resolve_stopwords, fold_case, is_punctuation, regex_tokens

__all__ = ["IndonesianTokenizer"]

_RUNS = re.compile(r"([^\W\d_])\1+")


class IndonesianTokenizer:
    """Tokeniser for Indonesian social-media text.

    Parameters
    ----------
    slang : bool, mapping or None
        ``True`` uses :func:`~depscreen.text.resources.load_slang_dictionary` (shared
        kamus alay and abbreviations when present, plus a small built-in list); a mapping
        is used as the slang -> formal table; ``False`` / ``None`` switches the step off.
    stopwords : bool or iterable of str
        ``True`` removes Sastrawi's stopwords (minus signal words when ``keep_signal``).
    stem : bool
        Sastrawi stemming (cached).
    lowercase, punctuation, keep_signal : bool
        As for :class:`depscreen.text.en.EnglishTokenizer`.
    """

    lang = "id"

    def __init__(
        self,
        *,
        slang: bool | Mapping[str, str] | None = True,
        stopwords: bool | Iterable[str] = False,
        stem: bool = False,
        lowercase: bool = True,
        punctuation: bool = True,
        keep_signal: bool = True,
    ):
        self.slang = slang
        self.stopwords = stopwords
        self.stem = stem
        self.lowercase = lowercase
        self.punctuation = punctuation
        self.keep_signal = keep_signal
        if slang is True:
            from .resources import load_slang_dictionary

            self._slang = load_slang_dictionary()
        elif slang:
            self._slang = {str(k).lower(): str(v).lower() for k, v in dict(slang).items()}
        else:
            self._slang = {}
        self._stop = _resolve_stopwords("id", stopwords, keep_signal)
        self._stemmer = None
        self._roots: frozenset[str] | None = None
        self._stem_cache: dict[str, str] = {}

    @property
    def slang_size(self) -> int:
        """Number of entries in the slang table in use."""
        return len(self._slang)

    def _root_words(self) -> frozenset[str]:
        if self._roots is None:
            from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

            self._roots = frozenset(StemmerFactory().get_words())
        return self._roots

    def normalise_slang(self, token: str) -> list[str]:
        """Formal word(s) for ``token``; the token itself when nothing is known."""
        table = self._slang
        key = token.lower()
        if key in table:
            return table[key].split()
        if _RUNS.search(key) and key not in self._root_words():
            collapsed = _RUNS.sub(r"\1", key)
            if collapsed in table:
                return table[collapsed].split()
            if collapsed in self._root_words():
                return [collapsed]
        return [token]

    def stem_word(self, word: str) -> str:
        """Sastrawi stem of one word (cached); non-words are returned unchanged."""
        if not word[:1].isalpha() or not word.replace("-", "").isalpha():
            return word
        cached = self._stem_cache.get(word)
        if cached is None:
            if self._stemmer is None:
                from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

                self._stemmer = StemmerFactory().create_stemmer()
            cached = self._stemmer.stem(word) or word
            self._stem_cache[word] = cached
        return cached

    def __call__(self, text: str) -> list[str]:
        return self.process(self.split(text))

    def split(self, text: str) -> list[str]:
        """Raw regex tokens (no case folding, no filtering)."""
        return regex_tokens(text, lowercase=False)

    def process(self, tokens: Iterable[str]) -> list[str]:
        """Case folding, slang, punctuation / stopword removal and stems, in that order."""
        out: list[str] = []
        for tok in tokens:
            if self.lowercase:
                tok = fold_case(tok)
            if not self.punctuation and is_punctuation(tok):
                continue
            words = self.normalise_slang(tok) if self._slang and tok[:1].isalpha() else [tok]
            for word in words:
                if self._stop and word.lower() in self._stop:
                    continue
                if self.stem:
                    word = self.stem_word(word)
                out.append(word)
        return out
