"""``depscreen early``: read timelines post by post and decide when to alert.

    depscreen early evaluate --model tfidf-lr --data users.jsonl \\
        --policy threshold --policy consecutive:k=3 --policy learned --html early.html
    depscreen early mock-server users.jsonl --port 8000 --token 777:2
    depscreen early client --server http://127.0.0.1:8000 --token 777 --runs 2 \\
        --model model/ --policy threshold:t=0.6 --policy consecutive:k=3

Policies: threshold[:t=0.5|auto], min-posts[:t=..,n=10], consecutive[:t=..,k=3],
learned, not-before[:n=10,t=..], select (picks one by inner CV); any takes
not_before=N. Nothing printed or logged contains post text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .root import app

early_app = typer.Typer(
    help="Early risk detection: post-by-post scoring, alert policies, eRisk rounds.",
    no_args_is_help=True,
)
app.add_typer(early_app, name="early")

_POLICY_HELP = (
    "Decision policy (repeatable): threshold[:t=0.5|auto], min-posts[:t=..,n=10], "
    "consecutive[:t=..,k=3], learned, not-before[:n=10], select; add not_before=N to any."
)


def _binarised(corpus, positive: list[str]):
    from ..corpus.types import UserCorpus
    from ._common import CliError

    if not isinstance(corpus, UserCorpus):
        raise CliError("early detection reads user timelines: give a user-level corpus "
                       '({"user_id", "label", "posts": [...]} per line)')
    if not positive:
        return corpus
    labels = {str(lab): lab for lab in set(corpus.labels)}
    missing = [p for p in positive if p not in labels]
    if missing:
        raise CliError(f"--positive {', '.join(missing)}: not a label of the corpus ({', '.join(sorted(labels))})")
    return corpus.binarize([labels[p] for p in positive])


@early_app.command("evaluate")
def evaluate_cmd(
    model: str = typer.Option(..., "--model", "-m", help="Registered model name (see `depscreen models`)."),
    data: Path = typer.Option(..., "--data", "-d", help="User-level canonical corpus (JSON Lines)."),
    policy: list[str] = typer.Option(["threshold"], "--policy", help=_POLICY_HELP),
    param: list[str] = typer.Option([], "--param", "-p", help="Model parameter KEY=VALUE (repeatable)."),
    positive: list[str] = typer.Option([], "--positive", help="Label counted as at risk (repeatable; binarises)."),
    cv: int = typer.Option(5, "--cv", help="Number of folds (user level, stratified)."),
    repeats: int = typer.Option(1, "--repeats", help="Repeat the k-fold with new shuffles."),
    seed: int = typer.Option(13, "--seed", help="Random seed, recorded with the results."),
    step: int = typer.Option(1, "--step", help="Posts read per step (1: eRisk's one writing a round)."),
    recompute: bool = typer.Option(False, "--recompute", help="Rescore the whole history every step."),
    max_posts: Optional[int] = typer.Option(None, "--max-posts", help="Stop reading each user after N posts."),
    inner_cv: int = typer.Option(3, "--inner-cv", help="Inner folds for policies that learn."),
    aggregate: Optional[str] = typer.Option(
        None, "--aggregate", help="Score posts one by one and take their mean or max (post-level models)."),
    dedup: bool = typer.Option(True, "--dedup/--no-dedup", help="Remove exact-duplicate texts first."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write every measure (per fold too) here."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write the HTML report (delays, trade-off, curves)."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Cross-validate a model with decision policies: ERDE, F_latency, P@10."""
    from ._common import disclaimer, guard, parse_params, read_corpus, say, stdout_console, write_json

    with guard():
        from ..early.harness import HEADLINE, early_cross_validate
        from ..early.policies import make_policy
        from ..models.registry import model_class

        model_class(model)
        if aggregate not in (None, "mean", "max"):
            raise ValueError(f"--aggregate must be mean or max, got '{aggregate}'")
        for p in policy:
            make_policy(p)
        params = parse_params(param, [model])[model]
        corpus = _binarised(read_corpus(data), positive)
        result = early_cross_validate(
            model, corpus, policy, params=params, cv=cv, repeats=repeats, seed=seed, dedup=dedup,
            step=step, mode="recompute" if recompute else "auto", max_posts=max_posts, inner_cv=inner_cv,
            aggregate=aggregate, progress=progress,
        )
    from rich.table import Table

    for note in result.notes:
        say(f"note: {note}")
    table = Table(title=f"{result.model}: early detection ({result.split['n_splits']} folds)")
    table.add_column("policy")
    for m in HEADLINE:
        table.add_column(m, justify="right")
    for row in result.table():
        table.add_row(*row)
    stdout_console().print(table)
    say(f"runner: {result.folds[0].run['stepper']}, {result.steps_per_second:,.0f} user-steps/s")
    if json_out:
        payload = result.to_dict()
        payload["command"] = {"data": str(data), "model": model, "policies": policy, "params": param,
                              "cv": cv, "repeats": repeats, "seed": seed, "step": step}
        write_json(json_out, payload)
    if html:
        from ..early.report import html_early_report

        html_early_report(result, html)
        say(f"wrote {html}")
    disclaimer()


