"""Scoring in worker processes: a job past the timeout stops using CPU (its worker is
killed and replaced), model errors keep the worker, results equal the library's, and the
workers cache embeddings in memory only."""

from __future__ import annotations

import os
import shutil
import sys
import time

import anyio
import pytest

import depscreen
from depscreen.serve.scoring import (
    ProcessScorer,
    ScoringFailed,
    ScoringTimeout,
    ThreadScorer,
    process_cpu_seconds,
    score_users,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads worker CPU time from /proc")


# jobs sent to the workers (module-level: a worker imports them by name) --------------------
def burn_cpu(model, seconds: float) -> int:
    """Spin for ``seconds`` of CPU time: a stand-in for a huge input."""
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        n += 1
    return n


def fail(model, text: str) -> None:
    raise ValueError(f"cannot score {text}")


def pid_and_cache(model) -> dict:
    from depscreen.embed import get_embedder
    from depscreen.embed.store import process_cache

    return {"pid": os.getpid(), "override": str(process_cache()), "use": str(get_embedder("use").cache_dir)}


@pytest.fixture
def scorer(model_dir):
    made = []

    def make(**kw):
        kw.setdefault("workers", 1)
        kw.setdefault("timeout_s", 5.0)
        s = ProcessScorer(model_dir, **kw)
        s.start()
        made.append(s)
        assert s.ready, s.warm_error
        return s

    yield make
    for s in made:
        s.close()


def test_a_job_past_the_timeout_stops_using_cpu_and_its_worker_is_replaced(scorer):
    s = scorer(timeout_s=1.0)
    (old,) = s.pids
    before = process_cpu_seconds(old)
    with pytest.raises(ScoringTimeout, match="longer than 1 s"):
        anyio.run(s.run, burn_cpu, 60.0)  # a minute of CPU asked for
    assert process_cpu_seconds(old) is None  # killed and reaped: it uses no more CPU
    time.sleep(1.0)
    assert process_cpu_seconds(old) is None and old not in s.pids
    assert s.replaced == 1 and len(s.pids) == 1
    (new,) = s.pids
    # the replacement loads the model and serves; it never ran the minute-long job
    s.timeout_s = 60  # room for the replacement to load on a busy machine
    assert anyio.run(s.run, pid_and_cache)["pid"] == new
    assert process_cpu_seconds(new) < 30 and before is not None


def test_workers_times_timeout_bounds_the_cpu_of_many_slow_jobs(scorer):
    s = scorer(workers=2, timeout_s=0.8)
    started = time.monotonic()
    cpu_before = os.times()

    async def many():
        async def one():
            with pytest.raises(ScoringTimeout):
                await s.run(burn_cpu, 30.0)

        async with anyio.create_task_group() as tg:
            for _ in range(4):  # 4 jobs, 2 workers: two run, two wait their turn (and time out waiting)
                tg.start_soon(one)

    anyio.run(many)
    elapsed = time.monotonic() - started
    assert s.replaced >= 2
    time.sleep(0.5)
    cpu_after = os.times()
    # reaped children's CPU: the killed workers (plus the replacements' start-up), nowhere
    # near the 4 x 30 s the jobs asked for
    children = (cpu_after.children_user + cpu_after.children_system) - (cpu_before.children_user
                                                                           + cpu_before.children_system)
    assert children < 2 * 0.8 * 3 + 10, children
    assert elapsed < 30


def test_a_model_error_is_reported_by_type_only_and_keeps_the_worker(scorer):
    s = scorer()
    (pid,) = s.pids
    with pytest.raises(ScoringFailed) as info:
        anyio.run(s.run, fail, "my secret post")
    assert info.value.kind == "ValueError" and "secret" not in str(info.value)
    assert s.pids == [pid] and s.replaced == 0


def test_results_from_a_worker_equal_the_library(scorer, model_dir, sample):
    s = scorer()
    users = sample.users[:3]
    out = anyio.run(s.run, score_users, users, True, 5, True)
    local = depscreen.score(depscreen.load(model_dir), users, explain=True, top_k=5)
    assert list(out["preds"].ids) == list(local.ids)
    assert out["preds"].scores.tolist() == pytest.approx(local.scores.tolist())
    assert out["n_posts"] == [len(u.posts) for u in users]
    assert all(len(langs) == len(u.posts) for langs, u in zip(out["langs"], users))


def test_workers_cache_in_memory_unless_told_otherwise(scorer, tmp_path):
    info = anyio.run(scorer().run, pid_and_cache)
    assert info["override"] == ":memory:" and info["use"] == ":memory:"
    disk = anyio.run(scorer(cache=tmp_path / "c").run, pid_and_cache)
    assert disk["use"] == str(tmp_path / "c")


def test_a_model_that_cannot_load_is_not_ready_and_says_why_in_one_line(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    s = ProcessScorer(bad, workers=1, timeout_s=2)
    s.start()
    assert not s.ready and "\n" not in s.warm_error and s.warm_error
    assert s.pids == []
    with pytest.raises(ScoringFailed, match="NotReady"):
        anyio.run(s.run, pid_and_cache)


def test_thread_scorer_answers_at_the_timeout_but_says_it_cannot_stop_the_work(model_dir):
    s = ThreadScorer(depscreen.load(model_dir), workers=1, timeout_s=0.3)
    s.start()
    assert s.ready and not s.stops_work and ProcessScorer.stops_work
    with pytest.raises(ScoringTimeout):
        anyio.run(s.run, burn_cpu, 1.0)


# the service around the scorer -------------------------------------------------------------
@pytest.fixture(scope="session")
def embedding_model_dir(tmp_path_factory, sample):
    """The default model (TF-IDF + the `use` sentence encoder), trained with an explicit
    on-disk embedding cache folder recorded in its parameters."""
    asked = tmp_path_factory.mktemp("asked-for-cache")
    model, record = depscreen.train("depscreen-default", sample, data="synthetic",
                                    params={"Cs": (3.0,), "embed_Cs": (1.0,), "inner_cv": 2, "cache_dir": str(asked)})
    shutil.rmtree(asked)  # training filled it; serving must not write there again
    asked.mkdir()
    return depscreen.save(model, tmp_path_factory.mktemp("default") / "model", record), asked


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_serving_writes_nothing_under_any_embedding_cache_folder(embedding_model_dir, key_file, key, sample,
                                                                 isolation, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from depscreen.serve import Settings, create_app

    model_dir, asked = embedding_model_dir
    monkeypatch.setenv("DEPSCREEN_CACHE_DIR", str(tmp_path / "default-cache"))
    app = create_app(model_dir, Settings(keys_file=key_file[0], isolation=isolation, workers=1))
    try:
        user = sample.users[0]
        body = {"users": [{"user_id": "u1", "posts": [{"text": f"{p.text} unique-4471"} for p in user.posts]}]}
        with TestClient(app) as client:
            for _ in range(2):  # the second time from the memory cache
                r = client.post("/v1/screen", json=body, headers={"X-API-Key": key})
                assert r.status_code == 200, r.text
        written = [p for root in (asked, tmp_path / "default-cache") if root.exists() for p in root.rglob("*")]
        assert written == []
    finally:
        app.state.service.scorer.close()


def test_the_service_answers_504_and_its_worker_stops(model_dir, key_file):
    from depscreen.serve import Settings, create_app
    from depscreen.serve.errors import InputError

    app = create_app(model_dir, Settings(keys_file=key_file[0], isolation="process", workers=1, timeout_s=1.0))
    svc = app.state.service
    try:
        assert svc.ready and svc.scorer.stops_work
        (old,) = svc.scorer.pids
        with pytest.raises(InputError) as info:
            anyio.run(svc.run_scoring, lambda seconds: (burn_cpu, (seconds,)), 60.0)
        assert info.value.status == 504 and "longer than 1 s" in info.value.message
        assert process_cpu_seconds(old) is None and old not in svc.scorer.pids
        svc.scorer.timeout_s = 120  # room for the replacement to load on a busy machine
        with pytest.raises(InputError) as info:
            anyio.run(svc.run_scoring, lambda: (fail, ("my secret post",)))
        assert info.value.status == 500 and "ValueError" in info.value.message and "secret" not in info.value.message
    finally:
        svc.scorer.close()
