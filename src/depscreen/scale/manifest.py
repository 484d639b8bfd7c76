"""The manifest of a sharded run: what was scored, from what, by which model, when.

``OUT/manifest.json`` is rewritten (temporary file, then atomic rename) after every
finished shard, so a run that is killed leaves a manifest that names every shard
whose output is complete. The next run with the same ``OUT`` skips those shards --
unless the input file changed (size or modification time) or its output file is gone --
and scores the rest. A run with a different model or different output options refuses
to write into the same folder.

Layout::

    {"format": 1, "kind": "predictions", "disclaimer": ..., "model": {...},
     "options": {...}, "depscreen_version": ..., "commit": ..., "created": ..., "updated": ...,
     "runs": [{"run": 1, "engine": "local", "started": ..., "finished": ...,
               "scored": 3, "skipped": 0, "failed": 0, "n_items": 1500, ...}],
     "shards": [{"name": "part-00000.jsonl.gz", "input": "/data/part-00000.jsonl.gz",
                 "size": 123, "mtime_ns": ..., "sha256": ..., "output": "part-00000.parquet",
                 "status": "done", "n_items": 500, "seconds": 0.4, "run": 1, ...}],
     "totals": {"shards": 3, "done": 3, "failed": 0, "n_items": 1500}}
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .. import DISCLAIMER, __version__
from ..jsonable import utc_timestamp
from .shards import Shard

MANIFEST_NAME = "manifest.json"
FORMAT = 1


class ScaleError(RuntimeError):
    """A sharded run cannot start or did not finish every shard (the message says which)."""


def source_commit() -> str | None:
    """The git commit of the depscreen source when it runs from a checkout, else None."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                             timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def folder_sha256(folder: str | Path) -> str:
    """One sha256 over every file of a folder (relative names and bytes, sorted)."""
    folder = Path(folder)
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0")
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")
    return h.hexdigest()


class Manifest:
    """Read, update and atomically write ``OUT/manifest.json``."""

    def __init__(self, out_dir: str | Path, data: dict[str, Any]):
        self.out_dir = Path(out_dir)
        self.data = data
        self.shards: dict[str, dict[str, Any]] = {s["name"]: s for s in data.get("shards", [])}

    @property
    def path(self) -> Path:
        return self.out_dir / MANIFEST_NAME

    @classmethod
    def open(cls, out_dir: str | Path, *, kind: str, model: dict[str, Any] | None,
             options: dict[str, Any]) -> "Manifest":
        """The manifest of ``out_dir``: read back when it exists (checking that it was
        written for the same ``kind``, ``model`` and ``options``), else a new one."""
        out_dir = Path(out_dir)
        path = out_dir / MANIFEST_NAME
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise ScaleError(f"{path}: unreadable manifest ({exc.msg}); move it away to start afresh") from None
            old_kind = data.get("kind")
            if old_kind != kind:
                raise ScaleError(f"{out_dir} holds a {old_kind} run, not {kind}; choose another output folder")
            old_model = (data.get("model") or {}).get("sha256")
            if model is not None and old_model != model.get("sha256"):
                raise ScaleError(
                    f"{out_dir} was written by another model ({(data.get('model') or {}).get('path')}); "
                    "choose another output folder, or delete it to start afresh"
                )
            old_opts = data.get("options") or {}
            changed = sorted(k for k in set(old_opts) | set(options) if old_opts.get(k) != options.get(k))
            if changed:
                detail = ", ".join(f"{k}: {old_opts.get(k)!r} then, {options.get(k)!r} now" for k in changed)
                raise ScaleError(f"{out_dir} was written with other options ({detail}); choose another output folder")
            return cls(out_dir, data)
        data = {
            "format": FORMAT,
            "kind": kind,
            "disclaimer": DISCLAIMER,
            "model": model,
            "options": options,
            "depscreen_version": __version__,
            "commit": source_commit(),
            "created": utc_timestamp(),
            "updated": utc_timestamp(),
            "runs": [],
            "shards": [],
            "totals": {},
        }
        return cls(out_dir, data)

    # -- what to do -----------------------------------------------------------------------
    def is_done(self, shard: Shard) -> bool:
        """True when ``shard`` was finished before, is unchanged and its output exists."""
        entry = self.shards.get(shard.name)
        if not entry or entry.get("status") != "done":
            return False
        if entry.get("size") != shard.size or entry.get("mtime_ns") != shard.mtime_ns:
            return False
        output = entry.get("output")
        return not output or (self.out_dir / output).exists()

    def changed(self, shard: Shard) -> bool:
        """True when ``shard`` was finished before but its file has changed since."""
        entry = self.shards.get(shard.name)
        return bool(entry and entry.get("status") == "done"
                    and (entry.get("size"), entry.get("mtime_ns")) != (shard.size, shard.mtime_ns))

    # -- recording ------------------------------------------------------------------------
    def start_run(self, **fields: Any) -> dict[str, Any]:
        run = {"run": len(self.data["runs"]) + 1, "started": utc_timestamp(), "finished": None,
               "scored": 0, "skipped": 0, "failed": 0, "n_items": 0, **fields}
        self.data["runs"].append(run)
        self.save()
        return run

    def record(self, shard: Shard, result: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
        """Store one shard's result (``ok``, ``n_items``, ``seconds``, ...) and save."""
        entry = {
            "name": shard.name,
            "input": str(shard.path),
            "size": shard.size,
            "mtime_ns": shard.mtime_ns,
            "sha256": result.get("sha256") or None,
            "output": result.get("output") or None,
            "status": "done" if result.get("ok") else "failed",
            "n_items": int(result.get("n_items") or 0),
            "seconds": round(float(result.get("seconds") or 0.0), 4),
            "cpu_seconds": round(float(result.get("cpu_seconds") or 0.0), 4),
            "started": round(float(result.get("started") or 0.0), 3),
            "run": run["run"],
            "finished": utc_timestamp(),
            "worker": result.get("worker") or None,
            "peak_rss_mb": round(float(result.get("peak_rss_mb") or 0.0), 1),
        }
        for key in ("n_posts", "computed", "hits"):
            if key in result:
                entry[key] = int(result[key] or 0)
        if not result.get("ok"):
            entry["error"] = str(result.get("error") or "unknown error")
            run["failed"] += 1
        else:
            run["scored"] += 1
            run["n_items"] += entry["n_items"]
        self.shards[shard.name] = entry
        self.save()
        return entry

    def finish_run(self, run: dict[str, Any], **fields: Any) -> None:
        run["finished"] = utc_timestamp()
        run.update(fields)
        self.save()

    def save(self) -> Path:
        done = [s for s in self.shards.values() if s["status"] == "done"]
        self.data["shards"] = [self.shards[k] for k in sorted(self.shards)]
        self.data["totals"] = {
            "shards": len(self.shards),
            "done": len(done),
            "failed": sum(1 for s in self.shards.values() if s["status"] == "failed"),
            "n_items": sum(s["n_items"] for s in done),
        }
        self.data["updated"] = utc_timestamp()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{MANIFEST_NAME}.partial")
        tmp.write_text(json.dumps(self.data, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)
        return self.path


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``OUT/.lock`` for the run: two runs never write one folder at once."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ScaleError(f"{out_dir}: another run is writing this folder") from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
