"""Masked hard instance mining (paper 001): LMILAtt with and without MHIM, and the peers.

The claim is about one model named before the run, :data:`CLAIM`: the MHIM receiver at
t=2, b=1 (frozen donor, hard masking). It is checked twice on the same folds and seeds:

1. against its own first phase (the *donor*: LMILAtt without MHIM, trained in the same
   ``fit``), on every metric the tables list: does the paper's direction hold (lower
   error, higher F1, higher attention entropy, higher Recall@k)?
2. against the strongest of the three peers at full strength (:mod:`_peers`: word TF-IDF
   + LR, word + char TF-IDF + LR, USE-mean + LR; a user is one document of their posts
   joined) on the headline metrics.

Both are paired tests across the (seed, fold) test folds: a bootstrap of the mean
per-fold difference (2,000 resamples) and an exact two-sided sign test; a difference
counts (holds / opposite, win / loss) only when the 95% interval excludes 0 *and* the
sign test gives p < 0.05. Anything else is a tie, and a tie is not a win.

Every fold trains one donor and, from it, the receiver; the t/b sweep and the variants
reuse that donor, so every column is measured on identical splits and phase-1 models.

Data sets
---------
* ``cssrs``: Reddit C-SSRS 500 users, the 5 levels as a 0-4 *score* (regression head):
  RMSE, MAE, attention entropy. (Suicide-risk severity: a proxy, not depression.)
* ``reddit-bags`` / ``weibo-bags`` / ``id-bags``: users assembled from real posts by
  :func:`depscreen.corpus.bags.make_bag_corpus` (Reddit depression posts; Weibo sadness
  vs the rest, a proxy; Indonesian suicidal ideation, a proxy): positive users hide 20 %
  positive posts among negatives. F1, attention entropy, Recall@10/20/50 %.
* ``interviews``: SYNTHETIC interviews (dual encoder over question + answer turns, 0-24
  score): a check of the software in the paper's own setting, not evidence about people.

The default run (about 25 min on a quiet 2-core machine) has 5 seeds x 5 folds for the
with / without comparison and the peers (C-SSRS peers on the first seed only: six peers
cost minutes a fold on its long user documents; with one seed's 5 folds the exact sign
test cannot go below p = 0.0625, so no verdict against the peers is possible there, and
the file says so beside it), the t/b sweep on the Reddit bags and the variants (momentum
donor, soft masking, ...) on its first 2 seeds. ``--full`` adds the C-SSRS sweep and the
peers on every seed. ``--peers-only`` re-measures the peers of named data sets and takes
their MIL arms from ``--keep-from`` (same seeds, so the same folds).

On the score tasks (C-SSRS 0-4, interviews 0-24) the model regresses a score, so the peers
include regressors of the same features (:func:`_peers.make_regression_peers`: word /
word + char TF-IDF and USE-mean with ridge regression) beside the classifier peers, which
predict the most probable level; the strongest of all six is the bar.

Every verdict in the file (each metric against the donor, each headline metric against the
strongest peer, on every data set) counts as one comparison; the tables carry the
Holm-adjusted sign-test p across all of them (:func:`_peers.holm`).

Embeddings: ``tfidf-svd`` (char + word TF-IDF, 128 SVD components), fitted once per
data set on all its posts *without labels* (unsupervised, transductive; identical for
both arms), so the runs fit the shared 2-core CPU. The USE peer reads the vector cache
``.depscreen-cache/embeddings``.

Writes ``docs/results/mhim.md`` and ``mhim.json`` (``--out`` for another folder) through
``_record.write_results``.

Usage::

    flock /tmp/depscreen-bench.lock .venv/bin/python benchmarks/mhim.py
    .venv/bin/python benchmarks/mhim.py --datasets id-bags --seeds 2 --smoke --out /tmp/mhim
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

from _datasets import LICENCE_NOTE  # noqa: E402
from _peers import (  # noqa: E402
    BOOTSTRAP, PEER_DESCRIPTION, PEER_NAMES, REGRESSION_PEER_NAMES, add_holm, cross_val_oof, make_peers,
    make_regression_peers, multiplicity_sentence, sign_counts,
)
from _record import RESULTS_DIR, RunRecord, rerender_record, start_record, write_results  # noqa: E402

from depscreen.evaluate import DISCLAIMER  # noqa: E402

SEEDS = (13, 14, 15, 16, 17)
CV = 5
MAIN = (2, 1)  # (t, b) of the claim model: the MHIM receiver, frozen donor, hard masking
#: The model every verdict of this file is about, named before the run (issue 14).
CLAIM = f"LMILAtt + MHIM (t={MAIN[0]}, b={MAIN[1]})"
SWEEP_T = (1, 2, 3, 5)
SWEEP_B = (0, 1, 2)
EMBEDDER = {"backend": "tfidf-svd", "n_components": 128}
SMOKE = {"n_users": 40, "posts_per_user": (6, 12), "interviews": 60,
         "params": {"epochs": 3, "ae_epochs": 1, "patience": 1}}

LMIL = dict(
    embedder="precomputed",
    max_posts=64,
    ae_epochs=8,
    epochs=30,
    hidden_size=64,
    attention_size=32,
    batch_size=32,
    patience=5,
    lr=3e-3,
    validation_split=0.15,
)

DATASETS = {
    # peers on the first seed only: six peers cost minutes a fold on C-SSRS's long user documents
    "cssrs": dict(kind="score", title="Reddit C-SSRS 500 users, 0-4 score", short="C-SSRS, proxy", peer_seeds=1,
                  proxy="suicide-risk severity (Supportive..Attempt as 0..4), not depression"),
    "reddit-bags": dict(kind="bags", fmt="reddit-cleaned", positive=None, lang="en", variants=True,
                        title="constructed bags from Reddit depression posts (en)", short="constructed bags",
                        proxy=None),
    "weibo-bags": dict(kind="bags", fmt="simplifyweibo", positive=["sadness"], lang="zh",
                       title="constructed bags from Weibo posts, sadness vs other moods (zh)",
                       short="constructed bags, proxy", proxy="sadness emotion, not depression"),
    "id-bags": dict(kind="bags", fmt="id-suicide", positive=None, lang="id",
                    title="constructed bags from Indonesian tweets, suicidal ideation (id)",
                    short="constructed bags, proxy", proxy="suicidal ideation, not depression"),
    "interviews": dict(kind="dialogue", title="SYNTHETIC interviews, dual encoder, 0-24 score", model="Dual encoder",
                       short="SYNTHETIC",
                       data_note="SYNTHETIC data from depscreen.corpus.dialogue.make_sample_interviews (150 "
                       "interviews; answers marked important = instance truth): a check of the software "
                       "in the paper's own setting (dual encoder over question + answer turns, Bi-LSTM, "
                       "attention, score), not evidence about depression; the peers read each answer with its "
                       "question",
                       params=dict(autoencoder=False, bidirectional=True, skip_embedding=False, hidden_size=32,
                                   max_posts=200, lr=1e-2, epochs=60, patience=10),
                       note="With the shared settings (lr=0.003, epochs=30, patience=5) the dual encoder stopped "
                       "after a few epochs with near-uniform attention; the settings on the next line let it "
                       "train (the same for both arms)."),
}
# options the paper leaves open, each with t=2, b=1 and the same donor as the main MHIM arm
VARIANTS = {
    "momentum donor (EMA 0.99)": dict(donor="momentum", momentum=0.99),
    "soft masking (weight 0.1)": dict(masking="soft", soft_weight=0.1),
    "receiver starts from the donor": dict(receiver_init="donor"),
    "t=10%, b=5% of the bag": dict(mhim_t=0.1, mhim_b=0.05),
}
BAGS = dict(n_users=200, posts_per_user=(10, 30), positive_share=0.2, seed=13)

# the paper's direction on Thai-Maywe (HAM-D, dual encoder): without -> with MHIM
PAPER = {"rmse": (0.54, 0.48), "mae": (0.37, 0.33), "attention_entropy": (2.158, 2.496),
         "recall@50%": (0.52, 0.62)}
LOWER_BETTER = {"rmse", "mae"}
#: headline metrics of the verdict against the peers, per task
HEADLINE = {"regression": ("rmse", "mae"), "binary": ("f1", "f1_macro")}


# --------------------------------------------------------------------------- data


def load(name: str, smoke: bool = False):
    """(users, y, task, info) for data set ``name``."""
    from depscreen.corpus.readers import read_source

    spec = DATASETS[name]
    if spec["kind"] == "score":
        corpus = read_source(None, "cssrs")
        users = list(corpus.users)
        if smoke:
            users = users[:: max(1, len(users) // 100)]
        y = np.array([float(u.label) for u in users])
        info = {"read": corpus.report.summary() if corpus.report else "read", "n_users": len(users)}
        return users, y, "regression", info
    if spec["kind"] == "dialogue":
        from depscreen.corpus.dialogue import interviews_to_users, make_sample_interviews

        users = list(interviews_to_users(make_sample_interviews(SMOKE["interviews"] if smoke else 150,
                                                                seed=13)).users)
        y = np.array([float(u.label) for u in users])
        return users, y, "regression", {"read": "generated (synthetic)", "n_users": len(users)}
    from depscreen.corpus.bags import make_bag_corpus

    posts = read_source(None, spec["fmt"], positive=spec["positive"])
    bags = {**BAGS, **({k: SMOKE[k] for k in ("n_users", "posts_per_user")} if smoke else {})}
    corpus = make_bag_corpus(posts, **bags)
    users = list(corpus.users)
    y = np.array([int(u.label) for u in users])
    info = {"read": posts.report.summary() if posts.report else "read", "n_users": len(users),
            "bags": dict(bags), "source_posts": len(posts)}
    return users, y, "binary", info


def embed_all(users, dialogue: bool = False) -> tuple[Any, float]:
    """EmbeddedUsers for every user, tfidf-svd fitted on all posts (no labels); for
    interviews the dual (prefix [SEP] turn, turn) embedding of the dual encoder."""
    from depscreen.models.mhim.trainer import resolve_embedder
    from depscreen.models.mil import embedded_users

    t0 = time.perf_counter()
    opts = {k: v for k, v in EMBEDDER.items() if k != "backend"}
    if dialogue:
        from depscreen.models.mhim.dialogue import DualTurnEmbedder, _with_prefix_posts

        base = resolve_embedder(EMBEDDER["backend"], opts, _with_prefix_posts(users, " [SEP] "))
        emb = DualTurnEmbedder(base, "pair").embed_users(users)
    else:
        emb = embedded_users(resolve_embedder(EMBEDDER["backend"], opts, users), users)
    return emb, time.perf_counter() - t0


def peer_users(users, dialogue: bool):
    """What the peers read: the users; for interviews each answer with its question."""
    if not dialogue:
        return users
    from depscreen.corpus import Post, User
    from depscreen.models.mhim.dialogue import turn_prefix

    return [User(u.user_id, u.label, [Post(f"{turn_prefix(p) or ''} {p.text}".strip()) for p in u.posts])
            for u in users]


# --------------------------------------------------------------------------- metrics


def score(model, which: str, X, y, task: str) -> dict[str, float]:
    from depscreen.evaluate.explainability import explainability_metrics

    pred = model.predict(X, which=which)
    out = prediction_metrics(np.asarray(y), np.asarray(pred), task)
    out.update(explainability_metrics(model, X.users, explanations=model.explain(X, which=which)))
    return {k: float(v) for k, v in out.items()}


def prediction_metrics(y: np.ndarray, pred: np.ndarray, task: str) -> dict[str, float]:
    """RMSE / MAE of a score, or positive-class F1 / macro-F1 of a binary label."""
    from depscreen.evaluate.metrics import compute_metrics

    if task == "regression":
        err = pred.astype(float) - y.astype(float)
        return {"rmse": float(np.sqrt(np.mean(err ** 2))), "mae": float(np.mean(np.abs(err)))}
    fm = compute_metrics(list(y), list(pred), classes=[0, 1], task="binary", pos_label=1)
    return {"f1": float(fm.values["f1"]), "f1_macro": float(fm.values["f1_macro"])}


def run_score_peers(users, y, plans, chinese: bool, log, name: str) -> list[dict[str, Any]]:
    """The ridge-regression peers of a score task on the folds of ``plans``: one row per
    (peer, seed, fold) with RMSE and MAE, like the MIL arms."""
    rows = []
    t0 = time.perf_counter()
    for seed, plan in plans:
        for fold in plan.folds:
            X_tr, X_te = [users[i] for i in fold.train], [users[i] for i in fold.test]
            for m, make in make_regression_peers(chinese).items():
                pred = make().fit(X_tr, y[fold.train]).predict(X_te)
                rows.append({"seed": seed, "fold": fold.fold, "arm": f"peer:{m}", "t": 0, "b": 0,
                             **prediction_metrics(y[fold.test], pred, "regression")})
            log(f"  {name} score peers seed {seed} fold {fold.fold}: {time.perf_counter() - t0:.0f}s")
    return rows


def peer_names(res) -> list[str]:
    """The peers that ran on a data set (classifiers, and regressors on score tasks)."""
    names = list(PEER_NAMES)
    if any(r["arm"] == f"peer:{REGRESSION_PEER_NAMES[0]}" for r in res["rows"]):
        names += list(REGRESSION_PEER_NAMES)
    return names


def run_peers(users, y, task: str, plans, chinese: bool, log, name: str) -> list[dict[str, Any]]:
    """The three classifier peers on the folds of ``plans`` (one split plan per seed): one
    row per (peer, seed, fold), with the same metrics as the MIL arms; their prediction is
    the most probable level, so on a score task they are joined by :func:`run_score_peers`."""
    classes, yi = np.unique(y, return_inverse=True)
    folds = [[(f.train, f.test) for f in plan.folds] for _, plan in plans]
    t0 = time.perf_counter()
    oof = cross_val_oof(make_peers(chinese), users, yi, folds, ["accuracy"], classes,
                        on_fold=lambda r, f, _: log(f"  {name} peers seed {plans[r][0]} fold {f}: "
                                                    f"{time.perf_counter() - t0:.0f}s"))
    rows = []
    for m in PEER_NAMES:
        for r, (seed, plan) in enumerate(plans):
            for fold in plan.folds:
                pred = classes[oof.pred[m][r][fold.test]]
                rows.append({"seed": seed, "fold": fold.fold, "arm": f"peer:{m}", "t": 0, "b": 0,
                             **prediction_metrics(y[fold.test], pred, task)})
    return rows


def fold_test(a: list[float], b: list[float], higher: bool, seed: int = 13) -> dict[str, Any]:
    """Paired test of ``a`` against ``b`` across folds (same folds, same order): the mean
    difference a - b, a 95% bootstrap interval over folds, the exact two-sided sign test,
    and the verdict ``better`` / ``worse`` (interval excludes 0 and sign-test p < 0.05)
    or ``tie``."""
    from scipy.stats import binomtest

    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    counts = sign_counts(a, b, higher)
    n = counts["better"] + counts["worse"]
    p = float(binomtest(counts["better"], n).pvalue) if n else 1.0
    rng = np.random.default_rng(seed)
    boots = d[rng.integers(0, len(d), (BOOTSTRAP, len(d)))].mean(axis=1)
    lo, hi = (float(x) for x in np.percentile(boots, [2.5, 97.5]))
    good = (lo > 0) if higher else (hi < 0)
    bad = (hi < 0) if higher else (lo > 0)
    verdict = "better" if good and p < 0.05 else ("worse" if bad and p < 0.05 else "tie")
    return {"diff": float(d.mean()), "ci95": [lo, hi], "sign_p": p, "folds": counts, "n_folds": len(d),
            "verdict": verdict}


def run_dataset(name: str, seeds, args, log) -> dict[str, Any]:
    from depscreen.evaluate.splits import make_splits
    from depscreen.models.mhim import MHIMClassifier
    from depscreen.models.mil import LMILAttClassifier

    spec = DATASETS[name]
    dialogue = spec["kind"] == "dialogue"
    users, y, task, info = load(name, args.smoke)
    if name in args.peers_only:
        return peers_only(name, users, y, task, seeds, args, log)
    emb, embed_s = embed_all(users, dialogue)
    lmil = {**LMIL, **spec.get("params", {}), **(SMOKE["params"] if args.smoke else {})}
    log(f"{name}: {len(users)} users, {sum(len(u.posts) for u in users)} posts, embedded in {embed_s:.0f}s")
    sweep_seeds = seeds[: args.sweep_seeds]
    grid = [(t, b) for t in SWEEP_T for b in SWEEP_B if (t, b) != MAIN] if name in args.sweep else []
    variants = VARIANTS if spec.get("variants") else {}
    rows: list[dict[str, Any]] = []
    entropy_example = None
    head = "regression" if task == "regression" else "binary"
    strata = y if not dialogue else np.floor(y / 6)  # interview scores 0-24: 5 bands
    plans = [(seed, make_splits(list(strata), cv=CV, seed=seed, stratify=True)) for seed in seeds]
    for seed, plan in plans:
        for fold in plan.folds:
            X_tr, X_te = emb[fold.train], emb[fold.test]
            y_tr, y_te = y[fold.train], y[fold.test]
            t0 = time.perf_counter()
            base = LMILAttClassifier(**lmil, head=head, seed=seed)  # MHIM wraps it (base__ parameters)
            main = MHIMClassifier(base=base, mhim_t=MAIN[0], mhim_b=MAIN[1]).fit(X_tr, y_tr)
            fit_s = time.perf_counter() - t0
            rows.append({"seed": seed, "fold": fold.fold, "arm": "lmilatt", "t": 0, "b": 0,
                         **score(main, "donor", X_te, y_te, task)})
            rows.append({"seed": seed, "fold": fold.fold, "arm": "mhim", "t": MAIN[0], "b": MAIN[1],
                         "fit_seconds": fit_s, **score(main, "receiver", X_te, y_te, task)})
            if entropy_example is None:
                entropy_example = main.entropy_log_
            extra = 0
            for label, kw in variants.items() if seed in sweep_seeds else []:
                m = MHIMClassifier(base=base, **{"mhim_t": MAIN[0], "mhim_b": MAIN[1], **kw}).fit(
                    X_tr, y_tr, donor=main.donor_)
                rows.append({"seed": seed, "fold": fold.fold, "arm": f"variant:{label}", "t": MAIN[0], "b": MAIN[1],
                             **score(m, "receiver", X_te, y_te, task)})
                extra += 1
            for t, b in grid if seed in sweep_seeds else []:
                m = MHIMClassifier(base=base, mhim_t=t, mhim_b=b).fit(X_tr, y_tr, donor=main.donor_)
                rows.append({"seed": seed, "fold": fold.fold, "arm": "mhim", "t": t, "b": b,
                             **score(m, "receiver", X_te, y_te, task)})
                extra += 1
            log(f"  {name} seed {seed} fold {fold.fold}: {fit_s:.0f}s for donor+receiver, "
                f"{extra} more receivers in {time.perf_counter() - t0 - fit_s:.0f}s")
    n_peer = len(seeds) if args.full else min(len(seeds), spec.get("peer_seeds", len(seeds)))
    rows += run_peers(peer_users(users, dialogue), y, task, plans[:n_peer], spec.get("lang") == "zh", log, name)
    if task == "regression":
        rows += run_score_peers(peer_users(users, dialogue), y, plans[:n_peer], spec.get("lang") == "zh", log, name)
    res = {"name": name, "task": task, "info": info, "rows": rows, "embed_seconds": embed_s,
           "entropy_example": entropy_example, "n_posts": sum(len(u.posts) for u in users),
           "peer_seeds": [s for s, _ in plans[:n_peer]], "sweep_seeds": list(sweep_seeds)}
    res["tests"] = tests(res, seeds)
    return res


def peers_only(name: str, users, y, task: str, seeds, args, log) -> dict[str, Any]:
    """Data set ``name`` with its MIL arms from the saved run (``--keep-from``) and its
    peers measured now, on the same seeds and therefore the same folds."""
    from depscreen.evaluate.splits import make_splits

    spec = DATASETS[name]
    dialogue = spec["kind"] == "dialogue"
    saved = next((r for r in json.loads(Path(args.keep_from).read_text())["results"] if r["name"] == name), None)
    if saved is None:
        raise SystemExit(f"--peers-only {name}: no such data set in {args.keep_from}")
    strata = y if not dialogue else np.floor(y / 6)
    plans = [(seed, make_splits(list(strata), cv=CV, seed=seed, stratify=True)) for seed in seeds]
    n_peer = len(seeds) if args.full else min(len(seeds), spec.get("peer_seeds", len(seeds)))
    rows = [r for r in saved["rows"] if not r["arm"].startswith("peer:")]
    rows += run_peers(peer_users(users, dialogue), y, task, plans[:n_peer], spec.get("lang") == "zh", log, name)
    if task == "regression":
        rows += run_score_peers(peer_users(users, dialogue), y, plans[:n_peer], spec.get("lang") == "zh", log, name)
    res = {**saved, "rows": rows, "peer_seeds": [s for s, _ in plans[:n_peer]],
           "peers_measured_by_this_run": True}
    res["tests"] = tests(res, seeds)
    return res


# --------------------------------------------------------------------------- tests


def metric_names(res) -> list[str]:
    """Every metric of the with / without table (all of them enter the verdict)."""
    rows = res["rows"]
    out = (["rmse", "mae"] if res["task"] == "regression" else ["f1", "f1_macro"]) + [
        "attention_entropy", "attention_entropy_norm"]
    if any("recall@50%" in r for r in rows):
        out += ["recall@10%", "recall@20%", "recall@50%"]
    return out


def paired(rows, arm_a, arm_b, metric, keys) -> tuple[list[float], list[float]]:
    """Values of ``metric`` for two arms on the same (seed, fold) keys, in key order."""
    def value(arm, t, b, key):
        for r in rows:
            if (r["seed"], r["fold"]) == key and r["arm"] == arm and r["t"] == t and r["b"] == b:
                return r.get(metric, math.nan)
        return math.nan

    a = [value(*arm_a, k) for k in keys]
    b = [value(*arm_b, k) for k in keys]
    ok = [i for i in range(len(keys)) if not (math.isnan(a[i]) or math.isnan(b[i]))]
    return [a[i] for i in ok], [b[i] for i in ok]


def tests(res, seeds) -> dict[str, Any]:
    """The claim against its donor on every metric, and against the strongest peer on the
    headline metrics (on the seeds the peers ran)."""
    rows = res["rows"]
    keys = [(r["seed"], r["fold"]) for r in rows if r["arm"] == "lmilatt"]
    claim, donor = ("mhim", *MAIN), ("lmilatt", 0, 0)
    out: dict[str, Any] = {"vs_donor": {}, "vs_peer": {}}
    for m in metric_names(res):
        a, b = paired(rows, claim, donor, m, keys)
        if a:
            out["vs_donor"][m] = fold_test(a, b, m not in LOWER_BETTER)
    peer_keys = [k for k in keys if k[0] in res["peer_seeds"]]
    for m in HEADLINE[res["task"]]:
        higher = m not in LOWER_BETTER
        means = {p: np.mean(paired(rows, (f"peer:{p}", 0, 0), claim, m, peer_keys)[0]) for p in peer_names(res)}
        peer = (max if higher else min)(means, key=means.get)
        a, b = paired(rows, claim, (f"peer:{peer}", 0, 0), m, peer_keys)
        out["vs_peer"][m] = {**fold_test(a, b, higher), "peer": peer, "claim_mean": float(np.mean(a)),
                             "peer_mean": float(np.mean(b))}
    return out


# --------------------------------------------------------------------------- report


def summarise(rows, arm, t, b, metric, seeds=None) -> tuple[float, float, int]:
    vals = [r[metric] for r in rows if r["arm"] == arm and r["t"] == t and r["b"] == b
            and (seeds is None or r["seed"] in seeds) and metric in r and not math.isnan(r[metric])]
    if not vals:
        return math.nan, math.nan, 0
    return float(np.mean(vals)), float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0, len(vals)


def fmt(mean, std) -> str:
    return "n/a" if math.isnan(mean) else f"{mean:.3f} ± {std:.3f}"


HOLDS = {"better": "holds", "worse": "**opposite**", "tie": "tie"}


def split_evidence(t: dict[str, Any], higher: bool) -> str | None:
    """For a tie: which of the two tests found a difference on its own (the verdict needs
    both), e.g. ``"the sign test alone: worse in 19 of 25 folds, p = 0.015; the 95%
    interval [-0.010, +0.050] includes 0"``; None when neither did (no evidence either way)."""
    if t["verdict"] != "tie":
        return None
    lo, hi = t["ci95"]
    f = t["folds"]
    ci = "better" if (lo > 0 if higher else hi < 0) else ("worse" if (hi < 0 if higher else lo > 0) else None)
    if t["sign_p"] < 0.05:
        side = "better" if f["better"] > f["worse"] else "worse"
        n = f["better"] + f["worse"] + f["equal"]
        return (f"the sign test alone: {side} in {f[side]} of {n} folds, p = {t['sign_p']:.3f}; the 95% interval "
                f"[{lo:+.3f}, {hi:+.3f}] includes 0")
    if ci is not None:
        return (f"the 95% interval alone: {ci} ([{lo:+.3f}, {hi:+.3f}]); the sign test p = {t['sign_p']:.3f} "
                f"({f['better']} / {f['worse']} / {f['equal']} folds)")
    return None


