"""Every measured number in docs/*.md and in the README's Results section comes from a
results file (issue 22, item 9).

A number "comes from a results file" when some value of the ``docs/results/*.json`` files
that the document links to (all of them where it links none) rounds to it at the
precision it is written with (a share may be written as a percentage). Checked are the
numbers that look measured: decimals (``0.744``, ``2.04x``), thousands-grouped counts
(``17,784``) and anything rounded in words (``about 900``). Code, commands, link targets
and HTML comments are not prose and are skipped. A document lists the numbers that are
constants of the method, targets or facts about a data set, not measurements, in one
comment: ``<!-- constants: 0.90 0.85 32,759 -->``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"

#: a decimal or a thousands-grouped count, not part of a longer token (a version 2.13.0,
#: an identifier, a file name)
NUMBER = re.compile(r"(?<![\w.,/-])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w]|[.,]\d)|(?<![\w.,/-])\d+\.\d+(?![\w]|[.,]\d)")
#: an integer rounded in words
ROUNDED = re.compile(r"(?:about|around|roughly|~|≈)\s*(\d[\d,]*)(?![\w]|[.,]\d)")
CONSTANTS = re.compile(r"<!--\s*constants:(.*?)-->", re.S)
LINKED = re.compile(r"results/([\w-]+)\.(?:md|json)")


def _prose(text: str) -> str:
    """``text`` without fenced code, inline code, link targets and HTML comments."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def _values(obj, out: set[float]) -> set[float]:
    if isinstance(obj, bool):
        return out
    if isinstance(obj, (int, float)):
        out.add(float(obj))
    elif isinstance(obj, dict):
        for v in obj.values():
            _values(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _values(v, out)
    elif isinstance(obj, str):  # numbers inside recorded strings (notes, summaries)
        out.update(float(m.replace(",", "")) for m in re.findall(r"\d[\d,]*(?:\.\d+)?", obj) if m[-1] != ",")
    return out


def _json_values(names: list[str]) -> set[float]:
    files = [RESULTS / f"{n}.json" for n in names] if names else sorted(RESULTS.glob("*.json"))
    out: set[float] = set()
    for f in files:
        if f.exists():
            _values(json.loads(f.read_text(encoding="utf-8")), out)
    return out


def _from_results(token: str, values: set[float]) -> bool:
    number = float(token.replace(",", ""))
    decimals = len(token.split(".")[1]) if "." in token else 0
    for v in values:
        for candidate in (abs(v), abs(v) * 100):
            if round(candidate, decimals) == number:
                return True
    return False


def unrecorded_numbers(text: str) -> list[str]:
    """The measured-looking numbers of ``text`` that no linked results JSON holds."""
    constants = {c.strip().rstrip(",") for m in CONSTANTS.findall(text) for c in m.split()}
    values = _json_values(sorted(set(LINKED.findall(text))))
    prose = _prose(text)
    tokens = [m.group(0) for m in NUMBER.finditer(prose)] + ROUNDED.findall(prose)
    return sorted({t for t in tokens if t not in constants and not _from_results(t, values)})


def _readme_results() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Results")
    end = text.find("\n## ", start + 1)
    return text[start:end]


DOCS = sorted((ROOT / "docs").glob("*.md"))


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_every_number_in_a_doc_comes_from_a_results_file(path):
    assert unrecorded_numbers(path.read_text(encoding="utf-8")) == []


def test_every_number_in_the_readme_results_comes_from_a_results_file():
    assert unrecorded_numbers(_readme_results()) == []


def test_the_check_finds_a_number_that_no_results_file_holds():
    text = "See [results/mil.md](results/mil.md): it ran 1,501 user-steps/s, about 93217 for the other, 0.123456."
    assert unrecorded_numbers(text) == ["0.123456", "1,501", "93217"]
    marked = text + "\n<!-- constants: 1,501 93217 0.123456 -->"
    assert unrecorded_numbers(marked) == []
    assert unrecorded_numbers("torch `2.13.0`, version 2.13.0, file shard-0001.npy") == []
