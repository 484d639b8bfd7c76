"""Word lists the tokenisers use: stopwords, Indonesian slang, signal words.

Two sources:

* depscreen's own small lists in ``depscreen/resources`` (written for the project:
  the negation-preserving English stopwords, signal words, and fallback Chinese
  stopwords / Indonesian slang used when the shared data is absent);
* the shared public data (``zh/stopwords``, ``id/kamus-alay``, ``id/abbreviations``),
  found by :func:`depscreen.corpus.locate.shared_data_dir` and parsed by the readers in
  :mod:`depscreen.corpus.readers.resources`. Nothing from them is copied into the
  package; when they are absent, the built-in lists are used and a warning says so.

Every loader is cached (:func:`depscreen.text.caches.clear_caches` forgets them); pass
an explicit path to read a user's own file. :func:`slang_sources` /
:func:`stopword_sources` say which files a table comes from on this machine; a saved
model pins the tables themselves by content hash (:mod:`depscreen.text.pinned`), so it
does not depend on which files are here.
"""

from __future__ import annotations

import json
import logging
import warnings
from functools import lru_cache
from importlib import resources as _ires
from pathlib import Path

from depscreen.corpus.locate import shared_data_dir

log = logging.getLogger(__name__)

__all__ = [
    "ZH_STOPWORD_LISTS",
    "resource_path",
    "read_word_list",
    "signal_words",
    "load_stopwords_zh",
    "load_kamus_alay",
    "load_abbreviations",
    "load_slang_dictionary",
    "slang_sources",
    "stopword_sources",
    "clear_table_caches",
]

ZH_STOPWORD_LISTS = ("hit", "baidu", "cn", "scu")


def resource_path(name: str) -> Path:
    """Path of a file in ``depscreen/resources``."""
    path = Path(str(_ires.files("depscreen") / "resources" / name))
    if not path.exists():
        raise FileNotFoundError(f"depscreen resource missing: {path}")
    return path


def read_word_list(path: str | Path) -> list[str]:
    """One word a line; blank lines and ``#`` comments skipped (a lone ``#`` is a word).

    Tries UTF-8 (with or without BOM), then GB18030 for Chinese lists saved on Windows.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"word list not found: {path}")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise ValueError(f"{path}: neither UTF-8 nor GB18030")
    words = []
    for line in text.splitlines():
        word = line.strip()
        if not word or (word.startswith("#") and len(word) > 1 and word[1] in " #"):
            continue
        words.append(word)
    return words


@lru_cache(maxsize=None)
def _signal_words() -> dict:
    with resource_path("signal_words.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {k: v for k, v in data.items() if not k.startswith("_")}


def signal_words(lang: str, kinds: tuple[str, ...] = ("negation", "first_person")) -> frozenset[str]:
    """Negations and first-person pronouns of ``lang`` ("en", "id", "zh")."""
    table = _signal_words()
    if lang not in table:
        raise ValueError(f"no signal words for language {lang!r} (have {sorted(table)})")
    return frozenset(w for kind in kinds for w in table[lang].get(kind, ()))


def _shared(relative: str) -> Path | None:
    root = shared_data_dir()
    if root is None:
        return None
    path = root / relative
    return path if path.exists() else None


def _logged(reader, *args):
    """Run a reader, passing its warnings (skipped-line counts) to this module's log at
    INFO level, instead of raising them as ``UserWarning`` in every caller: the counts are
    about the public file, not about the command being run, so they are not printed on
    every command that happens to build a tokeniser (``-v`` logging shows them)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = reader(*args)
    for item in caught:
        log.info("%s: %s", Path(str(args[0])).name if args else "resource", item.message)
    return result


@lru_cache(maxsize=None)
def load_stopwords_zh(which: str = "hit", path: str | None = None) -> frozenset[str]:
    """Chinese stopwords: one of the shared lists (``hit``, ``baidu``, ``cn``, ``scu``, or
    ``all`` for their union), a user's file (``path``), or depscreen's small fallback list
    when the shared lists are absent (a warning says so).

    Parsing is done by :func:`depscreen.corpus.readers.resources.load_stopwords_zh`.
    """
    from depscreen.corpus.readers.resources import load_stopwords_zh as _read

    if path is not None:
        return frozenset(_read(path))
    if which != "all" and which not in ZH_STOPWORD_LISTS:
        raise ValueError(f"unknown Chinese stopword list {which!r}; use {ZH_STOPWORD_LISTS} or 'all'")
    relative = "zh/stopwords" if which == "all" else f"zh/stopwords/{which}_stopwords.txt"
    shared = _shared(relative)
    if shared is None:
        log.warning("shared Chinese stopword list %s not found; using depscreen's small fallback list", which)
        return frozenset(read_word_list(resource_path("stopwords_zh_fallback.txt")))
    return frozenset(_read(shared))


