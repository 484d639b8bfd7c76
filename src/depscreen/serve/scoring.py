"""Where the service's scoring runs: worker processes that a timeout can stop.

A request's scoring runs in one of ``workers`` worker processes (:class:`ProcessScorer`),
each of which loads the model once at start-up, warms it up and then scores one job at a
time. A job that runs past the timeout is not left running: its worker is killed
(``SIGKILL``: it stops using CPU at once) and a fresh one is started in its place, so
``workers`` x ``timeout`` bounds the CPU any client can take, however large its input.
While a replacement loads the model, requests wait for the other workers (within their
own timeout).

Each worker caches embeddings in its own memory (a bounded
:class:`~depscreen.embed.store.MemoryCache`, :func:`~depscreen.embed.store.set_process_cache`)
unless the service was told to keep a disk cache: nothing about a screened post is
written to disk by default, and a worker's memory goes with it when it is replaced or
the service stops.

Threads of the serving process (:class:`ThreadScorer`) are the other way: what a
fitted model object (no folder to load from) always gets, and what
:class:`~depscreen.serve.Settings` ``isolation="thread"`` asks for. A timeout answers 504
but cannot stop that work. Embeddings are cached in memory there too (a
:func:`~depscreen.embed.store.cache_scope` around each job).

The jobs (:func:`score_users`, :func:`score_posts`, :func:`warm_up`) are plain functions
of the model, so the same code runs in a worker process and in a thread.

Example
-------
>>> scorer = ProcessScorer("models/x", workers=2, timeout_s=30)   # doctest: +SKIP
>>> scorer.start()                                                  # doctest: +SKIP
>>> out = await scorer.run(score_users, users, True, 5, True)       # doctest: +SKIP
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable, Sequence

import anyio

log = logging.getLogger("depscreen.serve")

#: what the fork server imports before it forks workers: only this module, which starts no
#: thread (numpy's BLAS pool and pyarrow's allocator thread would be copied mid-flight into
#: every fork); each worker imports the model's libraries itself
PRELOAD = ["depscreen.serve.scoring"]
WARM_TEXTS = ("warm up the model", "模型预热一下", "pemanasan model dulu")


class ScoringTimeout(Exception):
    """The job ran (or waited for a worker) longer than the timeout; its work was stopped."""


class ScoringFailed(Exception):
    """The model could not score the input; :attr:`kind` names the original error type
    (never its message, which could quote the input)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


# ------------------------------------------------------------------------------ jobs
def languages(texts: Sequence[str], given: Sequence[str | None]) -> list[str]:
    """The given language of each text, or the detected one."""
    from ..text.langdetect import detect_language

    return [g or detect_language(t) for t, g in zip(texts, given)]


def score_users(model: Any, users: list, explain: bool, top_k: int, langs: bool) -> dict[str, Any]:
    """Score corpus ``User`` objects in one batch: predictions, posts per user, and the
    language of every post when ``langs``."""
    from ..api import score

    preds = score(model, users, explain=explain, top_k=top_k, batch_size=max(1, len(users)))
    found = [languages(u.texts, [p.lang for p in u.posts]) for u in users] if langs else None
    return {"preds": preds, "n_posts": [len(u.posts) for u in users], "langs": found}


def score_posts(model: Any, records: list, explain: bool, top_k: int, langs: bool) -> dict[str, Any]:
    """Score ``PostRecord`` objects in one batch (a post-level model)."""
    from ..api import score

    preds = score(model, records, explain=explain, top_k=top_k, batch_size=max(1, len(records)))
    found = [[lang] for lang in languages([r.text for r in records], [None] * len(records))] if langs else None
    return {"preds": preds, "langs": found}


def warm_up(model: Any) -> None:
    """One tiny forward pass in three languages, languages detected, so that the first
    request does not pay for lazy loading (tokenisers, encoders); it fails
    (:class:`depscreen.api.ModelNotReady`) unless the probe's scores are finite numbers, so
    ``/readyz`` never says ready for a model that cannot score."""
    from ..api import check_ready

    check_ready(model)  # scores a probe: ModelNotReady unless the scores are finite (/readyz stays 503)
    languages(list(WARM_TEXTS), [None] * len(WARM_TEXTS))


