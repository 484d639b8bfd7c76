"""Sentence embeddings behind one interface, an on-disk cache, and word vectors.

* :func:`get_embedder` -- ``"use"`` (default), ``"e5"``, ``"hf:PATH"``, ``"tfidf-svd"`` or a
  saved embedder folder; the embedder owns its on-disk cache (``cache_dir``, default
  ``DEPSCREEN_CACHE_DIR`` or ``~/.cache/depscreen/embeddings``).
* :class:`Embedder` -- ``name``, ``dim``, ``embed(texts) -> float32 (n, dim)``, ``config()``,
  ``save(folder)``; :func:`load_embedder` reads a saved folder back.
* :func:`embed_corpus` -- the one road from users (or posts) to vectors:
  ``embed_corpus(embedder, users).per_user()``.
* :class:`EmbeddingCache` -- vectors on disk per embedder name, keyed by HMAC-SHA256 of
  the text under the folder's secret; :class:`MemoryCache` the same in this process only
  (bounded); :func:`purge_cache` removes what a cache folder holds;
  :class:`CachedEmbedder` puts any embedder in front of a given cache folder.
* :mod:`depscreen.embed.wordvectors` -- gensim word vectors (lexicon, FastText features).
"""

from .base import Embedder, EmbedderNotReadyError, l2_normalize
from .cache import CachedEmbedder, CorpusEmbeddings, embed_corpus
from .registry import BACKENDS, DEFAULT_BACKEND, embedder_from_config, get_embedder, load_embedder
from .store import CacheStats, EmbeddingCache, MemoryCache, default_cache_dir, purge_cache, set_process_cache, text_key

__all__ = [
    "BACKENDS",
    "CacheStats",
    "CachedEmbedder",
    "CorpusEmbeddings",
    "DEFAULT_BACKEND",
    "Embedder",
    "EmbedderNotReadyError",
    "EmbeddingCache",
    "MemoryCache",
    "default_cache_dir",
    "embed_corpus",
    "embedder_from_config",
    "get_embedder",
    "l2_normalize",
    "load_embedder",
    "purge_cache",
    "set_process_cache",
    "text_key",
]
