"""``depscreen embed``: fill the embedding cache for a corpus and report throughput;
``depscreen embed cache purge``: remove what a cache folder holds.

Example::

    depscreen embed corpus.jsonl --backend use                  # the default cache folder
    depscreen embed corpus.jsonl --backend hf:/models/Qwen3-Embedding-0.6B -o truncate_dim=256 --cache c/
    depscreen embed train.jsonl --backend tfidf-svd --cache c/   # fits, saves, prints the path
    depscreen embed cache purge --older-than 7d                 # vectors written more than 7 days ago
    depscreen embed cache purge                                 # everything, the secret too

``depscreen embed CORPUS`` is short for ``depscreen embed run CORPUS`` (write
``embed run cache`` for a corpus file that is really called ``cache``).

The embedder owns its cache: ``--cache`` overrides the default folder
(``DEPSCREEN_CACHE_DIR``, else ``~/.cache/depscreen/embeddings``). Every post goes
through :func:`depscreen.embed.embed_corpus`, as in the models. Only counts and
timings are printed, never post text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from typer.core import TyperGroup

from . import _scale
from .root import app


class EmbedGroup(TyperGroup):
    """``embed CORPUS ...`` fills the cache; ``embed cache ...`` manages it."""

    def resolve_command(self, ctx, args):
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            return "run", self.commands["run"], args
        return super().resolve_command(ctx, args)


embed_app = typer.Typer(
    cls=EmbedGroup,
    help="Embed a corpus into the embedding cache (`depscreen embed CORPUS` is short for `depscreen embed run "
    "CORPUS`); `depscreen embed cache purge` removes cached vectors.",
    no_args_is_help=True,
)
cache_app = typer.Typer(help="The embedding cache: what it keeps, and removing it.", no_args_is_help=True)
embed_app.add_typer(cache_app, name="cache")


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """``["truncate_dim=256", "input_type=document"]`` -> ``{"truncate_dim": 256, ...}``.

    Values are read as JSON where they parse (numbers, true/false, null) and kept as
    strings otherwise.
    """
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--option")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def embed_command(
    corpus: Path = typer.Argument(..., help="Canonical JSON Lines corpus (user or post level), or a folder or glob of shards."),
    backend: str = typer.Option("use", "--backend", "-b", help="use | e5 | tfidf-svd | hf:PATH"),
    cache: Optional[Path] = typer.Option(
        None, "--cache", "-c", help="Cache folder (default: $DEPSCREEN_CACHE_DIR or ~/.cache/depscreen/embeddings)."),
    option: list[str] = typer.Option([], "--option", "-o", help="Backend option KEY=VALUE (repeatable)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, help="Texts per forward pass."),
    compact: bool = typer.Option(False, "--compact", help="Merge the cache's shards into one afterwards."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
    engine: Optional[str] = typer.Option(None, "--engine", metavar="ENGINE", help=_scale.ENGINE_HELP),
    address: Optional[str] = typer.Option(None, "--address", metavar="ADDRESS", help=_scale.ADDRESS_HELP),
    num_actors: Optional[int] = typer.Option(None, "--num-actors", min=1, help=_scale.ACTORS_HELP),
    cpus_per_actor: float = typer.Option(1.0, "--cpus-per-actor", help=_scale.CPUS_HELP),
) -> None:
    """Embed every post of CORPUS into the cache and print posts per second. A folder
    or glob of shards (or --engine) fills the cache shard by shard, resumably, locally
    or on a Ray cluster, so every later model run reads it."""
    from depscreen.corpus import CorpusFormatError, read_jsonl
    from depscreen.embed import default_cache_dir, embed_corpus, get_embedder
    from depscreen.embed.store import store_dirname
    from depscreen.scale.shards import is_sharded

    echo = typer.echo  # plain lines: no wrapping, no markup in paths
    if is_sharded(corpus) or engine is not None:
        cache = cache if cache is not None else default_cache_dir()
        if cache is None:
            raise typer.BadParameter("a sharded fill needs a cache folder", param_hint="--cache")
        return _scale.embed_shards_command(
            corpus, backend=backend, cache=cache, options=parse_options(option), batch_size=batch_size,
            engine=engine, address=address, num_actors=num_actors, cpus_per_actor=cpus_per_actor)
    if not corpus.is_file():
        raise typer.BadParameter(f"{corpus}: file not found", param_hint="CORPUS")
    try:
        data = read_jsonl(corpus)
    except CorpusFormatError as exc:
        raise typer.BadParameter(str(exc), param_hint="CORPUS") from exc
    cache = cache if cache is not None else default_cache_dir()
    try:
        embedder = get_embedder(backend, cache_dir=cache, **parse_options(option))
    except (ValueError, TypeError, FileNotFoundError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--backend / --option") from exc

    if backend == "tfidf-svd" and not getattr(embedder, "is_fitted", True):
        texts = [p.text for u in data for p in u.posts] if data.level == "user" else data.texts
        echo(f"fitting tfidf-svd on the {len(texts):,} posts of {corpus.name} (corpus-fitted space)")
        embedder.fit(texts)
        if cache is not None:
            folder = embedder.save(cache / "fitted" / store_dirname(embedder.name))
            echo(f"saved the fitted space to {folder}; reuse it with -o path={folder}")

    result = embed_corpus(embedder, data, batch_size=batch_size, progress=progress)
    stats = result.stats
    echo(
        f"{stats.texts:,} posts ({stats.unique:,} unique, {len(result):,} {data.level}s) with {embedder.name}: "
        f"{stats.hits:,} from cache, {stats.computed:,} computed in {stats.seconds:.2f} s "
        f"-> {stats.posts_per_second:,.0f} posts/s"
    )
    if stats.computed and stats.compute_seconds > 0:
        echo(f"embedding alone: {stats.computed / stats.compute_seconds:,.0f} posts/s")
    store = embedder.cache
    if store is not None:
        if compact:
            store.compact()
        echo(f"cache: {store.path} ({len(store):,} vectors, dim {embedder.dim})")


def purge_command(
    cache: Optional[Path] = typer.Option(
        None, "--cache", "-c", help="Cache folder (default: $DEPSCREEN_CACHE_DIR or ~/.cache/depscreen/embeddings)."),
    older_than: Optional[str] = typer.Option(
        None, "--older-than", metavar="AGE", help="Only vectors written more than AGE ago (30m, 12h, 7d, 2w)."),
) -> None:
    """Remove cached vectors: all of them (and the cache's secret), or those written more
    than AGE ago. Stores of older versions, keyed by plain sha256 of each post, are
    removed whatever their age. Prints counts only."""
    from depscreen.embed import default_cache_dir, purge_cache
    from depscreen.embed.store import parse_age

    from ._common import CliError, guard

    with guard():
        root = cache if cache is not None else default_cache_dir()
        if root is None:
            raise CliError("caching is off ($DEPSCREEN_CACHE_DIR=off): name the folder with --cache")
        if older_than is not None:
            try:
                parse_age(older_than)
            except ValueError as exc:
                raise CliError(f"--older-than: {exc}") from None
        if not root.exists():
            typer.echo(f"{root}: no cache folder; nothing to remove")
            return
        report = purge_cache(root, older_than)
    what = "everything" if older_than is None else f"vectors written more than {older_than} ago"
    typer.echo(f"{root}: removed {what}: {report.vectors:,} vectors, {report.stores} empty store(s), "
               f"{report.unkeyed_stores} unkeyed store(s) of older versions"
               + (f", {len(report.other)} other item(s) ({', '.join(report.other[:5])}"
                  f"{', ...' if len(report.other) > 5 else ''})" if report.other else ""))


embed_app.command("run")(embed_command)
cache_app.command("purge")(purge_command)
app.add_typer(embed_app, name="embed")
