"""``depscreen serve keys add`` / ``keys list`` and ``depscreen serve MODEL_DIR`` routing."""

from __future__ import annotations

from typer.testing import CliRunner

from depscreen.cli import _register, app
from depscreen.serve.keys import KeyStore

_register()
runner = CliRunner()


def test_keys_add_prints_the_key_once_and_stores_a_hash(tmp_path):
    path = tmp_path / "keys.txt"
    r = runner.invoke(app, ["serve", "keys", "add", "alice", "--keys", str(path)])
    assert r.exit_code == 0, r.output
    key = r.stdout.strip().splitlines()[0]
    assert key.startswith("dsk_") and key not in path.read_text()
    assert KeyStore.from_file(path).verify(key) == "alice"
    again = runner.invoke(app, ["serve", "keys", "add", "alice", "--keys", str(path)])
    assert again.exit_code == 2 and "exists already" in again.output
    listed = runner.invoke(app, ["serve", "keys", "list", "--keys", str(path)])
    assert listed.exit_code == 0 and listed.stdout.startswith("alice\t") and key not in listed.stdout
    gone = runner.invoke(app, ["serve", "keys", "revoke", "alice", "--keys", str(path)])
    assert gone.exit_code == 0 and "revoked key 'alice'" in gone.output
    assert KeyStore.from_file(path).verify(key) is None
    again = runner.invoke(app, ["serve", "keys", "revoke", "alice", "--keys", str(path)])
    assert again.exit_code == 2 and "no key named 'alice'" in again.output


def test_serve_model_dir_is_short_for_serve_run_and_needs_keys(tmp_path, model_dir):
    r = runner.invoke(app, ["serve", str(model_dir)])
    assert r.exit_code == 2 and "no key file" in r.output and "serve keys add" in r.output
    r = runner.invoke(app, ["serve", str(tmp_path), "--keys", str(tmp_path / "k.txt")])
    assert r.exit_code == 2 and "not a model folder" in r.output
    r = runner.invoke(app, ["serve", str(model_dir), "--keys", str(tmp_path / "missing.txt")])
    assert r.exit_code == 2 and "key file not found" in r.output
    r = runner.invoke(app, ["serve", str(model_dir), "--help"])
    assert r.exit_code == 0 and "MODEL_DIR" in r.output and "--pseudonymise" in r.output
