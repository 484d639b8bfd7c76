"""Help pages that read well in an 80-column terminal.

Typer's default help draws option tables that squeeze option names (``--allow-unlabe…``)
and print Python types (``--explain <bool>``, ``--model <list[str]>``). depscreen prints
click's plain help instead (option names never cut, help text wrapped to the terminal)
and :func:`tidy` rewrites every parameter's help line after the command tree is built:

* a metavar that says what to type: ``FILE``, ``DIR``, ``N``, ``X``, ``MODEL``,
  ``KEY=VALUE``, ``COLUMN``, ``LANG``, a short choice list ``[binary|multiclass]``;
  a metavar declared on the option always wins;
* boolean flags without a type (``--explain``), and the ``--no-`` form only where the
  flag is on by default (``--dedup / --no-dedup``);
* defaults only where they say something (not ``False``, ``None`` or ``[]``);
* command lists that wrap their one-line help instead of cutting it with ``...``;
* a mistyped choice says ``'ind' is not one of auto, zh, en or id; did you mean 'id'?``
  instead of a Python validation message.

Parsing, names and defaults are untouched.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from pathlib import Path
from typing import Any

#: Metavars by option name (without dashes), for values a user types by name.
NAMED_METAVARS = {
    "model": "MODEL",
    "param": "KEY=VALUE",
    "option": "KEY=VALUE",
    "lang": "LANG",
    "positive": "LABEL",
    "pos-label": "LABEL",
    "backend": "BACKEND",
    "method": "METHOD",
    "format": "FORMAT",
    "encoding": "ENCODING",
    "salt": "SALT",
    "sheet": "SHEET",
    "task": "TASK",
    "mhim": "t=N,b=N",
}

_CHOICES_INLINE = 32  # a choice list longer than this becomes a single word (FORMAT)


def tidy(command: Any) -> Any:
    """Rewrite the help lines of ``command`` (a click command or group built by typer)
    and of every sub-command, in place."""
    for param in command.params:
        _tidy_param(param)
    subs = getattr(command, "commands", None)
    if subs:
        for sub in subs.values():
            if sub.short_help is None and sub.help:
                sub.short_help = _first_paragraph(sub.help)
            tidy(sub)
    return command


def walk(command: Any, path: tuple[str, ...] = ()):
    """Yield ``(path, command)`` for ``command`` and every sub-command, depth first."""
    yield path, command
    subs = getattr(command, "commands", None)
    if subs:
        for name, sub in subs.items():
            yield from walk(sub, path + (name,))


# ---------------------------------------------------------------------------------------
def _first_paragraph(text: str) -> str:
    para = inspect.cleandoc(text).split("\n\n")[0]
    return " ".join(para.replace("\b", "").split())


def _annotation(param: Any) -> Any:
    """The Python type a parameter was declared with (Optional / list unwrapped)."""
    desc = getattr(param, "type_descriptor", None)  # typer >= 0.17 keeps the annotation
    ann = getattr(desc, "annotation", None)
    if ann is None:  # older typer: a click ParamType
        kind = getattr(param, "type", None)
        if getattr(kind, "choices", None):
            return [str(c) for c in kind.choices]
        return {"integer": int, "float": float, "boolean": bool, "path": Path}.get(getattr(kind, "name", ""), str)
    for _ in range(3):
        origin = typing.get_origin(ann)
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if origin in (typing.Union, types.UnionType) and len(args) == 1:
            ann = args[0]
        elif origin in (list, tuple, typing.List, typing.Tuple) and args:
            ann = args[0]
        else:
            break
    return ann


def _choices(ann: Any) -> list[str] | None:
    if isinstance(ann, list):
        return [str(c) for c in ann]
    if isinstance(ann, type) and issubclass(ann, enum.Enum):
        return [str(m.value) for m in ann]
    if typing.get_origin(ann) is typing.Literal:
        return [str(a) for a in typing.get_args(ann)]
    return None


def _long_name(param: Any) -> str:
    longs = [o for o in param.opts if o.startswith("--")]
    return (longs[0] if longs else param.opts[0]).lstrip("-")


def metavar_for(param: Any) -> str:
    """What the help shows after an option (or for an argument) that takes a value."""
    if param.metavar:
        return param.metavar
    if param.param_type_name == "argument":
        name = (param.name or "value").upper()
        return name + ("..." if param.nargs != 1 else "")
    ann = _annotation(param)
    name = _long_name(param)
    choices = _choices(ann)
    if choices is not None:
        inline = "[" + "|".join(choices) + "]"
        return inline if len(inline) <= _CHOICES_INLINE else NAMED_METAVARS.get(name, name.upper().replace("-", "_"))
    if name in NAMED_METAVARS:
        return NAMED_METAVARS[name]
    if "KEY=VALUE" in (param.help or ""):
        return "KEY=VALUE"
    if isinstance(ann, type) and issubclass(ann, Path):
        helptext = (param.help or "").lower()
        return "DIR" if ("folder" in helptext or "directory" in helptext) else "FILE"
    if ann is int:
        return "N"
    if ann is float:
        return "X"
    if name.endswith("-col"):
        return "COLUMN"
    return "TEXT"


def _default_text(param: Any) -> str | None:
    if getattr(param, "show_default", True) is False:
        return None
    if isinstance(getattr(param, "show_default", None), str):
        return param.show_default
    default = param.default
    if callable(default) or default is None or default is False or default in ((), []):
        return None
    if getattr(param, "is_flag", False):
        # an on/off pair that is on by default: say which form is the default
        return param.opts[-1] if default is True else None
    if isinstance(default, enum.Enum):
        default = default.value
    if isinstance(default, (list, tuple)):
        return ", ".join(str(d.value if isinstance(d, enum.Enum) else d) for d in default)
    return str(default)


def _range_text(param: Any) -> str | None:
    lo, hi = getattr(param, "min", None), getattr(param, "max", None)
    if lo is not None and hi is not None:
        return f"{lo} to {hi}"
    if lo is not None:
        return f"at least {lo}"
    if hi is not None:
        return f"at most {hi}"
    return None


def help_record(param: Any, ctx: Any) -> tuple[str, str] | None:
    """The ``(names, help)`` pair click prints for one parameter."""
    if getattr(param, "hidden", False):
        return None
    if param.param_type_name == "argument":
        names = metavar_for(param)
    else:
        names = _join(param.opts)
        if getattr(param, "is_flag", False):
            if param.secondary_opts and param.default is True:
                names += " / " + _join(param.secondary_opts)
        elif not getattr(param, "count", False):
            names += " " + metavar_for(param)
    extra = []
    default = _default_text(param)
    if default:
        extra.append(f"default: {default}")
    rng = _range_text(param)
    if rng:
        extra.append(rng)
    envvar = getattr(param, "envvar", None)
    if envvar and getattr(param, "show_envvar", False):
        extra.append(f"env var: {envvar}")
    if param.required and param.param_type_name == "option":
        extra.append("required")
    text = " ".join((param.help or "").split())
    if extra:
        text = f"{text}  [{'; '.join(extra)}]" if text else f"[{'; '.join(extra)}]"
    return names, text


def usage_pieces(param: Any, ctx: Any) -> list[str]:
    """How a parameter appears on the ``Usage:`` line (arguments only; options are [OPTIONS])."""
    if param.param_type_name != "argument":
        return []
    name = metavar_for(param)
    return [name if param.required else f"[{name}]"]


def _join(opts) -> str:
    """``-o, --out``: short forms first, as click prints them."""
    return ", ".join(sorted(opts, key=lambda o: len(o) - len(o.lstrip("-"))))


def _tidy_param(param: Any) -> None:
    param.get_help_record = types.MethodType(help_record, param)
    if param.param_type_name == "argument":
        param.get_usage_pieces = types.MethodType(usage_pieces, param)
    choices = _choices(_annotation(param))
    if choices and hasattr(param, "process_value"):
        param.process_value = types.MethodType(_choice_checker(param.process_value, choices), param)


def choice_message(value: Any, choices: list[str]) -> str:
    """``'ind' is not one of auto, zh, en or id; did you mean 'id'?``"""
    from ..wording import plain_list, suggest

    message = f"'{value}' is not one of {plain_list(choices, 'or')}"
    close = suggest(str(value), choices)
    return message + (f"; did you mean '{close[0]}'?" if close else "")


def _choice_checker(process_value, choices: list[str]):
    """Wrap a parameter's value processing so a bad choice gets :func:`choice_message`."""

    def checked(param, ctx, value):
        try:
            return process_value(ctx, value)
        except Exception as exc:
            if type(exc).__name__ != "BadParameter":
                raise
            values = value if isinstance(value, (list, tuple)) else [value]
            bad = next((v for v in values if v is not None and str(getattr(v, "value", v)) not in choices), None)
            if bad is None:
                raise
            raise type(exc)(choice_message(bad, choices), ctx=ctx, param=param) from None

    return checked
