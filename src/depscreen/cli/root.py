"""The root of the ``depscreen`` command line: the typer :data:`app` every area attaches to.

Each command module (``cli/data.py``, ``cli/evaluate.py``, ...) imports :data:`app` from
here and registers its commands on it; :mod:`depscreen.cli` imports the command modules
(:func:`depscreen.cli.main`). So imports go one way: package -> command modules -> this
module, never back.

Help is click's plain layout tidied by :mod:`depscreen.cli._help` once the tree is built.
"""

from __future__ import annotations

from typing import Optional

import typer
from typer.core import TyperGroup

from .. import __version__
from ._help import tidy


class DepscreenGroup(TyperGroup):
    """The root command group: tidies the help of every command once the tree is built."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        tidy(self)


app = typer.Typer(
    name="depscreen",
    help="Screen social-media users for signs of depression. "
    "A screening and research tool, not a diagnosis.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    cls=DepscreenGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"depscreen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Screen social-media users for signs of depression. A screening and research tool,
    not a diagnosis."""
