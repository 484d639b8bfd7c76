"""``depscreen demo``: the main job on the built-in synthetic sample (what ``make demo`` runs).

Example::

    depscreen demo --out demo-output
    depscreen demo --out /tmp/d --users 90 --cv 3 --model majority --model tfidf-lr
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .root import app

# The columns printed in the terminal; every metric is in the files.
TERMINAL_METRICS = ["f1", "f1_macro", "roc_auc", "pr_auc"]


def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", "-o", help="Folder for sample, tables and report."),
    users: int = typer.Option(300, "--users", "-n", min=6, help="Users in the generated sample."),
    seed: int = typer.Option(13, "--seed", help="Seed of the sample and of the folds."),
    cv: int = typer.Option(5, "--cv", min=2, help="Cross-validation folds (user level, stratified)."),
    model: Optional[List[str]] = typer.Option(
        None, "--model", "-m",
        help="Model to compare (repeat for several). Default: the baselines (majority, and "
        "tfidf-lr with class_weight=balanced) and one model per method (lr, l-lr, lmilatt, "
        "lmilatt-mhim).",
    ),
    all_models: bool = typer.Option(
        False, "--all-models",
        help="Run every registered model that declares demo settings (variants and ablations too; slower).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output; still prints the table."),
) -> None:
    """Generate the synthetic sample, compare models on it and write an HTML report.

    Writes sample.jsonl, comparison.md, report.html, metrics.png and metrics.json to
    --out. The sample is synthetic: the numbers test the software, not screening on
    real people. depscreen is a screening and research tool, not a diagnosis.
    """
    from ..demo import run_demo

    try:
        summary = run_demo(out, n_users=users, seed=seed, cv=cv, models=model or None,
                           all_models=all_models, progress=not quiet)
    except ValueError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from None
    comparison = summary["comparison"]
    if sys.stdout.isatty():
        from rich.console import Console

        cols = [m for m in TERMINAL_METRICS if m in comparison.results[0].summary] or None
        Console().print(comparison.to_rich(cols))
        from ..evaluate.report import degenerate_warnings

        for _, message in degenerate_warnings(comparison.results):  # the markdown table carries them
            typer.echo(f"warning: {message}")
    else:
        typer.echo(summary["table"])
    typer.echo(f"report: {summary['files']['report.html']}")
    from .. import DISCLAIMER

    typer.echo(f"{DISCLAIMER} The sample is synthetic.")


app.command("demo")(demo)