@lru_cache(maxsize=None)
def load_kamus_alay(path: str | None = None) -> dict[str, str]:
    """Kamus alay (colloquial Indonesian lexicon): slang -> formal, both lower case.

    Read by :func:`depscreen.corpus.readers.resources.load_kamus_alay` (a slang form with
    several formal readings maps to the most frequent one). Entries whose formal word
    equals the slang are dropped (nothing to normalise). Returns ``{}`` with a warning
    when the shared file is absent and no path is given.
    """
    from depscreen.corpus.readers.resources import load_kamus_alay as _read

    file = path or _shared("id/kamus-alay/colloquial-indonesian-lexicon.csv")
    if file is None:
        log.warning("kamus alay not found (id/kamus-alay); Indonesian slang uses the fallback list only")
        return {}
    table = {k.lower(): v.strip().lower() for k, v in _logged(_read, file).items()}
    return {slang: formal for slang, formal in table.items() if slang != formal}


@lru_cache(maxsize=None)
def load_abbreviations(path: str | None = None) -> dict[str, str]:
    """Indonesian abbreviation list ``abbrev;expansion`` (no header): abbrev -> expansion.

    Read by :func:`depscreen.corpus.readers.resources.load_abbreviations` (lines with an
    empty expansion, which the shared file has, are skipped and counted in a logged
    warning).
    Returns ``{}`` with a warning when the shared file is absent and no path is given.
    """
    from depscreen.corpus.readers.resources import load_abbreviations as _read

    file = path or _shared("id/abbreviations/kamus_singkatan.csv")
    if file is None:
        log.warning("abbreviation list not found (id/abbreviations); skipping it")
        return {}
    return {k.lower(): v.strip().lower() for k, v in _logged(_read, file).items()}


@lru_cache(maxsize=None)
def _fallback_slang() -> dict[str, str]:
    out: dict[str, str] = {}
    path = resource_path("slang_id_fallback.tsv")
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise ValueError(f"{path}:{line_no}: expected 'slang<TAB>formal'")
        out[parts[0].strip()] = parts[1].strip()
    return out


def load_slang_dictionary(
    kamus: str | Path | dict | None = None,
    abbreviations: str | Path | dict | None = None,
    *,
    builtin: bool = True,
) -> dict[str, str]:
    """The Indonesian slang -> formal map used by the tokeniser.

    Priority (later wins): depscreen's built-in list, the abbreviation list, kamus alay.
    ``kamus`` / ``abbreviations`` may be a path, a ready dict, or None for the shared file.
    """
    out: dict[str, str] = dict(_fallback_slang()) if builtin else {}
    for source, loader in ((abbreviations, load_abbreviations), (kamus, load_kamus_alay)):
        if isinstance(source, dict):
            table = {str(k).lower(): str(v).lower() for k, v in source.items()}
        else:
            table = loader(str(source) if source is not None else None)
        out.update(table)
    return out


_KAMUS = "id/kamus-alay/colloquial-indonesian-lexicon.csv"
_ABBREVIATIONS = "id/abbreviations/kamus_singkatan.csv"


def slang_sources() -> list[str]:
    """Where :func:`load_slang_dictionary` takes its entries from on this machine
    (``builtin:...`` for depscreen's list, ``shared:...`` for the public data files)."""
    out = ["builtin:slang_id_fallback.tsv"]
    for relative in (_ABBREVIATIONS, _KAMUS):
        if _shared(relative) is not None:
            out.append(f"shared:{relative}")
    return out


def stopword_sources(lang: str, zh_list: str = "hit") -> list[str]:
    """Where :func:`depscreen.text.stopwords.get_stopwords` takes ``lang``'s list from."""
    if lang == "en":
        return ["builtin:stopwords_en.txt", "builtin:signal_words.json"]
    if lang == "id":
        return ["package:Sastrawi", "builtin:signal_words.json"]
    if lang == "zh":
        relative = "zh/stopwords" if zh_list == "all" else f"zh/stopwords/{zh_list}_stopwords.txt"
        found = f"shared:{relative}" if _shared(relative) is not None else "builtin:stopwords_zh_fallback.txt"
        return [found, "builtin:signal_words.json"]
    raise ValueError(f"no stopword list for language {lang!r}")


def clear_table_caches() -> None:
    """Forget the tables loaded here; :func:`depscreen.text.caches.clear_caches` also
    forgets the stopword lists and tokenisers built from them."""
    for fn in (load_stopwords_zh, load_kamus_alay, load_abbreviations, _fallback_slang, _signal_words):
        fn.cache_clear()