def impossible_note(t: dict[str, Any]) -> str | None:
    """Where the paired folds are too few for the exact sign test ever to reach p < 0.05
    (5 folds: its smallest p is 0.0625), a win or a loss is impossible by construction."""
    n = t["n_folds"]
    floor = 2 * 0.5 ** n if n else 1.0
    if floor < 0.05:
        return None
    return (f"a verdict is impossible by construction here: with {n} paired folds the exact sign test cannot go "
            f"below p = {floor:.4f}")


def verdict_text(t: dict[str, Any], higher: bool, words: dict[str, str]) -> str:
    """The table's verdict cell: the word, for a tie the test that disagreed, if any, and
    whether the folds could have given a verdict at all."""
    split = split_evidence(t, higher)
    text = words[t["verdict"]] + (f" (split evidence: {split})" if split else " (no evidence either way)"
                                  if t["verdict"] == "tie" else "")
    note = impossible_note(t)
    return text + (f"; {note}" if note else "")


def _test_cells(t: dict[str, Any]) -> str:
    f = t["folds"]
    holm = t.get("holm_p")
    return (f"{t['diff']:+.3f} [{t['ci95'][0]:+.3f}, {t['ci95'][1]:+.3f}] | {f['better']} / {f['worse']} / "
            f"{f['equal']} | {t['sign_p']:.3f} | {'n/a' if holm is None else f'{holm:.3f}'}")


