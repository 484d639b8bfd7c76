"""Local streaming engine: same answers as in-memory ``depscreen.score``, a manifest,
resume after a failure and after a real kill, never a half shard."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from depscreen.models.folder import seal
from depscreen.scale import MANIFEST_NAME, ScaleError, screen, write_shards

from scale_helpers import assert_same_predictions, read_outputs


@pytest.mark.parametrize("in_fmt,out_fmt", [("jsonl.gz", "parquet"), ("parquet", "csv")])
def test_local_streaming_matches_in_memory_score(sample, model_dir, reference, tmp_path, in_fmt, out_fmt):
    write_shards(sample, tmp_path / "in", users_per_shard=10, format=in_fmt)
    summary = screen(model_dir, tmp_path / "in", tmp_path / "out", fmt=out_fmt, batch_size=4)
    assert (summary.shards, summary.scored, summary.skipped, summary.n_items) == (5, 5, 0, len(sample))
    assert_same_predictions(read_outputs(tmp_path / "out", out_fmt), reference)
    manifest = json.loads((tmp_path / "out" / MANIFEST_NAME).read_text())
    assert manifest["model"]["name"] == "tfidf-lr" and len(manifest["model"]["sha256"]) == 64
    assert manifest["totals"] == {"shards": 5, "done": 5, "failed": 0, "n_items": len(sample)}
    first = manifest["shards"][0]
    assert first["name"] == f"part-00000.{in_fmt}" and first["output"] == f"part-00000.{out_fmt}"
    assert first["size"] == (tmp_path / "in" / first["name"]).stat().st_size and len(first["sha256"]) == 64
    assert first["n_items"] == 10 and manifest["runs"][0]["scored"] == 5
    assert "not a diagnosis" in manifest["disclaimer"] and manifest["options"]["format"] == out_fmt


class Stop(Exception):
    pass


def test_resume_after_failure_does_not_rescore_finished_shards(sample, model_dir, reference, tmp_path):
    write_shards(sample, tmp_path / "in", users_per_shard=8)  # 6 shards
    out = tmp_path / "out"
    seen = []

    def die_after_two(entry):
        seen.append(entry["name"])
        if len(seen) == 2:
            raise Stop  # the run dies after the second shard was written and recorded

    with pytest.raises(Stop):
        screen(model_dir, tmp_path / "in", out, progress=die_after_two)
    finished = sorted(out.glob("*.parquet"))
    assert [p.name for p in finished] == ["part-00000.parquet", "part-00001.parquet"]
    mtimes = {p.name: p.stat().st_mtime_ns for p in finished}
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["totals"]["done"] == 2 and manifest["runs"][0]["scored"] == 2

    time.sleep(0.01)
    summary = screen(model_dir, tmp_path / "in", out)
    assert (summary.scored, summary.skipped) == (4, 2)
    assert {p.name: p.stat().st_mtime_ns for p in finished} == mtimes  # not rewritten
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert [r["scored"] for r in manifest["runs"]] == [2, 4]
    assert [s["run"] for s in manifest["shards"]] == [1, 1, 2, 2, 2, 2]
    assert_same_predictions(read_outputs(out), reference)
    assert not list(out.glob(".*.partial"))


_KILLED_CHILD = r"""
import sys, time
from depscreen.scale import screen
def slow(entry):
    print("done", entry["name"], flush=True)
    time.sleep(60)  # killed here, after the first shard
screen(sys.argv[1], sys.argv[2], sys.argv[3], progress=slow)
"""


def test_resume_after_a_real_kill(sample, model_dir, reference, tmp_path):
    write_shards(sample, tmp_path / "in", users_per_shard=12)  # 4 shards
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", _KILLED_CHILD, str(model_dir), str(tmp_path / "in"), str(out)],
                             stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.startswith("done part-00000"), line
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["totals"]["done"] == 1 and manifest["runs"][0]["finished"] is None  # killed mid-run
    mtime = (out / "part-00000.parquet").stat().st_mtime_ns

    summary = screen(model_dir, tmp_path / "in", out)
    assert (summary.scored, summary.skipped) == (3, 1)
    assert (out / "part-00000.parquet").stat().st_mtime_ns == mtime
    assert_same_predictions(read_outputs(out), reference)


def test_changed_input_is_rescored_and_other_model_refused(sample, model_dir, tmp_path):
    paths = write_shards(sample, tmp_path / "in", users_per_shard=24)
    out = tmp_path / "out"
    screen(model_dir, tmp_path / "in", out)
    write_shards(sample.users[:5], tmp_path / "in", users_per_shard=24, start=1)  # replaces part-00001
    summary = screen(model_dir, tmp_path / "in", out)
    assert (summary.scored, summary.skipped, summary.n_items) == (1, 1, 5)
    assert json.loads((out / MANIFEST_NAME).read_text())["runs"][1]["changed"] == 1
    other = tmp_path / "other-model"
    other.mkdir()
    for f in model_dir.iterdir():
        (other / f.name).write_bytes(f.read_bytes())
    (other / "training.json").write_text("{}")
    seal(other)  # another model, sealed as a save would: its folder checks out, its hash differs
    with pytest.raises(ScaleError, match="another model"):
        screen(other, tmp_path / "in", out)
    with pytest.raises(ScaleError, match="other options"):
        screen(model_dir, tmp_path / "in", out, fmt="csv")
    assert paths


def test_a_bad_shard_fails_alone_and_is_retried(sample, model_dir, tmp_path):
    write_shards(sample, tmp_path / "in", users_per_shard=24)
    bad = tmp_path / "in" / "part-00002.jsonl.gz"
    with gzip.open(bad, "wt") as fh:
        fh.write('{"user_id": "x", "label": 0, "posts": [{"text": 5}]}\n')
    out = tmp_path / "out"
    with pytest.raises(ScaleError, match=r"1 of 3 shards failed \(part-00002.jsonl.gz\).*part-00002.jsonl.gz:1: posts\[0\].text"):
        screen(model_dir, tmp_path / "in", out)
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["totals"] == {"shards": 3, "done": 2, "failed": 1, "n_items": 48}
    assert not (out / "part-00002.parquet").exists()
    write_shards(sample.users[:3], tmp_path / "in", users_per_shard=24, start=2)  # fixed
    summary = screen(model_dir, tmp_path / "in", out)
    assert (summary.scored, summary.skipped, summary.n_items) == (1, 2, 3)


def test_explanations_per_shard_and_empty_shard(sample, model_dir, tmp_path):
    write_shards(sample.users[:6], tmp_path / "in", users_per_shard=3)
    (tmp_path / "in" / "part-00009.jsonl").write_text("")
    summary = screen(model_dir, tmp_path / "in", tmp_path / "out", explain=True)
    assert (summary.scored, summary.n_items) == (3, 6)
    lines = (tmp_path / "out" / "part-00001.explanations.jsonl").read_text().splitlines()
    assert [json.loads(x)["user_id"] for x in lines] == [u.user_id for u in sample.users[3:6]]
    assert not (tmp_path / "out" / "part-00009.parquet").exists()


def test_ray_engine_without_ray_says_how_to_install(sample, model_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if ray were not installed
    write_shards(sample.users[:4], tmp_path / "in", users_per_shard=2)
    with pytest.raises(ScaleError, match=r"pip install 'depscreen\[ray\]'"):
        screen(model_dir, tmp_path / "in", tmp_path / "out", engine="ray")
    assert not list((tmp_path / "out").glob("*.parquet"))
