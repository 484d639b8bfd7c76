"""Command ``prevalence``: the estimated share of a population showing the signal.

    depscreen prevalence model/ corpus.jsonl --by month --json shares.json --csv shares.csv \\
        --plot shares.png

A thin layer over :func:`depscreen.prevalence`: parse the options, check that every
output can be written, compute, then write (nothing is written when anything fails).
The answer is a share of users (or posts) whose writing shows the signal, not the
prevalence of clinical depression; no per-user row is printed or written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .root import app
from ._common import CliError, console, disclaimer, guard, load_model, read_corpus, say, stdout_console

_METHOD_HELP = ("cc | pcc | acc | pacc | em (repeatable; default: all the model supports). acc, pacc and em need "
                "the out-of-fold scores stored with the model at training time.")


def _check_out(path: Optional[Path], suffixes: tuple[str, ...], option: str) -> None:
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        raise CliError(f"{option} {path}: use a file ending in {' or '.join(suffixes)}")
    parent = path.parent if str(path.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise CliError(f"{option} {path}: {parent} is not a folder")


@app.command()
def prevalence(
    model_dir: Path = typer.Argument(..., help="A folder written by `depscreen train`."),
    data: Path = typer.Argument(..., help="Corpus to estimate on (canonical JSON Lines; labels are ignored)."),
    method: list[str] = typer.Option([], "--method", "-m", help=_METHOD_HELP),
    by: Optional[str] = typer.Option(None, "--by", help="Break down by lang | month | meta.FIELD."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the estimates as JSON here."),
    csv_out: Optional[Path] = typer.Option(None, "--csv", help="Write one row per group, method and class here."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="PNG or HTML plot over months (needs --by month)."),
    n_boot: int = typer.Option(1000, "--n-boot", help="Bootstrap replicates for the intervals."),
    confidence: float = typer.Option(0.95, "--confidence", help="Interval coverage (0.95: a 95 % interval)."),
    min_group: int = typer.Option(30, "--min-group", help="Groups with fewer items are flagged 'small' (still shown)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the bootstrap, recorded with the results."),
) -> None:
    """Estimate the share of each class in a corpus (users, or posts for a post-level
    corpus), with a bootstrap interval, overall and per group."""
    from .. import api
    from ..models.folder import require_model_folder
    from ..population.groups import check_by

    with guard():
        require_model_folder(model_dir)
        check_by(by)
        if plot is not None and by != "month":
            raise CliError("--plot draws the share over months: add --by month")
        if not 0 < confidence < 1:
            raise CliError(f"--confidence must be between 0 and 1, got {confidence}")
        _check_out(json_out, (".json",), "--json")
        _check_out(csv_out, (".csv",), "--csv")
        _check_out(plot, (".png", ".html", ".htm"), "--plot")
        corpus = read_corpus(data)
        model = load_model(model_dir)
        record = api.training_record(model_dir)
        languages = (record.extra.get("languages") if record is not None else None) or None
        with console.status(f"estimating shares on {len(corpus)} {corpus.level}s"):
            result = api.prevalence(model, corpus, methods=method or None, by=by, n_boot=n_boot,
                                    confidence=confidence, seed=seed, min_group=min_group,
                                    train_languages=languages)
        # everything is computed: now write, each file whole (temporary name, then renamed)
        written = []
        try:
            if json_out is not None:
                written.append(_whole(json_out, result.to_json))
            if csv_out is not None:
                written.append(_whole(csv_out, result.to_csv))
                tmp_side = _tmp(csv_out).with_name(_tmp(csv_out).name + ".meta.json")
                _whole_rename(tmp_side, csv_out.with_name(csv_out.name + ".meta.json"))
            if plot is not None:
                written.append(_whole(plot, result.plot))
        except OSError as exc:
            raise CliError(f"could not write {exc.filename}: {exc.strerror}") from None
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    stdout_console().print(result.to_rich())
    for path in written:
        say(f"wrote {path}")
    disclaimer()


def _whole(path: Path, write) -> Path:
    """Write with ``write(tmp)`` to a temporary name beside ``path``, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    path.chmod(0o644)
    return path


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial{path.suffix}")


def _whole_rename(tmp: Path, final: Path) -> None:
    if tmp.exists():
        tmp.replace(final)
