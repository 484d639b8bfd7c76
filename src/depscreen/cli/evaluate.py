"""Commands ``evaluate``, ``compare``, ``train``, ``predict`` and ``models``.

    depscreen evaluate --model majority --model tfidf-lr --data corpus.jsonl --cv 5 --seed 13 \\
        --json metrics.json --html report.html --param tfidf-lr:class_weight=balanced
    depscreen train --model tfidf-lr --data corpus.jsonl --out model/
    depscreen predict model/ corpus.jsonl --out predictions.csv --explain
    depscreen models

Every output says it is a screening / research output, not a diagnosis. No post text is
ever printed or logged (explanations name features and post indices, written to files).
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
from pathlib import Path
from typing import Any, Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from . import app
from ..corpus.io import CorpusFormatError, read_jsonl
from ..corpus.types import Corpus, UserCorpus
from ..evaluate.cv import DISCLAIMER, _check_level, compare as _compare
from ..evaluate.metrics import TASKS, positive_label
from ..evaluate.splits import deduplicate

console = Console(stderr=True, soft_wrap=True)  # never break paths or messages

_MODEL_HELP = "Registered model name (repeat --model to compare several); see `depscreen models`."
_PARAM_HELP = (
    "Model parameter KEY=VALUE (VALUE read as JSON when it parses, e.g. 2, 0.5, null, true, "
    "else as text). Prefix with MODEL: to target one model (tfidf-lr:C=2); an unprefixed "
    "parameter goes to every model that has it. Repeatable."
)


class CliError(Exception):
    """A user-facing error: printed without a traceback, exit status 2."""


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    raise typer.Exit(code=2)


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_params(items: list[str], models: list[str]) -> dict[str, dict[str, Any]]:
    """``["C=2", "tfidf-lr:class_weight=balanced"]`` -> parameters per model.

    An unprefixed parameter goes to every model whose class accepts it; it is an error
    when none does, or when a prefix names a model that is not being run.
    """
    from ..models.registry import model_class

    out: dict[str, dict[str, Any]] = {m: {} for m in models}
    for item in items:
        if "=" not in item:
            raise CliError(f"--param '{item}': expected KEY=VALUE or MODEL:KEY=VALUE")
        key, _, value = item.partition("=")
        target = None
        if ":" in key:
            target, _, key = key.partition(":")
            if target not in out:
                raise CliError(f"--param '{item}': model '{target}' is not among --model {models}")
        key = key.strip()
        if not key:
            raise CliError(f"--param '{item}': empty parameter name")
        value = _parse_value(value)
        targets = [target] if target else models
        accepted = []
        for m in targets:
            valid = _param_names(model_class(m))
            if key in valid:
                out[m][key] = value
                accepted.append(m)
            elif target:
                raise CliError(
                    f"--param '{item}': model '{m}' has no parameter '{key}'; "
                    f"it has: {', '.join(sorted(valid)) or '(none)'}"
                )
        if not accepted:
            raise CliError(f"--param '{item}': no model among {models} has a parameter '{key}'")
    return out


def _param_names(cls: type) -> set[str]:
    """The keyword parameters an estimator class takes (scikit-learn convention)."""
    import inspect

    params = inspect.signature(cls.__init__).parameters
    return {n for n, p in params.items() if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}


def _read(data: Path) -> Corpus:
    try:
        corpus = read_jsonl(data)
    except FileNotFoundError:
        raise CliError(f"{data}: file not found") from None
    except CorpusFormatError as exc:
        raise CliError(str(exc)) from None
    unit = "users" if isinstance(corpus, UserCorpus) else "posts"
    console.print(f"read {len(corpus)} {unit} from {data}", highlight=False)
    return corpus


def _match_label(text: Optional[str], corpus: Corpus) -> Any:
    if text is None:
        return None
    for lab in set(corpus.labels):
        if str(lab) == text:
            return lab
    raise CliError(f"--pos-label '{text}' is not a label of the corpus ({sorted(map(str, set(corpus.labels)))})")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def _run_evaluation(
    models: list[str],
    data: Path,
    cv: int,
    repeats: int,
    seed: int,
    json_out: Optional[Path],
    html: Optional[Path],
    markdown: Optional[Path],
    task: Optional[str],
    params: list[str],
    dedup: bool,
    pos_label: Optional[str],
    progress: bool,
) -> None:
    try:
        if not models:
            raise CliError("give at least one --model (see `depscreen models`)")
        if task is not None and task not in TASKS:
            raise CliError(f"--task must be one of {', '.join(TASKS)}, got '{task}'")
        from ..models.registry import available_models

        unknown = [m for m in models if m not in available_models()]
        if unknown:
            raise CliError(f"unknown model(s) {unknown}; available: {', '.join(available_models())}")
        if len(set(models)) != len(models):
            raise CliError(f"--model repeated: {models}")
        per_model = parse_params(params, models)
        corpus = _read(data)
        comp = _compare(
            models,
            corpus,
            cv=cv,
            repeats=repeats,
            seed=seed,
            task=task,
            dedup=dedup,
            progress=progress,
            params={m: p for m, p in per_model.items() if p},
            pos_label=_match_label(pos_label, corpus),
        )
    except CliError as exc:
        _fail(str(exc))
    except (ValueError, KeyError, TypeError) as exc:
        _fail(str(exc))
    first = comp.results[0]
    console.print(first.dedup.summary() if first.dedup else "deduplication: off", highlight=False)
    for note in first.split.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    _stdout().print(comp.to_rich())
    for r in comp.results:
        for note in r.notes:
            if note not in first.split.notes:
                console.print(f"[yellow]{r.model}:[/yellow] {note}", highlight=False)
    if json_out:
        payload = comp.to_dict()
        payload["command"] = {
            "data": str(data),
            "models": models,
            "cv": cv,
            "repeats": repeats,
            "seed": seed,
            "task": task,
            "params": params,
            "dedup": dedup,
        }
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=_json_default))
        console.print(f"wrote {json_out}", highlight=False)
    if html:
        comp.to_html(html)
        console.print(f"wrote {html}", highlight=False)
    if markdown:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(f"> {DISCLAIMER}\n\n{comp.to_markdown()}\n", encoding="utf-8")
        console.print(f"wrote {markdown}", highlight=False)
    console.print(f"[dim]{DISCLAIMER}[/dim]", highlight=False)


@app.command()
def evaluate(
    model: list[str] = typer.Option(..., "--model", "-m", help=_MODEL_HELP),
    data: Path = typer.Option(..., "--data", "-d", help="Canonical corpus (JSON Lines, user- or post-level)."),
    cv: int = typer.Option(5, "--cv", help="Number of folds (reduced, with a warning, for tiny classes)."),
    repeats: int = typer.Option(1, "--repeats", help="Repeat the k-fold with new shuffles."),
    seed: int = typer.Option(13, "--seed", help="Random seed, recorded with the results."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write every metric (mean, std, per fold) here."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write a self-contained HTML report here."),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Write the comparison table as markdown."),
    task: Optional[str] = typer.Option(None, "--task", help="binary | multiclass | ordinal | regression (default: inferred)."),
    param: list[str] = typer.Option([], "--param", "-p", help=_PARAM_HELP),
    dedup: bool = typer.Option(True, "--dedup/--no-dedup", help="Remove exact-duplicate texts before splitting."),
    pos_label: Optional[str] = typer.Option(None, "--pos-label", help="Positive class of a binary task."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Cross-validate models (stratified, user-level, deduplicated) and report mean ± std."""
    _run_evaluation(model, data, cv, repeats, seed, json_out, html, markdown, task, param, dedup, pos_label, progress)


