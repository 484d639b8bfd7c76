"""``depscreen mil``: look inside a trained multi-instance model (LMILAtt and ablations).

    depscreen mil explain model/ corpus.jsonl --out views/ --top-k 5
    depscreen mil diagnose model/ corpus.jsonl --out diagnostics/

``explain`` writes an HTML timeline per user (posts in time order, one weight bar
each; post text only in these files, redacted by default, or left out with
``--no-text``) plus ``explanations.json`` (weights, ids and times, no text).
``diagnose`` writes per-user reconstruction error and attention spread
(``diagnostics.csv``) and two PNG histograms, and prints a summary. Nothing printed or
logged contains post text.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .root import app

mil_app = typer.Typer(help="Inspect a multi-instance model: attention per post, diagnostics.",
                      no_args_is_help=True)
app.add_typer(mil_app, name="mil")


def _load(model_dir: Path, data: Path):
    from depscreen import DISCLAIMER  # noqa: F401 - imported for the commands below
    from depscreen.corpus import CorpusFormatError, UserCorpus, read_jsonl
    from ._common import load_model

    try:
        model = load_model(model_dir)
    except (FileNotFoundError, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="MODEL_DIR") from exc
    for method in ("explain", "diagnostics"):
        if not callable(getattr(model, method, None)):
            raise typer.BadParameter(f"{model_dir}: this model has no '{method}' (not a multi-instance model)",
                                     param_hint="MODEL_DIR")
    try:
        corpus = read_jsonl(data)
    except (CorpusFormatError, FileNotFoundError) as exc:
        raise typer.BadParameter(str(exc), param_hint="DATA") from exc
    if not isinstance(corpus, UserCorpus):
        raise typer.BadParameter(f"{data}: a user-level corpus is needed (one user per line)", param_hint="DATA")
    return model, corpus


@mil_app.command("explain")
def explain_command(
    model_dir: Path = typer.Argument(..., help="A model folder (depscreen train --model lmilatt ...)."),
    data: Path = typer.Argument(..., help="User-level canonical corpus (JSON Lines)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for index.html, one page per user, explanations.json."),
    top_k: int = typer.Option(5, "--top-k", min=1, help="Posts listed as the top of each user."),
    text: bool = typer.Option(True, "--text/--no-text", help="Show post text in the HTML pages."),
    redact: bool = typer.Option(True, "--redact/--no-redact", help="Replace e-mails, links, mentions, phones."),
) -> None:
    """Write per-user HTML timelines with attention weights (and a JSON copy, no text)."""
    from depscreen import DISCLAIMER
    from depscreen.evaluate.explain import explanation_metrics, write_timeline_html

    model, corpus = _load(model_dir, data)
    try:
        explanations = model.explain(corpus.users, top_k=top_k)
    except (ValueError, TypeError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    index = write_timeline_html(corpus.users, explanations, out, show_text=text, redact=redact)
    (out / "explanations.json").write_text(
        json.dumps({"disclaimer": DISCLAIMER, "model": str(model_dir), "data": str(data),
                    "users": explanations}, indent=1, ensure_ascii=False),
        encoding="utf-8",
    )
    typer.echo(f"wrote {len(explanations)} user pages; open {index}")
    has_truth = any(p.label is not None or p.meta.get("planted") for u in corpus for p in u.posts)
    if has_truth:
        m = explanation_metrics(corpus.users, explanations)
        if m["n_bags_with_truth"]:
            typer.echo("instance truth found: " + ", ".join(
                f"Recall@{k} {m[f'recall@{k}']:.3f} (chance {m[f'chance@{k}']:.3f})" for k in ("10%", "20%", "50%")))
    typer.echo(DISCLAIMER)


@mil_app.command("diagnose")
def diagnose_command(
    model_dir: Path = typer.Argument(..., help="A model folder."),
    data: Path = typer.Argument(..., help="User-level canonical corpus (JSON Lines)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for diagnostics.csv and the PNG plots."),
) -> None:
    """Reconstruction error and attention spread per user: CSV, two histograms, a summary."""
    from depscreen import DISCLAIMER
    import numpy as np

    from depscreen.evaluate.diagnostics_plots import NEAR_UNIFORM, plot_attention_entropy, plot_reconstruction_error

    model, corpus = _load(model_dir, data)
    try:
        diag = model.diagnostics(corpus.users)
    except (ValueError, TypeError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    out.mkdir(parents=True, exist_ok=True)
    diag.to_csv(out / "diagnostics.csv", index=False)
    written = [out / "diagnostics.csv", plot_attention_entropy(diag, out / "attention_entropy.png")]
    if np.isfinite(diag["reconstruction_error"]).any():
        written.append(plot_reconstruction_error(diag, out / "reconstruction_error.png"))
    near = float((diag["normalised_entropy"] >= NEAR_UNIFORM).mean())
    typer.echo(f"{len(diag)} users; mean normalised attention entropy {diag['normalised_entropy'].mean():.3f}; "
               f"{near:.0%} of users with near-uniform attention (>= {NEAR_UNIFORM})")
    if np.isfinite(diag["reconstruction_error"]).any():
        by = diag.groupby(diag["label"].astype(str))["reconstruction_error"].median()
        typer.echo("median reconstruction error by label: " + ", ".join(f"{k}: {v:.4f}" for k, v in by.items()))
    typer.echo("wrote " + ", ".join(str(p) for p in written))
    typer.echo(DISCLAIMER)
