"""WU3D, the Weibo User Depression Detection Dataset (Wang et al.), read at the user level.

The release is two JSON files, ``depressed.json`` and ``normal.json``, each a list of
users: ``{"nickname", "gender", "profile", "birthday", "label", "num_of_follower",
"num_of_following", "all_tweet_count", "original_tweet_count", "repost_tweet_count",
"tweets": [{"tweet_content", "posting_time", "posted_picture_url", "num_of_likes",
"num_of_forwards", "num_of_comments", "tweet_is_original"}]}``. The data set
deleted user ids, so users are named ``<file stem>-<index>``; nicknames and profiles
are personal and are not copied into the corpus. Upstream suggests ``utf-8-sig``.

Also accepted: a folder (every ``*.json`` / ``*.jsonl`` inside, recursively, e.g.
split folders ``train/``, ``test/``), and JSON Lines with one user per line. A user
without a ``label`` takes it from a file named ``depressed*`` (1) or ``normal*`` (0),
counted as recovered.

Example
-------
>>> from depscreen.corpus.readers import read_source
>>> users = read_source("WU3D/", "wu3d", original_only=True)  # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..io import CorpusFormatError
from ..types import Post, ReadReport, UserCorpus
from ._common import UserBuilder, coerce_label, parse_time, read_text, resolve_source, take_text

_USER_META = (
    "gender",
    "num_of_follower",
    "num_of_following",
    "all_tweet_count",
    "original_tweet_count",
    "repost_tweet_count",
)
_POST_META = ("num_of_likes", "num_of_forwards", "num_of_comments")


def _truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "是"):
        return True
    if text in ("false", "0", "no", "否"):
        return False
    return None


def _label_from_name(path: Path) -> int | None:
    stem = path.stem.lower()
    if stem.startswith(("depress", "positive")):
        return 1
    if stem.startswith(("normal", "control", "negative")):
        return 0
    return None


def _load_users(path: Path, encoding: str) -> list[tuple[str, Any]]:
    """``(where, user-object)`` pairs from a JSON array / object or JSON Lines file."""
    text = read_text(path, encoding)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several documents one after another: JSON Lines
            out = []
            for lineno, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    out.append((f"{path.name}:{lineno}", json.loads(line)))
                except json.JSONDecodeError as inner:
                    out.append((f"{path.name}:{lineno}", inner))
            return out
        raise CorpusFormatError(
            f"{path}:{exc.lineno}: invalid JSON ({exc.msg}, column {exc.colno})"
        ) from exc
    if isinstance(data, dict):
        if "tweets" in data:
            data = [data]
        elif isinstance(data.get("users"), list):
            data = data["users"]
        else:
            data = list(data.values())
    if not isinstance(data, list):
        raise CorpusFormatError(f"{path}: expected a JSON list of users")
    return [(f"{path.name}:user {i}", user) for i, user in enumerate(data)]


def read_wu3d(
    source: str | Path,
    *,
    encoding: str = "utf-8-sig",
    original_only: bool = False,
    keep_empty_users: bool = False,
) -> UserCorpus:
    """WU3D JSON (list of users with ``label`` and ``tweets[]``) -> users, tweets time-ordered.

    ``original_only`` keeps only original tweets (``tweet_is_original``), leaving
    reposts out (each counted). Every post keeps ``meta['original']`` when known.
    """
    path = resolve_source(source, None)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".json", ".jsonl"))
        if not files:
            raise CorpusFormatError(f"{path}: folder holds no .json / .jsonl files")
    else:
        files = [path]
    report = ReadReport(source=str(path))
    builder = UserBuilder(report, keep_empty=keep_empty_users)
    for file in files:
        rel = file.relative_to(path).with_suffix("") if path.is_dir() else Path(file.stem)
        prefix = "-".join(rel.parts)
        implied = _label_from_name(file)
        for index, (where, user) in enumerate(_load_users(file, encoding)):
            if isinstance(user, Exception):
                report.skip("invalid JSON", where)
                continue
            if not isinstance(user, dict):
                report.skip("user is not a JSON object", where)
                continue
            uid = f"{prefix}-{index}"
            if "tweets" not in user:
                report.skip("missing field", f"{where} field 'tweets'")
                continue
            label = coerce_label(user.get("label"))
            if label is None and implied is not None:
                report.recover("label taken from file name", f"{where} field 'label'")
                label = implied
            if label is None:
                report.skip("missing label", f"{where} field 'label'")
                continue
            meta = {k: user[k] for k in _USER_META if k in user and user[k] not in (None, "")}
            builder.add_user(uid, where, meta)
            builder.add_label(uid, label)
            tweets = user["tweets"]
            if not isinstance(tweets, list):
                report.skip("tweets is not a list", f"{where} field 'tweets'")
                continue
            for j, tweet in enumerate(tweets):
                at = f"{where} tweet {j}"
                if not isinstance(tweet, dict):
                    report.skip("tweet is not a JSON object", at)
                    continue
                if "tweet_content" not in tweet:
                    report.skip("missing field", f"{at} field 'tweet_content'")
                    continue
                original = _truthy(tweet.get("tweet_is_original"))
                if original_only and original is False:
                    report.skip("repost left out (original_only)", at)
                    continue
                text = take_text(tweet["tweet_content"], report, at, "tweet_content")
                if text is None:
                    continue
                post_meta: dict[str, Any] = {k: tweet[k] for k in _POST_META if k in tweet}
                if original is not None:
                    post_meta["original"] = original
                time = parse_time(tweet.get("posting_time"), report, at, "posting_time")
                builder.add_post(uid, Post(text=text, time=time, id=f"{uid}-{j}", meta=post_meta), label, at)
    return builder.build(path.stem, path)
