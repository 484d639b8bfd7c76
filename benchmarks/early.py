"""Early risk detection: ERDE_5, ERDE_50, F_latency and P@10 for each model x policy and
the peers, on the same folds, plus the runner's speed (incremental vs recompute).

Chosen before the run (not by looking at these results):

* **depscreen** = ``depscreen-default`` (its TF-IDF model: ``embedder=None``, see below)
  with the ``select`` policy: inside each training fold an inner 3-fold cross-validation
  gives out-of-fold score streams of the training users, and the policy with the lowest
  ERDE_50 on them is kept among: threshold (auto), threshold with at least 10 posts
  (auto), 3 consecutive steps above the threshold (auto), and the learned stop policy.
  The test users of a fold are never seen by the model or the policy selection.
* Peers in the same script, same folds: **SS3** (``pyss3``, default hyperparameters)
  with its own early rule (accumulate the confidence vector post by post, alert once the
  at-risk value exceeds the control value); the three peers at full strength of every
  results file (word 1-2 TF-IDF + LR, C=4; word 1-2 + char_wb 2-5 TF-IDF + LR, C=10;
  USE-mean + LR; all balanced; a user is their posts so far), stepped post by post
  (TF-IDF sums / a running mean of post vectors) with the same ``select`` policy
  choice as depscreen; and depscreen's own **TF-IDF+LR** (``tfidf-lr``, balanced)
  re-scored after every post with every policy.
* Every other model x policy row is shown for reference; none is picked after the fact.
* A reference row needs no model: **alert everyone at the first post**. With many
  at-risk users (Mental-Health-Twitter 73%, C-SSRS any-risk 78%) it is hard to beat on
  ERDE_50 and F_latency: a model only helps where it beats this row.

The default model's sentence-embedding stack is switched off here: embedding every post
of three corpora on two shared cores would not fit the session. The runner does step the
stacked model incrementally (a running mean of post vectors; tested).

Data: Mental-Health-Twitter confound-controlled (``mht-controlled``: links and handles
normalised, every post mentioning a diagnosis or depression removed; posts in time
order), Reddit C-SSRS users binarised (any risk level, Indicator to Attempt, vs
Supportive; the file gives no post times, so posts are read **in the order given**),
and the synthetic sample (300 users, seed 13; a toy, not evidence).

Paired comparison: over the pooled test users of the folds, a bootstrap over users
(2,000 resamples) of the difference depscreen - peer in ERDE_50 (lower is better) and
F_latency (higher is better); **win** / **loss** only when the 95% interval excludes 0.

Usage::

    flock /tmp/depscreen-bench.lock .venv/bin/python benchmarks/early.py
    .venv/bin/python benchmarks/early.py --datasets synthetic --no-write
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _datasets import LICENCE_NOTE, load_benchmark_corpus  # noqa: E402
from _peers import PEER_NAMES, add_holm, make_peers, multiplicity_sentence  # noqa: E402
from _record import rerender_record, start_record, write_results  # noqa: E402

from depscreen import DISCLAIMER  # noqa: E402
from depscreen.corpus.synthetic import make_sample_corpus  # noqa: E402
from depscreen.early.harness import early_cross_validate  # noqa: E402
from depscreen.early.metrics import decision_metrics, f_latency  # noqa: E402

SEED = 13
CV = 4
BOOTSTRAP = 2000
FIXED_POLICIES = ["threshold:t=0.5", "min-posts:t=0.5,n=10", "consecutive:t=0.5,k=3", "learned",
                  "not-before:n=20,t=0.5"]
DEPSCREEN_POLICY = "select"
MODELS = {
    "depscreen-default": ("depscreen-default", {"embedder": None}),
    "tfidf-lr": ("tfidf-lr", {"class_weight": "balanced"}),
}
COLUMNS = ["erde5", "erde50", "f_latency", "p@10_1", "p@10_100", "precision", "recall", "tp_delay_median"]


def load(name: str):
    if name == "synthetic":
        c = make_sample_corpus(n_users=300, seed=SEED)
        c.name = "synthetic"
        return c, ["synthetic sample (make_sample_corpus, 300 users, seed 13): a toy for software, not evidence"]
    if name == "mht-controlled":
        ds = load_benchmark_corpus("mht-controlled")
        return ds.corpus, ds.notes() + ["posts read in time order (tweet timestamps)"]
    if name == "cssrs-any":
        ds = load_benchmark_corpus("cssrs-5")
        c = ds.corpus.binarize([1, 2, 3, 4])
        c.name = "cssrs-any"
        return c, ds.notes() + [
            "binarised: any risk level (Indicator, Ideation, Behavior, Attempt) = 1, Supportive = 0",
            "no post times in the file: posts are read in the order given",
        ]
    raise ValueError(name)


def _costs(y, d, k, o=50):
    from depscreen.early.metrics import latency_cost

    c_fp = y.mean()
    cost = np.zeros(len(y))
    cost[(d == 1) & (y == 0)] = c_fp
    cost[(d == 0) & (y == 1)] = 1.0
    tp = (d == 1) & (y == 1)
    cost[tp] = latency_cost(k[tp], o)
    return cost


def paired(y, ours, peer, rng) -> dict[str, Any]:
    """Bootstrap over users of ERDE_50 and F_latency differences (ours - peer)."""
    (d1, k1), (d2, k2) = ours, peer
    k1, k2 = np.maximum(k1, 1), np.maximum(k2, 1)
    out = {}
    n = len(y)
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    e = np.empty(BOOTSTRAP)
    f = np.empty(BOOTSTRAP)
    for b, ii in enumerate(idx):
        yy = y[ii]
        # ERDE's c_fp is the share of positives of the (resampled) collection
        e[b] = _costs(yy, d1[ii], k1[ii]).mean() - _costs(yy, d2[ii], k2[ii]).mean()
        f[b] = f_latency(yy, d1[ii], k1[ii]) - f_latency(yy, d2[ii], k2[ii])
    for key, arr, lower_better in (("erde50", e, True), ("f_latency", f, False)):
        lo, hi = np.percentile(arr, [2.5, 97.5])
        point = (_costs(y, d1, k1).mean() - _costs(y, d2, k2).mean()) if key == "erde50" else \
            f_latency(y, d1, k1) - f_latency(y, d2, k2)
        better = hi < 0 if lower_better else lo > 0
        worse = lo > 0 if lower_better else hi < 0
        p = float(min(1.0, 2 * min(np.mean(arr <= 0), np.mean(arr >= 0))))
        out[key] = {"diff": float(point), "ci95": [float(lo), float(hi)], "p_two_sided": p,
                    "verdict": "win" if better else "loss" if worse else "tie"}
    return out


def runner_speed(corpus) -> dict[str, Any]:
    """tfidf-lr fitted on all but 30 users (a seeded shuffle); those 30 read post by post (at most 200
    posts each), incrementally and by recomputing; user-steps per second of each."""
    from depscreen.early.runner import run_streams
    from depscreen.models.registry import make_model

    order = np.random.default_rng(SEED).permutation(len(corpus.users))
    users = [corpus.users[i] for i in order]
    hold = min(30, len(users) // 3)
    model = make_model("tfidf-lr", class_weight="balanced").fit(users[hold:], [u.label for u in users[hold:]])
    out = {}
    for mode in ("auto", "recompute"):  # warm-up: imports and first-call costs are not timed
        run_streams(model, users[:2], mode=mode, max_posts=5)
    for mode in ("auto", "recompute"):
        load0 = os.getloadavg()[0]
        run = run_streams(model, users[:hold], mode=mode, max_posts=200)
        out[run.mode] = {**run.timing(), "load_1min_before": round(load0, 2)}
    out["held_out_users"] = hold
    out["ratio"] = round(out["incremental"]["steps_per_second"] / out["recompute"]["steps_per_second"], 2)
    return out


TRIVIAL = "reference | alert everyone at post 1"


def trivial_row(corpus) -> tuple[dict[str, Any], tuple[np.ndarray, np.ndarray]]:
    """The rule that needs no model: alert every user at the first post, on the same
    folds as the harness (time order, deduplication, seeded user-level folds)."""
    from depscreen.early.harness import time_ordered
    from depscreen.evaluate.metrics import positive_label
    from depscreen.evaluate.splits import deduplicate, make_splits

    clean, _ = deduplicate(time_ordered(corpus)[0])
    pos = positive_label(sorted(set(clean.labels), key=str))
    y = np.asarray([int(lab == pos) for lab in clean.labels])
    plan = make_splits(clean.labels, cv=CV, seed=SEED)
    folds = [decision_metrics(y[f.test], np.ones(len(f.test), int), np.ones(len(f.test), int)) for f in plan.folds]
    summary = {}
    for key in folds[0]:
        vals = np.asarray([m[key] for m in folds], dtype=float)
        vals = vals[~np.isnan(vals)]
        summary[key] = [float(vals.mean()) if len(vals) else math.nan,
                        float(vals.std(ddof=1)) if len(vals) > 1 else math.nan]
    ones = np.ones(len(y), int)
    return ({"summary": summary, "pooled": decision_metrics(y, ones, ones), "runner": {}, "chosen": None},
            (ones, ones))


def run_dataset(name: str, progress: bool) -> dict[str, Any]:
    corpus, notes = load(name)
    rows: dict[str, dict[str, Any]] = {}
    pooled: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    y = None
    results = {}
    t0 = time.time()

    def add(label, res):
        for pol, summary in res.summary.items():
            key = f"{label} | {pol}"
            rows[key] = {"summary": {m: list(v) for m, v in summary.items()}, "pooled": res.pooled[pol],
                         "runner": res.to_dict()["runner"],
                         "chosen": [f.chosen.get(pol, pol) for f in res.folds] if pol == DEPSCREEN_POLICY else None}
            pooled[key] = res.decisions[pol]
        print(f"[{name}] {label}: {time.time() - t0:.0f} s", flush=True)

    for label, (model, params) in MODELS.items():
        policies = [DEPSCREEN_POLICY] + FIXED_POLICIES
        res = early_cross_validate(model, corpus, policies, params=params, cv=CV, seed=SEED, progress=progress)
        results[label] = res
        y = res.y
        add(label, res)
    # the three full-strength peers, stepped post by post, with depscreen's policy selection
    for label, make in make_peers(chinese=False).items():
        res = early_cross_validate((label, make()), corpus, [DEPSCREEN_POLICY], cv=CV, seed=SEED, progress=progress)
        assert [s.user_id for s in res.streams] == [s.user_id for s in results["tfidf-lr"].streams]
        add(label, res)
    from depscreen.early.ss3 import SS3Classifier

    res = early_cross_validate(("ss3", SS3Classifier()), corpus, ["ss3"], cv=CV, seed=SEED, progress=progress)
    pol = next(iter(res.summary))
    rows["SS3 | own rule (cv_pos > cv_neg)"] = {"summary": {m: list(v) for m, v in res.summary[pol].items()},
                                               "pooled": res.pooled[pol], "runner": res.to_dict()["runner"],
                                               "chosen": None}
    pooled["SS3 | own rule (cv_pos > cv_neg)"] = res.decisions[pol]
    assert [s.user_id for s in res.streams] == [s.user_id for s in results["tfidf-lr"].streams]
    print(f"[{name}] ss3: {time.time() - t0:.0f} s", flush=True)
    rows[TRIVIAL], pooled[TRIVIAL] = trivial_row(corpus)
    ours = f"depscreen-default | {DEPSCREEN_POLICY}"
    rng = np.random.default_rng(SEED)
    tests = {peer: paired(y, pooled[ours], pooled[peer], rng)
             for peer in ("SS3 | own rule (cv_pos > cv_neg)", *(f"{p} | {DEPSCREEN_POLICY}" for p in PEER_NAMES),
                          f"tfidf-lr | {DEPSCREEN_POLICY}", "tfidf-lr | threshold(t=0.5)", TRIVIAL)}
    first = results["depscreen-default"]
    return {
        "dataset": name,
        "notes": notes + first.notes,
        "corpus": first.corpus,
        "dedup": first.dedup,
        "split": {k: first.split[k] for k in ("strategy", "n_splits", "repeats", "seed")},
        "rows": rows,
        "headline": ours,
        "paired": tests,
        "speed": runner_speed(corpus if name == "synthetic" else _sorted(corpus)),
        "seconds": round(time.time() - t0, 1),
    }


def _sorted(corpus):
    from depscreen.early.harness import time_ordered

    return time_ordered(corpus)[0]


def _cell(summary, m):
    mean, std = summary.get(m, [math.nan, math.nan])
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    return f"{mean:.3f}" if std is None or math.isnan(std) else f"{mean:.3f} ± {std:.3f}"


def _holm_cell(t: dict[str, Any]) -> str:
    return "n/a" if t.get("holm_p") is None or t["holm_p"] != t["holm_p"] else f"{t['holm_p']:.3f}"


def render(results: list[dict[str, Any]]) -> str:
    tests = [t[k] for r in results for t in r["paired"].values() for k in ("erde50", "f_latency")]
    n = add_holm(tests)
    if n:
        parts = [multiplicity_sentence(n, "bootstrap p"), ""]
    else:
        parts = [f"Multiplicity: this file makes {len(tests)} comparisons (each peer x ERDE_50 and F_latency x "
                 "data set). The run below stored no p-values, so its verdicts carry no Holm adjustment: read "
                 "a single loss or win among this many as possibly a chance finding (the script now stores "
                 "them; its next run fills the Holm column).", ""]
    for r in results:
        c = r["corpus"]
        parts += [f"## {r['dataset']}", "",
                  f"{c['n_users']} users ({', '.join(f'{k}: {v}' for k, v in c['label_counts'].items())}), "
                  f"{c['n_posts']} posts after deduplication; {r['split']['strategy']}, {r['split']['n_splits']} folds, "
                  f"seed {r['split']['seed']}; {r['seconds']:.0f} s.", ""]
        parts += [f"- {n}" for n in r["notes"]] + [""]
        head = r["headline"]
        parts += ["Mean ± std over folds (ERDE: lower is better; F_latency, P@10: higher is better; "
                  "p@10_n ranks users by their score after n writings). **Bold**: depscreen's pre-declared "
                  "model + policy.", "",
                  "| model | policy | " + " | ".join(COLUMNS) + " |", "|---|---" + "|---" * len(COLUMNS) + "|"]
        for key, row in r["rows"].items():
            model, pol = key.split(" | ", 1)
            cells = [_cell(row["summary"], m) for m in COLUMNS]
            name = f"**{model}**" if key == head else model
            parts.append(f"| {name} | {pol} | " + " | ".join(cells) + " |")
        seen_models = {}
        for key, row in r["rows"].items():
            seen_models.setdefault(key.split(" | ", 1)[0], row["runner"])
        parts += ["", "Runner per model (all folds, test users and inner out-of-fold users together): " + "; ".join(
            f"{m}: {v['stepper']}, {v['steps_per_second']:,.0f} user-steps/s" for m, v in seen_models.items()
            if v and v.get("steps_per_second")) + " (shared machine: indicative only)."]
        chosen = r["rows"][head]["chosen"]
        parts += ["", f"Policy chosen by the inner CV in each fold (depscreen): {', '.join(chosen)}.", ""]
        parts += ["Paired bootstrap over pooled test users, depscreen - peer (95% interval):", "",
                  "| peer | ERDE_50 diff | 95% CI | Holm p | verdict | F_latency diff | 95% CI | Holm p | verdict |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for peer, t in r["paired"].items():
            e, f = t["erde50"], t["f_latency"]
            parts.append(f"| {peer.replace(' | ', ', ')} | {e['diff']:+.3f} | [{e['ci95'][0]:+.3f}, {e['ci95'][1]:+.3f}] | "
                         f"{_holm_cell(e)} | {e['verdict']} | {f['diff']:+.3f} | [{f['ci95'][0]:+.3f}, "
                         f"{f['ci95'][1]:+.3f}] | {_holm_cell(f)} | {f['verdict']} |")
        s = r["speed"]
        parts += ["", f"Runner speed (tfidf-lr, {s['held_out_users']} held-out users, at most 200 posts each): incremental "
                  f"{s['incremental']['steps_per_second']:,.0f} user-steps/s, recompute "
                  f"{s['recompute']['steps_per_second']:,.0f} user-steps/s (ratio {s['ratio']}x; 1-minute load "
                  f"{s['incremental']['load_1min_before']} / {s['recompute']['load_1min_before']} on a shared machine: "
                  "indicative only).", ""]
    return "\n".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["mht-controlled", "synthetic", "cssrs-any"])
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--name", default="early")
    ap.add_argument("--from-json", type=Path, default=None,
                    help="re-render early.md from a saved early.json (same measurements, this commit's tables)")
    args = ap.parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        record = rerender_record(saved["run"], argv and ["benchmarks/early.py", *argv])
        _write(args, saved["datasets"], record, final=True)
        return 0
    record = start_record(seeds=[SEED])
    results = []
    for name in args.datasets:
        results.append(run_dataset(name, args.progress))
        if not args.no_write:
            _write(args, results, record, final=False)
    print(render(results))
    if not args.no_write:
        _write(args, results, record, final=True)
    return 0


def _clean(obj):
    """NaN -> None (plain JSON), numpy -> Python, recursively."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, (float, np.floating)):
        return None if math.isnan(float(obj)) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _write(args, results, record, final: bool):
    preamble = (f"> {DISCLAIMER}\n\n{__doc__.split('Usage::')[0].strip()}\n\n{LICENCE_NOTE}"
                + ("" if final else "\n\n**Partial: the run is still going.**"))
    rec = record if final else start_record(seeds=[SEED])
    write_results(args.name, render(results), _clean({"datasets": results, "columns": COLUMNS, "cv": CV,
                                                      "bootstrap_resamples": BOOTSTRAP}), rec,
                  title="Early risk detection: depscreen vs SS3 and TF-IDF+LR", preamble=preamble)


if __name__ == "__main__":
    raise SystemExit(main())
