"""Word boundaries for text vectorisers: Chinese runs segmented into words by jieba.

scikit-learn's token pattern treats a run of Chinese characters as one "word", so a
TF-IDF model on Weibo posts learns whole clauses. :func:`segment_cjk` puts spaces between
the jieba words of every run of CJK characters and leaves everything else (Latin script,
digits, emoji, punctuation) as it was, so English and Indonesian text is unchanged and a
vectoriser with :data:`TOKEN_PATTERN` sees Chinese words, single-character words included.

>>> segment_cjk("我今天好累 so tired")
'我 今天 好 累 so tired'
>>> segment_cjk("no chinese here") == "no chinese here"
True
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["TOKEN_PATTERN", "has_cjk", "segment_cjk"]

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SPACES = re.compile(r" {2,}")

#: scikit-learn's default word pattern (two or more word characters) plus any single
#: CJK character, so one-character Chinese words (累, 哭) stay features.
TOKEN_PATTERN = r"(?u)\b\w\w+\b|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"


def has_cjk(text: str) -> bool:
    """True when ``text`` holds at least one CJK ideograph."""
    return _CJK_RUN.search(text) is not None


@lru_cache(maxsize=1)
def _jieba():
    from .zh import _fresh_jieba

    return _fresh_jieba()


def segment_cjk(text: str) -> str:
    """``text`` with every CJK run split into jieba words separated by spaces."""
    if not has_cjk(text):
        return text
    jb = _jieba()
    spaced = _CJK_RUN.sub(lambda m: f" {' '.join(jb.lcut(m.group(0), HMM=True))} ", text)
    return _SPACES.sub(" ", spaced).strip()
