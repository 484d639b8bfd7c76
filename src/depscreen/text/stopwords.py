"""Stopword lists per language that keep depression signal by default.

Generic stopword lists delete exactly the words that carry signal in depression
research: negations ("not", "tidak", "不") and first-person pronouns ("I", "saya",
"我"), which mark self-focus. With ``keep_signal=True`` (the default) those words are
taken out of every list, so removing stopwords never removes them.

* en: depscreen's own list (``resources/stopwords_en.txt``: scikit-learn's Glasgow
  list minus negations, first-person pronouns and "alone" / "empty" / "cry").
* id: Sastrawi's ``StopWordRemoverFactory`` list (the list used in paper 003).
* zh: a shared list (HIT by default; ``zh_list`` picks baidu / cn / scu / all), or a
  small built-in fallback when the shared data is absent.

>>> "not" in get_stopwords("en"), "the" in get_stopwords("en")
(False, True)
>>> "tidak" in get_stopwords("id"), "tidak" in get_stopwords("id", keep_signal=False)
(False, True)
"""

from __future__ import annotations

from functools import lru_cache

from .resources import load_stopwords_zh, read_word_list, resource_path, signal_words

__all__ = ["get_stopwords", "STOPWORD_LANGS"]

STOPWORD_LANGS = ("en", "id", "zh")

# The words resources/stopwords_en.txt leaves out of scikit-learn's Glasgow list; with
# keep_signal=False they are put back, giving the original list.
_GLASGOW_SIGNAL = frozenset(
    "no not nor never none nobody nothing nowhere neither noone cannot cant couldnt hasnt "
    "without i me my myself mine we us our ours ourselves alone empty cry".split()
)


@lru_cache(maxsize=None)
def _base(lang: str, zh_list: str) -> frozenset[str]:
    if lang == "en":
        return frozenset(read_word_list(resource_path("stopwords_en.txt")))
    if lang == "id":
        from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory

        return frozenset(w.lower() for w in StopWordRemoverFactory().get_stop_words())
    if lang == "zh":
        return load_stopwords_zh(zh_list)
    raise ValueError(f"no stopword list for language {lang!r}; have {STOPWORD_LANGS}")


@lru_cache(maxsize=None)
def get_stopwords(lang: str, *, keep_signal: bool = True, zh_list: str = "hit") -> frozenset[str]:
    """The stopword set of ``lang``.

    Parameters
    ----------
    lang : {"en", "id", "zh"}
    keep_signal : bool
        Leave negations and first-person pronouns out of the list (they are signal).
        ``False`` gives the original lists (for en: the full scikit-learn list).
    zh_list : {"hit", "baidu", "cn", "scu", "all"}
        Which shared Chinese list to use.
    """
    base = _base(lang, zh_list)
    signal = signal_words(lang)
    if keep_signal:
        return frozenset(base - signal)
    if lang == "en":
        return frozenset(base | _GLASGOW_SIGNAL)
    return base
