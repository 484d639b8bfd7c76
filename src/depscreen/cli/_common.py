"""What every command group shares: the error style, reading a corpus, KEY=VALUE options.

One error style across the command line: ``error: <message>`` on stderr, exit status 2,
no traceback. Library errors (``ValueError``, ``CorpusFormatError``, ...) already name
the file, line and field; commands turn them into :class:`CliError` with :func:`guard`.
"""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import typer
from rich.console import Console
from rich.markup import escape

from .. import DISCLAIMER
from ..jsonable import json_default

#: Messages, progress and notes go to stderr; tables and data to stdout.
console = Console(stderr=True, soft_wrap=True)

#: Warnings shown as one ``warning:`` line (no source file, no code line): they speak to
#: the user about their input, not to a developer about depscreen's code.
ONE_LINE_WARNINGS = ("depscreen.models.folder.UnverifiedFolderWarning",)
_show_warning = warnings.showwarning


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if f"{category.__module__}.{category.__qualname__}" in ONE_LINE_WARNINGS:
        console.print(f"[yellow]warning:[/yellow] {escape(str(message))}", highlight=False)
    else:
        _show_warning(message, category, filename, lineno, file, line)


warnings.showwarning = _one_line_warning


def load_model(folder: Path):
    """``depscreen.load(folder)`` with its warnings about the folder (an older folder
    that cannot be verified) said as one ``warning:`` line each, wherever the warnings
    machinery points (a test's capture included); other warnings pass on unchanged."""
    from .. import api

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = api.load(folder)
    for w in caught:
        if f"{w.category.__module__}.{w.category.__qualname__}" in ONE_LINE_WARNINGS:
            console.print(f"[yellow]warning:[/yellow] {escape(str(w.message))}", highlight=False)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return model


class CliError(Exception):
    """A user-facing error: printed without a traceback, exit status 2."""


def fail(message: str) -> None:
    """Print ``error: message`` and leave with exit status 2."""
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False, markup=True)  # keep [brackets]
    raise typer.Exit(code=2)


@contextmanager
def guard(*errors: type[BaseException]) -> Iterator[None]:
    """Turn :class:`CliError` and the given library errors into :func:`fail`."""
    catch = (CliError, ValueError, TypeError, KeyError, FileNotFoundError) + tuple(errors)
    try:
        yield
    except catch as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        fail(str(message))


def say(message: str) -> None:
    """A plain progress or result line on stderr (never post text)."""
    console.print(message, highlight=False)


def disclaimer() -> None:
    console.print(f"[dim]{DISCLAIMER}[/dim]", highlight=False)


def read_corpus(path: Path, *, quiet: bool = False):
    """Read a canonical JSON Lines corpus, or fail naming the file, line and field."""
    from ..corpus.io import CorpusFormatError, read_jsonl

    if not path.exists():
        raise CliError(f"{path}: file not found")
    try:
        corpus = read_jsonl(path)
    except CorpusFormatError as exc:
        raise CliError(str(exc)) from None
    if not quiet:
        unit = "users" if corpus.level == "user" else "posts"
        say(f"read {len(corpus)} {unit} from {path}")
    return corpus


def parse_value(text: str) -> Any:
    """A KEY=VALUE value: JSON when it parses (``2``, ``0.5``, ``null``, ``true``), else text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def nested_param(model: str, key: str) -> str | None:
    """The name under which registered ``model`` takes parameter ``key``: ``key`` itself,
    else the least nested ``base__...__key`` (wrappers such as ``lmilatt-mhim`` and
    ``dual-mhim`` take their base models' parameters nested), else None."""
    from ..models.registry import model_class

    names = model_class(model)().get_params(deep=True)
    if key in names:
        return key
    nested = sorted((n for n in names if n.endswith(f"__{key}") and n.startswith("base__")), key=len)
    return nested[0] if nested else None


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
                raise CliError(f"--param '{item}': model '{target}' is not one of the models run ({', '.join(models)})")
        key = key.strip()
        if not key:
            raise CliError(f"--param '{item}': empty parameter name")
        parsed = parse_value(value)
        targets = [target] if target else models
        accepted = []
        for m in targets:
            valid = set(model_class(m)().get_params(deep=True))
            if key in valid:
                out[m][key] = parsed
                accepted.append(m)
            elif target:
                raise CliError(
                    f"--param '{item}': model '{m}' has no parameter '{key}'; "
                    f"it has: {', '.join(sorted(valid)) or '(none)'}"
                )
        if not accepted:
            nested = {m: name for m in targets if (name := nested_param(m, key))}
            hint = "".join(f"; {m} takes its base model's parameters nested: --param {name}={value}"
                           for m, name in nested.items())
            raise CliError(f"--param '{item}': no model among {', '.join(models)} has a parameter '{key}'{hint}")
    return out


def write_json(path: Path, payload: Any) -> Path:
    """Write ``payload`` as indented UTF-8 JSON (0644) and say so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=json_default), encoding="utf-8")
    path.chmod(0o644)
    say(f"wrote {path}")
    return path


def stdout_console() -> Console:
    """Console for tables: the terminal's width, or a wide page for files and pipes."""
    import sys

    return Console() if sys.stdout.isatty() else Console(width=200)