def all_tests(results) -> list[dict[str, Any]]:
    """Every verdict of the file (each is one comparison for the Holm adjustment)."""
    return [t for res in results for which in ("vs_donor", "vs_peer") for t in res["tests"][which].values()]


def main_table(res) -> list[str]:
    rows = res["rows"]
    model = DATASETS.get(res["name"], {}).get("model", "LMILAtt")
    out = [f"| metric | {model} (no MHIM) | {model} + MHIM (t={MAIN[0]}, b={MAIN[1]}) | difference [95% CI] | "
           "folds better / worse / equal | sign-test p | Holm p | paper's direction |",
           "|---|---|---|---|---|---|---|---|"]
    for m in metric_names(res):
        t = res["tests"]["vs_donor"].get(m)
        if t is None:
            continue
        a, sa, _ = summarise(rows, "lmilatt", 0, 0, m)
        c, sc, _ = summarise(rows, "mhim", MAIN[0], MAIN[1], m)
        out.append(f"| {m} {'↓' if m in LOWER_BETTER else '↑'} | {fmt(a, sa)} | {fmt(c, sc)} | {_test_cells(t)} | "
                   f"{verdict_text(t, m not in LOWER_BETTER, HOLDS)} |")
    return out


def peer_table(res) -> list[str]:
    rows, seeds = res["rows"], res["peer_seeds"]
    metrics = HEADLINE[res["task"]]
    model = DATASETS.get(res["name"], {}).get("model", "LMILAtt")
    out = ["| model | " + " | ".join(f"{m} {'↓' if m in LOWER_BETTER else '↑'}" for m in metrics) + " |",
           "|---" * (len(metrics) + 1) + "|"]
    arms = [(f"peer:{p}", p) for p in peer_names(res)] + [("lmilatt", f"{model} (no MHIM)"),
                                                    ("mhim", f"{model} + MHIM (claim)")]
    for arm, label in arms:
        t, b = (MAIN if arm == "mhim" else (0, 0))
        out.append(f"| {label} | " + " | ".join(fmt(*summarise(rows, arm, t, b, m, seeds)[:2]) for m in metrics) + " |")
    out += ["", "| metric | strongest peer | claim - peer [95% CI] | folds better / worse / equal | sign-test p | "
            "Holm p | verdict |", "|---|---|---|---|---|---|---|"]
    for m in metrics:
        t = res["tests"]["vs_peer"][m]
        out.append(f"| {m} | {t['peer']} | {_test_cells(t)} | "
                   f"{verdict_text(t, m not in LOWER_BETTER, {'better': '**win**', 'worse': '**loss**', 'tie': '**tie**'})} |")
    return out


