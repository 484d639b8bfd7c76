"""benchmarks/mhim.py: the paired fold test, the "every metric" verdict and the peers
(synthetic data only; the benchmark itself runs on the shared data sets)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import _peers  # noqa: E402
import mhim  # noqa: E402

from depscreen.corpus import Post, User  # noqa: E402


def test_fold_test_needs_interval_and_sign_test():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.5, 0.7, 25)
    clear = mhim.fold_test(list(base + 0.05), list(base), higher=True)
    assert clear["verdict"] == "better" and clear["folds"] == {"better": 25, "worse": 0, "equal": 0}
    assert clear["ci95"][0] > 0 and clear["sign_p"] < 0.05
    # lower is better (errors): the same lift is worse
    assert mhim.fold_test(list(base + 0.05), list(base), higher=False)["verdict"] == "worse"
    # all 5 folds up is not enough: the sign test cannot reach p < 0.05 with 5 folds
    five = mhim.fold_test([0.7] * 5, [0.6] * 5, higher=True)
    assert five["ci95"][0] > 0 and five["verdict"] == "tie"


def test_ties_are_ties_not_wins():
    same = mhim.fold_test([0.8] * 25, [0.8] * 25, higher=True)
    assert same["verdict"] == "tie" and same["folds"]["equal"] == 25 and same["diff"] == 0.0
    # one fold up, the rest equal: the old ">=" rule called this a hold
    nudge = mhim.fold_test([0.9] + [0.8] * 24, [0.8] * 25, higher=True)
    assert nudge["verdict"] == "tie"


def _rows(f1_lift: float, entropy_lift: float, n_seeds: int = 5) -> list[dict]:
    """Rows as run_dataset writes them: donor, claim and one peer per (seed, fold)."""
    rng = np.random.default_rng(1)
    rows = []
    for seed in range(13, 13 + n_seeds):
        for fold in range(5):
            f1, ent, rec = rng.uniform(0.6, 0.8), rng.uniform(1.0, 2.0), rng.uniform(0.3, 0.6)
            common = {"seed": seed, "fold": fold}
            rows.append({**common, "arm": "lmilatt", "t": 0, "b": 0, "f1": f1, "f1_macro": f1,
                         "attention_entropy": ent, "attention_entropy_norm": ent / 3, "recall@10%": rec,
                         "recall@20%": rec, "recall@50%": rec, "chance@10%": 0.1})
            rows.append({**common, "arm": "mhim", "t": 2, "b": 1, "f1": f1 + f1_lift, "f1_macro": f1 + f1_lift,
                         "attention_entropy": ent + entropy_lift, "attention_entropy_norm": (ent + entropy_lift) / 3,
                         "recall@10%": rec + 0.05, "recall@20%": rec + 0.05, "recall@50%": rec + 0.05})
            for p in _peers.PEER_NAMES:
                rows.append({**common, "arm": f"peer:{p}", "t": 0, "b": 0, "f1": f1 + 0.1, "f1_macro": f1 + 0.1})
    return rows


def _result(rows) -> dict:
    res = {"name": "reddit-bags", "task": "binary", "rows": rows, "peer_seeds": [13, 14, 15, 16, 17]}
    res["tests"] = mhim.tests(res, mhim.SEEDS)
    return res


def test_every_listed_metric_enters_the_verdict():
    res = _result(_rows(f1_lift=0.0, entropy_lift=0.2))
    assert set(res["tests"]["vs_donor"]) == set(mhim.metric_names(res))
    assert {"f1_macro", "attention_entropy_norm", "recall@10%"} <= set(res["tests"]["vs_donor"])
    line = mhim.summary_lines([res])[0]
    assert "holds for every metric" not in line  # F1 did not move: a tie, not a hold
    assert "tie for f1 " in line and "holds for 5 of 7 metrics" in line
    assert "split evidence" not in line.split("tie for f1 ")[1].split(")")[0]  # equal in every fold: no evidence


def test_a_tie_with_one_significant_test_is_marked_split_evidence():
    # the claim's error is higher in 19 of 25 folds by a little, lower in 6 by a lot: the
    # sign test says worse, the interval of the mean difference straddles 0
    d = np.array([0.01] * 19 + [-0.05] * 6)
    t = mhim.fold_test(list(d), [0.0] * 25, higher=False)
    assert t["verdict"] == "tie" and t["sign_p"] < 0.05
    note = mhim.split_evidence(t, higher=False)
    assert note.startswith("the sign test alone: worse in 19 of 25 folds")
    assert "split evidence" in mhim.verdict_text(t, False, mhim.HOLDS)
    none = mhim.fold_test([0.0] * 25, [0.0] * 25, higher=False)
    assert mhim.split_evidence(none, higher=False) is None
    assert mhim.verdict_text(none, False, mhim.HOLDS) == "tie (no evidence either way)"


def test_every_verdict_of_the_file_gets_a_holm_p():
    results = [_result(_rows(f1_lift=0.02, entropy_lift=0.2)), _result(_rows(f1_lift=0.0, entropy_lift=0.0))]
    tests = mhim.all_tests(results)
    n = _peers.add_holm(tests, key="sign_p")
    assert n == len(tests) == 2 * (7 + 2)
    assert all(t["holm_p"] >= t["sign_p"] for t in tests)
    table = "\n".join(mhim.main_table(results[0]))
    assert "Holm p" in table


def test_every_metric_line_only_when_all_hold():
    res = _result(_rows(f1_lift=0.02, entropy_lift=0.2))
    assert all(t["verdict"] == "better" for t in res["tests"]["vs_donor"].values())
    assert "the paper's direction holds for every metric (7 of 7)" in mhim.summary_lines([res])[0]


def test_claim_against_the_strongest_peer():
    res = _result(_rows(f1_lift=0.02, entropy_lift=0.2))
    vs = res["tests"]["vs_peer"]["f1"]
    assert vs["peer"] in _peers.PEER_NAMES and vs["verdict"] == "worse"
    assert "**loss**" in mhim.summary_lines([res])[0]
    table = "\n".join(mhim.peer_table(res))
    assert "LMILAtt + MHIM (claim)" in table and "**loss**" in table


class _FakeUse:
    def embed(self, texts):
        return np.asarray([[("sad" in t) * 1.0, len(t) / 50, 1.0] for t in texts], dtype=np.float32)


def test_peers_run_on_the_claims_folds(monkeypatch):
    from depscreen.evaluate.splits import make_splits

    monkeypatch.setattr(_peers, "use_embedder", lambda cache_dir=None: _FakeUse())
    rng = np.random.default_rng(2)
    users = [User(str(i), i % 2, [Post(f"{'sad tired' if i % 2 else 'fun game'} day {rng.integers(99)}")
                                  for _ in range(3)]) for i in range(30)]
    y = np.asarray([u.label for u in users])
    plans = [(s, make_splits(list(y), cv=5, seed=s)) for s in (13, 14)]
    rows = mhim.run_peers(users, y, "binary", plans, False, lambda m: None, "t")
    assert len(rows) == 3 * 2 * 5
    assert {r["arm"] for r in rows} == {f"peer:{p}" for p in _peers.PEER_NAMES}
    assert all(r["f1"] == pytest.approx(1.0) for r in rows if r["arm"] == "peer:word-lr")
    # scores: the peers predict a level, errors in the score's units
    scores = np.asarray([float(i % 3) for i in range(30)])
    reg = mhim.run_peers(users, scores, "regression", plans[:1], False, lambda m: None, "t")
    assert {"rmse", "mae"} <= set(reg[0]) and all(r["rmse"] >= r["mae"] for r in reg)
    # ... and ridge regressors of the same features, whose predictions are scores, not levels
    ridge = mhim.run_score_peers(users, scores, plans[:1], False, lambda m: None, "t")
    assert {r["arm"] for r in ridge} == {f"peer:{p}" for p in _peers.REGRESSION_PEER_NAMES}
    assert len(ridge) == 3 * 5 and all(r["rmse"] >= r["mae"] for r in ridge)
    res = {"name": "cssrs", "task": "regression", "rows": reg + ridge, "peer_seeds": [13]}
    assert mhim.peer_names(res) == [*_peers.PEER_NAMES, *_peers.REGRESSION_PEER_NAMES]


def test_interview_peers_read_each_answer_with_its_question():
    users = [User("a", 3.0, [Post("Yes, most days.", meta={"prefix": "Do you have trouble sleeping?"})])]
    (u,) = mhim.peer_users(users, dialogue=True)
    assert u.posts[0].text == "Do you have trouble sleeping? Yes, most days."
    assert mhim.peer_users(users, dialogue=False) is users


def test_five_paired_folds_cannot_give_a_verdict_and_the_file_says_so():
    t = mhim.fold_test([0.5] * 5, [0.9] * 5, higher=False)  # better in every fold
    assert t["verdict"] == "tie" and t["sign_p"] == pytest.approx(0.0625)
    assert "impossible by construction" in mhim.verdict_text(t, False, mhim.HOLDS)
    many = mhim.fold_test([0.5] * 25, [0.9] * 25, higher=False)
    assert many["verdict"] == "better" and mhim.impossible_note(many) is None