# ------------------------------------------------------------------------- in threads
class ThreadScorer:
    """Jobs in threads of this process (at most ``workers`` at once). For a fitted model
    object, which cannot be sent to a worker process: a timeout answers at once, but the
    job runs on to its end."""

    stops_work = False

    def __init__(self, model: Any, *, workers: int, timeout_s: float, cache: Any = ":memory:",
                 memory_items: int = 20_000):
        self.model = model
        self.workers = int(workers)
        self.timeout_s = float(timeout_s)
        self.cache = cache
        self.memory_items = int(memory_items)
        self.capacity = anyio.CapacityLimiter(self.workers)
        self.ready = False
        self.warm_error: str | None = None

    def _in_scope(self, fn: Callable[..., Any], *args: Any) -> Any:
        from ..embed.store import cache_scope

        with cache_scope(self.cache, max_items=self.memory_items):  # this thread's embedders only
            return fn(*args)

    def start(self, warm: bool = True) -> None:
        if warm:
            try:
                self._in_scope(warm_up, self.model)
            except Exception as exc:  # noqa: BLE001 - reported by /readyz, never with input text
                self.warm_error = type(exc).__name__
                log.warning("warm-up failed: %s", self.warm_error)
                return
        self.ready = True

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            with anyio.fail_after(self.timeout_s):
                return await anyio.to_thread.run_sync(self._in_scope, fn, self.model, *args,
                                                      limiter=self.capacity, abandon_on_cancel=True)
        except TimeoutError:
            raise ScoringTimeout(f"scoring took longer than {self.timeout_s:g} s") from None
        except Exception as exc:  # noqa: BLE001 - the type only: a message could quote input
            raise ScoringFailed(type(exc).__name__) from None

    def close(self) -> None:
        self.ready = False


# ------------------------------------------------------------------ in worker processes
def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent dies (no orphans)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the worker ends when its pipe closes
        pass


