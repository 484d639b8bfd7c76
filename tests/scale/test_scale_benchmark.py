"""benchmarks/scale.py's own logic, fast: the copied corpus is the canonical format, the
smaller sizes are the first shards of the largest, in-memory scoring is skipped (with the
reason) when its extrapolated memory does not fit, and the goals read both rates."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from depscreen.corpus.types import User
from depscreen.scale import discover_shards, iter_shard

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_unset = [v for v in _THREADS if v not in os.environ]
import scale as bench  # noqa: E402

for _var in _unset:  # the script pins threads for its own runs; leave this process as it was
    os.environ.pop(_var, None)


def test_copied_corpus_is_canonical_and_smaller_sizes_are_its_first_shards(sample, tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "USERS_PER_SHARD", 20)
    info = bench.write_corpus(sample, 50, tmp_path / "full")
    assert (info["n_users"], info["shards"]) == (50, 3)
    got = [u.to_dict() for s in discover_shards(tmp_path / "full") for u in iter_shard(s.path)]
    pool = sample.users
    want = [User(f"u{i:08d}", pool[i % len(pool)].label, pool[i % len(pool)].posts, pool[i % len(pool)].meta).to_dict()
            for i in range(50)]
    assert got == want
    part = bench.first_shards(tmp_path / "full", 40, tmp_path / "part")
    assert part["shards"] == 2 and sum(1 for s in discover_shards(tmp_path / "part") for _ in iter_shard(s.path)) == 40


def _row(model, n, mode, **kw):
    return {"model": model, "n_users": n, "mode": mode, "shards": n // 2500, **kw}


def test_in_memory_skipped_when_the_extrapolated_memory_does_not_fit(monkeypatch):
    monkeypatch.setattr(bench, "mem_available_mb", lambda: 20 * 1024.0)
    rows = [_row("m", 10_000, "in-memory", peak_rss_mb=300.0), _row("m", 100_000, "in-memory", peak_rss_mb=1200.0)]
    assert bench.in_memory_estimate(rows, "m", 1_000_000) == 1200.0 + 900 / 90_000 * 900_000  # 10,200 MB
    assert bench.skip_in_memory(rows, "m", 1_000_000, budget_gb=24) is None  # fits 80 % of 20 GB
    reason = bench.skip_in_memory(rows, "m", 1_000_000, budget_gb=5)
    assert "estimated peak RSS 10.0 GB" in reason and "budget of 5.0 GB (--max-in-memory-gb 5" in reason
    monkeypatch.setattr(bench, "mem_available_mb", lambda: 10 * 1024.0)
    assert "budget of 8.0 GB" in bench.skip_in_memory(rows, "m", 1_000_000, budget_gb=24)  # the machine, not the flag
    assert "--in-memory-max-users" in bench.skip_in_memory(rows, "m", 1_000_000, 24, max_users=100_000)
    assert bench.skip_in_memory(rows[:1], "m", 1_000_000, budget_gb=0.001) is None  # one size: nothing to extrapolate


def test_goals_check_steady_and_end_to_end_rates():
    res = {"rows": [
        _row("m", 10_000, "local", users_per_s=1000.0, steady_users_per_s=1100.0, peak_rss_mb=200.0),
        _row("m", 10_000, "ray-1", users_per_s=500.0, steady_users_per_s=1000.0, peak_rss_mb=300.0),
        _row("m", 10_000, "ray-2", users_per_s=600.0, steady_users_per_s=1900.0, peak_rss_mb=300.0),
        _row("m", 10_000, "in-memory", skipped="failed with exit code -9"),
    ]}
    bench.compare(res)
    goals = {g["check"]: g for g in bench.goals(res, ["m"], [10_000])}
    assert goals["Ray 2 workers / 1 worker, steady state"]["met"] and goals["Ray 2 workers / 1 worker, steady state"]["value"] == "1.90x"
    assert not goals["Ray 2 workers / 1 worker, end to end"]["met"]
    assert goals["Ray 1 worker overhead vs local, steady state"]["value"] == "10 %"
    assert goals["Ray 1 worker overhead vs local, end to end"]["value"] == "100 %"
    text = bench.render({**res, "goals": list(goals.values()), "sizes": [10_000],
                         "embedding": {"computed": 1, "posts": 1, "seconds": 1.0, "computed_per_s": 1.0},
                         "paper": {"text": "-"}})
    assert "| m | 10,000 synthetic | in-memory | failed |" in text and "synthetic" in text.split("Goals missed")[1]
