"""Engines map a job over shards: here, one after another; on Ray, across a cluster.

Both take a job (:mod:`depscreen.scale.jobs`: ``setup()`` once per worker, then one call
per shard) and a list of tasks (``{"name", "path", "stem"}``), and yield each shard's
result dict as soon as it is finished, so the caller can record it in the manifest
straight away. Only those result dicts (counts, names, timings) travel back to the
driver; the posts are read, and their text stays, on the worker.

:class:`LocalEngine` runs in this process (memory bounded by one batch of one shard).
:class:`RayEngine` runs on Ray Data: the task list becomes a dataset with one block per
shard, ``map_batches`` with a callable class on an actor pool (``ActorPoolStrategy``)
loads the model once per actor and scores a shard per call, and the driver iterates the
results as they stream out. Every worker must see the input shards, the model folder,
the output folder and the embedding cache at the same paths (a shared file system or
object-store mount).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Iterator

from ..jsonable import plain_value
from .jobs import RESULT_KEYS
from .manifest import ScaleError

RAY_INSTALL_HINT = "the Ray engine needs ray[data]: pip install 'depscreen[ray]' (or 'ray[data]>=2.9')"


class LocalEngine:
    """Run the job in this process, shard after shard."""

    name = "local"

    def describe(self) -> dict[str, Any]:
        return {"engine": "local", "num_actors": 1}

    def run(self, job: Any, tasks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        if not tasks:
            return
        job.setup()
        for task in tasks:
            yield job(task)

    def close(self) -> None:
        return None


class _RayWorker:
    """The callable class Ray Data puts on each actor: the actor's compute threads are
    set to the CPUs it reserved, the job is set up once (the model loaded once per
    actor), then each batch (one task: a shard's name and path) is processed."""

    def __init__(self, job: Any, threads: int):
        limit_threads(threads)
        self.job = job.setup()
        limit_threads(threads)  # again: the model may have loaded torch only now

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        n = len(batch["name"])
        results = [self.job({k: batch[k][i] for k in ("name", "path", "stem")}) for i in range(n)]
        return {k: [r[k] for r in results] for k in RESULT_KEYS}


def limit_threads(threads: int) -> None:
    """Run BLAS / OpenMP and torch with ``threads`` threads in this process, so that an
    actor that reserved one CPU uses one core and ``n`` actors do not oversubscribe ``n``
    CPUs. Libraries not yet loaded read the environment variables when they load."""
    threads = max(1, int(threads))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


class RayEngine:
    """Run the job on Ray Data with an actor pool.

    Parameters
    ----------
    address : ``"auto"`` or ``"ray://host:10001"`` joins an existing cluster; None starts
        a local Ray (or uses the one this process already started).
    num_actors : actors in the pool (default: the cluster's CPUs / ``cpus_per_actor``,
        at most one per shard).
    cpus_per_actor : CPUs reserved by each actor (its torch / BLAS threads follow).
    object_store_mb : object store of a local Ray that this engine starts (None: Ray's
        default). The results are small; the object store only carries the task list.
    """

    name = "ray"

    def __init__(self, address: str | None = None, *, num_actors: int | None = None,
                 cpus_per_actor: float = 1.0, object_store_mb: int | None = None):
        if cpus_per_actor <= 0:
            raise ValueError(f"cpus_per_actor must be positive, got {cpus_per_actor}")
        if num_actors is not None and num_actors < 1:
            raise ValueError(f"num_actors must be at least 1, got {num_actors}")
        self.address = address
        self.num_actors = num_actors
        self.cpus_per_actor = cpus_per_actor
        self.object_store_mb = object_store_mb
        self._started = False
        self.actors_used: int | None = None

    def describe(self) -> dict[str, Any]:
        return {"engine": "ray", "address": self.address or "local", "num_actors": self.actors_used or self.num_actors,
                "cpus_per_actor": self.cpus_per_actor}

    def _ray(self):
        try:
            import ray
            import ray.data  # noqa: F401
        except ImportError:
            raise ScaleError(RAY_INSTALL_HINT) from None
        return ray

    def connect(self):
        """Join the cluster at ``address`` or start a local Ray (once)."""
        ray = self._ray()
        if ray.is_initialized():
            return ray
        common = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        try:
            if self.address:
                ray.init(address=self.address, **common)
            else:
                need = int(-(-(self.num_actors or 1) * self.cpus_per_actor // 1))
                kwargs: dict[str, Any] = {"num_cpus": max(os.cpu_count() or 1, need)}
                if self.object_store_mb:
                    kwargs["object_store_memory"] = int(self.object_store_mb) * 1024 * 1024
                ray.init(**kwargs, **common)
        except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError (ray:// without ray[client])
            what = f"join the Ray cluster at {self.address}" if self.address else "start a local Ray"
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            raise ScaleError(f"could not {what}: {type(exc).__name__}: {first}") from None
        self._started = True
        return ray

    def run(self, job: Any, tasks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        if not tasks:
            return
        ray = self.connect()
        import ray.data

        if self.num_actors is None:
            cpus = float(ray.cluster_resources().get("CPU", 1.0))
            size = max(1, int(cpus // self.cpus_per_actor))
        else:
            size = self.num_actors
        size = min(size, len(tasks))
        self.actors_used = size
        # One row per shard: the actors read, score and write their shards themselves, so
        # the only data Ray moves is this task list (paths) and the small result dicts.
        ds = ray.data.from_items([dict(t) for t in tasks], override_num_blocks=len(tasks))
        ds = ds.map_batches(
            _RayWorker,
            fn_constructor_kwargs={"job": job, "threads": max(1, int(self.cpus_per_actor))},
            batch_size=1,
            # two shards in flight per actor: the next one is queued on the actor while it
            # scores the current one, so it never waits for the driver between shards
            compute=ray.data.ActorPoolStrategy(size=size, max_tasks_in_flight_per_actor=2),
            num_cpus=self.cpus_per_actor,
            batch_format="numpy",
        )
        _configure(ds.context)  # this dataset's own copy: the process-wide context is left alone
        try:
            for row in ds.iter_rows():
                yield {k: plain_value(row[k]) for k in RESULT_KEYS}
        except Exception as exc:
            raise ScaleError(f"the Ray run failed: {type(exc).__name__}: {str(exc)[:500]}") from None

    def close(self) -> None:
        """Shut down the local Ray this engine started (a joined cluster stays up)."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False


#: How long a run waits for every actor to start and load the model before the first
#: shard is handed out (a cluster without room for the pool fails after it).
ACTOR_START_TIMEOUT_S = 600


def _configure(ctx: Any) -> None:
    """Ray Data options for a few long tasks: wait until every actor has loaded the model
    before handing out shards (else the first actor up queues shards that an actor still
    starting would have taken), no ordering (a shard's result is recorded as soon as it is
    done), no progress bars or stats printing."""
    ctx.wait_for_min_actors_s = ACTOR_START_TIMEOUT_S
    ctx.execution_options.preserve_order = False
    ctx.enable_progress_bars = False
    ctx.enable_operator_progress_bars = False
    ctx.print_on_execution_start = False
    ctx.enable_auto_log_stats = False
    ctx.verbose_stats_logs = False


def make_engine(engine: str, *, address: str | None = None, num_actors: int | None = None,
                cpus_per_actor: float = 1.0, object_store_mb: int | None = None):
    """``"local"`` -> :class:`LocalEngine`, ``"ray"`` -> :class:`RayEngine`."""
    if engine == "local":
        if address:
            raise ValueError("--address needs --engine ray")
        if num_actors not in (None, 1):
            raise ValueError("the local engine runs one worker; use --engine ray for more")
        return LocalEngine()
    if engine == "ray":
        return RayEngine(address, num_actors=num_actors, cpus_per_actor=cpus_per_actor,
                         object_store_mb=object_store_mb)
    raise ValueError(f"engine must be 'local' or 'ray', got '{engine}'")
