"""Screen a sharded corpus (:func:`screen`) or fill an embedding cache from it
(:func:`embed_shards`), locally or on Ray, with a manifest and resume.

Both follow the same steps: find the shards, open (or resume) ``OUT/manifest.json``,
skip the shards finished before, hand the rest to the engine, and record each result
in the manifest as it arrives. A shard that fails (bad input, say) is recorded with its
error and the others go on; at the end :class:`ScaleError` names the failed shards, and
the next run retries only them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..models import folder as model_folder
from .engines import make_engine
from .jobs import EmbedJob, ScoreJob
from .manifest import Manifest, ScaleError, folder_sha256, output_lock
from .shards import Shard, discover_shards

Progress = Callable[[dict[str, Any]], None]


@dataclass
class RunSummary:
    """What one run did: shards scored, skipped (finished before) and failed."""

    out_dir: Path
    shards: int
    scored: int
    skipped: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    n_items: int = 0
    seconds: float = 0.0
    engine: dict[str, Any] = field(default_factory=dict)
    manifest: Path | None = None

    @property
    def items_per_second(self) -> float:
        return self.n_items / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"out_dir": str(self.out_dir), "shards": self.shards, "scored": self.scored,
                "skipped": self.skipped, "failed": self.failed, "n_items": self.n_items,
                "seconds": round(self.seconds, 3), "engine": self.engine,
                "manifest": str(self.manifest) if self.manifest else None}


def screen(
    model_dir: str | Path,
    source: str | Path,
    out_dir: str | Path,
    *,
    engine: str = "local",
    fmt: str = "parquet",
    batch_size: int = 512,
    explain: bool = False,
    per_post: bool = False,
    address: str | None = None,
    num_actors: int | None = None,
    cpus_per_actor: float = 1.0,
    cache_dir: str | Path | None = None,
    object_store_mb: int | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Score every shard of ``source`` with the model saved in ``model_dir``.

    Parameters
    ----------
    model_dir : a folder written by :func:`depscreen.api.save`.
    source : a folder (searched recursively), a glob or one file of canonical JSON Lines
        (``.jsonl``, ``.jsonl.gz``) or Parquet shards (see :mod:`depscreen.scale.shards`).
    out_dir : output folder: one predictions file per input shard
        (``<stem>.parquet`` or ``<stem>.csv``, whole or absent), ``manifest.json``.
    engine : ``"local"`` (this process, streaming) or ``"ray"`` (Ray Data actor pool).
    fmt : ``"parquet"`` or ``"csv"``.
    batch_size : users (or posts) per forward pass: memory is bounded by one batch.
    explain, per_post : as in :func:`depscreen.api.score_file`.
    address, num_actors, cpus_per_actor, object_store_mb : Ray options
        (:class:`~depscreen.scale.engines.RayEngine`).
    cache_dir : embedding cache every worker reads (models that embed); default: the
        workers' ``DEPSCREEN_CACHE_DIR``.
    progress : called with each shard's manifest entry as it finishes.

    Returns a :class:`RunSummary`; raises :class:`ScaleError` when a shard failed.

    Example
    -------
    >>> import tempfile
    >>> from depscreen import api
    >>> from depscreen.corpus.synthetic import make_sample_corpus
    >>> from depscreen.scale import write_shards
    >>> tmp = Path(tempfile.mkdtemp())
    >>> corpus = make_sample_corpus(n_users=30, langs=("en",))
    >>> folder = api.save(api.train("tfidf-lr", corpus)[0], tmp / "model")
    >>> _ = write_shards(corpus, tmp / "shards", users_per_shard=10)
    >>> summary = screen(folder, tmp / "shards", tmp / "out")
    >>> summary.scored, summary.n_items
    (3, 30)
    >>> screen(folder, tmp / "shards", tmp / "out").skipped   # a rerun resumes: nothing left
    3
    """
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"format must be 'parquet' or 'csv', got '{fmt}'")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    model_dir = Path(model_dir)
    model_folder.verify(model_dir)  # a damaged folder is refused here, before any worker starts
    out_dir = Path(out_dir)
    shards = discover_shards(source)
    model_info = {"path": str(model_dir.resolve()), "name": _model_name(model_dir),
                  "sha256": folder_sha256(model_dir)}
    options = {"format": fmt, "explain": explain, "per_post": per_post}
    job = ScoreJob(model_dir.resolve(), out_dir.resolve(), fmt=fmt, batch_size=batch_size, explain=explain,
                   per_post=per_post, cache_dir=None if cache_dir is None else Path(cache_dir).resolve())
    eng = make_engine(engine, address=address, num_actors=num_actors, cpus_per_actor=cpus_per_actor,
                      object_store_mb=object_store_mb)
    return _run(eng, job, shards, out_dir, kind="predictions", model=model_info, options=options,
                batch_size=batch_size, progress=progress)


