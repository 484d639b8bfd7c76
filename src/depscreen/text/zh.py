"""Chinese tokenisation with jieba, each tokeniser holding its own jieba dictionary.

jieba's module-level functions share one global dictionary: a user dictionary loaded
by one part of a program would change segmentation everywhere. :class:`ChineseTokenizer`
wraps a private ``jieba.Tokenizer()`` instead, so user dictionaries (the Sogou internet
words, a domain lexicon) stay where they were loaded.

Placeholders, emoji, emoticons, mentions, hashtags and ``...`` / ``!!`` are cut out
before jieba sees the text, so they come back whole.

>>> tok = ChineseTokenizer()
>>> tok("我今天确诊了抑郁症...<url> 😭")
['我', '今天', '确诊', '了', '抑郁症', '...', '<url>', '😭']
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterable

import jieba

from .en import PROTECTED, _resolve_stopwords, fold_case, is_punctuation

__all__ = ["ChineseTokenizer"]

jieba.setLogLevel(logging.WARNING)  # jieba prints "Building prefix dict..." otherwise

_ENTRY = re.compile(r"^(?P<word>.+?)(?:\s+(?P<freq>\d+))?(?:\s+(?P<tag>[A-Za-z]+))?$")


_template: jieba.Tokenizer | None = None


def _fresh_jieba() -> jieba.Tokenizer:
    """A new jieba dictionary, copied from one loaded template (loading takes ~1 s,
    copying the frequency table a fraction of that)."""
    global _template
    if _template is None:
        _template = jieba.Tokenizer()
        _template.initialize()
    fresh = jieba.Tokenizer()
    fresh.FREQ = dict(_template.FREQ)
    fresh.total = _template.total
    fresh.initialized = True
    return fresh


class ChineseTokenizer:
    """jieba segmentation with a private dictionary, optional user dictionaries and stopwords.

    Parameters
    ----------
    user_dict : str, Path, iterable of str, or None
        Loaded with :meth:`load_user_dictionary` at construction.
    stopwords : bool or iterable of str
        ``True`` removes the shared Chinese stopword list (HIT by default, see
        ``zh_list``) minus negations / first-person pronouns when ``keep_signal``.
    hmm : bool
        Let jieba's HMM find words that are in no dictionary.
    lowercase : bool
        Lower-case Latin-script tokens.
    punctuation : bool
        Keep punctuation tokens (Chinese and ASCII).
    zh_list : {"hit", "baidu", "cn", "scu", "all"}
    """

    lang = "zh"

    def __init__(
        self,
        user_dict: str | Path | Iterable[str] | None = None,
        *,
        stopwords: bool | Iterable[str] = False,
        hmm: bool = True,
        lowercase: bool = True,
        punctuation: bool = True,
        keep_signal: bool = True,
        zh_list: str = "hit",
    ):
        self.stopwords = stopwords
        self.hmm = hmm
        self.lowercase = lowercase
        self.punctuation = punctuation
        self.keep_signal = keep_signal
        self.zh_list = zh_list
        self._jieba = _fresh_jieba()
        self._stop = self._resolve_zh_stopwords(stopwords, keep_signal, zh_list)
        self.user_dictionaries: list[str] = []
        if user_dict is not None:
            self.load_user_dictionary(user_dict)

    @staticmethod
    def _resolve_zh_stopwords(stopwords, keep_signal: bool, zh_list: str) -> frozenset[str]:
        if stopwords is True:
            from .stopwords import get_stopwords

            return get_stopwords("zh", keep_signal=keep_signal, zh_list=zh_list)
        return _resolve_stopwords("zh", stopwords, keep_signal)

    def load_user_dictionary(self, path_or_words: str | Path | Iterable[str], freq: int | None = None) -> int:
        """Add words to this tokeniser's dictionary; returns how many were added.

        ``path_or_words`` is a file in jieba's user-dictionary format (``word [freq]
        [tag]`` a line; a bare word list such as the Sogou internet words works too), or
        an iterable of words. Words without a frequency get ``freq`` or, when None,
        jieba's suggested frequency, which makes the word win over its own pieces.
        """
        if isinstance(path_or_words, (str, Path)):
            path = Path(path_or_words)
            if not path.exists():
                raise FileNotFoundError(f"user dictionary not found: {path}")
            from .resources import read_word_list

            lines = read_word_list(path)
            name = str(path)
        else:
            lines = [str(w) for w in path_or_words]
            name = f"<{len(lines)} words>"
        added = 0
        for line_no, line in enumerate(lines, start=1):
            line = line.strip()
            if not line:
                continue
            match = _ENTRY.match(line)
            if match is None:  # pragma: no cover - the pattern accepts any non-empty line
                raise ValueError(f"{name}:{line_no}: not a dictionary entry")
            word = match.group("word").strip()
            entry_freq = int(match.group("freq")) if match.group("freq") else freq
            self._jieba.add_word(word, freq=entry_freq, tag=match.group("tag"))
            added += 1
        self.user_dictionaries.append(name)
        return added

    def add_word(self, word: str, freq: int | None = None) -> None:
        """Add one word (jieba suggests a frequency that keeps it whole)."""
        self._jieba.add_word(word, freq=freq)

    def cut(self, text: str) -> list[str]:
        """Raw segmentation: protected units whole, jieba for the rest, no spaces."""
        tokens: list[str] = []
        pos = 0
        for match in PROTECTED.finditer(text):
            if match.start() > pos:
                tokens.extend(self._jieba.cut(text[pos : match.start()], HMM=self.hmm))
            tokens.append(match.group(0))
            pos = match.end()
        if pos < len(text):
            tokens.extend(self._jieba.cut(text[pos:], HMM=self.hmm))
        return [t.strip() for t in tokens if t.strip()]

    def __call__(self, text: str) -> list[str]:
        return self.process(self.cut(text))

    def split(self, text: str) -> list[str]:
        """Same as :meth:`cut` (the splitter every tokeniser exposes)."""
        return self.cut(text)

    def process(self, tokens: Iterable[str]) -> list[str]:
        """Case folding (Latin script), punctuation and stopword removal."""
        out = []
        for tok in tokens:
            if self.lowercase:
                tok = fold_case(tok)
            if not self.punctuation and is_punctuation(tok):
                continue
            if self._stop and tok in self._stop:
                continue
            out.append(tok)
        return out
