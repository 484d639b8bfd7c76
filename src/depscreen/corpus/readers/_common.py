"""Helpers shared by the readers: decoding with clear errors, CSV rows with line numbers,
label / time coercion, and building corpora while counting everything that is skipped.

Nothing here logs post text: locations are ``file:line`` (or ``file:row``) plus a field.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from ..io import CorpusFormatError
from ..locate import shared_data_dir
from ..types import Post, PostCorpus, PostRecord, ReadReport, User, UserCorpus

# A single post may be far larger than csv's default 128 KiB field limit.
csv.field_size_limit(2**31 - 1)

#: Strings that mean "no value" in the tabular sources.
_MISSING = {"", "nan", "NaN", "None", "null", "NULL", "NA", "N/A"}


def resolve_source(
    source: str | Path | None,
    default: str | None,
    *,
    patterns: Sequence[str] = (),
    what: str = "source",
) -> Path:
    """Resolve a reader's ``source``: a file, or a folder searched for ``patterns``.

    ``None`` means the data set's usual place under the shared data folder
    (``default``, relative to :func:`depscreen.corpus.locate.shared_data_dir`).
    """
    if source is None:
        root = shared_data_dir()
        if default is None or root is None:
            raise CorpusFormatError(
                f"no {what} given and no shared data folder found (set DEPSCREEN_DATA)"
            )
        source = root / default
    path = Path(source)
    if not path.exists():
        raise CorpusFormatError(f"{path}: no such file or folder")
    if path.is_dir() and patterns:
        for pattern in patterns:
            hits = sorted(path.glob(pattern))
            if hits:
                return hits[0]
        raise CorpusFormatError(
            f"{path}: folder holds no {what} (looked for {', '.join(patterns)})"
        )
    return path


def decode_bytes(raw: bytes, path: Path, encoding: str = "utf-8-sig") -> str:
    """Decode ``raw`` strictly; a wrong encoding names the file, line and byte."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise CorpusFormatError(
            f"{path}:{line}: not valid {encoding} (byte 0x{bad} at offset {exc.start}); "
            "pass the right encoding, for example --encoding gb18030 (or cp1252)"
        ) from exc
    except LookupError as exc:
        raise CorpusFormatError(f"{path}: unknown encoding '{encoding}' (--encoding takes a Python codec name such as gb18030, cp1252 or latin-1)") from exc


def read_text(path: Path, encoding: str = "utf-8-sig") -> str:
    """Read a whole text file; empty files raise :class:`CorpusFormatError`."""
    raw = path.read_bytes()
    if not raw.strip():
        raise CorpusFormatError(f"{path}: empty file")
    return decode_bytes(raw, path, encoding)


def read_text_auto(path: Path, encodings: Sequence[str] = ("utf-8-sig", "gb18030")) -> tuple[str, str]:
    """Decode with the first of ``encodings`` that decodes the whole file strictly.

    Returns ``(text, encoding)``. UTF-8 goes first: GB18030 accepts most byte strings,
    so trying it first would turn UTF-8 files into mojibake.
    """
    raw = path.read_bytes()
    if not raw.strip():
        raise CorpusFormatError(f"{path}: empty file")
    errors = []
    for enc in encodings:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            errors.append(f"{enc} fails at line {line}")
    raise CorpusFormatError(f"{path}: cannot decode ({'; '.join(errors)})")


