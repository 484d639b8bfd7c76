"""``depscreen predict`` / ``depscreen embed`` on a folder or glob of shards."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from depscreen.cli import _register, app
from depscreen.corpus.types import Post, User
from depscreen.scale import MANIFEST_NAME, write_shards

from scale_helpers import assert_same_predictions, read_outputs

_register()
runner = CliRunner()
SECRET = "zqxsecretword"


@pytest.fixture
def shards(sample, tmp_path):
    # a secret word in every text: it must never be printed
    users = [User(u.user_id, u.label, [Post(p.text + f" {SECRET}", p.time, p.id) for p in u.posts])
             for u in sample.users]
    write_shards(users, tmp_path / "in", users_per_shard=16)
    return tmp_path / "in"


def test_predict_folder_then_glob_resumes(model_dir, reference, sample, tmp_path):
    write_shards(sample, tmp_path / "in", users_per_shard=16)
    out = tmp_path / "out"
    first = runner.invoke(app, ["predict", str(model_dir), str(tmp_path / "in"), "--out", str(out), "--format", "csv"])
    assert first.exit_code == 0, first.output
    assert "wrote 48 predictions in 3 shards" in first.output and "shard 3/3 part-00002.jsonl.gz" in first.output
    assert_same_predictions(read_outputs(out, "csv"), reference)
    again = runner.invoke(app, ["predict", str(model_dir), str(tmp_path / "in" / "*.jsonl.gz"), "-o", str(out),
                                "--format", "csv"])
    assert again.exit_code == 0, again.output
    assert "resumed: 3 of 3 shards" in again.output
    assert json.loads((out / MANIFEST_NAME).read_text())["runs"][1]["scored"] == 0


def test_predict_shards_never_prints_text_and_checks_options(model_dir, shards, tmp_path):
    result = runner.invoke(app, ["predict", str(model_dir), str(shards), "--out", str(tmp_path / "o"), "--explain"])
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert (tmp_path / "o" / "part-00000.explanations.jsonl").exists()
    for args, message in [
        (["--out", str(tmp_path / "p.csv")], "--out is a folder"),
        (["--out", str(tmp_path / "q"), "--engine", "spark"], "engine must be 'local' or 'ray'"),
        (["--out", str(tmp_path / "q"), "--format", "xlsx"], "format must be 'parquet' or 'csv'"),
        (["--out", str(tmp_path / "q"), "--address", "auto"], "--address needs --engine ray"),
        (["--out", str(tmp_path / "q"), "--explain-out", str(tmp_path / "e.jsonl")], "--explain-out is for one file"),
    ]:
        bad = runner.invoke(app, ["predict", str(model_dir), str(shards), *args])
        assert bad.exit_code == 2 and message in bad.output, bad.output
    missing = runner.invoke(app, ["predict", str(model_dir), str(tmp_path / "nothing" / "*.jsonl"), "-o", str(tmp_path / "r")])
    assert missing.exit_code == 2 and "no shards found" in missing.output


def test_embed_folder_fills_the_cache_and_resumes(shards, tmp_path):
    cache = tmp_path / "cache"
    args = ["embed", str(shards), "--backend", "use", "--cache", str(cache), "-o", "threads=1"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "embedded the posts of 48 users from 3 shards" in first.output and SECRET not in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "resumed: 3 of 3 shards" in again.output


def test_one_file_keeps_one_output_unless_an_engine_is_named(model_dir, reference, sample, tmp_path):
    from depscreen.corpus.io import write_jsonl

    data = write_jsonl(sample, tmp_path / "users.jsonl")
    one = runner.invoke(app, ["predict", str(model_dir), str(data), "--out", str(tmp_path / "p.csv")])
    assert one.exit_code == 0, one.output
    assert (tmp_path / "p.csv").is_file() and not (tmp_path / "p.csv" / MANIFEST_NAME).exists()
    folder = runner.invoke(app, ["predict", str(model_dir), str(data), "--out", str(tmp_path / "f"), "--engine", "local"])
    assert folder.exit_code == 0, folder.output
    assert (tmp_path / "f" / MANIFEST_NAME).exists()
    assert_same_predictions(read_outputs(tmp_path / "f"), reference)


def test_ray_client_address_without_ray_client_says_what_to_install(model_dir, shards, tmp_path):
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    try:
        import grpc  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("ray[client] is installed: ray:// would try to connect")
    if ray.is_initialized():
        pytest.skip("a Ray session is already up in this process: the engine would join it")
    result = runner.invoke(app, ["predict", str(model_dir), str(shards), "--out", str(tmp_path / "o"),
                                 "--engine", "ray", "--address", "ray://127.0.0.1:10001"])
    assert result.exit_code == 2, result.output
    assert "could not join the Ray cluster at ray://127.0.0.1:10001" in result.output
    assert "ray[client]" in result.output and "Traceback" not in result.output
