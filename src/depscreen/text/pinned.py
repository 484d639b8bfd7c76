"""Text resources pinned by content hash, so a saved model tokenises the same everywhere.

A :class:`~depscreen.text.pipeline.Preprocessor` resolves its word tables on the machine
it runs on: the Indonesian slang table (kamus alay and the abbreviation list from the
public data folder when present, a small built-in list when not) and the stopword lists
(the shared Chinese lists or a fallback). The same model folder would therefore tokenise
``aku gak bisa tidur`` differently on two machines. Pinning removes that:

* :meth:`Preprocessor.get_config` records every resolved table by name, size, where it
  came from and the SHA-256 of its content; small tables are carried in the config;
* given a folder (:func:`~depscreen.text.pipeline.pin_resources`, or
  ``get_config(folder=...)``) every table is also written to
  ``folder/resources/NAME.json`` (a jieba user dictionary file to
  ``resources/zh_user_dict.txt``);
* :func:`~depscreen.text.pipeline.restore_preprocessor`
  (``Preprocessor.from_config(config, folder=...)``) takes
  each table from the config or the folder and checks its hash. A table that is in
  neither is resolved on this machine and accepted only when its hash matches; otherwise
  :class:`ResourceMismatchError` names the table, its hash and where it came from.

Package-level resources (jieba's dictionary, Sastrawi's stemmer) are recorded by package
version; a different version is logged, not refused.

This module knows tables, not preprocessors: :mod:`depscreen.text.pipeline` imports it,
never the other way round.

Example
-------
>>> import tempfile
>>> from depscreen.text.pipeline import Preprocessor, pin_resources, restore_preprocessor
>>> pre = Preprocessor(lang="id", stopwords=True)
>>> folder = tempfile.mkdtemp()
>>> config = pin_resources(pre, folder)            # config.json material + resources/
>>> sorted(config["resources"])
['id_slang', 'stopwords_id']
>>> again = restore_preprocessor(config, folder)   # the same tables, verified by hash
>>> again.transform(["aku gak bisa tidur"]) == pre.transform(["aku gak bisa tidur"])
True
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

log = logging.getLogger(__name__)

__all__ = [
    "INLINE_MAX_ENTRIES",
    "RESOURCE_DIR",
    "ResourceMismatchError",
    "content_hash",
    "PinnedTables",
    "describe_resources",
    "local_table",
    "restore_resources",
]

#: Tables with at most this many entries are carried inside the config itself.
INLINE_MAX_ENTRIES = 1000
#: Sub-folder of a model folder that holds the pinned tables.
RESOURCE_DIR = "resources"
#: Packages whose data shape tokenisation (recorded by version).
PACKAGES = ("jieba", "Sastrawi")


class ResourceMismatchError(ValueError):
    """A pinned text resource is missing here and this machine would use a different one."""


def _canonical(content: Any) -> bytes:
    if isinstance(content, Mapping):
        data: Any = {str(k): str(v) for k, v in sorted(content.items())}
    elif isinstance(content, (bytes, bytearray)):
        return bytes(content)
    else:
        data = sorted(str(w) for w in content)
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_hash(content: Any) -> str:
    """SHA-256 of a table (mapping or word list, order ignored) or of raw file bytes."""
    return hashlib.sha256(_canonical(content)).hexdigest()


def _entries(content: Any) -> int:
    if isinstance(content, (bytes, bytearray)):
        return sum(1 for line in bytes(content).decode("utf-8", "replace").splitlines() if line.strip())
    return len(content)


def package_versions() -> dict[str, str | None]:
    from importlib import metadata

    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - both are dependencies
            out[name] = None
    return out


def describe_resources(tables: Mapping[str, Any], sources: Mapping[str, list[str]]) -> dict[str, dict]:
    """The ``resources`` block of a config: per table its kind, size, sources and hash;
    small tables carry their content (``data``)."""
    out: dict[str, dict] = {}
    for name, content in tables.items():
        kind = "file" if isinstance(content, (bytes, bytearray)) else ("mapping" if isinstance(content, Mapping) else "words")
        record: dict[str, Any] = {
            "kind": kind,
            "entries": _entries(content),
            "sha256": content_hash(content),
            "sources": list(sources.get(name, [])),
        }
        if kind != "file" and record["entries"] <= INLINE_MAX_ENTRIES:
            record["data"] = dict(sorted(content.items())) if kind == "mapping" else sorted(content)
        out[name] = record
    return out


def _file_name(name: str, kind: str) -> str:
    return f"{RESOURCE_DIR}/{name}.txt" if kind == "file" else f"{RESOURCE_DIR}/{name}.json"


def write_resources(tables: Mapping[str, Any], records: dict[str, dict], folder: str | Path) -> dict[str, dict]:
    """Write every table into ``folder/resources/`` and add its ``file`` to ``records``."""
    folder = Path(folder)
    (folder / RESOURCE_DIR).mkdir(parents=True, exist_ok=True)
    for name, content in tables.items():
        record = records[name]
        relative = _file_name(name, record["kind"])
        path = folder / relative
        if record["kind"] == "file":
            path.write_bytes(bytes(content))
        else:
            data = dict(sorted(content.items())) if record["kind"] == "mapping" else sorted(content)
            path.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
        path.chmod(0o644)
        record["file"] = relative
    return records


def _load(record: Mapping[str, Any], folder: Path | None) -> Any | None:
    if "data" in record:
        return record["data"]
    if folder is None or "file" not in record:
        return None
    path = folder / record["file"]
    if not path.exists():
        return None
    if record["kind"] == "file":
        return path.read_bytes()
    return json.loads(path.read_text(encoding="utf-8"))


def _short(h: str | None) -> str:
    return (h or "?")[:12]


def restore_resources(
    records: Mapping[str, Mapping[str, Any]],
    folder: str | Path | None,
    local: Mapping[str, Any],
    local_sources: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The tables a config pinned, each checked against its SHA-256.

    Parameters
    ----------
    records : mapping
        The config's ``resources`` block.
    folder : path or None
        The model folder (pinned files under ``resources/``).
    local : mapping
        The tables this machine resolves for the same parameters, used for a table that
        neither the config nor the folder carries, when its hash matches.
    local_sources : mapping, optional
        Where the local tables came from (for the error message).

    Raises
    ------
    ResourceMismatchError
        A table is missing, or its content does not match the recorded hash.
    """
    folder = Path(folder) if folder is not None else None
    out: dict[str, Any] = {}
    for name, record in records.items():
        want = record.get("sha256")
        content = _load(record, folder)
        if content is not None:
            got = content_hash(content)
            if got != want:
                where = f"{folder / record['file']}" if "data" not in record and folder else "the config"
                raise ResourceMismatchError(
                    f"text resource '{name}' in {where} has sha256 {_short(got)}…, but the model "
                    f"was trained with {_short(want)}… (the file was changed): restore the model folder"
                )
            out[name] = content
            continue
        here = local.get(name)
        if here is not None and content_hash(here) == want:
            out[name] = here
            continue
        trained = " + ".join(record.get("sources") or ["?"])
        place = f"{folder / RESOURCE_DIR}" if folder is not None else "the model config"
        if here is None:
            now = "this machine does not provide it"
        else:
            src = " + ".join((local_sources or {}).get(name) or ["?"])
            now = f"this machine would use a different one (sha256 {_short(content_hash(here))}…, {_entries(here)} entries from {src})"
        raise ResourceMismatchError(
            f"text resource '{name}' (sha256 {_short(want)}…, {record.get('entries', '?')} entries, "
            f"trained with {trained}) is not in {place}, and {now}. Copy the whole model folder "
            "(with its resources/ files), or set DEPSCREEN_DATA to the data folder the model was "
            "trained with."
        )
    return out


