"""benchmarks/prevalence.py on synthetic posts: the grid, the summaries, the paired tests
and the rendered file agree (no shared data, no embedding model)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import _peers  # noqa: E402
import prevalence  # noqa: E402


class _FakeUse:
    def embed(self, texts):
        return np.asarray([[t.count("a") / 10, len(t) / 100, 1.0] for t in texts], dtype=np.float32)


def test_grid_summary_and_render(monkeypatch):
    from depscreen.models.default import DefaultClassifier

    monkeypatch.setattr(_peers, "use_embedder", lambda cache_dir=None: _FakeUse())
    peers = _peers.make_peers(False, cache_dir=None)
    monkeypatch.setattr(prevalence, "factories",
                        lambda zh: {"depscreen-default": lambda: DefaultClassifier(embedder=None), **peers})
    src = prevalence.synthetic_source(3, 150)
    res = prevalence.run_mix(src, seed=5, boot=20, samples_per_share=2)
    rows = res["samples"]
    assert len(rows) == 2 * len(prevalence.SHARES)
    for r in rows:  # every sample holds exactly its share of positives
        assert abs(r["true"] - r["share"]) <= 1 / r["n"] + 1e-9
    s = res["summary"]
    assert set(s["depscreen"]) == {"cc", "pcc", "acc", "pacc", "em"}
    for m in s["depscreen"].values():
        assert 0 <= m["coverage"] <= 1 and m["mae"] >= 0
    payload = {"synthetic": True, "seed": 5, "boot": 20, "quick": True, "samples_per_share": 2, "mix": {src.name: res}}
    payload["n_tests"] = prevalence.apply_holm(payload)
    assert payload["n_tests"] == 5  # the named method vs the peer, and 4 adapt-priors comparisons
    payload["targets"] = prevalence.targets(payload)
    text = prevalence.render(payload)
    assert "(synthetic)" in text and "pacc (named)" in text
    mae = s["depscreen"]["pacc"]["mae"]
    assert f"{mae:.3f}" in text


def test_cross_dataset_pairs_every_direction(monkeypatch):
    """Each set of a group is trained on once and scored on every other set of its group;
    each row carries the true share of its test set and every method's estimate."""
    import transfer

    from depscreen.models.default import DefaultClassifier

    monkeypatch.setattr(_peers, "use_embedder", lambda cache_dir=None: _FakeUse())
    peers = _peers.make_peers(False, cache_dir=None)
    monkeypatch.setattr(prevalence, "factories",
                        lambda zh: {"depscreen-default": lambda: DefaultClassifier(embedder=None), **peers})
    pairs, _, groups = transfer.synthetic_sources(4, n=120)
    res = prevalence.run_pairs(pairs, groups, seed=4, boot=10)
    assert [(r["train"], r["test"]) for r in res["pairs"]] == [("synthetic-a", "synthetic-b"),
                                                               ("synthetic-b", "synthetic-a")]
    for r in res["pairs"]:
        assert r["true"] == np.mean(pairs[r["test"]].y)
        assert set(r["depscreen"]) == {"cc", "pcc", "acc", "pacc", "em"}
        assert set(r["peers"]) == set(_peers.PEER_NAMES)
    assert res["sets"]["synthetic-b"]["positive_share"] == round(float(np.mean(pairs["synthetic-b"].y)), 4)
    text = prevalence.render({"synthetic": True, "mix": {}, "pairs": res, "n_tests": 0, "targets": {}})
    assert "synthetic-a -> synthetic-b" in text
