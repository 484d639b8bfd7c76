"""The ``depscreen`` command line: one sub-command group per area.

Each area lives in its own module and registers itself on :data:`app`. The modules
import only typer and the standard library at the top; scikit-learn, torch, pandas and
the models are imported inside the commands that use them, so ``depscreen --help`` and
``depscreen --version`` answer at once.

Help is click's plain layout tidied by :mod:`depscreen.cli._help` (metavars such as
``FILE``, ``N``, ``MODEL``, ``KEY=VALUE``; flags without a type) so that it reads well in
an 80-column terminal.
"""

from __future__ import annotations

from typing import Optional

import typer
from typer.core import TyperGroup

from .. import __version__


class DepscreenGroup(TyperGroup):
    """The root command group: tidies the help of every command once the tree is built."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from ._help import tidy

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


def _register() -> None:
    # Imported here so each module can attach its commands to `app`.
    from . import data, evaluate, demo, embed, text, lexicon, mil, mhim, serve  # noqa: F401
    from . import early  # noqa: F401
    from . import prevalence  # noqa: F401


def main() -> None:
    _register()
    app(prog_name="depscreen")
