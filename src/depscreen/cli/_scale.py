"""The sharded side of ``depscreen predict`` and ``depscreen embed`` (folders, globs,
``--engine local|ray``): option help shared by both commands and the two runners.

Only shard names, counts and timings are printed; post text stays on the workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

ENGINE_HELP = "local (this process, streamed) or ray (Ray Data; needs depscreen[ray])."
ADDRESS_HELP = "Ray cluster to join: auto, or ray://HOST:10001 (default: start a local Ray)."
ACTORS_HELP = "Ray actors, each loads the model once (default: cluster CPUs / --cpus-per-actor)."
CPUS_HELP = "CPUs reserved by each Ray actor."
FORMAT_HELP = "Output shards for a folder or glob: parquet or csv."
CACHE_HELP = "Embedding cache every worker reads (default: $DEPSCREEN_CACHE_DIR)."


def _line(entry: dict[str, Any], done: int, total: int, unit: str) -> str:
    name = entry["name"]
    if entry["status"] == "failed":
        return f"shard {done}/{total} {name}: failed ({entry['error']})"
    return f"shard {done}/{total} {name}: {entry['n_items']:,} {unit} in {entry['seconds']:.1f} s"


def predict_shards(
    model_dir: Path, data: Path, out: Path, *, engine: Optional[str], fmt: str, batch_size: int,
    explain: bool, per_post: bool, address: Optional[str], num_actors: Optional[int],
    cpus_per_actor: float, cache: Optional[Path],
) -> None:
    """Score every shard of ``data`` into the folder ``out`` (see :func:`depscreen.scale.screen`)."""
    from ..scale import ScaleError, discover_shards, screen
    from ._common import CliError, console, disclaimer, guard, say

    with guard(ScaleError):
        if out.suffix in (".csv", ".parquet") or (out.exists() and not out.is_dir()):
            raise CliError(f"{out}: with a folder or glob of shards, --out is a folder (one file per shard)")
        total = len(discover_shards(data))
        state = {"done": 0}

        with console.status(f"scoring {total} shards") as status:
            def progress(entry: dict[str, Any]) -> None:
                state["done"] += 1
                say(_line(entry, state["done"], total, "predictions"))
                status.update(f"scoring: {state['done']} shards done this run ({total} in all)")

            summary = screen(
                model_dir, data, out, engine=engine or "local", fmt=fmt, batch_size=batch_size,
                explain=explain, per_post=per_post, address=address, num_actors=num_actors,
                cpus_per_actor=cpus_per_actor, cache_dir=cache, progress=progress,
            )
    if summary.skipped:
        say(f"resumed: {summary.skipped} of {summary.shards} shards were finished by an earlier run")
    say(f"wrote {summary.n_items:,} predictions in {summary.scored} shards to {out} "
        f"({summary.seconds:.1f} s, {summary.items_per_second:,.0f}/s); manifest: {summary.manifest}")
    disclaimer()


def embed_shards_command(
    data: Path, *, backend: str, cache: Path, options: dict[str, Any], batch_size: Optional[int],
    engine: Optional[str], address: Optional[str], num_actors: Optional[int], cpus_per_actor: float,
) -> None:
    """Fill ``cache`` with the posts of every shard of ``data`` (see
    :func:`depscreen.scale.embed_shards`)."""
    from ..scale import ScaleError, discover_shards, embed_shards
    from ._common import guard, say

    with guard(ScaleError):
        total = len(discover_shards(data))
        state = {"done": 0}

        def progress(entry: dict[str, Any]) -> None:
            state["done"] += 1
            line = _line(entry, state["done"], total, "users")
            if entry["status"] == "done":
                line += f" ({entry.get('n_posts', 0):,} posts, {entry.get('computed', 0):,} computed)"
            say(line)

        summary = embed_shards(
            backend, data, cache, engine=engine or "local", options=options, batch_size=batch_size,
            address=address, num_actors=num_actors, cpus_per_actor=cpus_per_actor, progress=progress,
        )
    if summary.skipped:
        say(f"resumed: {summary.skipped} of {summary.shards} shards were embedded by an earlier run")
    say(f"embedded the posts of {summary.n_items:,} users from {summary.scored} shards into {cache} "
        f"({summary.seconds:.1f} s); manifest: {summary.manifest}")
