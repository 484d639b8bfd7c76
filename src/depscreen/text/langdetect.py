"""Language identification per post: a CJK shortcut, then py3langid on a closed set.

Social-media posts are short and full of links, names and emoji, which confuse
character-n-gram identifiers. :func:`detect_language` therefore

1. removes links, mentions, e-mail addresses, hashtags' ``#``, placeholders and emoji;
2. returns ``"unknown"`` when fewer than ``min_chars`` letters remain ("ok", "😭");
3. returns ``"zh"`` when Chinese characters make up at least ``cjk_share`` of the
   letters (and ``"ja"`` when kana do, if ``ja`` is allowed);
4. otherwise asks py3langid restricted to ``languages`` (default zh / en / id: the
   three languages depscreen processes), and returns ``"unknown"`` when its normalised
   probability is below ``min_confidence``.

>>> detect_language("saya tidak bisa tidur lagi")
'id'
>>> detect_language("I can't sleep again")
'en'
>>> detect_language("我又失眠了 https://t.cn/x")
'zh'
>>> detect_language("ok")
'unknown'
"""

from __future__ import annotations

import copy
import re
import threading
from functools import lru_cache
from typing import Iterable, Sequence

from .normalise import handle_emoji, redact

__all__ = ["DEFAULT_LANGUAGES", "detect_language", "detect_languages", "cjk_share"]

DEFAULT_LANGUAGES: tuple[str, ...] = ("zh", "en", "id")
UNKNOWN = "unknown"

_PLACEHOLDER = re.compile(r"<(?:url|user|email|phone|num)>")
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_KANA = re.compile("[\u3040-\u30ff]")
_LETTER = re.compile(r"[^\W\d_]")

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _full_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]):
    # a shallow copy shares the loaded model arrays; set_languages only rebinds slices
    ident = copy.copy(_full_identifier())
    try:
        ident.set_languages(list(languages))
    except ValueError as exc:
        raise ValueError(f"py3langid does not know some of {languages}: {exc}") from None
    return ident


def _strip(text: str) -> str:
    text = redact(text)
    text = _PLACEHOLDER.sub(" ", text)
    text = handle_emoji(text, "remove")
    return text.replace("#", " ")


def cjk_share(text: str) -> float:
    """Share of Chinese characters among the letters of ``text`` (0 when none)."""
    n_letters = len(_LETTER.findall(text))
    return len(_CJK.findall(text)) / n_letters if n_letters else 0.0


def detect_language(
    text: str,
    *,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    min_chars: int = 3,
    min_confidence: float = 0.5,
    cjk_threshold: float = 0.3,
    max_chars: int = 2000,
) -> str:
    """ISO 639-1 code of ``text`` among ``languages``, or ``"unknown"``.

    Parameters
    ----------
    text : str
    languages : sequence of str
        Closed set of candidate languages (py3langid codes).
    min_chars : int
        Fewer letters than this (after removing links, names and emoji): unknown.
    min_confidence : float
        Lowest py3langid probability (normalised over ``languages``) to accept.
    cjk_threshold : float
        Share of Chinese characters from which the text is Chinese without asking the
        model (Chinese posts are often mixed with Latin names and words).
    max_chars : int
        Only the first ``max_chars`` characters are read (long posts do not need more).
    """
    if not isinstance(text, str):
        raise TypeError(f"detect_language expects a str, got {type(text).__name__}")
    languages = tuple(languages)
    if not languages:
        raise ValueError("languages must not be empty")
    clean = _strip(text[:max_chars])
    n_letters = len(_LETTER.findall(clean))
    n_cjk = len(_CJK.findall(clean))
    if n_letters < min_chars:
        # two or more Chinese characters are already a word: "好累" is Chinese
        if "zh" in languages and n_cjk >= 2 and n_cjk == n_letters:
            return "zh"
        return UNKNOWN
    if len(_KANA.findall(clean)) / n_letters >= 0.1:
        return "ja" if "ja" in languages else UNKNOWN
    if "zh" in languages and n_cjk / n_letters >= cjk_threshold:
        return "zh"
    with _lock:  # the identifier object is not documented as thread-safe
        lang, prob = _identifier(languages).classify(clean)
    if prob < min_confidence:
        return UNKNOWN
    return lang


def detect_languages(texts: Iterable[str], **kwargs) -> list[str]:
    """:func:`detect_language` for each text (same keyword options)."""
    return [detect_language(t, **kwargs) for t in texts]
