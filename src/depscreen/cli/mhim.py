"""Masked hard instance mining on the command line.

``depscreen train --model lmilatt --mhim t=2,b=1`` trains LMILAtt with MHIM (the
registered model ``lmilatt-mhim`` with ``mhim_t`` / ``mhim_b``; the same as
``--model lmilatt-mhim --param mhim_t=2 --param mhim_b=1``). Other MHIM settings go
through ``--param`` (``donor=momentum``, ``masking=soft``, ``soft_weight=0.2``).

The ``mhim`` group adds::

    depscreen mhim dialogue-to-corpus interviews.jsonl corpus.jsonl [--target score|label]
    depscreen train --model dual-mhim --data corpus.jsonl --out model/ --mhim t=1,b=1
        # network settings nested: --param base__base__hidden_size=64
    depscreen mhim entropy model/        # attention entropy per epoch, donor and receiver

No post or turn text is printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from .root import app

console = Console(stderr=True, soft_wrap=True)

mhim_app = typer.Typer(help="Masked hard instance mining (paper 001): dialogues, entropy logs.",
                       no_args_is_help=True)
app.add_typer(mhim_app, name="mhim")

#: model names ``--mhim`` may be given with -> the registered MHIM model they train
MHIM_MODELS = {"lmilatt": "lmilatt-mhim", "lmilatt-mhim": "lmilatt-mhim", "dual-mhim": "dual-mhim",
               "dual": "dual-mhim"}


def mhim_route(model: str, spec: str) -> tuple[str, list[str]]:
    """``("lmilatt", "t=2,b=1")`` -> ``("lmilatt-mhim", ["mhim_t=2", "mhim_b=1"])``; for
    ``dual-mhim``, whose MHIM settings sit on its base, ``["base__mhim_t=2", ...]``.

    Raises ``ValueError`` for a model MHIM does not apply to or a bad spec.
    """
    from ..models.mhim.masking import parse_spec

    if model not in MHIM_MODELS:
        raise ValueError(
            f"--mhim applies to attention models {sorted(set(MHIM_MODELS))}, not '{model}'"
        )
    from ._common import nested_param

    values = parse_spec(spec)
    name = MHIM_MODELS[model]
    return name, [f"{nested_param(name, f'mhim_{k}')}={v}" for k, v in values.items()]


@mhim_app.command("dialogue-to-corpus")
def dialogue_to_corpus(
    source: Path = typer.Argument(..., help="Interviews, one per line (see docs/mhim.md for the format)."),
    out: Path = typer.Argument(..., help="User-level corpus to write (JSON Lines, one interview per user)."),
    target: str = typer.Option("score", "--target", help="User label: the interview 'score' or its 'label'."),
    speaker: list[str] = typer.Option([], "--speaker", help="Map a speaker name, e.g. Ellie=interviewer (repeatable)."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Skip (and count) malformed lines instead of stopping."),
) -> None:
    """Turn interviews into bags of participant turns, each with its interviewer prefix."""
    from ..corpus.dialogue import DialogueFormatError, interviews_to_users, read_dialogue_jsonl
    from ..corpus.io import write_jsonl

    mapping = {}
    for item in speaker:
        name, sep, role = item.partition("=")
        if not sep or not name.strip():
            console.print(f"[red]error:[/red] --speaker '{item}': expected NAME=interviewer|participant")
            raise typer.Exit(code=2)
        mapping[name.strip()] = role.strip().lower()
    try:
        corpus = read_dialogue_jsonl(source, errors="skip" if skip_bad else "raise", speaker_map=mapping)
        users = interviews_to_users(corpus, target=target)
    except (DialogueFormatError, ValueError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=2)
    write_jsonl(users, out)
    n_turns = sum(len(u.posts) for u in users)
    console.print(f"{len(users)} interviews, {n_turns} participant turns -> {out}", highlight=False)
    if corpus.report.skipped:
        console.print(f"skipped lines: {dict(corpus.report.skipped)}", highlight=False)


@mhim_app.command("entropy")
def entropy(
    model_dir: Path = typer.Argument(..., help="A folder written by `depscreen train` for an MHIM model."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Also write the log as JSON."),
) -> None:
    """Attention entropy per epoch: phase 1 (donor) and phase 2 (receiver, unmasked)."""
    for name in ("entropy_log.json", "mhim/entropy_log.json"):
        path = model_dir / name
        if path.exists():
            break
    else:
        console.print(f"[red]error:[/red] {model_dir}: no entropy_log.json (not an MHIM model folder)")
        raise typer.Exit(code=2)
    rows = json.loads(path.read_text())
    table = Table(title=f"attention entropy per epoch ({model_dir})")
    for col in ("phase", "epoch", "train loss", "donor entropy", "receiver entropy", "masked / bag"):
        table.add_column(col)

    def f(v):
        return "" if v is None else f"{v:.3f}"

    for r in rows:
        if r["phase"] == "donor":
            table.add_row("donor", str(r["epoch"]), f(r.get("train_loss")), f(r.get("attention_entropy")), "", "")
        else:
            table.add_row("receiver", str(r["epoch"]), f(r.get("train_loss")), f(r.get("donor_entropy")),
                          f(r.get("receiver_entropy")), f(r.get("masked_per_bag")))
    Console().print(table)
    if json_out:
        json_out.write_text(json.dumps(rows, indent=1))
