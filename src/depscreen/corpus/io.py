"""Read and write the canonical JSON Lines corpus (one user or one post per line)."""

from __future__ import annotations

import json
from pathlib import Path

from .types import Corpus, PostCorpus, PostRecord, ReadReport, User, UserCorpus


class CorpusFormatError(ValueError):
    """Raised for malformed input; the message names file, line or row, and field."""


def write_jsonl(corpus: Corpus, path: str | Path) -> Path:
    """Write ``corpus`` as JSON Lines (UTF-8, one record per line)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for item in corpus:
            fh.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    return path


def read_jsonl(path: str | Path) -> Corpus:
    """Read a canonical corpus; the level (user / post) is taken from the first record.

    A line that is not valid JSON, or lacks a required field, raises
    :class:`CorpusFormatError` naming the file, the line and the field: a canonical
    corpus is written by depscreen, so damage there is an error, not something to skip.
    """
    path = Path(path)
    report = ReadReport(source=str(path))
    users: list[User] = []
    records: list[PostRecord] = []
    level = None
    with path.open("r", encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusFormatError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from exc
            if not isinstance(data, dict):
                raise CorpusFormatError(f"{path}:{lineno}: expected a JSON object")
            this_level = "user" if "posts" in data else "post"
            if level is None:
                level = this_level
            elif level != this_level:
                raise CorpusFormatError(
                    f"{path}:{lineno}: mixes {this_level}-level and {level}-level records"
                )
            required = ("user_id", "posts") if level == "user" else ("id", "text")
            for key in required:
                if key not in data:
                    raise CorpusFormatError(f"{path}:{lineno}: missing field '{key}'")
            try:
                if level == "user":
                    for j, post in enumerate(data["posts"]):
                        if not isinstance(post, dict) or "text" not in post:
                            raise CorpusFormatError(
                                f"{path}:{lineno}: posts[{j}] missing field 'text'"
                            )
                    users.append(User.from_dict(data))
                else:
                    records.append(PostRecord.from_dict(data))
            except (TypeError, KeyError) as exc:
                raise CorpusFormatError(f"{path}:{lineno}: {exc}") from exc
            report.read += 1
    if level is None:
        raise CorpusFormatError(f"{path}: empty corpus (no records)")
    if level == "user":
        return UserCorpus(users, name=path.stem, report=report)
    return PostCorpus(records, name=path.stem, report=report)
