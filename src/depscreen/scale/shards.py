"""Shards of a large corpus: find them, stream them, write them.

A sharded corpus is a folder (or a glob) of files in the canonical format:

* JSON Lines, ``.jsonl`` or gzip-compressed ``.jsonl.gz``: one user (or one post) per
  line, exactly as :func:`depscreen.corpus.io.iter_jsonl` reads it.
* Parquet, ``.parquet``: **one row per user** with the columns ``user_id``, ``label``
  (may be null) and ``posts``, a list of structs ``{text, time, id, label, lang, meta}``
  of which only ``text`` is required -- the JSON Lines record as a table row. A
  post-level shard has one row per post with the columns ``id``, ``text`` and
  ``label``. Rows are read in record batches, so memory stays bounded by one batch
  however large the file. (One row per post grouped by ``user_id`` is *not* read:
  convert it with ``GROUP BY user_id`` / ``pyarrow.Table.group_by`` into a ``posts``
  list first.)

Every shard is scored on its own, so the shard is the unit of parallel work, of
resuming and of output: ``part-0007.jsonl.gz`` gives ``part-0007.parquet``.

Example
-------
>>> import tempfile
>>> from depscreen.corpus.synthetic import make_sample_corpus
>>> folder = tempfile.mkdtemp()
>>> paths = write_shards(make_sample_corpus(n_users=12, langs=("en",)), folder, users_per_shard=5)
>>> [s.name for s in discover_shards(folder)]
['part-00000.jsonl.gz', 'part-00001.jsonl.gz', 'part-00002.jsonl.gz']
>>> sum(1 for _ in iter_shard(paths[0]))
5
"""

from __future__ import annotations

import glob as _glob
import gzip
import hashlib
import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..corpus.io import CorpusFormatError, iter_jsonl
from ..corpus.types import PostRecord, User

#: Suffixes read as shards, longest first.
SHARD_SUFFIXES = (".jsonl.gz", ".jsonl", ".parquet")
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Shard:
    """One input file: its path, its name relative to the corpus root, size and mtime."""

    path: Path
    name: str
    size: int
    mtime_ns: int

    @property
    def stem(self) -> str:
        """The name without the shard suffix, ``/`` replaced: the output file stem."""
        name = self.name
        for suffix in SHARD_SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        return name.replace("/", "__").replace(os.sep, "__")


def is_sharded(spec: str | Path) -> bool:
    """True when ``spec`` names a folder or a glob pattern rather than one file."""
    text = str(spec)
    return Path(text).is_dir() or bool(_GLOB_CHARS & set(text))


def shard_format(path: str | Path) -> str:
    """``"jsonl"`` or ``"parquet"`` from the file name, else ValueError."""
    name = str(path)
    if name.endswith((".jsonl", ".jsonl.gz")):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    raise ValueError(f"{path}: not a shard (expected {', '.join(SHARD_SUFFIXES)})")


def discover_shards(spec: str | Path) -> list[Shard]:
    """The shards of a corpus given as a folder (searched recursively), a glob or a file.

    Files are sorted by name so every run sees them in the same order. Hidden files
    (``.name``) and files with other suffixes are ignored; none found is an error.
    """
    text = str(spec)
    if Path(text).is_dir():
        root = Path(text)
        paths = [p for p in root.rglob("*") if p.is_file()]
    elif _GLOB_CHARS & set(text):
        paths = [Path(p) for p in _glob.glob(text, recursive=True) if Path(p).is_file()]
        root = Path(os.path.commonpath([str(p.parent) for p in paths])) if paths else Path(".")
    elif Path(text).is_file():
        paths, root = [Path(text)], Path(text).parent
    else:
        raise FileNotFoundError(f"{text}: no such file, folder or matching files")
    shards = []
    for p in sorted(paths):
        if p.name.startswith(".") or not p.name.endswith(SHARD_SUFFIXES):
            continue
        st = p.stat()
        shards.append(Shard(p, p.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns))
    if not shards:
        raise FileNotFoundError(f"{text}: no shards found (expected files ending in {', '.join(SHARD_SUFFIXES)})")
    stems = [s.stem for s in shards]
    if len(set(stems)) != len(stems):
        dup = sorted({s for s in stems if stems.count(s) > 1})
        raise ValueError(f"{text}: shards with the same name but different suffixes: {', '.join(dup[:5])}")
    return shards