def iter_csv(
    path: Path,
    report: ReadReport,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    header: bool = True,
    fieldnames: Sequence[str] | None = None,
    required: Sequence[str] = (),
) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield ``(where, row)`` for each data row of a delimited file.

    ``where`` is ``file:line`` of the row's first line (quoted fields may span lines).
    Rows with the wrong number of fields are skipped and counted; blank lines are
    counted too. A header without a ``required`` column raises
    :class:`CorpusFormatError` listing the columns that are there.
    """
    text = read_text(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names: list[str] | None = list(fieldnames) if fieldnames is not None else None
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if names is None and header:
                names = [c.strip() for c in row]
                check_columns(names, required, path)
                continue
            if names is None:
                names = [str(i) for i in range(len(row))]
            if not row or (len(row) == 1 and not row[0].strip()):
                report.skip("blank line", f"{path.name}:{line}")
                continue
            if len(row) != len(names):
                report.skip(
                    f"wrong number of fields (expected {len(names)})",
                    f"{path.name}:{line} ({len(row)} fields)",
                )
                continue
            yield f"{path.name}:{line}", dict(zip(names, row))
    except csv.Error as exc:
        raise CorpusFormatError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from exc
    if names is None:
        raise CorpusFormatError(f"{path}: empty file")


def iter_json_objects(text: str, name: str, report: ReadReport) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """Yield ``(line number, where, object)`` for each JSON object line of ``text``.

    ``where`` is ``name:line``. Blank lines, lines that are not valid JSON and JSON
    values that are not objects are skipped and counted (invalid JSON with the
    parser's message and column), so every JSON Lines reader reports them alike.
    """
    for lineno, line in enumerate(text.splitlines(), start=1):
        where = f"{name}:{lineno}"
        if not line.strip():
            report.skip("blank line", where)
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            report.skip("invalid JSON", f"{where} ({exc.msg}, column {exc.colno})")
            continue
        if not isinstance(data, dict):
            report.skip("not a JSON object", where)
            continue
        yield lineno, where, data


def check_columns(columns: Sequence[str], required: Iterable[str], path: Path | str) -> None:
    """Raise :class:`CorpusFormatError` naming every missing column."""
    missing = [c for c in required if c not in columns]
    if missing:
        raise CorpusFormatError(
            f"{path}: missing {'column' if len(missing) == 1 else 'columns'} {', '.join(repr(m) for m in missing)} "
            f"(columns are {', '.join(repr(str(c)) for c in columns)})"
        )


def is_missing(value: Any) -> bool:
    """True for None, NaN / NaT / pandas NA and the usual spellings of an empty cell."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in _MISSING
    if isinstance(value, float):
        return math.isnan(value)
    # pandas.NA and NaT compare unequal to themselves or refuse bool(); treat both as missing
    try:
        return bool(value != value)
    except TypeError:
        return True


def as_text(value: Any) -> str:
    """The text of a cell ('' when missing); leading / trailing whitespace stripped."""
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return ""
    return str(value).strip()


_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")


def coerce_label(value: Any) -> Any:
    """A label as the source means it: '1' -> 1, '1.0' -> 1, '0.5' -> 0.5, 'sad' -> 'sad'.

    Returns None for a missing label.
    """
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    text = str(value).strip()
    if _INT_RE.match(text):
        return int(text)
    if _FLOAT_RE.match(text):
        number = float(text)
        return int(number) if number.is_integer() else number
    return text


_TIME_FORMATS = (
    "%a %b %d %H:%M:%S %z %Y",  # Twitter API: Sun Aug 30 07:48:37 +0000 2015
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d/%m/%Y %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%a, %d %b %Y %H:%M:%S %z",
)


def to_iso(value: Any) -> str | None:
    """Parse a timestamp into ISO 8601; None when missing. Raises ValueError if unparseable.

    Aware times are converted to UTC (``+00:00``) so that ISO strings sort in time order.
    Numbers are Unix epochs (seconds, or milliseconds when larger than 1e11).
    """
    if is_missing(value):
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 1e11 else value
        return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if _FLOAT_RE.match(text):
            return to_iso(float(text))
        dt = None
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _TIME_FORMATS:
                try:
                    dt = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if dt is None:
            raise ValueError(f"unrecognised time format: {text[:40]!r}")
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    return dt.isoformat()


def parse_time(value: Any, report: ReadReport, where: str, field: str) -> str | None:
    """:func:`to_iso`, but an unparseable time is kept as null and counted (not fatal)."""
    try:
        return to_iso(value)
    except (ValueError, OverflowError, OSError):
        report.recover("unparseable time (kept as null)", f"{where} field '{field}'")
        return None


def finish_posts(
    records: list[PostRecord], name: str, report: ReadReport, path: Path | str
) -> PostCorpus:
    """Wrap records into a :class:`PostCorpus`; no record at all is an error."""
    report.read = len(records)
    if not records:
        raise CorpusFormatError(f"{path}: no usable records ({_skips(report)})")
    return PostCorpus(records, name=name, report=report)


class UserBuilder:
    """Collects posts per user (rows may come in any order) and builds a :class:`UserCorpus`.

    Labels must be constant per user: a user whose rows disagree keeps the most
    frequent label and the conflict is counted. Users whose every post was skipped
    (an empty timeline) are counted and left out, unless ``keep_empty`` is set.
    """

    def __init__(self, report: ReadReport, *, keep_empty: bool = False):
        self.report = report
        self.keep_empty = keep_empty
        self._posts: dict[str, list[Post]] = {}
        self._labels: dict[str, Counter] = {}
        self._where: dict[str, str] = {}
        self._meta: dict[str, dict[str, Any]] = {}

    def add_user(self, user_id: str, where: str, meta: dict[str, Any] | None = None) -> None:
        """Register a user (so that an empty timeline is noticed) and merge its meta."""
        if user_id not in self._posts:
            self._posts[user_id] = []
            self._labels[user_id] = Counter()
            self._where[user_id] = where
            self._meta[user_id] = {}
        if meta:
            self._meta[user_id].update(meta)

    def add_label(self, user_id: str, label: Any) -> None:
        if label is not None:
            self._labels[user_id][_hashable(label)] += 1

    def add_post(self, user_id: str, post: Post | None, label: Any, where: str) -> None:
        """Add one post (``None`` when the row was skipped) with the row's user label."""
        self.add_user(user_id, where)
        self.add_label(user_id, label)
        if post is not None:
            self._posts[user_id].append(post)

    def build(self, name: str, path: Path | str, *, require_label: bool = True) -> UserCorpus:
        users = []
        for uid, posts in self._posts.items():
            where = self._where[uid]
            labels = self._labels[uid]
            if not labels:
                if require_label:
                    self.report.skip("user without label", where)
                    continue
                label = None
            else:
                (label, n), *rest = labels.most_common()
                if rest:
                    self.report.recover("conflicting labels within user (majority kept)", where)
            if not posts and not self.keep_empty:
                self.report.skip("empty timeline (user with no usable post)", where)
                continue
            user = User(uid, label, posts, self._meta[uid])
            user.sort_posts()
            users.append(user)
        self.report.read = len(users)
        if not users:
            raise CorpusFormatError(f"{path}: no usable users ({_skips(self.report)})")
        return UserCorpus(users, name=name, report=self.report)


def _hashable(label: Any) -> Any:
    return tuple(label) if isinstance(label, list) else label


def _skips(report: ReadReport) -> str:
    if not report.skipped:
        return "no rows"
    return "skipped " + ", ".join(f"{n} {r}" for r, n in report.skipped.items())


def map_label(
    value: Any,
    mapping: dict[str, int],
    report: ReadReport,
    where: str,
    field: str,
) -> tuple[int, str] | None:
    """Map a label name to its ordinal (case and spacing ignored); None (counted) if unknown."""
    if is_missing(value):
        report.skip("missing label", f"{where} field '{field}'")
        return None
    name = " ".join(str(value).split()).lower()
    if name not in mapping:
        report.skip(f"unknown label (expected one of {', '.join(mapping)})", f"{where} field '{field}'")
        return None
    return mapping[name], name


def _cp1252_continuations() -> str:
    import ftfy  # noqa: F401  (registers the 'sloppy-windows-1252' codec)

    return "".join(bytes([b]).decode("sloppy-windows-1252") for b in range(0x80, 0xC0))


_CONT = None
_TRUNCATED = None


def repair_mojibake(text: str) -> tuple[str, bool]:
    """Undo UTF-8-read-as-cp1252 damage; returns ``(text, changed)``.

    :func:`ftfy.fix_encoding` repairs whole sequences (``ðŸ˜”`` -> 😔). Tweets cut in
    the middle of an emoji leave a fragment that can no longer be decoded (``ðŸ˜`` at
    the end): such fragments of the emoji / punctuation prefixes ``ðŸ`` and ``â€``
    are removed, since they never occur in real text. Quotes, HTML entities and
    character widths are left as written.
    """
    import re

    import ftfy

    global _CONT, _TRUNCATED
    if _TRUNCATED is None:
        _CONT = re.escape(_cp1252_continuations())
        _TRUNCATED = re.compile(f"(?:ðŸ[{_CONT}]?|â€)(?![{_CONT}])")
    fixed = ftfy.fix_encoding(text)
    fixed = _TRUNCATED.sub("", fixed)
    return fixed, fixed != text


def take_text(
    value: Any,
    report: ReadReport,
    where: str,
    field: str,
    *,
    fix_mojibake: bool = False,
) -> str | None:
    """The post text of a cell, or None (counted as 'empty text') when there is none.

    With ``fix_mojibake`` UTF-8 text that was once decoded as cp1252 / latin-1
    (``ðŸ˜”`` for 😔) is repaired with :func:`repair_mojibake`; each repair is counted.
    """
    text = as_text(value)
    if not text:
        report.skip("empty text", f"{where} field '{field}'")
        return None
    if fix_mojibake:
        fixed, changed = repair_mojibake(text)
        if changed:
            report.recover("mojibake repaired (ftfy)", f"{where} field '{field}'")
            text = fixed.strip()
            if not text:
                report.skip("empty text", f"{where} field '{field}' (after repair)")
                return None
    return text
