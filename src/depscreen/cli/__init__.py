"""The ``depscreen`` command line: one sub-command group per area.

Each area lives in its own module and registers itself on :data:`app`.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="depscreen",
    help="Screen social-media users for signs of depression. "
    "A screening and research tool, not a diagnosis.",
    no_args_is_help=True,
    add_completion=False,
)


def _register() -> None:
    # Imported here so each module can attach its commands to `app`.
    from . import data, evaluate, demo, embed, text, lexicon, mil, mhim  # noqa: F401


def main() -> None:
    _register()
    app()
