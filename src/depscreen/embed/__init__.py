"""Sentence embeddings behind one interface, an on-disk cache, and word vectors.

* :func:`get_embedder` -- ``"use"`` (default), ``"e5"``, ``"hf:PATH"``, ``"tfidf-svd"``.
* :class:`Embedder` -- ``name``, ``dim``, ``embed(texts) -> float32 (n, dim)``, ``config()``.
* :class:`CachedEmbedder` / :class:`EmbeddingCache` -- vectors on disk keyed by embedder
  name and sha256 of the text; :func:`embed_corpus` -- per-user arrays for user models.
* :mod:`depscreen.embed.wordvectors` -- gensim word vectors (lexicon, FastText features).
"""

from .base import Embedder, EmbedderNotReadyError, l2_normalize
from .cache import CachedEmbedder, CacheStats, CorpusEmbeddings, EmbeddingCache, embed_corpus, text_key
from .registry import BACKENDS, DEFAULT_BACKEND, embedder_from_config, get_embedder

__all__ = [
    "BACKENDS",
    "CacheStats",
    "CachedEmbedder",
    "CorpusEmbeddings",
    "DEFAULT_BACKEND",
    "Embedder",
    "EmbedderNotReadyError",
    "EmbeddingCache",
    "embed_corpus",
    "embedder_from_config",
    "get_embedder",
    "l2_normalize",
    "text_key",
]
