"""Commands ``depscreen data convert``, ``data inspect`` and ``data formats``.

    depscreen data convert Mental-Health-Twitter.csv --format mental-health-twitter --out mht.jsonl
    depscreen data convert posts.csv --format csv --text-col body --label-col y --user-col author \\
        --time-col created --pseudonymise --salt "$SALT" --out corpus.jsonl
    depscreen data inspect mht.jsonl --json mht-inspect.json
    depscreen data formats

Only counts and locations are printed (file:line and field), never post text.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.console import Console
from rich.table import Table

from .root import app
from ..corpus.io import CorpusFormatError, read_jsonl, write_jsonl
from ..corpus.privacy import pseudonymise as _pseudonymise
from ..corpus.readers import DESCRIPTIONS, READERS, read_source, reader_options
from ..corpus.types import Corpus, ReadReport

console = Console(stderr=True, soft_wrap=True)

data_app = typer.Typer(
    help="Convert any supported source to the canonical JSON Lines corpus, and inspect corpora.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")



def _format_name(value: Optional[str]) -> Optional[str]:
    """Check a --format value (case ignored); a typo gets the closest name and the list."""
    if value is None:
        return None
    if value.lower() in READERS:
        return value.lower()
    from ..wording import unknown_name

    raise typer.BadParameter(unknown_name("format", value, READERS))

_FORMATS_HELP = "Source format: " + ", ".join(READERS) + ". See `depscreen data formats`."


def _fail(message: str) -> None:
    """The one error style of the command line (see cli/_common.fail)."""
    from ._common import fail

    fail(message)


def _report_table(report: ReadReport | None, corpus: Corpus) -> Table:
    table = Table(title="read report (counts only)", show_lines=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("first locations", overflow="fold")
    n_posts = sum(len(u.posts) for u in corpus) if corpus.level == "user" else len(corpus)
    table.add_row(f"{corpus.level}s read", str(len(corpus)), "")
    if corpus.level == "user":
        table.add_row("posts", str(n_posts), "")
    for label, n in sorted(corpus.label_counts().items(), key=lambda kv: str(kv[0])):
        table.add_row(f"label {label}", str(n), "")
    if report is not None:
        for reason, n in report.skipped.items():
            table.add_row(f"skipped: {reason}", str(n), "; ".join(report.examples.get(reason, [])[:3]))
        for reason, n in report.recovered.items():
            table.add_row(f"recovered: {reason}", str(n), "; ".join(report.examples.get(reason, [])[:3]))
    return table


@data_app.command("convert")
def convert(
    source: Path = typer.Argument(..., help="Input file or folder."),
    fmt: str = typer.Option(..., "--format", "-f", metavar="FORMAT", help=_FORMATS_HELP, callback=_format_name),
    out: Path = typer.Option(..., "--out", "-o", help="Canonical JSON Lines corpus to write."),
    text_col: Optional[str] = typer.Option(None, help="Text column (csv / tsv / jsonl / parquet)."),
    label_col: Optional[str] = typer.Option(None, help="Label column (generic formats)."),
    user_col: Optional[str] = typer.Option(None, help="User column: gives a user-level corpus (generic formats)."),
    time_col: Optional[str] = typer.Option(None, help="Time column, converted to ISO 8601 (generic formats)."),
    id_col: Optional[str] = typer.Option(None, help="Post id column (generic formats)."),
    encoding: Optional[str] = typer.Option(None, help="Text encoding when not UTF-8 (e.g. gb18030)."),
    sheet: Optional[str] = typer.Option(None, help="Workbook sheet (id-suicide; default 10k)."),
    golden: Optional[List[Path]] = typer.Option(None, help="eRisk golden-truth file (repeatable)."),
    positive: Optional[List[str]] = typer.Option(
        None, "--positive", help="Binarise: this label (or label name) becomes 1, the rest 0. Repeatable."
    ),
    allow_unlabelled: bool = typer.Option(False, help="Keep records without a label (label null)."),
    original_only: bool = typer.Option(False, help="WU3D: keep only original tweets (no reposts)."),
    drop_duplicate_posts: bool = typer.Option(False, help="Mental-Health-Twitter: skip repeated rows."),
    pseudonymise: bool = typer.Option(False, "--pseudonymise", help="Replace user / post ids with salted hashes."),
    salt: Optional[str] = typer.Option(
        None, envvar="DEPSCREEN_SALT", help="Secret salt for --pseudonymise (random, unsaved, if not given)."
    ),
    lang: Optional[str] = typer.Option(None, help="Language code set on every post (zh, en, id)."),
    report_json: Optional[Path] = typer.Option(None, "--report", help="Also write the read report as JSON."),
) -> None:
    """Convert SOURCE in format FMT into the canonical JSON Lines corpus.

    Formats: wu3d, erisk, mental-health-twitter, cssrs, ltedi, reddit-cleaned, sdcnl,
    nlpcc, simplifyweibo, clue, id-suicide, csv, tsv, jsonl, parquet. Prints what was
    read, skipped and repaired (counts and file:line locations, never post text).
    """
    name = fmt
    given: dict[str, Any] = {
        "text_col": text_col,
        "label_col": label_col,
        "user_col": user_col,
        "time_col": time_col,
        "id_col": id_col,
        "encoding": encoding,
        "sheet": sheet,
        "golden": [str(g) for g in golden] if golden else None,
        "require_label": False if allow_unlabelled else None,
        "original_only": True if original_only else None,
        "drop_duplicate_posts": True if drop_duplicate_posts else None,
    }
    options = {k: v for k, v in given.items() if v is not None}
    accepted = reader_options(name)
    unknown = [k for k in options if k not in accepted]
    if unknown:
        flags = ", ".join("--" + k.replace("_", "-") for k in unknown)
        _fail(f"format {name} does not take {flags}")
    if not source.exists():
        _fail(f"{source}: no such file or folder")
    try:
        corpus = read_source(source, name, lang=lang, positive=positive or None, **options)
    except (CorpusFormatError, ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    report = corpus.report
    if pseudonymise:
        if not salt:
            salt = secrets.token_hex(16)
            console.print(
                "pseudonymised with a random salt that is not saved: the pseudonyms cannot be "
                "linked to other conversions (pass --salt to make them stable)"
            )
        corpus = _pseudonymise(corpus, salt)
    write_jsonl(corpus, out)
    console.print(_report_table(report, corpus))
    if report is not None:
        console.print(report.summary(), highlight=False)
    if report_json:
        report_json.parent.mkdir(parents=True, exist_ok=True)
        data = report.to_dict() if report is not None else {}
        data.update({"format": name, "out": str(out), "level": corpus.level, "items": len(corpus)})
        report_json.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"wrote the read report to {report_json}", highlight=False)
    console.print(f"wrote {len(corpus)} {corpus.level}s to {out}", highlight=False)


@data_app.command("inspect")
def inspect(
    corpus_path: Path = typer.Argument(..., metavar="CORPUS", help="Canonical JSON Lines corpus (or any source with --format)."),
    fmt: Optional[str] = typer.Option(
        None, "--format", "-f", metavar="FORMAT", callback=_format_name,
        help="Read a raw source in this format instead of a canonical corpus (see `depscreen data formats`).",
    ),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the inspection as JSON."),
    lang_sample: int = typer.Option(500, help="Posts sampled for language identification (0: skip)."),
    seed: int = typer.Option(13, help="Seed of the language sample."),
) -> None:
    """Counts per label, posts per user, languages, duplicates, time ranges, link styles and confounds."""
    if not corpus_path.exists():
        _fail(f"{corpus_path}: no such file or folder")
    try:
        corpus = read_source(corpus_path, fmt) if fmt else read_jsonl(corpus_path)
    except (CorpusFormatError, ValueError) as exc:
        _fail(str(exc))
    from ..evaluate.inspect import inspect_corpus, render_inspection  # evaluate loads scikit-learn

    info = inspect_corpus(corpus, lang_sample=lang_sample, seed=seed)
    render_inspection(info, console)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"wrote {json_out}", highlight=False)


@data_app.command("formats")
def formats() -> None:
    """List the source formats that `data convert --format` reads."""
    table = Table(title="source formats")
    table.add_column("format")
    table.add_column("reads")
    for name in READERS:
        table.add_row(name, DESCRIPTIONS.get(name, ""))
    Console(soft_wrap=True).print(table)
