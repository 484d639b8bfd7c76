"""Commands ``depscreen lexicon build``, ``lexicon evaluate`` and ``lexicon sweep`` (paper 002).

    depscreen lexicon build --depressed d1.jsonl --control d2.jsonl --out lexicon.csv
    depscreen lexicon build --corpus weibo.jsonl --positive sadness --method so-pmi --out l.csv
    depscreen lexicon build --corpus posts.jsonl --seeds-file seeds.csv --vectors sgns.vec --out l.csv
    depscreen lexicon evaluate lexicon.csv --gold Depression_Domain_Lexicon.csv
    depscreen lexicon sweep --corpus weibo.jsonl --positive sadness --gold gold.csv --out sweep.csv

Corpora are canonical JSON Lines by default (``--format`` reads any supported source);
each post is one document, a user's posts take the user's label. Detection with the
lexicon goes through the evaluation commands: ``depscreen evaluate --model l-lr ...``
(the lexicon is then built inside each training fold) or ``--param lexicon=lexicon.csv``.
Only counts are printed, never post text.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

import typer
from rich.console import Console

from .root import app

if TYPE_CHECKING:  # pragma: no cover
    from ..corpus.types import Corpus
    from ..lexicon.lexicon import Lexicon

# gensim, scikit-learn and the readers are imported inside the commands, so that
# `depscreen --help` stays fast. The method names repeat depscreen.lexicon.builder.METHODS
# for the same reason (the commands check against the real list); tests/cli/test_help.py
# checks that they agree.
METHOD_NAMES = ("w2v-lpa", "w2v", "so-w2v", "so-pmi")

console = Console(stderr=True, soft_wrap=True)

lexicon_app = typer.Typer(
    help="Build a depression-domain lexicon (W2V-LPA or a baseline), score it against a gold "
    "lexicon, and sweep its parameters.",
    no_args_is_help=True,
)
app.add_typer(lexicon_app, name="lexicon")


def _fail(message: str) -> None:
    """The one error style of the command line (see cli/_common.fail)."""
    from ._common import fail

    fail(message)


def _read(path: Path, fmt: str, positive: list[str] | None = None) -> "Corpus":
    from ..corpus.io import CorpusFormatError
    from ..corpus.readers import read_source

    if not path.exists():
        _fail(f"{path}: file not found")
    try:
        return read_source(path, fmt, positive=positive or None)
    except (CorpusFormatError, ValueError) as exc:
        _fail(str(exc))
    raise AssertionError  # unreachable


def _posts_and_labels(
    depressed: Optional[Path], control: Optional[Path], corpus: Optional[Path],
    positive: list[str], fmt: str,
) -> tuple[list[Any], list[int]]:
    """(posts, labels) with 1 = D1, from two corpora or one labelled corpus."""
    if corpus is not None:
        if depressed is not None or control is not None:
            _fail("give either --corpus or --depressed and --control, not both")
        data = _read(corpus, fmt, positive or None)
        if not positive and not set(data.labels) <= {0, 1, True, False}:
            _fail(f"{corpus}: labels are not 0/1; name the depressed labels with --positive")
        return list(data.items), [int(label == 1) for label in data.labels]
    if depressed is None or control is None:
        _fail("give --depressed and --control corpora, or one --corpus (with --positive)")
    d1, d2 = _read(depressed, fmt), _read(control, fmt)
    return list(d1.items) + list(d2.items), [1] * len(d1) + [0] * len(d2)


def _check_methods(methods: list[str]) -> None:
    from ..lexicon.builder import METHODS
    from ..wording import unknown_name

    for method in methods:
        if method not in METHODS:
            _fail(unknown_name("method", method, METHODS, flag="--method"))


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        _fail(f"expected comma-separated numbers, got {text!r}")
    raise AssertionError


def _scores_table(title: str, rows: list[dict[str, Any]], keys: list[str], key_columns: int = 0):
    """Scores as a table that fits the terminal (transposed or split when narrow, never cut)."""
    from ..evaluate.fit_table import FitTable

    cells = [[f"{row[k]:.3f}" if isinstance(row[k], float) else str(row[k]) for k in keys] for row in rows]
    return FitTable(keys, cells, key_columns=key_columns, title=title)


_CORPUS_OPTS = dict(
    depressed=typer.Option(None, "--depressed", help="Depressed corpus D1 (every post is D1)."),
    control=typer.Option(None, "--control", help="Control corpus D2."),
    corpus=typer.Option(None, "--corpus", help="One labelled corpus: D1 = label 1 or --positive labels."),
)


@lexicon_app.command("build")
def build(
    out: Path = typer.Option(..., "--out", "-o", help="Lexicon CSV to write (word,polarity,score,source)."),
    depressed: Optional[Path] = _CORPUS_OPTS["depressed"],
    control: Optional[Path] = _CORPUS_OPTS["control"],
    corpus: Optional[Path] = _CORPUS_OPTS["corpus"],
    positive: List[str] = typer.Option([], "--positive", help="Label(s) of D1 in --corpus (repeatable)."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="Corpus format (see `depscreen data formats`)."),
    method: str = typer.Option(
        "w2v-lpa", "--method", metavar="METHOD",
        help=f"{METHOD_NAMES[0]} (the paper's method) or a baseline: {', '.join(METHOD_NAMES[1:])}.",
    ),
    seeds_file: Optional[Path] = typer.Option(None, "--seeds-file", help="Seed words 'word,label' (1 depressive / 0 not); replaces extraction."),
    n_seeds: int = typer.Option(80, "--n-seeds", help="Extracted seeds in total (half depressive)."),
    tc: float = typer.Option(0.5, "--tc", help="Cosine-similarity threshold Tc for candidates and edges."),
    vectors: Optional[Path] = typer.Option(None, "--vectors", help="Word vectors (word2vec .vec/.txt/.bin) instead of training Word2Vec."),
    combine_vectors: bool = typer.Option(False, "--combine-vectors", help="Train on the corpus too and concatenate with --vectors."),
    lang: str = typer.Option("auto", "--lang", help="zh, en, id or auto."),
    vector_size: int = typer.Option(100, "--vector-size", help="Word2Vec vector size."),
    epochs: int = typer.Option(10, "--epochs", help="Word2Vec epochs."),
    min_count: int = typer.Option(3, "--min-count", help="Word2Vec minimum word count."),
    max_neighbors: Optional[int] = typer.Option(None, "--max-neighbors", help="Keep each word's k strongest graph edges."),
    seed: int = typer.Option(13, "--seed", help="Random seed (seed sampling, Word2Vec)."),
    seeds_out: Optional[Path] = typer.Option(None, "--seeds-out", help="Also write the seeds used."),
    gold: Optional[Path] = typer.Option(
        None, "--gold", exists=True, dir_okay=False, help="Score the result against this gold lexicon."
    ),
) -> None:
    """Build a lexicon from a depressed corpus D1 and a control corpus D2."""
    from ..lexicon.builder import LexiconBuilder
    from ..lexicon.lexicon import LexiconFormatError

    _check_methods([method])
    posts, labels = _posts_and_labels(depressed, control, corpus, positive, fmt)
    builder = LexiconBuilder(
        method, n_seeds=n_seeds, tc=tc, seeds=str(seeds_file) if seeds_file else None,
        vectors=str(vectors) if vectors else None, combine_vectors=combine_vectors,
        vector_size=vector_size, epochs=epochs, min_count=min_count,
        max_neighbors=max_neighbors, lang=lang, seed=seed,
    )
    try:
        builder.fit(posts, labels)
    except (ValueError, FileNotFoundError, LexiconFormatError) as exc:
        _fail(str(exc))
    builder.lexicon_.to_csv(out)
    if seeds_out is not None:
        builder.seeds_.to_csv(seeds_out)
    summary = builder.summary()
    from ..api import write_meta
    from ..jsonable import jsonable_params

    # the settings and, by SHA-256, the word tables (function words, slang) the build used
    meta = write_meta(out, lexicon=summary, params=jsonable_params(builder.get_params()))
    from rich.table import Table

    table = Table(title=f"lexicon {out.name} (counts only)")
    table.add_column("what")
    table.add_column("value", justify="right")
    for key in ("method", "lang", "n_seeds", "missing_seeds", "tc", "vocabulary", "candidates",
                "size", "depressive", "non_depressive", "n_iter", "converged"):
        table.add_row(key, str(summary[key]))
    table.add_row("posts D1 / D2", f"{summary['documents']['depressed']} / {summary['documents']['control']}")
    console.print(table)
    if gold is not None:
        _print_scores(builder.lexicon_, gold, include_seeds=True)
    console.print(f"wrote {out} and {meta.name}", highlight=False)
    if seeds_out is not None:
        console.print(f"wrote the seeds to {seeds_out}", highlight=False)


def _print_scores(lexicon: "Lexicon", gold_path: Path, include_seeds: bool, json_out: Path | None = None) -> None:
    from ..lexicon.evaluate import evaluate_lexicon
    from ..lexicon.lexicon import Lexicon, LexiconFormatError

    try:
        gold = Lexicon.from_csv(gold_path)
    except (FileNotFoundError, LexiconFormatError) as exc:
        _fail(str(exc))
    scores = evaluate_lexicon(lexicon, gold, include_seeds=include_seeds).to_dict()
    keys = ["size", "gold_size", "matched", "correct", "precision", "recall", "f1", "coverage",
            "dep_precision", "dep_recall", "dep_f1"]
    console.print(_scores_table(f"against {gold_path.name}", [scores], keys))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(scores, indent=2))
        console.print(f"wrote {json_out}", highlight=False)
    print(json.dumps({k: scores[k] for k in keys}))


@lexicon_app.command("evaluate")
def evaluate(
    lexicon: Path = typer.Argument(..., help="Lexicon CSV (word,polarity[,score,source])."),
    gold: Path = typer.Option(
        ..., "--gold", exists=True, dir_okay=False, help="Gold lexicon CSV (word,label; UTF-8 or GB18030)."
    ),
    no_seeds: bool = typer.Option(False, "--no-seeds", help="Leave the seeds out of the scoring."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write all scores as JSON."),
) -> None:
    """Precision, recall, F1, coverage and size against a gold lexicon (see docs/lexicon.md)."""
    from ..lexicon.lexicon import Lexicon, LexiconFormatError

    try:
        built = Lexicon.from_csv(lexicon)
    except (FileNotFoundError, LexiconFormatError) as exc:
        _fail(str(exc))
    _print_scores(built, gold, include_seeds=not no_seeds, json_out=json_out)


@lexicon_app.command("sweep")
def sweep(
    gold: Path = typer.Option(..., "--gold", exists=True, dir_okay=False, help="Gold lexicon CSV."),
    out: Path = typer.Option(..., "--out", "-o", help="CSV with one row per (method, seeds, Tc)."),
    depressed: Optional[Path] = _CORPUS_OPTS["depressed"],
    control: Optional[Path] = _CORPUS_OPTS["control"],
    corpus: Optional[Path] = _CORPUS_OPTS["corpus"],
    positive: List[str] = typer.Option([], "--positive", help="Label(s) of D1 in --corpus."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="Corpus format (see `depscreen data formats`)."),
    methods: Optional[List[str]] = typer.Option(
        None, "--method", metavar="METHOD",
        help=f"Method to sweep, repeatable: {', '.join(METHOD_NAMES)} (default: all).",
    ),
    n_seeds: Optional[str] = typer.Option(
        None, "--n-seeds", metavar="N,N,...", help="Comma-separated seed counts (default: the paper's grid)."
    ),
    tcs: Optional[str] = typer.Option(
        None, "--tc", metavar="X,X,...", help="Comma-separated Tc values (default: the paper's grid)."
    ),
    seeds_file: Optional[Path] = typer.Option(None, "--seeds-file", help="Ranked seed file (top n taken)."),
    vectors: Optional[Path] = typer.Option(None, "--vectors", help="Word vectors (word2vec .vec/.txt/.bin) instead of training Word2Vec."),
    lang: str = typer.Option("auto", "--lang", help="zh, en, id or auto."),
    vector_size: int = typer.Option(100, "--vector-size", help="Word2Vec vector size."),
    epochs: int = typer.Option(10, "--epochs", help="Word2Vec epochs."),
    min_count: int = typer.Option(3, "--min-count", help="Word2Vec minimum word count."),
    max_neighbors: Optional[int] = typer.Option(None, "--max-neighbors", help="Keep each word's k strongest graph edges."),
    seed: int = typer.Option(13, "--seed", help="Random seed (seed sampling, Word2Vec)."),
) -> None:
    """Seeds x Tc grid for each method (paper 002's sensitivity analysis), with sizes."""
    from ..lexicon.builder import METHODS
    from ..lexicon.lexicon import Lexicon, LexiconFormatError
    from ..lexicon.sweep import PAPER_SEEDS, PAPER_TCS, stability, sweep_lexicons

    methods = list(methods) if methods else list(METHODS)
    _check_methods(methods)
    n_seeds = n_seeds if n_seeds is not None else ",".join(map(str, PAPER_SEEDS))
    tcs = tcs if tcs is not None else ",".join(map(str, PAPER_TCS))
    try:
        gold_lexicon = Lexicon.from_csv(gold)
    except (FileNotFoundError, LexiconFormatError) as exc:
        _fail(str(exc))
    posts, labels = _posts_and_labels(depressed, control, corpus, positive, fmt)
    params = dict(
        vectors=str(vectors) if vectors else None, lang=lang, vector_size=vector_size,
        epochs=epochs, min_count=min_count, max_neighbors=max_neighbors, seed=seed,
        seeds=str(seeds_file) if seeds_file else None,
    )
    seed_counts = [int(v) for v in _floats(n_seeds)]
    try:
        rows = sweep_lexicons(
            posts, labels, gold_lexicon, methods=methods, n_seeds=seed_counts,
            tcs=_floats(tcs), builder_params=params,
            on_row=lambda r: console.print(
                f"{r['method']:8s} seeds={r['n_seeds']:4d} tc={r['tc']:.2f} size={r['size']:6d} f1={r['f1']:.3f}",
                highlight=False,
            ),
        )
    except (ValueError, FileNotFoundError, LexiconFormatError) as exc:
        _fail(str(exc))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    summary = [{"method": m, **{k: v for k, v in s.items()}} for m, s in stability(rows).items()]
    console.print(_scores_table("F1 across the sweep", summary, ["method", "mean", "std", "min", "max", "runs"], key_columns=1))
    console.print(f"wrote {out}")
