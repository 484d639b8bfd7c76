"""Read and write the canonical JSON Lines corpus (one user or one post per line)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Iterable, Iterator

from .types import Corpus, PostCorpus, PostRecord, ReadReport, User, UserCorpus


class CorpusFormatError(ValueError):
    """Raised for malformed input; the message names file, line or row, and field."""


def write_jsonl(corpus: Corpus | Iterable[Any], path: str | Path) -> Path:
    """Write ``corpus`` as JSON Lines (UTF-8, one record per line).

    Any records with a ``to_dict()`` are written the same way (interviews:
    :func:`depscreen.corpus.dialogue.write_dialogue_jsonl`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for item in corpus:
            fh.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    return path


def iter_jsonl(path: str | Path) -> Iterator[User | PostRecord]:
    """Stream a canonical corpus one record at a time (``.gz`` files too).

    Yields :class:`User` for user-level lines and :class:`PostRecord` for post-level
    lines; memory stays bounded by one line. A line that is not valid JSON, lacks a
    required field, gives a text that is not a string, or switches level raises
    :class:`CorpusFormatError` naming the file, the line and the field: a canonical
    corpus is written by depscreen, so damage there is an error, not something to skip.
    """
    path = Path(path)
    level = None
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig") as fh:
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
                    if not isinstance(data["posts"], list):
                        raise CorpusFormatError(f"{path}:{lineno}: field 'posts' must be a list")
                    for j, post in enumerate(data["posts"]):
                        if not isinstance(post, dict) or "text" not in post:
                            raise CorpusFormatError(f"{path}:{lineno}: posts[{j}] missing field 'text'")
                        if not isinstance(post["text"], str):
                            raise CorpusFormatError(
                                f"{path}:{lineno}: posts[{j}].text must be a string, got "
                                f"{_json_type(post['text'])}"
                            )
                    yield User.from_dict(data)
                else:
                    if not isinstance(data["text"], str):
                        raise CorpusFormatError(
                            f"{path}:{lineno}: field 'text' must be a string, got {_json_type(data['text'])}"
                        )
                    yield PostRecord.from_dict(data)
            except (TypeError, KeyError) as exc:
                raise CorpusFormatError(f"{path}:{lineno}: {exc}") from exc


def read_jsonl(path: str | Path) -> Corpus:
    """Read a whole canonical corpus into memory; the level is the first record's.

    See :func:`iter_jsonl` for the checks (errors name the file, line and field).
    """
    path = Path(path)
    report = ReadReport(source=str(path))
    items = []
    for item in iter_jsonl(path):
        items.append(item)
        report.read += 1
    if not items:
        raise CorpusFormatError(f"{path}: empty corpus (no records)")
    if isinstance(items[0], User):
        return UserCorpus(items, name=_stem(path), report=report)
    return PostCorpus(items, name=_stem(path), report=report)


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".jsonl", ".json"):
        name = name.removesuffix(suffix)
    return name


def _json_type(value) -> str:
    return "null" if value is None else type(value).__name__
