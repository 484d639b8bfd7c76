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

from pathlib import Path
from typing import Any, Optional

import typer

from . import _scale
from .root import app
from ._common import (
    CliError,
    console,
    disclaimer,
    fail,
    guard,
    load_model,
    parse_params,
    read_corpus,
    say,
    stdout_console,
    write_json,
)
from .. import DISCLAIMER

_MODEL_HELP = "Registered model name (repeat --model to compare several); see `depscreen models`."
_PARAM_HELP = (
    "Model parameter KEY=VALUE (VALUE read as JSON when it parses, e.g. 2, 0.5, null, true, "
    "else as text). Prefix with MODEL: to target one model (tfidf-lr:C=2); an unprefixed "
    "parameter goes to every model that has it. Repeatable."
)
_TASKS = ("binary", "multiclass", "ordinal", "regression")
_POINT_HELP = (
    "Operating point, chosen on the training data's out-of-fold scores: sensitivity=0.90 (catch at least 90 percent "
    "of the training cases), specificity=0.95, threshold=0.3, f1_macro, or model (the model's own rule, the "
    "default). For ordered levels add @LEVEL: the cases are LEVEL or above, the score P(level >= LEVEL) "
    "(sensitivity=0.9@2). See docs/operating_points.md."
)
_EVAL_POINT_HELP = (
    "Score every fold at this operating point, chosen on that fold's training part (its out-of-fold scores): "
    "sensitivity=0.90, specificity=0.95, threshold=0.3, f1_macro or model (the default); @LEVEL for ordered "
    "levels (sensitivity=0.9@2: level 2 or above). Sensitivity, specificity, PPV and NPV with 95 percent Wilson "
    "intervals are reported either way."
)


def _match_label(text: Optional[str], corpus) -> Any:
    if text is None:
        return None
    for lab in set(corpus.labels):
        if str(lab) == text:
            return lab
    raise CliError(f"--pos-label '{text}' is not a label of the corpus ({', '.join(sorted(map(str, set(corpus.labels))))})")


def _check_models(models: list[str]) -> None:
    from ..models.registry import model_class

    for m in models:
        model_class(m)  # an unknown name raises with the list (and a "did you mean")


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
    operating_point: Optional[str] = None,
) -> None:
    from ..evaluate.cv import compare as _compare
    from ..population.operating_point import OperatingPoint

    with guard():
        if not models:
            raise CliError("give at least one --model (see `depscreen models`)")
        if task is not None and task not in _TASKS:
            raise CliError(f"--task must be one of {', '.join(_TASKS)}, got '{task}'")
        _check_models(models)
        if operating_point is not None:
            operating_point = OperatingPoint.parse(operating_point)
        if len(set(models)) != len(models):
            raise CliError(f"--model repeated: {', '.join(models)}")
        per_model = parse_params(params, models)
        corpus = read_corpus(data)
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
            operating_point=operating_point,
        )
    first = comp.results[0]
    say(first.dedup.summary() if first.dedup else "deduplication: off")
    for note in first.split.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    stdout_console().print(comp.to_rich())
    from ..evaluate.report import degenerate_warnings, screening_markdown, screening_rich

    screening = screening_rich(comp.results)
    if screening is not None:
        stdout_console().print(screening)

    warned = {model: message for model, message in degenerate_warnings(comp.results)}
    for r in comp.results:
        for note in r.notes:
            if note not in first.split.notes and not (r.model in warned and note.startswith("the model predicted ")):
                console.print(f"[yellow]{r.model}:[/yellow] {note}", highlight=False)
    for message in warned.values():
        console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)
    if json_out:
        payload = comp.to_dict()
        payload["command"] = {
            "data": str(data), "models": models, "cv": cv, "repeats": repeats, "seed": seed,
            "task": task, "params": params, "dedup": dedup,
            "operating_point": None if operating_point is None else str(operating_point),
        }
        write_json(json_out, payload)
    if html:
        comp.to_html(html)
        say(f"wrote {html}")
    if markdown:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        rates = screening_markdown(comp.results)
        markdown.write_text(f"> {DISCLAIMER}\n\n{comp.to_markdown()}\n" + (f"\n{rates}\n" if rates else ""),
                            encoding="utf-8")
        say(f"wrote {markdown}")
    disclaimer()


