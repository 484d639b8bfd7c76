"""The work done on one shard, the same whichever engine runs it.

A job is a small picklable object: :meth:`setup` loads what is expensive (the model,
the embedder) once per worker, and calling it with a task (one shard) does the work and
returns a flat result dict of plain values (:data:`RESULT_KEYS`) -- counts, timings,
names, hashes and an error message; never post text. Errors of one shard are caught and
returned (``ok = False``) so that the other shards go on; the caller records them.

:class:`ScoreJob` scores a shard with :func:`depscreen.api.score_file` (streamed, batch
by batch through :func:`depscreen.api.iter_scores`, written to a temporary name and
renamed): the local engine and Ray run the very same code, so they give the same answers.
:class:`EmbedJob` fills an embedding cache with a shard's posts through
:func:`depscreen.embed.embed_corpus`.
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from pathlib import Path
from typing import Any

from .shards import file_sha256, iter_shard

#: Every result dict has these keys (plain str / int / float / bool values).
#: ``started`` is the wall-clock time (epoch seconds) the shard began, ``cpu_seconds`` the
#: CPU time the worker spent on it: together with ``seconds`` they show start-up costs and
#: time a worker waited rather than computed.
RESULT_KEYS = ("name", "ok", "n_items", "n_posts", "computed", "hits", "seconds", "cpu_seconds", "started",
               "sha256", "output", "error", "worker", "peak_rss_mb")


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: ``VmHWM`` on Linux (``ru_maxrss``
    would carry over the high-water mark of a forking parent), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    except (ImportError, OSError):  # pragma: no cover - not POSIX
        return 0.0


class _Clock:
    """Wall and CPU time of one shard's work, from its start."""

    def __init__(self):
        self.started = time.time()
        self.t0 = time.perf_counter()
        self.cpu0 = time.process_time()

    def fields(self) -> dict[str, float]:
        return {"started": self.started, "seconds": time.perf_counter() - self.t0,
                "cpu_seconds": time.process_time() - self.cpu0}


def _result(name: str, clock: _Clock, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "ok": True, "n_items": 0, "n_posts": 0, "computed": 0, "hits": 0,
                           **clock.fields(), "sha256": "", "output": "", "error": "",
                           "worker": f"{socket.gethostname()}:{os.getpid()}", "peak_rss_mb": 0.0}
    out.update(fields)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _error(exc: BaseException) -> str:
    # library errors name the file, line and field; they never carry post text
    return f"{type(exc).__name__}: {exc}"[:500]


class ScoreJob:
    """Score one shard with a saved model into ``out_dir/<stem>.<fmt>``.

    Parameters
    ----------
    model_dir : a folder written by :func:`depscreen.api.save` (every worker must see it).
    out_dir : the output folder (shared by every worker).
    fmt : ``"parquet"`` or ``"csv"``.
    batch_size : users (or posts) per forward pass; memory is bounded by one batch.
    explain : also write ``<stem>.explanations.jsonl``.
    per_post : score every post with a post-level model.
    cache_dir : the embedding cache folder for models that embed (every worker must see
        it); None keeps the worker's default (``DEPSCREEN_CACHE_DIR``).
    """

    def __init__(self, model_dir: str | Path, out_dir: str | Path, *, fmt: str = "parquet",
                 batch_size: int = 512, explain: bool = False, per_post: bool = False,
                 cache_dir: str | Path | None = None):
        self.model_dir = str(model_dir)
        self.out_dir = str(out_dir)
        self.fmt = fmt
        self.batch_size = batch_size
        self.explain = explain
        self.per_post = per_post
        self.cache_dir = None if cache_dir is None else str(cache_dir)
        self.model = None

    def setup(self) -> "ScoreJob":
        if self.cache_dir is not None:
            os.environ["DEPSCREEN_CACHE_DIR"] = self.cache_dir
        from .. import api

        self.model = api.load(self.model_dir)
        return self

    def outputs(self, stem: str) -> tuple[Path, Path | None]:
        out = Path(self.out_dir) / f"{stem}.{self.fmt}"
        exp = Path(self.out_dir) / f"{stem}.explanations.jsonl" if self.explain else None
        return out, exp

    def __call__(self, task: dict[str, Any]) -> dict[str, Any]:
        from .. import api

        name, path, stem = str(task["name"]), str(task["path"]), str(task["stem"])
        clock = _Clock()
        try:
            if self.model is None:
                self.setup()
            digest = file_sha256(path)
            stream = iter_shard(path, batch_rows=self.batch_size)
            first = next(stream, None)
            if first is None:  # an empty shard: nothing to write
                return _result(name, clock, sha256=digest)
            out, exp = self.outputs(stem)
            summary = api.score_file(self.model, itertools.chain([first], stream), out, explain_out=exp,
                                     per_post=self.per_post, batch_size=self.batch_size)
            return _result(name, clock, n_items=summary["n_items"], sha256=digest, output=out.name)
        except Exception as exc:
            return _result(name, clock, ok=False, error=_error(exc))


class EmbedJob:
    """Embed every post of one shard into a shared embedding cache.

    Parameters
    ----------
    spec : an embedder spec (``use``, ``e5``, ``hf:PATH``) or a saved embedder folder.
    cache_dir : the cache folder every worker sees (required: the cache is the output).
    options : backend options.
    batch_size : texts per forward pass (None: the backend's default).
    users_per_chunk : users read and embedded at a time (bounds memory).
    """

    def __init__(self, spec: str, cache_dir: str | Path, *, options: dict[str, Any] | None = None,
                 batch_size: int | None = None, users_per_chunk: int = 2048):
        self.spec = str(spec)
        self.cache_dir = str(cache_dir)
        self.options = dict(options or {})
        self.batch_size = batch_size
        self.users_per_chunk = users_per_chunk
        self.embedder = None

    def setup(self) -> "EmbedJob":
        from ..embed import get_embedder

        embedder = get_embedder(self.spec, cache_dir=self.cache_dir, **self.options)
        if not getattr(embedder, "is_fitted", True):
            raise ValueError(f"embedder '{self.spec}' must be fitted first (give the folder of a saved, fitted one)")
        self.embedder = embedder
        return self

    def __call__(self, task: dict[str, Any]) -> dict[str, Any]:
        from ..embed import embed_corpus

        name, path = str(task["name"]), str(task["path"])
        clock = _Clock()
        n_items = n_posts = computed = hits = 0
        try:
            if self.embedder is None:
                self.setup()
            digest = file_sha256(path)
            stream = iter_shard(path, batch_rows=self.users_per_chunk)
            while True:
                chunk = list(itertools.islice(stream, self.users_per_chunk))
                if not chunk:
                    break
                stats = embed_corpus(self.embedder, chunk, batch_size=self.batch_size).stats
                n_items += len(chunk)
                n_posts += stats.texts
                computed += stats.computed
                hits += stats.hits
            return _result(name, clock, n_items=n_items, n_posts=n_posts, computed=computed, hits=hits,
                           sha256=digest)
        except Exception as exc:
            return _result(name, clock, ok=False, error=_error(exc))
