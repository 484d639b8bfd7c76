"""The ``depscreen`` command line: one sub-command group per area.

Each area lives in its own module and registers itself on :data:`app`, defined in
:mod:`depscreen.cli.root`: this package imports the command modules (:func:`main`), they
import the root, and nothing imports back. The modules import only typer and the
standard library at the top; scikit-learn, torch, pandas and the models are imported
inside the commands that use them, so ``depscreen --help`` and ``depscreen --version``
answer at once.

Help is click's plain layout tidied by :mod:`depscreen.cli._help` (metavars such as
``FILE``, ``N``, ``MODEL``, ``KEY=VALUE``; flags without a type) so that it reads well in
an 80-column terminal.
"""

from __future__ import annotations

from .root import app

__all__ = ["app", "main"]


def _register() -> None:
    # Importing a command module attaches its commands to `app` (depscreen.cli.root).
    from . import data, evaluate, demo, embed, text, lexicon, mil, mhim, serve  # noqa: F401
    from . import early  # noqa: F401
    from . import prevalence  # noqa: F401


def main() -> None:
    _register()
    app(prog_name="depscreen")
