"""Forget every cached word table and tokeniser (after the data folder changed, or in tests).

The loaders of :mod:`depscreen.text.resources`, the stopword lists of
:mod:`depscreen.text.stopwords` and the tokenisers of :mod:`depscreen.text.tokenizers`
are each cached. :func:`clear_caches` is here, above all three, so that
``resources`` (which the other two read) does not import them back.
"""

from __future__ import annotations

from . import resources, stopwords, tokenizers

__all__ = ["clear_caches"]


def clear_caches() -> None:
    """Forget every loaded table and tokeniser (after the data folder changed, or in tests)."""
    resources.clear_table_caches()
    stopwords._base.cache_clear()
    stopwords.get_stopwords.cache_clear()
    tokenizers._cached_tokenizer.cache_clear()