def _tokens(items: list[str]) -> dict[str, int]:
    from ._common import CliError

    out = {}
    for item in items:
        token, _, runs = item.partition(":")
        try:
            out[token] = int(runs) if runs else 1
        except ValueError:
            raise CliError(f"--token '{item}': expected TOKEN or TOKEN:RUNS") from None
        if not token or out[token] < 1:
            raise CliError(f"--token '{item}': expected TOKEN or TOKEN:RUNS with RUNS >= 1")
    return out


@early_app.command("mock-server")
def mock_server_cmd(
    corpus: Path = typer.Argument(..., help="Corpus to serve: canonical JSON Lines, or see --format."),
    fmt: Optional[str] = typer.Option(None, "--format", help="Reader format (e.g. erisk) when not JSON Lines."),
    positive: list[str] = typer.Option([], "--positive", help="Label counted as at risk (repeatable)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    task: str = typer.Option("depression", "--task", help="Task name in the URLs."),
    token: list[str] = typer.Option(["777:1"], "--token", help="Team TOKEN[:RUNS] (repeatable)."),
    state: Optional[Path] = typer.Option(None, "--state", help="Folder for the server state (resumable)."),
) -> None:
    """Serve a corpus with the eRisk round protocol (for testing clients)."""
    from ._common import guard, read_corpus, say

    with guard():
        if fmt:
            from ..corpus.readers import read_source

            data = read_source(corpus, fmt)
        else:
            data = read_corpus(corpus)
        data = _binarised(data, positive)
        tokens = _tokens(token)
        from ..early.mock_server import serve

        say(f"serving {len(data)} users on http://{host}:{port}/{task}/ (tokens: {', '.join(tokens)})")
    serve(data, host=host, port=port, task=task, tokens=tokens, state_dir=state)


@early_app.command("client")
def client_cmd(
    server: str = typer.Option(..., "--server", help="Base URL of the eRisk service."),
    token: str = typer.Option(..., "--token", help="Team token."),
    model: Path = typer.Option(..., "--model", "-m", help="Trained model folder (`depscreen train`)."),
    policy: list[str] = typer.Option(["threshold"], "--policy", help=_POLICY_HELP + " One, or one per run."),
    runs: Optional[int] = typer.Option(None, "--runs", help="Number of runs (default: one per --policy)."),
    task: str = typer.Option("depression", "--task", help="Task name in the URLs."),
    state: Path = typer.Option(Path("erisk-state.json"), "--state", help="Local state file (resumed when present)."),
    policy_data: Optional[Path] = typer.Option(
        None, "--policy-data", help="Labelled users to fit learned policies on (inner CV, out of fold)."),
    retries: int = typer.Option(8, "--retries", help="Retries per request (exponential backoff)."),
) -> None:
    """Take part in eRisk rounds: GET writings, POST one decision per user per run."""
    from ._common import CliError, disclaimer, guard, load_model, read_corpus, say

    with guard(ConnectionError, RuntimeError):
        import numpy as np

        from ..early.client import RoundClient
        from ..early.harness import out_of_fold_streams
        from ..early.policies import make_policy

        if not model.exists():
            raise CliError(f"{model}: model folder not found")
        est = load_model(model)
        policies = [make_policy(p) for p in policy]
        if any(getattr(p, "needs_fit", False) for p in policies):
            if policy_data is None:
                raise CliError("a policy that learns (auto threshold, learned, select) needs --policy-data")
            users = _binarised(read_corpus(policy_data), [])
            y = np.asarray(users.labels)
            streams = out_of_fold_streams(est, list(users.users), y, inner_cv=3, seed=13, step=1, mode="auto",
                                          max_posts=None, aggregate=None)
            for p in policies:
                if getattr(p, "needs_fit", False):
                    p.fit(streams, np.asarray([s.label for s in streams], dtype=int))
        client = RoundClient(server, token, est, policies, runs=runs, task=task, state_path=state, retries=retries,
                             on_round=lambda r: say(f"round {r} answered") if r % 50 == 0 else None)
        summary = client.run()
    say(f"done: {summary.rounds} rounds, {summary.users} users, {summary.submissions} answers sent "
        f"({summary.resent_refused} repeats refused by the server); alerts per run: "
        + ", ".join(f"run {r}: {n}" for r, n in summary.alerts.items()))
    disclaimer()
