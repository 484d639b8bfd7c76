"""``depscreen serve``: the screening service and its API keys.

    depscreen serve keys add alice --keys keys.txt     # prints the new key once
    depscreen serve models/x --keys keys.txt           # http://127.0.0.1:8000/
    depscreen serve keys list --keys keys.txt
    depscreen serve keys revoke alice --keys keys.txt   # a running service refuses it within seconds

``depscreen serve MODEL_DIR`` is short for ``depscreen serve run MODEL_DIR`` (write
``serve run keys`` for a model folder that is really called ``keys``). The service binds
to 127.0.0.1 unless ``--host`` says otherwise; every ``/v1`` request needs a key from
the key file, which stores only salted hashes. Nothing printed or logged contains post
text.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from .root import app


class ServeGroup(TyperGroup):
    """``serve MODEL_DIR ...`` runs the service; ``serve keys ...`` manages keys."""

    def resolve_command(self, ctx, args):
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            return "run", self.commands["run"], args
        return super().resolve_command(ctx, args)


serve_app = typer.Typer(
    cls=ServeGroup,
    help="Run the screening service (HTTP API + review page). "
    "`depscreen serve MODEL_DIR --keys KEYFILE` is short for `depscreen serve run MODEL_DIR --keys KEYFILE`.",
    no_args_is_help=True,
)
keys_app = typer.Typer(help="Create, list and revoke API keys (the file holds salted hashes only; a running "
                       "service picks up changes within seconds).",
                       no_args_is_help=True)
serve_app.add_typer(keys_app, name="keys")
app.add_typer(serve_app, name="serve")


@serve_app.command("run")
def run_command(
    model_dir: Path = typer.Argument(..., help="A model folder (depscreen train ... --out DIR)."),
    host: str = typer.Option("127.0.0.1", "--host", metavar="ADDRESS", help="Address to bind; other machines need 0.0.0.0."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    keys: Optional[Path] = typer.Option(None, "--keys", help="Key file (depscreen serve keys add)."),
    no_keys: bool = typer.Option(False, "--no-keys", help="Serve /v1 without keys (private machine only)."),
    pseudonymise: bool = typer.Option(False, "--pseudonymise", help="Hash user ids in responses and logs."),
    cors: Optional[List[str]] = typer.Option(None, "--cors", metavar="ORIGIN",
                                             help="Allow browser calls from ORIGIN (repeatable)."),
    rate_limit: float = typer.Option(120.0, "--rate-limit", metavar="N", min=0,
                                     help="Requests per minute per key (0: off)."),
    burst: int = typer.Option(30, "--burst", metavar="N", min=1, help="Requests a key may make at once."),
    max_body: int = typer.Option(1_000_000, "--max-body", metavar="BYTES", min=1,
                                 help="Largest /v1/screen body."),
    max_users: int = typer.Option(100, "--max-users", metavar="N", min=1, help="Users per /v1/screen request."),
    max_batch_users: int = typer.Option(1000, "--max-batch-users", metavar="N", min=1,
                                        help="Users per /v1/screen/batch request."),
    max_posts: int = typer.Option(2000, "--max-posts", metavar="N", min=1, help="Posts per user."),
    max_chars: int = typer.Option(5000, "--max-chars", metavar="N", min=1, help="Characters per post."),
    timeout: float = typer.Option(30.0, "--timeout", metavar="SECONDS", min=0.1,
                                  help="Longest scoring time per request; past it the request's worker process "
                                       "is stopped and replaced (504)."),
    workers: int = typer.Option(2, "--workers", metavar="N", min=1,
                                help="Scoring worker processes (each loads the model): requests scored at once."),
    embed_cache: Optional[Path] = typer.Option(
        None, "--embed-cache", metavar="DIR",
        help="Keep sentence embeddings of screened posts in DIR (keyed disk cache). Default: in each worker's "
             "memory only, nothing written to disk."),
    memory_cache: int = typer.Option(20_000, "--memory-cache", metavar="N", min=1,
                                     help="Embeddings each worker keeps in memory (about 2 KB each)."),
    log_level: str = typer.Option("info", "--log-level", metavar="LEVEL", help="debug, info, warning or error."),
    forwarded_allow_ips: Optional[str] = typer.Option(
        None, "--forwarded-allow-ips", metavar="IPS",
        help="Comma-separated proxy addresses whose X-Forwarded-For names the client (default: none; the "
             "header is ignored)."),
) -> None:
    """Serve MODEL_DIR: POST /v1/screen, /v1/screen/batch, GET /v1/model, the review
    page at /, OpenAPI docs at /docs. Binds to 127.0.0.1 unless --host says otherwise."""
    import logging
    import os

    from depscreen import DISCLAIMER

    from ._common import CliError, guard, say

    with guard():
        from depscreen.models.folder import has_config
        from depscreen.serve import Settings, create_app
        from depscreen.serve.keys import KeyFileError

        if keys is None and not no_keys:
            raise CliError("no key file: create one with `depscreen serve keys add NAME --keys keys.txt` and pass "
                           "--keys keys.txt (or --no-keys on a private machine)")
        if keys is not None and no_keys:
            raise CliError("--keys and --no-keys contradict each other; pick one")
        if not has_config(model_dir):
            raise CliError(f"{model_dir}: not a model folder (no config.json)")
        settings = Settings(
            keys_file=keys, allow_no_keys=no_keys, rate_limit=rate_limit, burst=burst, max_body_bytes=max_body,
            max_users=max_users, max_batch_users=max_batch_users, max_posts_per_user=max_posts,
            max_chars_per_post=max_chars, timeout_s=timeout, workers=workers, pseudonymise=pseudonymise,
            embed_cache=embed_cache, memory_cache_items=memory_cache, isolation="process",
            pseudonym_salt=os.environ.get("DEPSCREEN_PSEUDONYM_SALT", ""), cors_origins=list(cors or []),
            forwarded_allow_ips=[ip.strip() for ip in (forwarded_allow_ips or "").split(",") if ip.strip()],
        )
        level = getattr(logging, log_level.upper(), None)
        if not isinstance(level, int):
            raise CliError(f"--log-level {log_level!r}: use debug, info, warning or error")
        # one JSON object per line from the service (see docs/serve.md); the prefix is plain
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        try:
            application = create_app(model_dir, settings)
        except KeyFileError as exc:
            raise CliError(str(exc)) from None
        svc = application.state.service
        say(f"model {svc.name} (version {svc.card['version']}) loaded from {model_dir}; "
            f"{'ready' if svc.ready else 'NOT ready: ' + str(getattr(svc, 'warm_error', ''))}")
        if keys is not None:
            say(f"{len(svc.keys)} API key(s) from {keys}")
        else:
            say("warning: --no-keys: anyone who can reach this port can call the API")
        if host not in ("127.0.0.1", "localhost", "::1"):
            say(f"warning: binding to {host}: other machines can reach the service; put TLS in front of it")
        say(f"review page: http://{'[' + host + ']' if ':' in host else host}:{port}/   API docs: /docs")
        say(DISCLAIMER)
    import uvicorn

    # proxy headers are the app's business (--forwarded-allow-ips); uvicorn's own default
    # would trust X-Forwarded-For from 127.0.0.1
    uvicorn.run(application, host=host, port=port, log_level=log_level.lower(), access_log=False,
                server_header=False, proxy_headers=False)


@keys_app.command("add")
def keys_add_command(
    name: str = typer.Argument(..., help="Who the key is for (letters, digits, _ . @ -)."),
    keys: Path = typer.Option(..., "--keys", help="Key file to append to (created with mode 600)."),
) -> None:
    """Create a key for NAME: the key is printed once and stored nowhere; the file keeps
    a salted scrypt hash."""
    from ._common import guard, say

    with guard():
        from depscreen.serve.keys import add_key

        key = add_key(keys, name)
    typer.echo(key)
    say(f"added key '{name}' to {keys}; it is shown only now: keep it somewhere safe")


@keys_app.command("list")
def keys_list_command(
    keys: Path = typer.Option(..., "--keys", help="Key file."),
) -> None:
    """Names, key ids and creation times in a key file (never the keys)."""
    from ._common import guard

    with guard():
        from depscreen.serve.keys import read_entries

        entries = read_entries(keys)
    for e in entries:
        typer.echo(f"{e.name}\t{e.key_id}\t{e.created}")


@keys_app.command("revoke")
def keys_revoke_command(
    name: str = typer.Argument(..., help="Whose key to remove."),
    keys: Path = typer.Option(..., "--keys", help="Key file."),
) -> None:
    """Remove NAME's key from the key file; a running service refuses it within seconds
    (it looks at the file at most every second, on the next request)."""
    from ._common import guard, say

    with guard():
        from depscreen.serve.keys import revoke_key

        revoke_key(keys, name)
    say(f"revoked key '{name}' in {keys}; a running service refuses it within seconds")