def _worker_main(conn, folder: str, cache: Any, memory_items: int, warm: bool, parent: int) -> None:
    """A worker: load the model once, warm up, then run jobs until the pipe closes."""
    _die_with_parent()  # with forkserver the parent is the fork server, which ends with the server
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops its workers
    try:
        from ..api import load
        from ..embed.store import set_process_cache

        set_process_cache(cache, max_items=memory_items)
        model = load(folder)
        if warm:
            warm_up(model)
    except BaseException as exc:  # noqa: BLE001 - one line for the log and /readyz
        first = str(exc).splitlines()[0] if str(exc) else ""
        conn.send(("failed", f"{type(exc).__name__}: {first}"[:500]))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result = ("ok", fn(model, *args))
        except Exception as exc:  # noqa: BLE001 - the type only: a message could quote input
            result = ("error", type(exc).__name__)
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx, folder: str, cache: Any, memory_items: int, warm: bool):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, name="depscreen-scorer",
                                   args=(child, folder, cache, memory_items, warm, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.started = time.monotonic()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def wait_ready_blocking(self, timeout: float) -> str | None:
        """Block until the worker is ready; its one-line error if it failed or hung."""
        if not self.conn.poll(timeout):
            return f"the worker did not load the model within {timeout:g} s"
        return self._take_ready()

    def _take_ready(self) -> str | None:
        try:
            kind, detail = self.conn.recv()
        except (EOFError, OSError):
            return f"the worker exited while loading the model (exit code {self.process.exitcode})"
        if kind == "ready":
            self.ready = True
            return None
        return str(detail)

    async def _readable(self) -> None:
        """Wait (without blocking the event loop) until the worker has written; then make
        the pipe blocking again (the event loop's reader may have made it non-blocking, and
        ``Connection`` reads and writes whole messages only on a blocking pipe)."""
        fd = self.conn.fileno()
        await anyio.wait_readable(fd)
        os.set_blocking(fd, True)

    async def wait_ready(self) -> str | None:
        await self._readable()
        return self._take_ready()

    async def call(self, fn: Callable[..., Any], args: tuple) -> tuple[str, Any]:
        """Send one job and wait for its answer: ``("ok", result)`` or ``("error", kind)``."""
        os.set_blocking(self.conn.fileno(), True)  # the idle worker reads it at once
        self.conn.send((fn, args))
        await self._readable()
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            raise ScoringFailed("WorkerExited") from None

    def kill(self) -> None:
        """Stop the worker now (SIGKILL: no more CPU from this job) and reap it."""
        try:
            self.process.kill()
            self.process.join(timeout=5)
        except (OSError, ValueError, AssertionError):
            pass
        try:
            self.conn.close()
        except OSError:
            pass

    def cpu_seconds(self) -> float | None:
        """User + system CPU seconds of the worker (Linux ``/proc``), None when gone."""
        return process_cpu_seconds(self.pid)


def process_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of process ``pid`` from ``/proc/PID/stat`` (Linux), or
    None when it is gone (or not on Linux)."""
    if pid is None:
        return None
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # a zombie has stopped
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _log_replaced(pid: int | None, reason: str) -> None:
    from .middleware import log_event

    log_event("scoring_worker_replaced", level=logging.WARNING, pid=pid, reason=reason)


class ProcessScorer:
    """Jobs in ``workers`` worker processes, each with the model of ``folder`` loaded
    once; a job past ``timeout_s`` has its worker killed and replaced.

    Parameters
    ----------
    folder : path
        The model folder (``depscreen.load``).
    workers : int
        Worker processes: jobs scored at the same time.
    timeout_s : float
        Longest time a job may take, waiting for a worker included.
    cache : ``":memory:"``, a folder or None
        Where each worker caches embeddings (:func:`~depscreen.embed.store.set_process_cache`).
    memory_items : int
        Vectors each worker's memory cache keeps.
    start_method : str
        ``"forkserver"`` (default: workers fork from a small clean server process that
        has imported depscreen once) or ``"spawn"``.
    load_timeout_s : float
        Longest time a worker may take to load and warm up the model.
    """

    stops_work = True

    def __init__(self, folder: str | Path, *, workers: int, timeout_s: float, cache: Any = ":memory:",
                 memory_items: int = 20_000, start_method: str = "forkserver", warm: bool = True,
                 load_timeout_s: float = 600.0):
        self.folder = str(folder)
        self.workers = int(workers)
        self.timeout_s = float(timeout_s)
        self.cache = cache if cache is None or cache == ":memory:" else str(cache)
        self.memory_items = int(memory_items)
        self.start_method = start_method
        self.warm = warm
        self.load_timeout_s = float(load_timeout_s)
        self.ready = False
        self.warm_error: str | None = None
        self.replaced = 0  # workers killed on timeout (or lost) and replaced
        self._idle: deque[_Worker] = deque()
        self._all: set[_Worker] = set()
        self._slots: anyio.Semaphore | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._started = False

    def _context(self):
        ctx = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            ctx.set_forkserver_preload(PRELOAD)
        return ctx

    def _new_worker(self) -> _Worker:
        worker = _Worker(self._context(), self.folder, self.cache, self.memory_items, self.warm)
        with self._lock:
            self._all.add(worker)
        return worker

    def start(self, warm: bool | None = None) -> None:
        """Start the workers and wait until each has loaded the model and, with ``warm``
        (default: as constructed), run one tiny forward pass (or one failed:
        :attr:`ready` stays False and :attr:`warm_error` says why, in one line)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        if warm is not None:
            self.warm = bool(warm)
        started = [self._new_worker() for _ in range(self.workers)]
        for worker in started:
            error = worker.wait_ready_blocking(self.load_timeout_s)
            if error is not None:
                self.warm_error = error
                log.warning("scoring worker failed to start: %s", error)
                self.close()
                return
        self._idle.extend(started)
        self.ready = True
        log.info("scoring workers ready: %d processes (%s)", self.workers,
                 ", ".join(str(w.pid) for w in started))

    @property
    def pids(self) -> list[int]:
        """Process ids of the current workers."""
        with self._lock:
            return sorted(w.pid for w in self._all if w.pid is not None)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(model, *args)`` in a worker; :class:`ScoringTimeout` past the timeout (the
        worker is killed and replaced), :class:`ScoringFailed` when the model raised."""
        if not self._started:  # never warmed up (create_app(..., warm_up=False)): start now
            await anyio.to_thread.run_sync(self.start)
        if not self.ready or self._closed:
            raise ScoringFailed("NotReady")
        if self._slots is None:  # made here, inside the event loop that serves
            self._slots = anyio.Semaphore(self.workers)
        worker: _Worker | None = None
        try:
            with anyio.fail_after(self.timeout_s):
                async with self._slots:
                    worker = self._idle.popleft()
                    sent = False
                    try:
                        if not worker.ready:  # a replacement still loading the model
                            error = await worker.wait_ready()
                            if error is not None:
                                log.warning("scoring worker failed to start: %s", error)
                                raise ScoringFailed("WorkerStart")
                        sent = True
                        kind, value = await worker.call(fn, args)
                    except BaseException as exc:
                        if not sent and worker.process.is_alive() and not worker.ready:
                            # out of time while a replacement loads: it keeps loading for the next job
                            self._idle.appendleft(worker)
                            raise
                        # timed out, cancelled (client gone) or the worker died: stop it, start another
                        self._retire(worker)
                        self.replaced += 1
                        cancelled = isinstance(exc, anyio.get_cancelled_exc_class())
                        reason = ("timeout_or_cancelled" if cancelled else exc.kind if isinstance(exc, ScoringFailed)
                                  else type(exc).__name__)
                        _log_replaced(worker.pid, reason)
                        if not self._closed:
                            self._idle.append(self._new_worker())
                        if cancelled or isinstance(exc, ScoringFailed) or not isinstance(exc, Exception):
                            raise
                        raise ScoringFailed("WorkerLost") from None
                    self._idle.append(worker)
            if kind == "ok":
                return value
            raise ScoringFailed(str(value))  # the model raised: the worker itself is fine
        except TimeoutError:
            raise ScoringTimeout(f"scoring took longer than {self.timeout_s:g} s") from None

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        self.ready = False
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        self._idle.clear()
        for worker in workers:
            worker.kill()

    def __del__(self) -> None:  # an app dropped without shutdown: no worker outlives it
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
