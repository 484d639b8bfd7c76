"""Every bash example of the README runs as written, section by section, from an empty folder.

The blocks are read from README.md itself (markdown parsed with markdown-it, the parser
rich already brings), so a new example is run without touching this file. Each README
section is one test (pytest-xdist spreads them over its workers); within a section the
commands run in order in a fresh folder that holds what the "Command line" set-up block
made (the synthetic users.jsonl / posts.jsonl), as a new user would have it.

* ``depscreen ...`` runs in-process through typer's test runner (one import of the
  package instead of one per command; a pipe into depscreen becomes its stdin); every
  other command (``cp``, ``python -c``, ``printf``) runs in bash with the test's Python
  first on PATH. Each must exit 0.
* A block preceded by ``<!-- readme-test: skip (REASON) -->`` is not run; the skipped
  blocks are listed with their reasons (``test_skipped_blocks_are_named``). A block that
  reads ``$DEPSCREEN_DATA`` is skipped cleanly when the public data folder is absent.
* A block that reads what an earlier section wrote says so with
  ``<!-- readme-test: after (SECTION TITLE) -->``: that section runs first, in the same
  folder.
* A ``train`` example may not leave a model that predicts one class (or one value) for
  all of its training data without the warning, in ``training.json`` and on the screen;
  an ``evaluate`` / ``compare`` example whose results hold single-class folds must print
  the warning.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SETUP_SECTION = "Command line"
MARKER = re.compile(r"<!--\s*readme-test:\s*(?P<kind>skip|after)\s*\((?P<text>[^)]+)\)\s*-->")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass
class Block:
    """One fenced bash block of the README."""

    section: str  # the nearest heading above it
    line: int  # 1-based line of the opening fence
    code: str
    skip: str | None = None  # the reason of a readme-test: skip marker
    after: str | None = None  # the section whose files this block reads (readme-test: after)


def readme_blocks(text: str | None = None) -> list[Block]:
    """Every ```bash block, with its section and any skip marker right before it."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text if text is not None else README.read_text(encoding="utf-8"))
    blocks: list[Block] = []
    section = ""
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            section = _heading(tokens[i + 1].content)
        elif tok.type == "fence" and tok.info.strip() == "bash":
            marker = MARKER.search(tokens[i - 1].content) if i and tokens[i - 1].type == "html_block" else None
            kind, value = (marker.group("kind"), marker.group("text").strip()) if marker else (None, None)
            blocks.append(Block(section, tok.map[0] + 1, tok.content,
                                value if kind == "skip" else None, value if kind == "after" else None))
    return blocks


def _heading(content: str) -> str:
    """``### `depscreen data`: convert and inspect`` -> ``depscreen data: convert and inspect``."""
    return content.replace("`", "").strip()


def commands(code: str) -> list[str]:
    """The commands of a block: continuation lines joined, comments and blank lines out."""
    joined = re.sub(r"\\\n\s*", " ", code)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def sections() -> dict[str, list[Block]]:
    out: dict[str, list[Block]] = {}
    for block in readme_blocks():
        out.setdefault(block.section, []).append(block)
    return out


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40]


# -- running ---------------------------------------------------------------------------


def _expand(word: str, env: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), ""), word)


