"""Splitting a screened corpus into the groups a prevalence table is broken down by.

``by`` is ``"lang"`` (each item's language: a post's own ``lang`` or the detected one; a
user's most common post language), ``"month"`` (the month of a post's time; for a user,
each month the user posted in becomes one slice of that user holding that month's
posts, so a month's share is the share of users active that month whose posts that
month show the signal) or ``"meta.FIELD"`` (the item's ``meta[FIELD]``; a user's own
``meta`` first, else the value most of their posts carry). Items without a value go to
the group ``"(none)"``: counted and shown, never dropped.

Example
-------
>>> from depscreen.corpus import PostRecord
>>> keys, _ = group_items([PostRecord("1", "x", None, meta={"region": "north"}),
...                        PostRecord("2", "y", None)], "meta.region")
>>> keys
['north', '(none)']
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from ..corpus.types import Post, PostRecord, User

NONE = "(none)"
BY_HELP = "lang | month | meta.FIELD"


def check_by(by: str | None) -> str | None:
    """``by`` as given, or a ValueError saying what is accepted."""
    if by is None:
        return None
    if by in ("lang", "month") or (by.startswith("meta.") and len(by) > 5):
        return by
    raise ValueError(f"--by {by!r}: use {BY_HELP}")


def _month(time: Any) -> str | None:
    if not time:
        return None
    text = str(time)
    if len(text) >= 7 and text[4] == "-" and text[:4].isdigit() and text[5:7].isdigit():
        return text[:7]
    return None


def _lang_of_post(text: str, given: str | None) -> str:
    from ..text.langdetect import detect_language

    return given or detect_language(text)


def item_language(item: User | PostRecord | str, max_posts: int = 20) -> str:
    """An item's language: a post's ``lang`` or the detected one; a user's most common
    language over their first ``max_posts`` posts."""
    if isinstance(item, User):
        langs = Counter(_lang_of_post(p.text, p.lang) for p in item.posts[:max_posts])
        return langs.most_common(1)[0][0] if langs else "unknown"
    if isinstance(item, PostRecord):
        return _lang_of_post(item.text, item.lang)
    return _lang_of_post(item, None)


def _meta_value(item: User | PostRecord | str, field: str) -> str | None:
    if isinstance(item, str):
        return None
    value = item.meta.get(field)
    if value is None and isinstance(item, User):
        values = Counter(str(p.meta[field]) for p in item.posts if p.meta.get(field) is not None)
        value = values.most_common(1)[0][0] if values else None
    return None if value is None else str(value)


def group_items(items: Sequence[User | PostRecord | str], by: str) -> tuple[list[str], list[Any]]:
    """``(keys, items)``: one group key per item, and the items to score for the groups.

    For ``by="month"`` on users the items are user-month slices (a :class:`User` per
    user and month with that month's posts; posts without a time go to ``"(none)"``);
    otherwise they are the items themselves.
    """
    by = check_by(by)
    if by == "lang":
        return [item_language(it) for it in items], list(items)
    if by.startswith("meta."):
        field = by[5:]
        return [_meta_value(it, field) or NONE for it in items], list(items)
    keys: list[str] = []
    out: list[Any] = []
    for it in items:
        if isinstance(it, User):
            months: dict[str, list[Post]] = {}
            for p in it.posts:
                months.setdefault(_month(p.time) or NONE, []).append(p)
            for m in sorted(months):
                keys.append(m)
                out.append(User(it.user_id, it.label, months[m], dict(it.meta)))
        else:
            time = it.meta.get("time") if isinstance(it, PostRecord) else None
            keys.append(_month(time) or NONE)
            out.append(it)
    return keys, out


def coverage_problem(keys: Sequence[str], by: str, min_share: float = 0.5) -> tuple[str | None, str | None]:
    """``(error, warning)`` about how many items carry the ``by`` value: an error when
    none does, a warning when fewer than ``min_share`` do."""
    n = len(keys)
    missing = sum(1 for k in keys if k == NONE)
    what = {"month": "a time (YYYY-MM...)", "lang": "a language"}.get(by, f"the field '{by[5:]}'")
    if n and missing == n:
        hint = " (post-level items give their time as meta.time)" if by == "month" else ""
        return f"--by {by}: none of the {n} items carries {what}{hint}; nothing to group by", None
    if n and (n - missing) / n < min_share:
        return None, (f"--by {by}: only {n - missing} of {n} items carry {what}; the rest are counted "
                      f"in the group '{NONE}'")
    return None, None