def iter_shard(path: str | Path, *, batch_rows: int = 1024) -> Iterator[User | PostRecord]:
    """Stream the users (or posts) of one shard, memory bounded by one record batch."""
    if shard_format(path) == "jsonl":
        yield from iter_jsonl(path)
    else:
        yield from _iter_parquet(Path(path), batch_rows)


def _iter_parquet(path: Path, batch_rows: int) -> Iterator[User | PostRecord]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(str(path))
    except Exception as exc:  # pyarrow raises its own error types
        raise CorpusFormatError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    names = set(pf.schema_arrow.names)
    if "posts" in names or "user_id" in names:
        level, required = "user", ("user_id", "posts")
    else:
        level, required = "post", ("id", "text")
    for key in required:
        if key not in names:
            raise CorpusFormatError(
                f"{path}: missing column '{key}' (a user-level shard has user_id, label, posts; "
                "a post-level shard has id, text, label)"
            )
    row = 0
    for batch in pf.iter_batches(batch_size=batch_rows):
        for data in batch.to_pylist():
            row += 1
            yield _record(data, level, path, row)


def _record(data: dict[str, Any], level: str, path: Path, row: int) -> User | PostRecord:
    where = f"{path}: row {row}"
    if level == "post":
        if not isinstance(data.get("text"), str):
            raise CorpusFormatError(f"{where}: field 'text' must be a string")
        if data.get("id") is None:
            raise CorpusFormatError(f"{where}: field 'id' is null")
        return PostRecord.from_dict(_clean(data))
    if data.get("user_id") is None:
        raise CorpusFormatError(f"{where}: field 'user_id' is null")
    posts = data.get("posts")
    if not isinstance(posts, list):
        raise CorpusFormatError(f"{where}: field 'posts' must be a list")
    clean_posts = []
    for j, post in enumerate(posts):
        if not isinstance(post, dict) or not isinstance(post.get("text"), str):
            raise CorpusFormatError(f"{where}: posts[{j}].text must be a string")
        clean_posts.append(_clean(post))
    data = _clean(data)
    data["posts"] = clean_posts
    return User.from_dict(data)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Drop nulls that Parquet's struct columns add for absent keys; times as ISO text."""
    out = {}
    for key, value in data.items():
        if value is None:
            continue
        if key == "meta":
            value = dict(value) if isinstance(value, list) else value  # a Parquet map is a list of pairs
            value = {k: v for k, v in (value or {}).items() if v is not None}
        elif key == "time" and not isinstance(value, str):
            value = value.isoformat() if hasattr(value, "isoformat") else str(value)
        out[key] = value
    return out


def write_shards(
    items: Iterable[User | PostRecord],
    folder: str | Path,
    *,
    users_per_shard: int = 10_000,
    format: str = "jsonl.gz",
    prefix: str = "part",
    start: int = 0,
) -> list[Path]:
    """Write ``items`` (a corpus or any iterable, read lazily) as numbered shards.

    ``format`` is ``"jsonl.gz"``, ``"jsonl"`` or ``"parquet"`` (one row per user with a
    ``posts`` list column). Each file is written under a temporary name and renamed, so
    a shard is whole or absent. ``start`` numbers the first shard (to append).
    """
    if users_per_shard < 1:
        raise ValueError(f"users_per_shard must be at least 1, got {users_per_shard}")
    if format not in ("jsonl.gz", "jsonl", "parquet"):
        raise ValueError(f"format must be jsonl.gz, jsonl or parquet, got {format!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stream = iter(items)
    paths = []
    for k in itertools.count(start):
        chunk = list(itertools.islice(stream, users_per_shard))
        if not chunk:
            break
        path = folder / f"{prefix}-{k:05d}.{format}"
        tmp = path.with_name(f".{path.name}.partial")
        rows = [item.to_dict() for item in chunk]
        if format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pylist(rows), str(tmp))
        else:
            opener = gzip.open if format.endswith(".gz") else open
            with opener(tmp, "wt", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        tmp.replace(path)
        paths.append(path)
    return paths


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """The sha256 hex digest of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()
