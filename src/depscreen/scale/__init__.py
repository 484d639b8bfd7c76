"""Screen corpora larger than one machine: sharded, streaming, resumable; local or on Ray.

* :func:`screen` -- score every shard of a folder / glob of canonical JSON Lines (``.gz``)
  or Parquet shards into one predictions file per shard plus ``manifest.json``; a killed
  run resumes without rescoring finished shards. ``engine="local"`` streams in this
  process; ``engine="ray"`` runs on Ray Data (``pip install 'depscreen[ray]'``) with the
  model loaded once per actor.
* :func:`embed_shards` -- fill a shared embedding cache from the shards, the same way.
* :func:`discover_shards`, :func:`iter_shard`, :func:`write_shards` -- the shard files.

Scoring is :func:`depscreen.api.score_file` on each shard in every engine, so the
predictions equal those of :func:`depscreen.api.score` on the whole corpus. See
``docs/scale.md``.
"""

from .engines import LocalEngine, RayEngine, make_engine
from .jobs import EmbedJob, ScoreJob
from .manifest import MANIFEST_NAME, Manifest, ScaleError
from .run import RunSummary, embed_shards, screen
from .shards import Shard, discover_shards, file_sha256, is_sharded, iter_shard, shard_format, write_shards

__all__ = [
    "EmbedJob",
    "LocalEngine",
    "MANIFEST_NAME",
    "Manifest",
    "RayEngine",
    "RunSummary",
    "ScaleError",
    "ScoreJob",
    "Shard",
    "discover_shards",
    "embed_shards",
    "file_sha256",
    "is_sharded",
    "iter_shard",
    "make_engine",
    "screen",
    "shard_format",
    "write_shards",
]