def embed_shards(
    spec: str,
    source: str | Path,
    cache_dir: str | Path,
    *,
    engine: str = "local",
    options: dict[str, Any] | None = None,
    batch_size: int | None = None,
    address: str | None = None,
    num_actors: int | None = None,
    cpus_per_actor: float = 1.0,
    object_store_mb: int | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Fill the embedding cache ``cache_dir`` with every post of the shards of ``source``.

    The cache is written by every worker at once (each commit takes the cache's file
    lock); its manifest is ``cache_dir/runs/<embedder>/manifest.json``, so a killed fill
    resumes where it stopped and a later model run reads every vector from the cache.
    """
    from ..embed import get_embedder
    from ..embed.store import store_dirname

    cache_dir = Path(cache_dir).resolve()
    shards = discover_shards(source)
    probe = get_embedder(spec, cache_dir=None, **dict(options or {}))
    job = EmbedJob(spec, cache_dir, options=options, batch_size=batch_size)
    out_dir = cache_dir / "runs" / store_dirname(probe.name)
    eng = make_engine(engine, address=address, num_actors=num_actors, cpus_per_actor=cpus_per_actor,
                      object_store_mb=object_store_mb)
    info = {"path": spec, "name": probe.name, "sha256": probe.name}
    return _run(eng, job, shards, out_dir, kind="embeddings", model=info, options={"options": dict(options or {})},
                batch_size=batch_size, progress=progress)


def _run(eng, job, shards: list[Shard], out_dir: Path, *, kind: str, model: dict[str, Any],
         options: dict[str, Any], batch_size: int | None, progress: Progress | None) -> RunSummary:
    t0 = time.perf_counter()
    with output_lock(out_dir):
        manifest = Manifest.open(out_dir, kind=kind, model=model, options=options)
        for stale in out_dir.glob(".*.partial"):  # left by a killed run; never a finished file
            stale.unlink(missing_ok=True)
        pending = [s for s in shards if not manifest.is_done(s)]
        skipped = len(shards) - len(pending)
        by_name = {s.name: s for s in pending}
        tasks = [{"name": s.name, "path": str(s.path.resolve()), "stem": s.stem} for s in pending]
        run = manifest.start_run(**eng.describe(), batch_size=batch_size, skipped=skipped,
                                 changed=sum(1 for s in pending if manifest.changed(s)))
        failed: list[dict[str, Any]] = []
        n_items = 0
        try:
            for result in eng.run(job, tasks):
                entry = manifest.record(by_name[result["name"]], result, run)
                if entry["status"] == "failed":
                    failed.append({"name": entry["name"], "error": entry["error"]})
                else:
                    n_items += entry["n_items"]
                if progress is not None:
                    progress(entry)
        finally:
            eng.close()
            seconds = time.perf_counter() - t0
            manifest.finish_run(run, seconds=round(seconds, 3), **eng.describe())
    summary = RunSummary(out_dir=out_dir, shards=len(shards), scored=run["scored"], skipped=skipped,
                         failed=failed, n_items=n_items, seconds=seconds, engine=eng.describe(),
                         manifest=manifest.path)
    if failed:
        names = ", ".join(f["name"] for f in failed[:5]) + (", ..." if len(failed) > 5 else "")
        first = failed[0]["error"]
        err = ScaleError(
            f"{len(failed)} of {len(pending)} shards failed ({names}); first error: {first}. "
            f"The others are in {out_dir}; run again to retry the failed ones."
        )
        err.summary = summary
        raise err
    return summary


def _model_name(model_dir: Path) -> str:
    try:
        config = model_folder.read_config(model_dir)
    except (OSError, ValueError):
        return ""
    return str(config.get("name") or config.get("model") or config.get("class") or "")
