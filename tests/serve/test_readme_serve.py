"""The README's "Screening service" commands run as written: train, keys add, serve, curl."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from depscreen.cli import _register, app

README = Path(__file__).resolve().parents[2] / "README.md"
_register()


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    return text[start:text.find("\n## ", start + 1)]


def _commands(block: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.split("   #")[0].strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")]


def test_readme_service_commands_run(tmp_path, monkeypatch, sample, serve):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    from depscreen.corpus.io import write_jsonl
    from depscreen.serve import Settings, create_app

    blocks = re.findall(r"```bash\n(.*?)```", _section("Screening service"), flags=re.S)
    assert len(blocks) == 2
    setup, calls = _commands(blocks[0]), _commands(blocks[1])
    monkeypatch.chdir(tmp_path)
    write_jsonl(sample, tmp_path / "users.jsonl")
    runner = CliRunner()
    key = None
    serve_args = None
    for cmd in setup:
        args = shlex.split(cmd)
        assert args[0] == "depscreen", cmd
        if args[1:3] == ["serve", "keys"]:
            r = runner.invoke(app, args[1:])
            assert r.exit_code == 0, r.output
            key = r.stdout.strip().splitlines()[0]
        elif args[1] == "serve":
            serve_args = args[2:]
        else:
            r = runner.invoke(app, args[1:])
            assert r.exit_code == 0, r.output
    assert key and serve_args == ["models/x", "--keys", "keys.txt"]
    application = create_app(Path(serve_args[0]), Settings(keys_file=Path(serve_args[2])))
    with serve(application) as url:
        outputs = []
        for cmd in calls:
            if cmd.startswith("KEY="):
                continue
            args = [a.replace("http://127.0.0.1:8000", url).replace("$KEY", key) for a in shlex.split(cmd)]
            done = subprocess.run(args, capture_output=True, text=True, timeout=60, env={**os.environ})
            assert done.returncode == 0, done.stderr
            outputs.append(done.stdout)
    screened = json.loads(outputs[0])
    assert screened["results"][0]["id"] == "u1" and screened["results"][0]["languages"] == ["en", "zh", "id"]
    batch = [json.loads(line) for line in outputs[1].splitlines()]
    assert batch[-1]["summary"]["n_users"] == len(sample)
    assert json.loads(outputs[2])["name"] == "tfidf-lr"