@app.command()
def compare(
    model: list[str] = typer.Option(..., "--model", "-m", help=_MODEL_HELP),
    data: Path = typer.Option(..., "--data", "-d", help="Canonical corpus (JSON Lines, user- or post-level)."),
    cv: int = typer.Option(5, "--cv"),
    repeats: int = typer.Option(1, "--repeats"),
    seed: int = typer.Option(13, "--seed"),
    json_out: Optional[Path] = typer.Option(None, "--json"),
    html: Optional[Path] = typer.Option(None, "--html"),
    markdown: Optional[Path] = typer.Option(None, "--markdown"),
    task: Optional[str] = typer.Option(None, "--task"),
    param: list[str] = typer.Option([], "--param", "-p", help=_PARAM_HELP),
    dedup: bool = typer.Option(True, "--dedup/--no-dedup"),
    pos_label: Optional[str] = typer.Option(None, "--pos-label"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Compare several models on the same folds (same as `evaluate` with repeated --model)."""
    if len(model) < 2:
        _fail("compare needs at least two --model options (use `evaluate` for one)")
    _run_evaluation(model, data, cv, repeats, seed, json_out, html, markdown, task, param, dedup, pos_label, progress)


@app.command()
def train(
    model: str = typer.Option(..., "--model", "-m", help="Registered model name."),
    data: Path = typer.Option(..., "--data", "-d", help="Labelled canonical corpus (JSON Lines)."),
    out: Path = typer.Option(..., "--out", "-o", help="Model folder to write (config.json + weights)."),
    param: list[str] = typer.Option([], "--param", "-p", help="Model parameter KEY=VALUE (repeatable)."),
    dedup: bool = typer.Option(True, "--dedup/--no-dedup", help="Remove exact-duplicate texts first."),
    mhim: Optional[str] = typer.Option(None, "--mhim", help="Masked hard instance mining, e.g. t=2,b=1 (lmilatt -> lmilatt-mhim)."),
) -> None:
    """Fit a model on a whole labelled corpus and save it to a folder."""
    from ..models.registry import available_models, make_model

    try:
        if mhim is not None:  # --mhim t=2,b=1 == the MHIM model with --param mhim_t=2 --param mhim_b=1
            from .mhim import mhim_route

            model, extra = mhim_route(model, mhim)
            param = list(param) + extra
        if model not in available_models():
            raise CliError(f"unknown model '{model}'; available: {', '.join(available_models())}")
        params = parse_params(param, [model])[model]
        corpus = _read(data)
        unlabelled = sum(1 for lab in corpus.labels if lab is None)
        if unlabelled:
            raise CliError(f"{data}: {unlabelled} of {len(corpus)} items have no label; training needs labels")
        report = None
        if dedup:
            corpus, report = deduplicate(corpus)
            console.print(report.summary(), highlight=False)
        est = make_model(model, **params)
        _check_level(model, est, corpus)
        if not hasattr(est, "save"):
            raise CliError(f"model '{model}' cannot be saved (it has no save method)")
        X = list(corpus.users) if isinstance(corpus, UserCorpus) else corpus.texts
        with console.status(f"fitting {model} on {len(X)} {corpus.level}s"):
            est.fit(X, np.asarray(corpus.labels))
        est.save(out)
    except CliError as exc:
        _fail(str(exc))
    except (ValueError, TypeError, KeyError) as exc:
        _fail(str(exc))
    counts: dict[str, int] = {}
    for lab in corpus.labels:
        counts[str(lab)] = counts.get(str(lab), 0) + 1
    training = {
        "disclaimer": DISCLAIMER,
        "model": model,
        "params": params,
        "data": str(data),
        "level": corpus.level,
        "n_items": len(corpus),
        "label_counts": counts,
        "dedup": report.to_dict() if report else None,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    (out / "training.json").write_text(json.dumps(training, indent=2, ensure_ascii=False, default=_json_default))
    console.print(f"saved {model} to {out}", highlight=False)
    console.print(f"[dim]{DISCLAIMER}[/dim]", highlight=False)


@app.command()
def predict(
    model_dir: Path = typer.Argument(..., help="A folder written by `depscreen train`."),
    data: Path = typer.Argument(..., help="Canonical corpus to score (labels optional)."),
    out: Path = typer.Option(..., "--out", "-o", help="Predictions CSV to write."),
    explain: bool = typer.Option(False, "--explain", help="Also write per-item explanations (JSON)."),
    explain_out: Optional[Path] = typer.Option(None, "--explain-out", help="Explanations file (default: OUT with .explanations.json)."),
    per_post: bool = typer.Option(False, "--per-post", help="Score every post of a user-level corpus with a post-level model."),
) -> None:
    """Score a corpus with a saved model: predicted label and class probabilities."""
    from ..models.base import load_model

    try:
        try:
            model = load_model(model_dir)
        except (FileNotFoundError, ValueError) as exc:
            raise CliError(str(exc)) from None
        name = _model_name(model_dir, model)
        if explain and not callable(getattr(model, "explain", None)):
            raise CliError(f"model '{name}' cannot explain its predictions (it has no explain method)")
        corpus = _read(data)
        if per_post:
            if not isinstance(corpus, UserCorpus):
                raise CliError("--per-post needs a user-level corpus; a post-level corpus is already scored per post")
            if getattr(model, "input_level", "any") not in ("post", "any"):
                raise CliError(f"--per-post needs a model that scores single posts; '{name}' scores users")
            keys = [
                {"user_id": u.user_id, "post_index": j, "post_id": p.id if p.id is not None else ""}
                for u in corpus.users
                for j, p in enumerate(u.posts)
            ]
            X: list = [p.text for u in corpus.users for p in u.posts]
            truth = [p.label for u in corpus.users for p in u.posts]
        else:
            _check_level(name, model, corpus)
            if isinstance(corpus, UserCorpus):
                keys = [{"user_id": u.user_id} for u in corpus.users]
                X = list(corpus.users)
            else:
                keys = [{"id": r.id} for r in corpus.records]
                X = corpus.texts
            truth = corpus.labels
        if not X:
            raise CliError(f"{data}: nothing to score")
        pred = list(model.predict(X))
        proba = np.asarray(model.predict_proba(X)) if hasattr(model, "predict_proba") else None
        explanations = model.explain(X) if explain else None
    except CliError as exc:
        _fail(str(exc))
    except (ValueError, TypeError) as exc:
        _fail(str(exc))

    classes = [_plain(c) for c in getattr(model, "classes_", [])]
    header = list(keys[0])
    has_truth = any(t is not None for t in truth)
    if has_truth:
        header.append("true_label")
    header.append("predicted")
    pos = positive_label(classes) if proba is not None and len(classes) == 2 else None
    if pos is not None:
        header.append("score")
    if proba is not None:
        header += [f"proba_{c}" for c in classes]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        fh.write(f"# {DISCLAIMER}\n")
        writer = csv.writer(fh)
        writer.writerow(header)
        for i, key in enumerate(keys):
            row = list(key.values())
            if has_truth:
                row.append("" if truth[i] is None else truth[i])
            row.append(_plain(pred[i]))
            if pos is not None:
                row.append(f"{proba[i, classes.index(pos)]:.6f}")
            if proba is not None:
                row += [f"{v:.6f}" for v in proba[i]]
            writer.writerow(row)
    console.print(f"wrote {len(keys)} predictions to {out}", highlight=False)
    if explanations is not None:
        path = explain_out or out.with_suffix(".explanations.json")
        payload = {
            "disclaimer": DISCLAIMER,
            "model": name,
            "data": str(data),
            "items": [{**key, "explanation": exp} for key, exp in zip(keys, explanations)],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=_json_default))
        console.print(f"wrote explanations to {path}", highlight=False)
    console.print(f"[dim]{DISCLAIMER}[/dim]", highlight=False)


@app.command("models")
def list_models() -> None:
    """List the registered models and what input each accepts."""
    from ..models.registry import MODELS, model_class

    table = Table(title="registered models", caption=DISCLAIMER)
    table.add_column("name", style="cyan")
    table.add_column("input")
    table.add_column("class")
    for name in sorted(MODELS):
        try:
            level = getattr(model_class(name), "input_level", "any")
        except Exception as exc:  # an optional dependency may be missing
            level = f"unavailable ({type(exc).__name__})"
        table.add_row(name, str(level), MODELS[name])
    _stdout().print(table)


def _stdout() -> Console:
    """Console for tables: a wide page when stdout is a file or pipe (no truncated cells)."""
    import sys

    return Console() if sys.stdout.isatty() else Console(width=200)


def _model_name(folder: Path, model: Any) -> str:
    try:
        return json.loads((folder / "config.json").read_text()).get("model") or type(model).__name__
    except (OSError, ValueError):
        return type(model).__name__


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v
