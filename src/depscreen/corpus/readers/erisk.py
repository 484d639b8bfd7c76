"""eRisk (CLEF early risk detection) XML collections, read at the user level.

One XML file per subject (or per subject and chunk, ``chunkN/<subject>_N.xml``)::

    <INDIVIDUAL>
      <ID>train_subject42</ID>
      <WRITING>
        <TITLE> ... </TITLE> <DATE> 2013-04-06 14:32:58 </DATE>
        <INFO> reddit post </INFO> <TEXT> ... </TEXT>
      </WRITING>
      ...
    </INDIVIDUAL>

Labels come from golden-truth files, one ``subject label`` per line (tab or space
separated), e.g. ``risk_golden_truth.txt``. Chunks of one subject are merged and
the writings ordered by date (files list them newest first). A subject missing from
the golden truth takes its label from a ``positive`` / ``negative`` folder in its
path (eRisk 2017 layout) when there is one, else it is skipped and counted.

Example
-------
>>> from depscreen.corpus.readers import read_source
>>> users = read_source("erisk2017/train", "erisk")  # doctest: +SKIP
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ..io import CorpusFormatError
from ..types import Post, ReadReport, UserCorpus
from ._common import UserBuilder, coerce_label, parse_time, read_text, resolve_source, take_text

_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BARE_AMP = re.compile(r"&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
_CHUNK_SUFFIX = re.compile(r"_\d+$")


def read_golden_truth(path: str | Path, report: ReadReport | None = None) -> dict[str, int]:
    """``subject label`` lines -> ``{subject: label}``; malformed lines are counted in ``report``."""
    path = Path(path)
    truth: dict[str, int] = {}
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        label = coerce_label(parts[1]) if len(parts) == 2 else None
        if not isinstance(label, int):
            if report is None:
                raise CorpusFormatError(f"{path}:{lineno}: expected 'subject label'")
            report.skip("malformed golden-truth line", f"{path.name}:{lineno}")
            continue
        truth[parts[0]] = label
    return truth


def _parse_xml(file: Path, report: ReadReport) -> ET.Element | None:
    raw = file.read_bytes()
    if not raw.strip():
        report.skip("empty XML file", file.name)
        return None
    try:
        return ET.fromstring(raw)
    except ET.ParseError as first:
        # eRisk dumps contain raw '&' and control characters: repair and try once more.
        try:
            text = raw.decode("utf-8", errors="replace")
            text = _BARE_AMP.sub("&amp;", _INVALID_XML_CHARS.sub(" ", text))
            text = re.sub(r"^<\?xml[^>]*\?>", "", text.lstrip("\ufeff"))
            root = ET.fromstring(text)
        except ET.ParseError:
            line, col = first.position
            report.skip("unparseable XML", f"{file.name}:{line}:{col}")
            return None
        report.recover("malformed XML repaired (bare '&' / control characters)", file.name)
        return root


def _folder_label(file: Path, root: Path) -> int | None:
    for part in file.relative_to(root).parts[:-1]:
        low = part.lower()
        if low.startswith("positive") or low in ("pos", "depression", "depressed"):
            return 1
        if low.startswith("negative") or low in ("neg", "control", "controls"):
            return 0
    return None


def read_erisk(
    source: str | Path,
    *,
    golden: str | Path | list[str | Path] | None = None,
    require_label: bool = True,
    keep_empty_users: bool = False,
) -> UserCorpus:
    """eRisk XML folder (or one XML file) + golden truth -> users with time-ordered writings.

    ``golden`` names the golden-truth file(s); when None, ``*golden*``/``*truth*``
    ``.txt`` files in the folder tree are used. Each post keeps ``meta['info']``
    (``reddit post`` / ``reddit comment``) and ``meta['chunk']`` when chunked.
    """
    path = resolve_source(source, None)
    root = path if path.is_dir() else path.parent
    files = sorted(path.rglob("*.xml")) if path.is_dir() else [path]
    if not files:
        raise CorpusFormatError(f"{path}: no .xml files")
    report = ReadReport(source=str(path))
    if golden is None:
        golden_files = sorted(
            p for p in root.rglob("*.txt") if "truth" in p.name.lower() or "golden" in p.name.lower()
        )
    else:
        golden_files = [Path(g) for g in (golden if isinstance(golden, list) else [golden])]
    truth: dict[str, int] = {}
    for g in golden_files:
        if not g.exists():
            raise CorpusFormatError(f"{g}: golden-truth file not found")
        truth.update(read_golden_truth(g, report))
    builder = UserBuilder(report, keep_empty=keep_empty_users)
    for file in files:
        element = _parse_xml(file, report)
        if element is None:
            continue
        if element.tag != "INDIVIDUAL":
            report.skip("not an <INDIVIDUAL> document", f"{file.name} root <{element.tag}>")
            continue
        subject = (element.findtext("ID") or "").strip()
        if not subject:
            subject = _CHUNK_SUFFIX.sub("", file.stem)
            report.recover("subject id taken from file name", f"{file.name} field 'ID'")
        chunk = _CHUNK_SUFFIX.search(file.stem)
        label = truth.get(subject)
        if label is None:
            label = _folder_label(file, root)
            if label is not None:
                report.recover("label taken from folder name", f"{file.name} field 'ID'")
        if label is None and require_label:
            report.skip("subject not in golden truth", f"{file.name} field 'ID'")
            continue
        builder.add_user(subject, file.name)
        builder.add_label(subject, label)
        for j, writing in enumerate(element.iter("WRITING")):
            at = f"{file.name} writing {j}"
            title = (writing.findtext("TITLE") or "").strip()
            body = (writing.findtext("TEXT") or "").strip()
            text = take_text("\n\n".join(p for p in (title, body) if p), report, at, "TITLE+TEXT")
            if text is None:
                builder.add_label(subject, label)
                continue
            meta = {}
            info = (writing.findtext("INFO") or "").strip()
            if info:
                meta["info"] = info
            if chunk:
                meta["chunk"] = int(chunk.group(0)[1:])
            time = parse_time((writing.findtext("DATE") or "").strip(), report, at, "DATE")
            builder.add_post(subject, Post(text=text, time=time, meta=meta), label, at)
    return builder.build(path.stem, path, require_label=require_label)