class Shell:
    """Runs README commands in one folder, keeping the variables the README sets."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder = folder
        self.env = env
        self.log: list[tuple[str, float]] = []

    def run(self, command: str, where: str) -> str:
        start = time.perf_counter()
        words = shlex.split(command, comments=True)
        if len(words) == 1 and ASSIGNMENT.match(words[0]):
            name, value = words[0].split("=", 1)
            self.env[name] = _expand(value, self.env)
            return ""
        if "|" in words:
            cut = words.index("|")
            assert words[cut + 1] == "depscreen", f"{where}: only a pipe into depscreen is supported: {command}"
            stdin = self._bash(shlex.join(words[:cut]), where)
            output = self._cli([_expand(w, self.env) for w in words[cut + 2:]], where, stdin=stdin)
        elif words[0] == "depscreen":
            output = self._cli([_expand(w, self.env) for w in words[1:]], where)
        else:
            output = self._bash(command, where)
        self.log.append((command, time.perf_counter() - start))
        return output

    def _bash(self, command: str, where: str) -> str:
        path = f"{Path(sys.executable).parent}{os.pathsep}{self.env.get('PATH', os.environ.get('PATH', ''))}"
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command], cwd=self.folder, capture_output=True, text=True,
            env={**os.environ, **self.env, "PATH": path}, timeout=300,
        )
        assert done.returncode == 0, f"{where}: `{command}` exited {done.returncode}\n{done.stderr[-2000:]}"
        return done.stdout

    def _cli(self, args: list[str], where: str, stdin: str | None = None) -> str:
        from typer.testing import CliRunner

        from depscreen.cli import _register, app

        _register()
        result = CliRunner().invoke(app, args, input=stdin, env=self.env)
        output = result.output
        if result.exit_code != 0:
            error = result.exc_info[1] if result.exc_info else None
            detail = "".join(traceback.format_exception(error)) if error and not isinstance(error, SystemExit) else ""
            pytest.fail(f"{where}: `depscreen {shlex.join(args)}` exited {result.exit_code}\n{output[-3000:]}\n{detail[-3000:]}")
        check_degenerate_warning(args, output, self.folder, where)
        return output


def _option(args: list[str], *names: str) -> str | None:
    for i, a in enumerate(args):
        if a in names and i + 1 < len(args):
            return args[i + 1]
        for n in names:
            if n.startswith("--") and a.startswith(n + "="):
                return a.split("=", 1)[1]
    return None


def check_degenerate_warning(args: list[str], output: str, folder: Path, where: str) -> None:
    """A model an example trains that predicts one class (or one value) for all its
    training data must say so; so must evaluate / compare results with single-class folds."""
    if not args or args[-1] in ("--help", "-h"):
        return
    if args[0] == "train":
        out, data = _option(args, "--out", "-o"), _option(args, "--data", "-d")
        if out is None or data is None:
            return
        import numpy as np

        import depscreen
        from depscreen.corpus import read_jsonl
        from depscreen.evaluate.degenerate import constant_predictions

        model = depscreen.load(folder / out)
        corpus = read_jsonl(folder / data)
        preds = depscreen.score(model, corpus)
        found = constant_predictions(np.asarray(corpus.labels), preds.labels, numeric=not preds.classes)
        if found:
            record = json.loads((folder / out / "training.json").read_text(encoding="utf-8"))
            assert record.get("warnings"), f"{where}: `depscreen {shlex.join(args)}` {found} without a warning in training.json"
            assert "warning" in output.lower(), f"{where}: `depscreen {shlex.join(args)}` {found} without a warning on screen"
    elif args[0] in ("evaluate", "compare"):
        single = _single_class_folds(args, folder)
        if single is not None and any(single.values()):
            assert "warning" in output.lower(), f"{where}: single-class folds {single} without a warning"


def _single_class_folds(args: list[str], folder: Path) -> dict[str, int] | None:
    """Single-class folds per model (the majority baseline left out) from the results the
    command saved (``--json``, else the ``--markdown`` table); None when it saved neither."""
    saved, table = _option(args, "--json"), _option(args, "--markdown")
    if saved is not None:
        results = json.loads((folder / saved).read_text(encoding="utf-8"))["results"]
        counts = {m: int(r.get("single_class_folds", 0)) for m, r in results.items()}
    elif table is not None:
        rows = []  # the first table only (the metrics); later ones (screening rates) have other columns
        for line in (folder / table).read_text(encoding="utf-8").splitlines():
            if line.startswith("|"):
                rows.append([c.strip() for c in line.strip().strip("|").split("|")])
            elif rows:
                break
        column = rows[0].index("single-class folds")
        counts = {row[0]: int(row[column].split("/")[0]) for row in rows[2:]}
    else:
        return None
    return {m: n for m, n in counts.items() if not m.startswith("majority")}


# -- fixtures and tests ------------------------------------------------------------------


def _environment() -> dict[str, str]:
    from depscreen.corpus.locate import shared_data_dir

    env = {"COLUMNS": "120"}
    data = shared_data_dir()
    if data is not None:
        env["DEPSCREEN_DATA"] = str(data)
    return env


def _skip_reason(block: Block, env: dict[str, str]) -> str | None:
    if block.skip:
        return block.skip
    if "DEPSCREEN_DATA" in block.code and "DEPSCREEN_DATA" not in env:
        return "needs the public data folder (../shared/data or DEPSCREEN_DATA), absent here"
    return None


def with_prerequisites(title: str, seen: tuple[str, ...] = ()) -> list[Block]:
    """The blocks of section ``title``, each preceded by the sections it runs after."""
    known = sections()
    assert title in known, f"readme-test: after ({title}): no section of that title with a bash block"
    assert title not in seen, f"readme-test: after markers loop: {' -> '.join(seen + (title,))}"
    out: list[Block] = []
    for block in known[title]:
        if block.after:
            out += [b for b in with_prerequisites(block.after, seen + (title,)) if b not in out]
        out.append(block)
    return out


def run_section(blocks: list[Block], folder: Path, env: dict[str, str]) -> tuple[Shell, list[str]]:
    """Run blocks in order; returns the shell and the reasons of skipped blocks."""
    shell = Shell(folder, env)
    skipped = []
    for block in blocks:
        reason = _skip_reason(block, env)
        if reason:
            skipped.append(f"README.md:{block.line} ({block.section}): {reason}")
            continue
        for command in commands(block.code):
            shell.run(command, f"README.md:{block.line}")
    return shell, skipped


@pytest.fixture(scope="session")
def readme_setup(tmp_path_factory):
    """The folder after the Command line set-up block (once per worker)."""
    folder = tmp_path_factory.mktemp("readme-setup")
    here = os.getcwd()
    os.chdir(folder)
    try:
        shell, skipped = run_section(sections()[SETUP_SECTION], folder, _environment())
    finally:
        os.chdir(here)
    assert not skipped, skipped
    return folder, shell.log


def test_setup_block_makes_the_sample(readme_setup):
    folder, log = readme_setup
    from depscreen.corpus import read_jsonl

    users, posts = read_jsonl(folder / "users.jsonl"), read_jsonl(folder / "posts.jsonl")
    assert (users.level, len(users)) == ("user", 60) and (posts.level, len(posts)) == ("post", 400)
    assert len(set(users.labels)) == 2 and len(set(posts.labels)) == 2
    assert log, "the set-up block ran no command"


SECTIONS = [title for title in sections() if title != SETUP_SECTION]


@pytest.mark.slow
@pytest.mark.parametrize("title", SECTIONS, ids=[_slug(t) for t in SECTIONS])
def test_readme_section_runs(title, readme_setup, tmp_path, monkeypatch):
    setup, _ = readme_setup
    for item in setup.iterdir():
        target = tmp_path / item.name
        if item.is_dir():
            shutil.copytree(item, target)
        else:
            target.write_bytes(item.read_bytes())
    monkeypatch.chdir(tmp_path)
    env = _environment()
    shell, skipped = run_section(with_prerequisites(title), tmp_path, env)
    for command, seconds in shell.log:
        print(f"{seconds:6.1f} s  {command[:90]}")
    assert shell.log or skipped, f"section {title!r} has no bash block"
    if not shell.log:  # every block of the section skipped: say so as a skip
        pytest.skip("; ".join(skipped))
    for line in skipped:
        warnings.warn(f"README block skipped: {line}", UserWarning, stacklevel=1)


def test_skipped_blocks_are_named():
    """Every skip marker gives a reason, sits right before a bash block, and the count is
    printed by reason (pytest -s); a marker before anything else is an error."""
    text = README.read_text(encoding="utf-8")
    blocks = readme_blocks(text)
    skipped = [b for b in blocks if b.skip]
    marked = [b for b in blocks if b.skip or b.after]
    assert len(MARKER.findall(text)) == len(marked), "a readme-test marker is not right before a bash block"
    for block in blocks:
        if block.after:
            with_prerequisites(block.section)  # names a real section, no loop
    by_reason = Counter(b.skip for b in skipped)
    for reason, n in sorted(by_reason.items()):
        print(f"{n} README block(s) skipped: {reason}")
    assert len(skipped) < len(blocks) // 2, "most README examples must run"


def test_block_parser_reads_markers_sections_and_continuations():
    text = (
        "## A\n\n```bash\ndepscreen data formats\n```\n\n### `depscreen b`: two\n\n"
        "<!-- readme-test: skip (needs a Ray cluster) -->\n```bash\n# comment\ndepscreen x \\\n    --y 1   # note\n```\n"
        "\n```python\nprint(1)\n```\n<!-- readme-test: after (A) -->\n```bash\nls\n```\n"
    )
    a, b, c = readme_blocks(text)
    assert (a.section, a.skip, a.line) == ("A", None, 3)
    assert (b.section, b.skip, b.after) == ("depscreen b: two", "needs a Ray cluster", None)
    assert (c.skip, c.after) == (None, "A")
    (command,) = commands(b.code)
    assert shlex.split(command, comments=True) == ["depscreen", "x", "--y", "1"]


def test_single_class_folds_are_read_from_the_saved_results(tmp_path):
    (tmp_path / "c.md").write_text(
        "> disclaimer\n\n| model | f1 | single-class folds | fit s / fold |\n|---|---|---|---|\n"
        "| majority | 0.0 | 3 / 3 | 0.0 |\n| lr | 0.5 | 2 / 3 | 1.0 |\n", encoding="utf-8")
    assert _single_class_folds(["compare", "--markdown", "c.md"], tmp_path) == {"lr": 2}
    (tmp_path / "m.json").write_text(json.dumps({"results": {"cnn": {"single_class_folds": 0}}}), encoding="utf-8")
    assert _single_class_folds(["evaluate", "--json", "m.json"], tmp_path) == {"cnn": 0}
    assert _single_class_folds(["evaluate"], tmp_path) is None
    with pytest.raises(AssertionError, match="without a warning"):
        check_degenerate_warning(["compare", "--markdown", "c.md"], "table printed, nothing else", tmp_path, "here")
