"""Help that reads well at 80 columns, --version, and a --help that imports nothing heavy."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

import depscreen
from depscreen.cli import _register, app
from depscreen.cli._help import walk

_register()
runner = CliRunner()
COMMANDS = [path for path, _ in walk(typer.main.get_command(app))]
HEAVY = ("sklearn", "torch", "pandas", "scipy", "gensim", "jieba", "matplotlib", "pyarrow")


def _command(path):
    return dict(walk(typer.main.get_command(app)))[path]


def test_every_command_is_walked():
    names = {" ".join(p) for p in COMMANDS}
    assert {"", "evaluate", "data convert", "text tokenize", "lexicon build", "demo"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "depscreen")
def test_help_fits_80_columns_with_whole_option_names(path):
    result = runner.invoke(app, [*path, "--help"], terminal_width=80, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    text = result.output
    too_long = [line for line in text.splitlines() if len(line) > 80]
    assert not too_long, too_long
    assert "…" not in text
    # no Python types where a user expects a metavar
    assert not re.search(r"<(bool|str|int|float|path|list\[[^>]*\])>", text), text
    assert "list[" not in text
    for param in _command(path).params:
        if getattr(param, "hidden", False) or param.param_type_name != "option":
            continue
        for opt in param.opts:
            assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", text), f"{opt} missing or cut in {path}"


def test_flags_show_no_type_and_values_show_a_metavar():
    text = runner.invoke(app, ["predict", "--help"], terminal_width=80).output
    assert re.search(r"--explain\s{2,}", text)  # a flag: no value after it
    text = runner.invoke(app, ["evaluate", "--help"], terminal_width=80).output
    assert "-m, --model MODEL" in text and "-p, --param KEY=VALUE" in text and "--cv N" in text
    assert "--dedup / --no-dedup" in text  # on by default: the off form is shown
    text = runner.invoke(app, ["data", "convert", "--help"], terminal_width=80).output
    assert "--allow-unlabelled " in text and "--no-allow-unlabelled" not in text
    assert "-o, --out FILE" in text and "--text-col COLUMN" in text
    assert "Usage: root data convert [OPTIONS] SOURCE" in text or "[OPTIONS] SOURCE" in text


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"depscreen {depscreen.__version__}"


@pytest.mark.parametrize("group", [(), ("data",), ("text",), ("lexicon",)], ids=" ".join)
def test_command_lists_wrap_instead_of_cutting(group):
    text = runner.invoke(app, [*group, "--help"], terminal_width=80).output
    listing = text.split("Commands:", 1)[1]
    assert "..." not in listing
    for name in _command(group).commands:
        assert re.search(rf"^  {re.escape(name)}\s", listing, flags=re.M), name


def test_root_help_lists_the_main_commands():
    text = runner.invoke(app, ["--help"], terminal_width=80).output
    for name in ("evaluate", "compare", "train", "predict", "data", "text", "lexicon", "demo"):
        assert re.search(rf"^\s+{name}\s", text, flags=re.M), name


def test_help_imports_nothing_heavy():
    """`depscreen --help` must not load scikit-learn, torch, pandas (...) to print help."""
    for args in (["--help"], ["data", "convert", "--help"], ["--version"]):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "depscreen.cli", *args],
            capture_output=True, text=True, timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if "|" in line}
        assert not (imported & set(HEAVY)), (args, sorted(imported & set(HEAVY)))


def test_lexicon_method_names_match_the_builder():
    from depscreen.cli.lexicon import METHOD_NAMES
    from depscreen.lexicon.builder import METHODS

    assert tuple(METHOD_NAMES) == tuple(METHODS)


def test_demo_help_names_the_models_the_demo_runs():
    from depscreen.demo import DEMO_BASELINES, DEMO_HEADLINE

    text = " ".join(runner.invoke(app, ["demo", "--help"], terminal_width=200).output.split())
    for name in (*DEMO_BASELINES, *DEMO_HEADLINE):
        assert name in text, name
    for name, params in DEMO_BASELINES.items():
        for key, value in params.items():
            assert f"{name} with {key}={value}" in text


def test_every_option_says_what_it_does():
    missing = [
        (" ".join(path), param.opts)
        for path, cmd in walk(typer.main.get_command(app))
        for param in cmd.params
        if param.param_type_name == "option" and not (param.help or "").strip()
    ]
    assert not missing, missing


def test_a_mistyped_choice_gets_plain_words_and_a_suggestion():
    result = runner.invoke(app, ["text", "tokenize", "--lang", "ind", "aku"])
    assert result.exit_code == 2
    assert "'ind' is not one of auto, zh, en or id; did you mean 'id'?" in result.output
    assert "Value error" not in result.output
    ok = runner.invoke(app, ["text", "normalise", "--emoji", "describe", "so tired 😭"])
    assert ok.exit_code == 0 and ":loudly_crying_face:" in ok.output