def check_packages(recorded: Mapping[str, str | None] | None) -> None:
    """Log (not refuse) a different jieba / Sastrawi version than at training time."""
    if not recorded:
        return
    now = package_versions()
    for name, version in recorded.items():
        if name in now and now[name] != version:
            log.warning("model preprocessed with %s %s; this machine has %s", name, version, now[name])


# -- tables of models that tokenise without a Preprocessor (the user features, the lexicon) --

#: Table names :func:`local_table` resolves: ``id_slang``; ``stopwords_LANG`` (negations
#: and first-person pronouns kept: the tokeniser's lists); ``function_words_LANG`` (the
#: full lists, signal words included, all four shared lists for Chinese: the words a
#: lexicon may never hold).
TABLE_KINDS = ("id_slang", "stopwords_", "function_words_")


def local_table(name: str) -> tuple[Any, list[str]]:
    """Table ``name`` as this machine resolves it, and where it came from."""
    from .resources import load_slang_dictionary, slang_sources, stopword_sources
    from .stopwords import get_stopwords

    if name == "id_slang":
        return {str(k).lower(): str(v).lower() for k, v in load_slang_dictionary().items()}, slang_sources()
    kind, _, lang = name.rpartition("_")
    if kind == "stopwords":
        return sorted(get_stopwords(lang)), stopword_sources(lang)
    if kind == "function_words":
        zh_list = "all" if lang == "zh" else "hit"
        return sorted(get_stopwords(lang, keep_signal=False, zh_list=zh_list)), stopword_sources(lang, zh_list)
    raise ValueError(f"unknown text table {name!r}; names start with one of {', '.join(TABLE_KINDS)}")


@dataclass
class PinnedTables:
    """Word tables resolved once (when a model is fitted) and pinned with it.

    ``tables`` maps a :func:`local_table` name to its content, ``records`` holds each
    table's hash, size and sources (the ``resources`` block of a ``config.json``).
    :meth:`write` carries every table into a model folder; :meth:`restore` takes them
    back, checked by hash, or raises :class:`ResourceMismatchError` naming the table.
    """

    tables: dict[str, Any]
    records: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def resolve(cls, names: Iterable[str]) -> "PinnedTables":
        """This machine's tables ``names``, with their records."""
        tables, sources = {}, {}
        for name in dict.fromkeys(names):
            tables[name], sources[name] = local_table(name)
        return cls(tables, describe_resources(tables, sources))

    def get(self, name: str, default: Any = None) -> Any:
        return self.tables.get(name, default)

    @property
    def key(self) -> str:
        """One digest of every table (identifies the tokenisation they give)."""
        return hashlib.sha256("".join(f"{n}:{r['sha256']};" for n, r in sorted(self.records.items())).encode()).hexdigest()

    def write(self, folder: str | Path) -> dict[str, dict]:
        """Write every table into ``folder/resources/``; returns the records for ``config.json``."""
        return write_resources(self.tables, {n: dict(r) for n, r in self.records.items()}, folder)

    @classmethod
    def restore(cls, records: Mapping[str, Mapping[str, Any]], folder: str | Path | None) -> "PinnedTables":
        """The tables a model folder pinned; a table missing from it is taken from this
        machine only when its hash matches (see :func:`restore_resources`)."""
        local, sources = {}, {}
        for name in records:
            try:
                local[name], sources[name] = local_table(name)
            except (OSError, ValueError):  # not resolvable here: only the pinned copy will do
                continue
        tables = restore_resources(records, folder, local, sources)
        return cls(tables, {n: dict(r) for n, r in records.items()})
