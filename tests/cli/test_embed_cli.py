"""``depscreen embed``: fills the cache, prints throughput, never prints post text."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

import depscreen.cli.embed as embed_cli
from depscreen.cli import app as shared_app
from depscreen.corpus import Post, PostCorpus, PostRecord, User, UserCorpus, write_jsonl
from depscreen.embed import EmbeddingCache, get_embedder

SECRET = "zqxsecretword"


def _app() -> typer.Typer:
    # a group of its own, so the command is invoked by name whatever else is registered
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("embed")(embed_cli.embed_command)
    return app


@pytest.fixture
def user_file(tmp_path):
    users = [
        User(f"u{i}", i % 2, [Post(f"{SECRET} post {j} of user {i}: could not sleep again") for j in range(3)])
        for i in range(6)
    ]
    return write_jsonl(UserCorpus(users), tmp_path / "users.jsonl")


def test_embed_is_registered_on_the_shared_app():
    assert "embed" in {g.name for g in shared_app.registered_groups}


def test_embed_fills_the_cache_then_hits_it(tmp_path, user_file):
    cache = tmp_path / "cache"
    args = ["embed", str(user_file), "--backend", "use", "--cache", str(cache), "--no-progress", "-o", "threads=1"]
    first = CliRunner().invoke(_app(), args)
    assert first.exit_code == 0, first.output
    assert "18 posts" in first.output and "18 computed" in first.output and "posts/s" in first.output
    assert SECRET not in first.output
    store = EmbeddingCache(cache, get_embedder("use").name, 512)
    assert len(store) == 18

    second = CliRunner().invoke(_app(), args + ["--compact"])
    assert second.exit_code == 0, second.output
    assert "18 from cache, 0 computed" in second.output


def test_tfidf_svd_is_fitted_saved_and_reusable(tmp_path):
    posts = PostCorpus([PostRecord(f"p{i}", f"{SECRET} tired of everything {i % 5} again", i % 2) for i in range(20)])
    path = write_jsonl(posts, tmp_path / "posts.jsonl")
    cache = tmp_path / "cache"
    result = CliRunner().invoke(_app(), ["embed", str(path), "-b", "tfidf-svd", "-c", str(cache), "-o", "n_components=4", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "corpus-fitted" in result.output and "reuse it with -o path=" in result.output
    saved = next((cache / "fitted").iterdir())
    again = CliRunner().invoke(_app(), ["embed", str(path), "-b", "tfidf-svd", "-c", str(cache), "-o", f"path={saved}", "--no-progress"])
    assert again.exit_code == 0, again.output
    assert "0 computed" in again.output and SECRET not in again.output


def test_bad_backend_and_bad_option_are_usage_errors(tmp_path, user_file):
    bad = CliRunner().invoke(_app(), ["embed", str(user_file), "--backend", "bert"])
    assert bad.exit_code == 2 and "unknown embedding backend" in bad.output
    bad_opt = CliRunner().invoke(_app(), ["embed", str(user_file), "-o", "threads"])
    assert bad_opt.exit_code == 2 and "KEY=VALUE" in bad_opt.output
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"user_id": "u1", "posts": [}\n')
    result = CliRunner().invoke(_app(), ["embed", str(broken)])
    assert result.exit_code == 2 and "broken.jsonl:1" in result.output


def test_parse_options_reads_json_values():
    assert embed_cli.parse_options(["truncate_dim=256", "input_type=document", "normalize=false"]) == {
        "truncate_dim": 256, "input_type": "document", "normalize": False,
    }


def test_without_cache_option_the_embedder_uses_its_default_folder(tmp_path, user_file, monkeypatch):
    monkeypatch.setenv("DEPSCREEN_CACHE_DIR", str(tmp_path / "default-cache"))
    args = ["embed", str(user_file), "--backend", "use", "--no-progress", "-o", "threads=1"]
    first = CliRunner().invoke(_app(), args)
    assert first.exit_code == 0, first.output
    assert str(tmp_path / "default-cache") in first.output
    assert len(EmbeddingCache(tmp_path / "default-cache", get_embedder("use").name, 512)) == 18
    monkeypatch.setenv("DEPSCREEN_CACHE_DIR", "off")
    off = CliRunner().invoke(_app(), args)
    assert off.exit_code == 0 and "18 computed" in off.output and "cache:" not in off.output


def test_embed_cache_purge_through_the_shared_cli(tmp_path, user_file, monkeypatch):
    import json
    import time

    monkeypatch.setenv("DEPSCREEN_CACHE_DIR", str(tmp_path / "c"))
    fill = CliRunner().invoke(shared_app, ["embed", str(user_file), "--backend", "use", "--no-progress",
                                           "-o", "threads=1"])  # `embed CORPUS` is `embed run CORPUS`
    assert fill.exit_code == 0, fill.output
    store = EmbeddingCache(tmp_path / "c", get_embedder("use").name, 512)
    young = CliRunner().invoke(shared_app, ["embed", "cache", "purge", "--older-than", "7d"])
    assert young.exit_code == 0 and "0 vectors" in young.output and len(store) == 18
    index = json.loads((store.path / "index.json").read_text())
    index["shards"][0]["created"] = time.time() - 8 * 86400
    (store.path / "index.json").write_text(json.dumps(index))
    old = CliRunner().invoke(shared_app, ["embed", "cache", "purge", "--older-than", "7d"])
    assert old.exit_code == 0 and "18 vectors" in old.output and SECRET not in old.output
    everything = CliRunner().invoke(shared_app, ["embed", "cache", "purge", "--cache", str(tmp_path / "c")])
    assert everything.exit_code == 0 and "removed everything" in everything.output
    assert not (tmp_path / "c" / "secret.key").exists()
    bad = CliRunner().invoke(shared_app, ["embed", "cache", "purge", "--older-than", "a week"])
    assert bad.exit_code == 2 and "--older-than" in bad.output