def _evaluation_command(doc: str, *, needs_two: bool):
    """The command ``evaluate`` and ``compare`` both are (same options, same run);
    ``needs_two``: refuse fewer than two ``--model`` (compare). ``doc`` is its help."""

    def command(
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
        operating_point: Optional[str] = typer.Option(
            None, "--operating-point", metavar="POINT",
            help=_EVAL_POINT_HELP),
    ) -> None:
        if needs_two and len(model) < 2:
            fail("compare needs at least two --model options (use `evaluate` for one)")
        _run_evaluation(model, data, cv, repeats, seed, json_out, html, markdown, task, param, dedup, pos_label,
                        progress, operating_point)

    command.__doc__ = doc
    return command


evaluate = app.command("evaluate")(_evaluation_command(
    """Cross-validate models (stratified, user-level, deduplicated) and report mean ± std,
    with sensitivity, specificity, PPV and NPV (95 % Wilson intervals) at the operating point.""",
    needs_two=False,
))
compare = app.command("compare")(_evaluation_command(
    """Compare several models on the same folds (same as `evaluate` with repeated --model).""",
    needs_two=True,
))


@app.command()
def train(
    data: Path = typer.Option(..., "--data", "-d", help="Labelled canonical corpus (JSON Lines)."),
    out: Path = typer.Option(..., "--out", "-o", help="Model folder to write (config.json + weights)."),
    model: Optional[str] = typer.Option(
        None, "--model", "-m", help="Registered model name (default: depscreen-default)."
    ),
    param: list[str] = typer.Option([], "--param", "-p", help="Model parameter KEY=VALUE (repeatable)."),
    dedup: bool = typer.Option(True, "--dedup/--no-dedup", help="Remove exact-duplicate texts first."),
    mhim: Optional[str] = typer.Option(None, "--mhim", help="Masked hard instance mining, e.g. t=2,b=1 (lmilatt -> lmilatt-mhim)."),
    operating_point: Optional[str] = typer.Option(None, "--operating-point", metavar="POINT", help=_POINT_HELP),
    calibration: Optional[str] = typer.Option(
        None, "--calibration", metavar="METHOD",
        help="Calibrate the probabilities on out-of-fold training scores: auto (sigmoid for two classes, vector "
             "scaling for more), sigmoid, isotonic, temperature, vector, or none. Default: the model as it comes "
             "(depscreen-default calibrates itself with auto; other models are wrapped only when asked)."),
) -> None:
    """Fit a model on a whole labelled corpus and save it to a folder (with the
    operating point that `predict`, the API and the service apply)."""
    from .. import api
    from ..models.registry import default_model_name
    from ..population.operating_point import OperatingPoint

    with guard():
        if operating_point is not None:
            operating_point = OperatingPoint.parse(operating_point)  # bad syntax fails before the fit
        model = model or default_model_name()
        if mhim is not None:  # --mhim t=2,b=1 == the MHIM model with --param mhim_t=2 --param mhim_b=1
            from .mhim import mhim_route

            model, extra = mhim_route(model, mhim)
            param = list(param) + extra
        _check_models([model])
        params = parse_params(param, [model])[model]
        corpus = read_corpus(data)
        with console.status(f"fitting {model} on {len(corpus)} {corpus.level}s"):
            est, record = api.train(model, corpus, params=params, dedup=dedup, data=str(data),
                                    operating_point=operating_point, calibration=calibration)
        if record.dedup:
            say(_dedup_summary(record.dedup))
        api.save(est, out, record)
    for warning in record.extra.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    _say_calibration(record.extra.get("calibration"))
    _say_point(getattr(est, "operating_point_", None))
    say(f"saved {record.model} to {out} (fit {record.fit_seconds:.1f} s)")
    disclaimer()


