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


def test_pairs_summary_counts_errors_coverage_and_adaptation():
    """Hand-made rows: errors, interval hits and the adapt-priors tally are what the rows say."""
    def row(true, est, lo, hi, f1, f1a):
        m = {"estimate": est, "low": lo, "high": hi}
        return {"true": true, "depscreen": {k: m for k in ("cc", "pcc", "acc", "pacc", "em")},
                "peers": {"word-lr": {"cc": true + 0.1, "pcc": true}}, "f1": f1, "f1_adapted": f1a}

    rows = [row(0.2, 0.3, 0.25, 0.35, [0.5, 0.6], [0.6, 0.5]), row(0.5, 0.5, 0.4, 0.6, [0.7, 0.7], [0.6, 0.6])]
    s = prevalence.pairs_summary(rows)
    assert s["n_pairs"] == 2
    assert abs(s["depscreen"]["pacc"]["mae"] - 0.05) < 1e-12 and s["depscreen"]["pacc"]["covered"] == 1
    assert abs(s["peers_cc"]["word-lr"] - 0.1) < 1e-12
    assert s["adapt"]["F1"] == {"mean_change": 0.0, "better": 1, "worse": 1}
    assert s["adapt"]["macro-F1"]["better"] == 0 and s["adapt"]["macro-F1"]["worse"] == 2
    text = "\n".join(prevalence.pairs_sentences(s))
    assert "1/2 intervals hold the true share" in text
    assert "on average it does not change F1 and lowers macro-F1" in text and "hurts" not in text