def sweep_table(res, seeds) -> list[str]:
    rows = res["rows"]
    key = "rmse" if res["task"] == "regression" else "f1"
    second = "mae" if res["task"] == "regression" else "recall@50%"
    out = [f"| t | b | {key} | {second} | attention_entropy |", "|---|---|---|---|---|"]
    a = [summarise(rows, "lmilatt", 0, 0, m, seeds) for m in (key, second, "attention_entropy")]
    out.append("| no MHIM | | " + " | ".join(fmt(m, s) for m, s, _ in a) + " |")
    for t in SWEEP_T:
        for b in SWEEP_B:
            vals = [summarise(rows, "mhim", t, b, m, seeds) for m in (key, second, "attention_entropy")]
            if vals[0][2] == 0:
                continue
            out.append(f"| {t} | {b} | " + " | ".join(fmt(m, s) for m, s, _ in vals) + " |")
    return out


def variants_table(res, seeds) -> list[str]:
    rows = res["rows"]
    cols = ["f1", "attention_entropy", "recall@10%", "recall@20%", "recall@50%"]
    out = ["| setting | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    arms = [("no MHIM (LMILAtt)", "lmilatt", 0, 0), (f"MHIM t={MAIN[0]}, b={MAIN[1]}, frozen, hard", "mhim", *MAIN)]
    arms += [(label, f"variant:{label}", *MAIN) for label in VARIANTS]
    for label, arm, t, b in arms:
        vals = [summarise(rows, arm, t, b, m, seeds) for m in cols]
        if vals[0][2] == 0:
            continue
        out.append(f"| {label} | " + " | ".join(fmt(m, s_) for m, s_, _ in vals) + " |")
    return out


def entropy_table(log_rows) -> list[str]:
    out = ["| phase | epoch | train loss | donor entropy | receiver entropy (unmasked) | masked per bag |",
           "|---|---|---|---|---|---|"]
    for r in log_rows or []:
        if r["phase"] == "donor":
            out.append(f"| donor | {r['epoch']} | {r['train_loss']:.3f} | {r['attention_entropy']:.3f} | | |")
        else:
            out.append(f"| receiver | {r['epoch']} | {r['train_loss']:.3f} | {r['donor_entropy']:.3f} | "
                       f"{r['receiver_entropy']:.3f} | {r['masked_per_bag']:.2f} |")
    return out


def _data_root() -> str:
    from depscreen.corpus.locate import shared_data_dir

    return str(shared_data_dir() or "")


def _n_folds(res, which: str) -> int:
    """How many paired (seed, fold) test folds the tests of ``which`` rest on."""
    return max((t["n_folds"] for t in res["tests"][which].values()), default=0)


def summary_lines(results) -> list[str]:
    """One line per data set: the claim against its donor (every metric) and the peers."""
    out = []
    for res in results:
        spec = DATASETS[res["name"]]
        groups: dict[str, list[str]] = {"better": [], "tie": [], "worse": []}
        for m, t in res["tests"]["vs_donor"].items():
            a, _, _ = summarise(res["rows"], "lmilatt", 0, 0, m)
            c, _, _ = summarise(res["rows"], "mhim", *MAIN, m)
            split = split_evidence(t, m not in LOWER_BETTER)
            groups[t["verdict"]].append(f"{m} {a:.3f} -> {c:.3f} ({t['diff']:+.4f}"
                                        + (f"; split evidence, {split}" if split else "") + ")")
        n = sum(len(v) for v in groups.values())
        if len(groups["better"]) == n:
            donor = f"the paper's direction holds for every metric ({n} of {n}): {', '.join(groups['better'])}"
        else:
            parts = [f"holds for {len(groups['better'])} of {n} metrics"
                     + (f" ({', '.join(groups['better'])})" if groups["better"] else "")]
            if groups["tie"]:
                parts.append(f"tie for {', '.join(groups['tie'])}")
            if groups["worse"]:
                parts.append(f"**opposite** for {', '.join(groups['worse'])}")
            donor = "; ".join(parts)
        peers = []
        for m, t in res["tests"]["vs_peer"].items():
            word = {"better": "win", "worse": "loss", "tie": "tie"}[t["verdict"]]
            split = split_evidence(t, m not in LOWER_BETTER)
            note = impossible_note(t)
            peers.append(f"{m} {t['claim_mean']:.3f} vs {t['peer']} {t['peer_mean']:.3f}: **{word}**"
                         + (f" (split evidence: {split})" if split else "") + (f" ({note})" if note else ""))
        out.append(f"* **{res['name']}** ({spec['short']}): against its first phase, {donor}. "
                   f"Against the strongest peer ({_n_folds(res, 'vs_peer')} paired folds): {'; '.join(peers)}.")
    return out


def render(results, seeds, args) -> str:
    n_comparisons = add_holm(all_tests(results), key="sign_p")
    lines = [
        f"Seeds: {', '.join(map(str, seeds))} (each seed: its own stratified {CV}-fold split and model "
        f"seed; every arm shares both). Claim model, named before the run: {CLAIM}, r=2t, frozen donor, "
        "hard masking, receiver from scratch (same initial weights as the donor, donor's autoencoder reused).",
        f"Embedder: `{EMBEDDER['backend']}` ({EMBEDDER['n_components']} components), fitted once per data set "
        "on all its posts without labels; chosen over `use` because it covers Chinese and Indonesian and "
        "costs seconds on the shared 2-core CPU.",
        "LMILAtt settings (both arms): " + ", ".join(f"{k}={v}" for k, v in LMIL.items() if k != "embedder") + ".",
        f"Peers at full strength on the same folds: {PEER_DESCRIPTION}; a user is one document of their "
        "posts joined; their predictions are the most probable level / class. On the score tasks also the "
        "same features with ridge regression (alpha by leave-one-out on the training folds; "
        + ", ".join(REGRESSION_PEER_NAMES) + "), since the model regresses the score there.",
        "",
        "Paper 001 (Thai-Maywe, dual encoder, HAM-D): RMSE 0.54 -> 0.48, MAE 0.37 -> 0.33, attention "
        "entropy 2.158 -> 2.496, Recall@50% 0.52 -> 0.62 with MHIM. The target is that direction: lower "
        "error, higher F1, higher entropy, higher Recall@k.",
        "",
        "Tests: paired across the (seed, fold) test folds; the 95% interval is a bootstrap of the mean per-fold "
        f"difference ({BOOTSTRAP:,} resamples), the sign test is exact and two-sided. A metric *holds* (or the "
        "claim *wins* against a peer) only when the interval excludes 0 in that direction and the sign test "
        "gives p < 0.05; *opposite* / *loss* the same the other way; anything else is a tie, and a tie is "
        "neither a hold nor a win. Where only one of the two tests finds a difference, the tie is marked "
        "*split evidence* and says which test and which way; *no evidence either way* means neither did.",
        multiplicity_sentence(n_comparisons, "sign-test p"),
        "",
        "## Summary",
        "",
        *summary_lines(results),
        "",
        "Constructed bags are users assembled by the script from real posts (the users are synthetic, the posts "
        "are not); the interviews are synthetic throughout. Differences from the paper's setting that may "
        "explain gaps: apart from the synthetic interviews, the model is LMILAtt (LSTM autoencoder + attention "
        "over TF-IDF/SVD post vectors) over social-media timelines or constructed bags, not the dual encoder "
        "over interview turns with expert-marked sentences; t and b are not tuned per data set; C-SSRS users "
        "have few posts, so t=2, b=1 hides a large share of a short bag.",
        "",
    ]
    if not args.full:
        lines += ["Not in this file (run with `--full`; no claim rests on it): the t/b sweep on C-SSRS.", ""]
    for res in results:
        spec = DATASETS[res["name"]]
        lines += [f"## {spec['title']}", ""]
        read = str(res["info"]["read"]).replace(_data_root() + "/", "")
        lines.append(f"{res['info']['n_users']} users, {res['n_posts']} posts; read: {read}.")
        if spec.get("proxy"):
            lines.append(f"Proxy label: {spec['proxy']}.")
        if spec.get("data_note"):
            lines.append(f"Data: {spec['data_note']}.")
        if spec.get("note"):
            lines.append(spec["note"])
        if spec.get("params"):
            lines.append("Model settings changed for this data set: "
                         + ", ".join(f"{k}={v}" for k, v in spec["params"].items()) + ".")
        if "bags" in res["info"]:
            lines.append(f"Bags: {res['info']['bags']} (instance truth = the hidden positive posts).")
        lines += ["", f"With and without MHIM, means ± std over {_n_folds(res, 'vs_donor')} folds:", "",
                  *main_table(res), ""]
        chance = [summarise(res["rows"], "lmilatt", 0, 0, f"chance@{k}")[0] for k in ("10%", "20%", "50%")]
        if not any(math.isnan(c) for c in chance):
            lines += ["Recall@k of a random ranking on the same bags (chance): "
                      + ", ".join(f"{k} {c:.3f}" for k, c in zip(("10%", "20%", "50%"), chance)) + ".", ""]
        lines += [f"Against the peers, on the folds of seed(s) {', '.join(map(str, res['peer_seeds']))}:", "",
                  *peer_table(res), ""]
        sweep_seeds = res["sweep_seeds"]
        if any(r["arm"] == "mhim" and (r["t"], r["b"]) != MAIN for r in res["rows"]):
            lines += [f"Sweep over t and b (r = 2t), same donors, on the first {len(sweep_seeds)} seeds "
                      f"({len(sweep_seeds) * CV} folds, every row on the same folds):", "",
                      *sweep_table(res, sweep_seeds), ""]
        if any(r["arm"].startswith("variant:") for r in res["rows"]):
            lines += [f"Options the paper leaves open, on the first {len(sweep_seeds)} seeds (same folds; every "
                      f"variant uses the same donor as the main MHIM arm; t={MAIN[0]}, b={MAIN[1]} unless the row "
                      "says otherwise):", "", *variants_table(res, sweep_seeds), ""]
        lines += ["Attention entropy per epoch, first fold of the first seed (nats; the log "
                  "`MHIMClassifier.entropy_log_`):", "", *entropy_table(res["entropy_example"]), ""]
    return "\n".join(lines)


PREAMBLE = f"> {DISCLAIMER}\n\n{LICENCE_NOTE}"
TITLE = "Masked hard instance mining (MHIM, paper 001): with and without, and against the peers"


def means(res) -> dict[str, dict[str, float]]:
    """Mean of every metric per arm (``arm`` or ``arm t=.. b=..``) over the folds it ran on:
    the numbers the tables and summary lines quote, kept in the JSON beside the rows."""
    out: dict[str, dict[str, float]] = {}
    for r in res["rows"]:
        key = r["arm"] if r["arm"] != "mhim" else f"mhim t={r['t']} b={r['b']}"
        for m, v in r.items():
            if m not in ("seed", "fold", "arm", "t", "b") and isinstance(v, (int, float)) and not math.isnan(v):
                out.setdefault(key, {}).setdefault(m, []).append(float(v))
    return {arm: {m: float(np.mean(v)) for m, v in ms.items()} for arm, ms in out.items()}


def write(out_dir: Path, results, seeds, args, record: RunRecord):
    payload = {"seeds": list(seeds), "claim": CLAIM, "peers": list(PEER_NAMES), "full": bool(args.full),
               "results": results, "means": {res["name"]: means(res) for res in results}}
    return write_results("mhim", render(results, seeds, args), payload, record, title=TITLE, preamble=PREAMBLE,
                         results_dir=out_dir)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--seeds", type=int, default=len(SEEDS))
    p.add_argument("--sweep", default=None, help="data sets that get the t/b sweep (default: reddit-bags; "
                   "--full: cssrs,reddit-bags)")
    p.add_argument("--sweep-seeds", type=int, default=2, help="how many of the seeds the sweep and variants run on")
    p.add_argument("--full", action="store_true", help="also the C-SSRS sweep and the peers on every seed")
    p.add_argument("--smoke", action="store_true", help="a smoke run: 40 bags / 100 C-SSRS users / 60 interviews, "
                   "3 epochs (numbers mean nothing)")
    p.add_argument("--out", default=str(RESULTS_DIR), help="folder for mhim.md / mhim.json")
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--from-json", default=None, help="re-render the markdown from a saved mhim.json")
    p.add_argument("--peers-only", default="",
                   help="comma-separated data sets whose MIL arms come from --keep-from; only their peers run")
    p.add_argument("--keep-from", default=None,
                   help="a saved mhim.json: the data sets this run does not measure are taken from it, unchanged "
                   "(its run record is kept beside this one), so one file holds every data set")
    args = p.parse_args(argv)
    args.peers_only = set(args.peers_only.split(",")) - {""}
    if args.peers_only and not args.keep_from:
        p.error("--peers-only needs --keep-from (the saved run its MIL arms come from)")
    args.sweep = set((args.sweep if args.sweep is not None
                      else ("cssrs,reddit-bags" if args.full else "reddit-bags")).split(",")) - {""}
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        args.full = saved.get("full", False)
        record = rerender_record(saved["run"], argv and ["benchmarks/mhim.py", *argv])
        write(Path(args.out), saved["results"], tuple(saved["seeds"]), args, record)
        return 0
    import torch

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    seeds = SEEDS[: args.seeds]
    names = [n for n in args.datasets.split(",") if n]
    for n in names:
        if n not in DATASETS:
            p.error(f"unknown data set {n!r}; have {', '.join(DATASETS)}")
    record = start_record(seeds=seeds, argv=argv and ["benchmarks/mhim.py", *argv])
    if args.smoke:
        record.extra["mode"] = "SMOKE RUN: tiny samples and 3 epochs; the numbers mean nothing"
    start = time.perf_counter()
    results = []

    def log(msg):
        print(f"[{time.perf_counter() - start:6.0f}s] {msg}", flush=True)

    for i, name in enumerate(names):
        res = run_dataset(name, seeds, args, log)
        results.append(res)
        for line in main_table(res) + [""] + peer_table(res):
            print(line)
        if not args.no_write and i + 1 < len(names):  # a partial file survives an interruption
            record.extra["status"] = f"PARTIAL: {i + 1} of {len(names)} data sets done, run still going"
            write(Path(args.out), results, seeds, args, record)
    record.extra.pop("status", None)
    if args.keep_from:
        saved = json.loads(Path(args.keep_from).read_text())
        kept = [r for r in saved["results"] if r["name"] not in names]
        if kept:
            run = saved["run"]
            record.extra["kept_from_earlier_run"] = {
                "datasets": [r["name"] for r in kept], "peers_only": sorted(args.peers_only),
                "commit": run.get("commit"), "date_utc": run.get("date_utc"),
                "command": run.get("command"), "seeds": saved.get("seeds"),
                "note": "measured by that run, unchanged (for the peers-only data sets: their MIL arms, whose folds "
                        "this run's peers share); re-rendered (tests, Holm column) by this one",
            }
            order = list(DATASETS)
            results = sorted(results + kept, key=lambda r: order.index(r["name"]))
    record.finish()
    if not args.no_write:
        md, js = write(Path(args.out), results, seeds, args, record)
        log(f"wrote {md} and {js}")
    print("\n".join(summary_lines(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
