"""The run record every results file in ``docs/results/`` carries, and the writer for it.

A number in a results file is only worth what its provenance says: which commit (and
whether the working tree had uncommitted changes), when, by which command, with which
seeds, on which machine, and how busy the machine was. Every benchmark script builds one
:class:`RunRecord` at start, calls :meth:`RunRecord.finish` at the end, and writes its
table with :func:`write_results`, which puts the record at the top of the markdown and
under ``"run"`` in the JSON.

Usage from a script in ``benchmarks/``::

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _record import start_record, write_results

    rec = start_record(seeds=[13, 14])        # load average, date, commit, machine now
    ...                                       # run the benchmark
    rec.finish()                              # load average and wall time at the end
    write_results("default_model", markdown_body, payload, rec, title="Default model")
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "docs" / "results"


def git_state(root: Path = ROOT) -> dict[str, Any]:
    """``{"commit", "dirty", "dirty_paths"}`` of the repository at ``root``.

    ``dirty`` is True when tracked files differ from the commit (untracked files are
    ignored: other people's scratch files do not change what the benchmark ran).
    ``commit`` is None outside a git checkout.
    """
    def _git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout

    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no")
    paths = [line[3:] for line in (status or "").splitlines() if line.strip()]
    return {
        "commit": commit.strip() if commit else None,
        "dirty": bool(paths) if status is not None else None,
        "dirty_paths": paths[:50],
    }


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, or None where the OS does not say."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def torch_threads() -> int | None:
    """torch's intra-op thread count when torch is already imported (None otherwise).

    Importing torch only to ask would cost seconds and change the process; a benchmark
    that uses torch has imported it by the time it finishes.
    """
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        return int(torch.get_num_threads())
    except Exception:  # pragma: no cover - broken torch build
        return None


def _version(module: str) -> str | None:
    try:
        mod = __import__(module)
    except Exception:
        return None
    return getattr(mod, "__version__", None)


def command_line(argv: Iterable[str] | None = None) -> str:
    """The command that ran, as a user would type it (script path relative to the repo)."""
    args = list(sys.argv if argv is None else argv)
    if args:
        try:
            args[0] = str(Path(args[0]).resolve().relative_to(ROOT))
        except ValueError:
            pass
    return "python " + " ".join(shlex.quote(a) for a in args)


@dataclass
class RunRecord:
    """Provenance of one benchmark run (see the module docstring)."""

    commit: str | None
    dirty: bool | None
    dirty_paths: list[str]
    date_utc: str
    command: str
    seeds: list[int]
    cpu_model: str
    cores: int | None
    platform: str
    python: str
    numpy: str | None
    sklearn: str | None
    torch: str | None
    depscreen: str | None
    load_average_start: list[float] | None
    torch_threads: int | None = None
    load_average_end: list[float] | None = None
    date_utc_end: str | None = None
    wall_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    _t0: float = field(default=0.0, repr=False)

    def finish(self) -> "RunRecord":
        """Record the end of the run: load average, torch threads, wall time, end date."""
        self.load_average_end = load_average()
        self.torch_threads = torch_threads()
        self.torch = self.torch or (_version("torch") if "torch" in sys.modules else None)
        self.date_utc_end = _now()
        self.wall_seconds = round(time.perf_counter() - self._t0, 1)
        return self

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("_t0", None)
        return out

    def busy(self) -> bool:
        """True when the load average exceeded the core count at start or end.

        Timings from a busy run measure the other jobs too; quality numbers are unaffected.
        """
        cores = self.cores or 1
        loads = [la[0] for la in (self.load_average_start, self.load_average_end) if la]
        return any(x > cores for x in loads)

    def markdown(self) -> str:
        """The record as a short bullet list for the top of a results file."""
        commit = (self.commit or "unknown")[:12]
        if self.dirty:
            commit += " (working tree had uncommitted changes: " + ", ".join(self.dirty_paths[:8]) + (
                ", ..." if len(self.dirty_paths) > 8 else "") + ")"
        la = lambda v: "n/a" if v is None else " / ".join(f"{x:.2f}" for x in v)  # noqa: E731
        versions = f"Python {self.python}, NumPy {self.numpy}, scikit-learn {self.sklearn}"
        if self.torch:
            versions += f", torch {self.torch}"
        if self.depscreen:
            versions += f", depscreen {self.depscreen}"
        lines = [
            f"- commit: `{commit}`",
            f"- date (UTC): {self.date_utc}" + (f" to {self.date_utc_end}" if self.date_utc_end else ""),
            f"- command: `{self.command}`",
            f"- seeds: {', '.join(str(s) for s in self.seeds) or 'none'}",
            f"- machine: {self.cpu_model}, {self.cores} cores, {self.platform}",
            f"- torch threads: {self.torch_threads if self.torch_threads is not None else 'torch not used'}",
            f"- load average (1/5/15 min) at start: {la(self.load_average_start)}; at end: {la(self.load_average_end)}"
            + (" (busy machine: timings are not comparable)" if self.busy() else ""),
            f"- versions: {versions}",
        ]
        if self.wall_seconds is not None:
            lines.append(f"- wall time: {self.wall_seconds / 60:.1f} min")
        for key, value in self.extra.items():
            lines.append(f"- {key}: {value}")
        return "\n".join(lines)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def start_record(seeds: Iterable[int] = (), argv: Iterable[str] | None = None, **extra: Any) -> RunRecord:
    """Build the record at the start of a run (call :meth:`RunRecord.finish` at the end)."""
    git = git_state()
    return RunRecord(
        commit=git["commit"],
        dirty=git["dirty"],
        dirty_paths=git["dirty_paths"],
        date_utc=_now(),
        command=command_line(argv),
        seeds=[int(s) for s in seeds],
        cpu_model=cpu_model(),
        cores=os.cpu_count(),
        platform=platform.platform(),
        python=platform.python_version(),
        numpy=_version("numpy"),
        sklearn=_version("sklearn"),
        torch=_version("torch") if "torch" in sys.modules else None,
        depscreen=_version("depscreen"),
        load_average_start=load_average(),
        torch_threads=torch_threads(),
        extra=dict(extra),
        _t0=time.perf_counter(),
    )


def rerender_record(saved_run: dict[str, Any], argv: Iterable[str] | None = None) -> RunRecord:
    """The record of a results file re-rendered from its saved JSON: the measurements keep
    their own run record (commit, date, command, seeds, machine, load), and
    ``extra["rendered"]`` says which commit's tables and tests were applied to them, when
    and by which command. For changes to how a file reports (a new column, a corrected
    sentence), never to what it measures."""
    fields = {k: v for k, v in saved_run.items() if k in RunRecord.__dataclass_fields__ and not k.startswith("_")}
    record = RunRecord(**fields)
    git = git_state()
    record.extra = {**dict(record.extra or {}), "rendered": {
        "commit": git["commit"], "dirty": git["dirty"], "date_utc": _now(), "command": command_line(argv),
        "note": "tables and tests re-rendered by this commit from the saved measurements of the run above",
    }}
    return record


def run_record(seeds: Iterable[int] = (), argv: Iterable[str] | None = None, **extra: Any) -> dict[str, Any]:
    """The record as a plain dict (start and end at once: for short scripts)."""
    return start_record(seeds, argv, **extra).finish().to_dict()


def write_results(
    name: str,
    body: str,
    payload: dict[str, Any],
    record: RunRecord,
    *,
    title: str | None = None,
    preamble: str | None = None,
    results_dir: Path | None = None,
) -> tuple[Path, Path]:
    """Write ``<results_dir>/<name>.md`` and ``.json`` with the run record as header.

    Parameters
    ----------
    name : str
        File stem, e.g. ``"default_model"``.
    body : str
        Markdown that follows the header (tables, sections).
    payload : dict
        JSON-serialisable results; the record is stored under ``"run"``.
    record : RunRecord
        Finished with :meth:`RunRecord.finish` (finished here if not).
    title, preamble : str, optional
        First heading (default: ``name``) and text between it and the record.
    results_dir : Path, optional
        Defaults to ``docs/results`` of this repository.
    """
    if record.wall_seconds is None:
        record.finish()
    out_dir = Path(results_dir) if results_dir is not None else RESULTS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    md = out_dir / f"{name}.md"
    js = out_dir / f"{name}.json"
    parts = [f"# {title or name}", ""]
    if preamble:
        parts += [preamble.strip(), ""]
    parts += ["## Run", "", record.markdown(), "", body.strip(), ""]
    md.write_text("\n".join(parts), encoding="utf-8")
    data = {"run": record.to_dict(), **payload}
    js.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=_json_default) + "\n", encoding="utf-8")
    return md, js


def _json_default(obj: Any) -> Any:
    try:
        import numpy as np

        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return float(obj)
        if isinstance(obj, np.ndarray):
            return obj.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
