"""Embedders in front of a cache folder, and the one road from a corpus to vectors.

* :class:`CachedEmbedder` -- any embedder in front of a given
  :class:`~depscreen.embed.store.EmbeddingCache` folder (same name and dim).
* :func:`embed_corpus` -- embed every post of a corpus (users or posts), each distinct
  text once, through the embedder's own cache when it has one; the answer is a
  :class:`CorpusEmbeddings` (flat vectors + per-user offsets).

The stores themselves (on disk, in memory, the process-wide override, purging) live in
:mod:`depscreen.embed.store`; an embedder reads and fills its store through
:func:`depscreen.embed.base.embed_through_cache`.

Example
-------
>>> from depscreen.embed import embed_corpus, get_embedder
>>> emb = get_embedder("use", cache_dir="cache/")            # doctest: +SKIP
>>> out = embed_corpus(emb, corpus, progress=True)           # doctest: +SKIP
>>> out.stats.computed, out.stats.hits                       # doctest: +SKIP
(0, 7731)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from .base import Embedder, embed_through_cache
from .registry import get_embedder
from .store import CacheStats, EmbeddingCache


class CachedEmbedder(Embedder):
    """Any embedder, with its vectors kept in an :class:`EmbeddingCache`.

    Same :attr:`name` and :attr:`dim` as the wrapped embedder, so it can stand in for
    it anywhere. Texts are looked up by their keyed hash; only the missing unique texts are
    embedded, in batches, and committed to disk every ``commit_every`` texts or
    ``commit_seconds`` seconds (whichever comes first) and when the call ends or is
    interrupted. :attr:`stats` accumulates over calls; :attr:`last_stats` is the last
    call's.

    Parameters
    ----------
    embedder : Embedder
        The backend that computes missing vectors.
    cache_dir : path
        Root folder of the cache.
    commit_every : int
        Commit a shard after this many computed texts.
    commit_seconds : float
        ... or after this many seconds of computing, whatever the count.
    """

    def __init__(
        self,
        embedder: Embedder,
        cache_dir: str | Path,
        *,
        commit_every: int = 4096,
        commit_seconds: float = 30.0,
    ):
        super().__init__(normalize=False)  # the wrapped embedder already normalises
        if isinstance(embedder, CachedEmbedder):
            embedder = embedder.embedder
        self.embedder = embedder
        self.backend = embedder.backend
        self.default_batch_size = embedder.default_batch_size
        self.cache_dir = Path(cache_dir)
        self.commit_every = int(commit_every)
        self.commit_seconds = float(commit_seconds)
        self._store = EmbeddingCache(self.cache_dir, embedder.name, embedder.dim)
        self.stats = CacheStats()
        self.last_stats = CacheStats()

    @property
    def dim(self) -> int:
        return self.embedder.dim

    @property
    def name(self) -> str:
        return self.embedder.name

    def options(self) -> dict[str, Any]:
        return self.embedder.options()

    def config(self) -> dict[str, Any]:
        return self.embedder.config()

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return self.embed(texts)

    @property
    def cache(self) -> EmbeddingCache:
        if getattr(self, "_store", None) is None:  # e.g. after a copy
            self._store = EmbeddingCache(self.cache_dir, self.embedder.name, self.embedder.dim)
        return self._store

    def save(self, folder: str | Path) -> Path:
        return self.embedder.save(folder)

    def embed(self, texts: Sequence[str], *, batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """Embed ``texts`` through the cache; see :meth:`Embedder.embed`."""
        vectors, stats = embed_through_cache(self.embedder, self.cache, texts, batch_size=batch_size,
                                             progress=progress, commit_every=self.commit_every,
                                             commit_seconds=self.commit_seconds)
        self.last_stats = stats
        self.stats.add(stats)
        return vectors

    def compute(self, texts: Sequence[str], *, batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        return self.embedder.compute(texts, batch_size=batch_size, progress=progress)


@dataclass
class CorpusEmbeddings:
    """The post vectors of a corpus: one flat array and per-user offsets.

    User ``i``'s posts (in the order they have in the corpus) are
    ``vectors[offsets[i]:offsets[i + 1]]``; ``self[i]`` returns that slice (a view).
    For a post-level corpus every "user" is a single post.
    """

    vectors: np.ndarray
    offsets: np.ndarray
    ids: list[str]
    embedder_name: str
    stats: CacheStats = field(default_factory=CacheStats)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        if not -len(self) <= i < len(self):
            raise IndexError(f"user index {i} out of range for {len(self)} users")
        i %= len(self)
        return self.vectors[self.offsets[i] : self.offsets[i + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self[i] for i in range(len(self)))

    def per_user(self) -> list[np.ndarray]:
        """One ``(n_posts_i, dim)`` array per user (views into :attr:`vectors`)."""
        return list(self)

    @property
    def lengths(self) -> np.ndarray:
        """Posts per user."""
        return np.diff(self.offsets)


def _texts_and_offsets(corpus: Any) -> tuple[list[str], np.ndarray, list[str]]:
    items = list(corpus.items if hasattr(corpus, "items") and not isinstance(corpus, dict) else corpus)
    texts: list[str] = []
    lengths: list[int] = []
    ids: list[str] = []
    for i, item in enumerate(items):
        if hasattr(item, "posts"):  # User
            texts.extend(p.text for p in item.posts)
            lengths.append(len(item.posts))
            ids.append(str(item.user_id))
        elif hasattr(item, "text"):  # PostRecord or Post
            texts.append(item.text)
            lengths.append(1)
            ids.append(str(getattr(item, "id", None) if getattr(item, "id", None) is not None else i))
        elif isinstance(item, str):
            texts.append(item)
            lengths.append(1)
            ids.append(str(i))
        else:
            raise TypeError(f"corpus item #{i} is {type(item).__name__}; expected User, PostRecord or str")
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return texts, offsets, ids


def embed_corpus(
    embedder: Any,
    corpus: Any,
    *,
    batch_size: int | None = None,
    progress: bool = False,
    cache_dir: str | Path | None = None,
) -> CorpusEmbeddings:
    """Embed every post of ``corpus``: the one road from users (or posts) to vectors.

    Each distinct text is embedded once; the embedder's own cache
    (:attr:`~depscreen.embed.base.Embedder.cache_dir`) is read and filled when it has one.

    Parameters
    ----------
    embedder : Embedder, str or duck-typed embedder
        A backend (a ``tfidf-svd`` one must already be fitted); a spec string or saved
        embedder folder is built with :func:`~depscreen.embed.get_embedder` (cached in
        the default place); any object with ``name``, ``dim`` and ``embed(texts)`` works
        too (without a cache).
    corpus : UserCorpus, PostCorpus, list of User, list of PostRecord or list of str
        Posts are taken in the order the corpus holds them (call ``User.sort_posts()``
        first for time order).
    cache_dir : path, optional
        Deprecated: give the embedder its cache instead (``get_embedder(spec,
        cache_dir=...)`` or ``embedder.use_cache(...)``). Used for this call only.

    Returns
    -------
    CorpusEmbeddings
        Flat ``vectors`` + ``offsets``; ``result[i]`` / ``result.per_user()[i]`` is user
        ``i``'s ``(n_posts, dim)``; ``stats`` says what came from the cache.

    Example
    -------
    >>> from depscreen.embed import embed_corpus, get_embedder
    >>> from depscreen.corpus import Post, User
    >>> users = [User("u1", 1, [Post("so tired"), Post("cannot sleep")]), User("u2", 0, [Post("nice run")])]
    >>> emb = get_embedder("tfidf-svd", n_components=2).fit(["so tired", "cannot sleep", "nice run"])
    >>> out = embed_corpus(emb, users)
    >>> out.vectors.shape, [len(v) for v in out.per_user()]
    ((3, 2), [2, 1])
    """
    if _looks_like_embedder(corpus) and not _looks_like_embedder(embedder):
        import warnings

        warnings.warn("embed_corpus(corpus, embedder) is deprecated; call embed_corpus(embedder, corpus)",
                      DeprecationWarning, stacklevel=2)
        embedder, corpus = corpus, embedder
    if isinstance(embedder, (str, Path)):
        embedder = get_embedder(str(embedder))
    if cache_dir is not None and not isinstance(embedder, CachedEmbedder):
        embedder = CachedEmbedder(embedder, cache_dir)
    texts, offsets, ids = _texts_and_offsets(corpus)
    if isinstance(embedder, Embedder) and embedder.cache is not None:
        vectors = embedder.embed(texts, batch_size=batch_size, progress=progress)
        stats = embedder.last_stats
    else:
        start = time.perf_counter()
        keys = texts  # no cache: each distinct text is embedded once, nothing is hashed
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            first.setdefault(key, i)
        unique = [texts[i] for i in first.values()]
        if isinstance(embedder, Embedder):
            unique_vecs = embedder.compute(unique, batch_size=batch_size, progress=progress)
        elif unique:  # duck-typed: name, dim, embed(texts)
            unique_vecs = np.asarray(embedder.embed(unique), dtype=np.float32)
        else:
            unique_vecs = np.zeros((0, int(embedder.dim)), dtype=np.float32)
        position = {key: j for j, key in enumerate(first)}
        vectors = unique_vecs[[position[k] for k in keys]] if keys else unique_vecs
        elapsed = time.perf_counter() - start
        stats = CacheStats(len(texts), len(first), 0, len(first), elapsed, elapsed)
    return CorpusEmbeddings(vectors, offsets, ids, embedder.name, stats)


def _looks_like_embedder(obj: Any) -> bool:
    return isinstance(obj, Embedder) or (
        not isinstance(obj, (str, Path, list, tuple)) and hasattr(obj, "embed") and hasattr(obj, "dim")
        and not hasattr(obj, "users") and not hasattr(obj, "items")
    )
