"""Wording for messages people read in a terminal: plural forms, lists in plain words,
and "did you mean" suggestions for mistyped names.

>>> unknown_name("model", "tfid-lr", ["majority", "tfidf-lr", "lstm"])
"unknown model 'tfid-lr'; did you mean 'tfidf-lr'? Available: lstm, majority, tfidf-lr"
>>> plural(1, "duplicate copy", "duplicate copies"), plural(3, "sample")
('1 duplicate copy', '3 samples')
>>> plain_list(["a", "b", "c"], "or")
'a, b or c'
"""

from __future__ import annotations

import difflib
from typing import Iterable

__all__ = ["label_text", "plain_list", "plural", "suggest", "unknown_name"]


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 sample"``, ``"2 samples"``; give ``plural_form`` for irregular words."""
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{n} {word}"


def label_text(label: object) -> str:
    """A label as a user typed it: ``0`` for ``0.0`` or ``np.int64(0)``, ``'sadness'`` quoted.

    >>> label_text(0.0), label_text(2.5), label_text("sadness")
    ('0', '2.5', "'sadness'")
    """
    if hasattr(label, "item") and callable(label.item):  # numpy scalar
        label = label.item()
    if isinstance(label, bool):
        return str(int(label))
    if isinstance(label, float) and label.is_integer():
        return str(int(label))
    if isinstance(label, (int, float)):
        return str(label)
    return repr(str(label))


def plain_list(items: Iterable[object], last: str = "and") -> str:
    """``a, b and c`` (no brackets, no quotes)."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def suggest(name: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """The closest of ``choices`` to ``name`` (difflib ratio, case-insensitive), best first."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(str(name).lower(), list(lowered), n=n, cutoff=cutoff)
    return [lowered[c] for c in close]


def unknown_name(kind: str, name: object, choices: Iterable[str], *, flag: str | None = None) -> str:
    """``unknown model 'tfid-lr'; did you mean 'tfidf-lr'? Available: ...``.

    Parameters
    ----------
    kind : str
        What was looked up ("model", "format", "method").
    name : object
        What the user typed.
    choices : iterable of str
        The valid names (listed sorted, in plain words).
    flag : str, optional
        The command-line option that took the name (``--format``), named in the message.
    """
    choices = sorted(set(choices))
    where = f" ({flag})" if flag else ""
    message = f"unknown {kind} '{name}'{where}"
    close = suggest(str(name), choices)
    if close:
        return f"{message}; did you mean '{close[0]}'? Available: {', '.join(choices)}"
    return f"{message}; available: {', '.join(choices)}"
