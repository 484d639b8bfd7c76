"""The 500-user Reddit C-SSRS set (Gaur et al., WWW 2019): ``User,Post,Label``.

``Post`` holds a Python-list literal of the user's posts. In the public copy some
cells were cut at 32,759 characters (a spreadsheet cell limit), so the literal has no
closing quote and bracket. Such rows are recovered: the literal is closed and parsed,
the last (cut) post is kept with ``meta['truncated'] = True``, and the row is counted
under ``recovered``. Cells that still do not parse are scanned for complete string
literals; only cells with none are skipped (and counted).

Example
-------
>>> from depscreen.corpus.readers import read_source
>>> users = read_source(None, "cssrs")  # doctest: +SKIP
>>> users[0].label, users[0].meta["label_name"]  # doctest: +SKIP
(0, 'supportive')
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ..types import Post, ReadReport, UserCorpus
from ._common import UserBuilder, iter_csv, map_label, resolve_source

#: C-SSRS risk levels in ordinal order (lower-case names are matched case-insensitively).
CSSRS_LABELS = {"supportive": 0, "indicator": 1, "ideation": 2, "behavior": 3, "attempt": 4}

# One Python string literal, single- or double-quoted, with escapes.
_STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.S)


def parse_post_list(cell: str) -> tuple[list[str], str | None, bool]:
    """Parse a ``Post`` cell into posts.

    Returns ``(posts, how, last_truncated)`` where ``how`` is None for an exact
    parse, or names the recovery used; ``posts`` is empty when nothing could be read.

    >>> parse_post_list("['a', 'b']")
    (['a', 'b'], None, False)
    >>> parse_post_list("['a', 'b is cu")
    (['a', 'b is cu'], 'truncated post list (closed and parsed)', True)
    """
    text = cell.strip()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = None
    else:
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return list(value), None, False
        if isinstance(value, str):
            return [value], "single string instead of a list", False
    if text.startswith("["):
        body = text.rstrip("\\")  # a cut in the middle of an escape
        for closer in ("']", '"]', "]", "]'", "']]"):
            try:
                value = ast.literal_eval(body + closer)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                continue
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return value, "truncated post list (closed and parsed)", closer != "]"
    posts = []
    for match in _STRING_LITERAL.finditer(text):
        try:
            posts.append(ast.literal_eval(match.group(0)))
        except (ValueError, SyntaxError):
            continue
    if posts:
        return posts, "malformed post list (string literals scanned)", False
    return [], None, False


def read_cssrs(
    source: str | Path | None = None,
    *,
    encoding: str = "utf-8-sig",
    keep_empty_users: bool = False,
) -> UserCorpus:
    """C-SSRS 500 Reddit users: label 0..4 = Supportive, Indicator, Ideation, Behavior, Attempt.

    The label name is kept in ``meta['label_name']``; posts have no times and keep
    the order of the list; post ids are ``<user>-<index>``.
    """
    path = resolve_source(
        source,
        "en/reddit-cssrs-500users/500_Reddit_users_posts_labels.csv",
        patterns=("500_Reddit_users_posts_labels.csv", "*.csv"),
    )
    report = ReadReport(source=str(path))
    builder = UserBuilder(report, keep_empty=keep_empty_users)
    for where, row in iter_csv(path, report, encoding=encoding, required=("User", "Post", "Label")):
        uid = row["User"].strip()
        if not uid:
            report.skip("missing user id", f"{where} field 'User'")
            continue
        mapped = map_label(row["Label"], CSSRS_LABELS, report, where, "Label")
        if mapped is None:
            continue
        builder.add_user(uid, where, {"label_name": mapped[1]})
        posts, how, cut = parse_post_list(row["Post"])
        if how is not None and posts:
            report.recover(how, f"{where} field 'Post'")
        if not posts:
            report.skip("unparseable post list", f"{where} field 'Post'")
        builder.add_label(uid, mapped[0])
        for j, text in enumerate(posts):
            text = text.strip()
            if not text:
                report.skip("empty text", f"{where} field 'Post' item {j}")
                continue
            meta = {"truncated": True} if cut and j == len(posts) - 1 else {}
            builder.add_post(uid, Post(text=text, id=f"{uid}-{j}", meta=meta), mapped[0], where)
    return builder.build("reddit-cssrs-500users", path)