def _say_calibration(cal: dict[str, Any] | None) -> None:
    """The calibration line of train: the method, or why the model was left uncalibrated."""
    if cal is None:
        return
    if cal.get("calibrated"):
        say(f"probabilities calibrated on out-of-fold training scores ({cal.get('method')})")
    if cal.get("note"):
        console.print(f"[yellow]note:[/yellow] {cal['note']}", highlight=False)


def _say_point(point: Any) -> None:
    """The operating point line (and its notes) of train / predict, or the model's rule."""
    if point is None:
        say("operating point: the model's own decision rule")
        return
    say(f"operating point {point.describe()}")
    for note in point.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)


def _dedup_summary(d: dict[str, Any]) -> str:
    """The deduplication line of a training record (its ``dedup`` dict)."""
    import dataclasses

    from ..evaluate.splits import DedupReport

    names = {f.name for f in dataclasses.fields(DedupReport)}
    return DedupReport(**{k: v for k, v in d.items() if k in names}).summary()


@app.command()
def predict(
    model_dir: Path = typer.Argument(..., help="A folder written by `depscreen train`."),
    data: Path = typer.Argument(..., help="Corpus to score: a canonical JSON Lines file (.gz too), or a folder or glob of JSON Lines / Parquet shards."),
    out: Path = typer.Option(..., "--out", "-o", help="Predictions file (.csv or .parquet); a folder for shards."),
    explain: bool = typer.Option(False, "--explain", help="Also write per-item explanations (JSON Lines)."),
    explain_out: Optional[Path] = typer.Option(None, "--explain-out", help="Explanations file (default: OUT with .explanations.jsonl)."),
    per_post: bool = typer.Option(False, "--per-post", help="Score every post of a user-level corpus with a post-level model."),
    batch_size: int = typer.Option(512, "--batch-size", help="Users or posts scored per batch (memory is bounded by one batch)."),
    engine: Optional[str] = typer.Option(None, "--engine", metavar="ENGINE", help=_scale.ENGINE_HELP),
    address: Optional[str] = typer.Option(None, "--address", metavar="ADDRESS", help=_scale.ADDRESS_HELP),
    num_actors: Optional[int] = typer.Option(None, "--num-actors", min=1, help=_scale.ACTORS_HELP),
    cpus_per_actor: float = typer.Option(1.0, "--cpus-per-actor", help=_scale.CPUS_HELP),
    fmt: str = typer.Option("parquet", "--format", help=_scale.FORMAT_HELP),
    cache: Optional[Path] = typer.Option(None, "--cache", metavar="DIR", help=_scale.CACHE_HELP),
    operating_point: Optional[str] = typer.Option(
        None, "--operating-point", metavar="POINT",
        help="Override the model's stored operating point for this run, chosen anew on its stored out-of-fold "
             "scores (sensitivity=0.8, specificity=0.95, threshold=0.3, f1_macro; @LEVEL for ordered levels; "
             "model: the model's own rule). Adds a 'flagged' column."),
    adapt_priors: bool = typer.Option(
        False, "--adapt-priors",
        help="Estimate the class shares of this corpus (EM on the model's calibrated probabilities; needs its stored "
             "out-of-fold scores), re-weight the probabilities to them and decide with the model's rule; the "
             "shares go to OUT.meta.json. Helps when the case mix differs from training, can hurt when the "
             "writing differs too (docs/population.md)."),
) -> None:
    """Score a corpus with a saved model: predicted label, risk score and class
    probabilities, streamed batch by batch. A folder or glob of shards (or --engine)
    writes one file per shard and a manifest to the folder OUT; a killed run resumes.
    The operating point stored by `train --operating-point` applies (a 'flagged'
    column); --operating-point overrides it.
    """
    from .. import api
    from ..models.folder import require_model_folder
    from ..corpus.io import CorpusFormatError
    from ..scale.shards import is_sharded

    if is_sharded(data) or engine is not None:
        with guard():
            if explain_out is not None:
                raise CliError("--explain-out is for one file; shards get <shard>.explanations.jsonl in OUT")
            if operating_point is not None:
                raise CliError("--operating-point is for one file; for shards store the point in the model "
                               "(`depscreen train --operating-point ...`), which every shard applies")
            if adapt_priors:
                raise CliError("--adapt-priors is for one file: it estimates the shares over the whole input first")
            require_model_folder(model_dir)
        return _scale.predict_shards(
            model_dir, data, out, engine=engine, fmt=fmt, batch_size=batch_size, explain=explain,
            per_post=per_post, address=address, num_actors=num_actors, cpus_per_actor=cpus_per_actor,
            cache=cache,
        )
    with guard(CorpusFormatError):
        require_model_folder(model_dir)
        model = load_model(model_dir)
        if adapt_priors and operating_point is not None:
            raise CliError("--adapt-priors re-decides with the model's own rule on re-weighted probabilities; "
                           "it cannot be combined with --operating-point")
        if adapt_priors and getattr(model, "oof_", None) is None:
            raise CliError(f"{model_dir}: --adapt-priors needs the out-of-fold scores stored at training time and "
                           "this folder has none (saved before they were stored, or a model that computes none); "
                           "retrain it with `depscreen train` (depscreen-default stores them)")
        if operating_point is not None:
            from ..population.operating_point import OperatingPointError

            try:
                api_point = api.resolve_operating_point(model, operating_point)
            except OperatingPointError as exc:
                raise CliError(f"{model_dir}: {exc}") from None
        else:
            api_point = getattr(model, "operating_point_", None)
        if adapt_priors and api_point is not None:
            say("--adapt-priors: the operating point stored with the model is not applied (decisions follow the "
                "model's own rule on the re-weighted probabilities)")
            api_point = None
        if not data.exists():
            raise CliError(f"{data}: file not found")
        exp_path = None
        if explain:
            exp_path = explain_out or out.with_name(out.name.rsplit(".", 1)[0] + ".explanations.jsonl")
        with console.status(f"scoring {data}") as status:
            summary = api.score_file(
                model, data, out, explain_out=exp_path, per_post=per_post, batch_size=batch_size,
                progress=lambda n: status.update(f"scoring {data}: {n} done"),
                operating_point=api_point or "model", adapt_priors=adapt_priors,
            )
    _say_point(api_point)
    if summary.get("adaptation"):
        ad = summary["adaptation"]
        for warning in ad["warnings"]:
            console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
        shares = ", ".join(f"{c}: {ad['train_shares'][c]:.3f} -> {v:.3f}" for c, v in ad["estimated_shares"].items())
        say(f"prior adaptation ({ad['method']}): class shares {shares} (training -> this corpus; in {out}.meta.json)")
    say(f"wrote {summary['n_items']} predictions to {out} ({summary['seconds']:.1f} s)")
    if exp_path:
        say(f"wrote explanations to {exp_path}")
    disclaimer()


@app.command("models")
def list_models() -> None:
    """List the registered models and what input each accepts."""
    from rich.table import Table

    from ..models.registry import MODELS, default_model_name, model_class

    table = Table(title="registered models", caption=DISCLAIMER)
    table.add_column("name", style="cyan", no_wrap=True)
    table.add_column("input", no_wrap=True)
    table.add_column("class", overflow="fold")
    for name in sorted(MODELS):
        try:
            level = getattr(model_class(name), "input_level", "any")
        except Exception as exc:  # an optional dependency may be missing
            level = f"unavailable ({type(exc).__name__})"
        label = f"{name} (default)" if name == default_model_name() else name
        table.add_row(label, str(level), MODELS[name])
    stdout_console().print(table)
