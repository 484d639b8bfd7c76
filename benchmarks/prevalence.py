"""Prevalence: how close is each method's estimate of the share of cases, does its 95 %
interval cover the true share, and does adapting decisions to the estimated share help?
(issue 21, item 4)

* **case mix inside a set**: stratified k-fold on each shared binary set
  (reddit-cleaned, mht-controlled; proxy sets id-suicide, weibo-sadness), every system
  fitted per fold; then for each positive share 0.05, 0.1, 0.2 ... 0.9, 20 samples are
  drawn (seeded): sample r resamples test fold ``r mod k`` with replacement to the
  fold's size with exactly that share of positives. The models are those of the
  training folds: only the population changes (a pure change of case mix).
* **cross-dataset pairs** (those of ``benchmarks/transfer.py``, read by its
  ``pair_sources``): trained on one set, scored on another of the same language, every
  direction (English: reddit-cleaned <-> LT-EDI dev binarised; Chinese, a sadness proxy:
  NLPCC 2013, CLUE Emotion 2020, simplifyweibo): a real shift, more than a change of case
  mix. One test set per direction: no coverage rate.

Systems: depscreen-default (``DefaultClassifier()`` as shipped, its stored inner
out-of-fold scores giving the rates) with every depscreen method (cc, pcc, acc, pacc,
em; :mod:`depscreen.population.prevalence`) and a percentile bootstrap interval
(``--boot`` replicates resampling the sample's items and the out-of-fold scores);
the full-strength peers of ``_peers`` with classify-and-count (their most probable
class) and probabilistic classify-and-count (their mean probability). The method named
before the run for "beats" is ``pacc``; the bar is the peers' best classify-and-count.

Per method: absolute error |estimate - true share| averaged over the grid (each share
weighted equally), interval coverage (share of samples whose interval holds the true
share), and per share. F1 of the positive class and macro-F1 of depscreen-default's
decisions with and without ``adapt_priors`` (EM shares, the model's own threshold rule
on the re-weighted probabilities) at each share. Paired test: per-sample absolute
errors of ``pacc`` against the peers' best classify-and-count, and adapted against
unadapted F1 per share group, by a bootstrap over samples (2,000 resamples), Holm over
all comparisons of the file.

Usage::

    flock /tmp/depscreen-bench.lock .venv/bin/python benchmarks/prevalence.py
    .venv/bin/python benchmarks/prevalence.py --quick --no-write            # small subsets
    .venv/bin/python benchmarks/prevalence.py --synthetic --quick --no-write  # no shared data
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _datasets import LICENCE_NOTE, load_benchmark_corpus  # noqa: E402
from _peers import CACHE, PEER_DESCRIPTION, PEER_NAMES, cross_val_oof, holm, make_peers, samples, seeded_folds  # noqa: E402
from _record import rerender_record, start_record, write_results  # noqa: E402

SEED = 71
CLAIM_METHOD = "pacc"
SHARES = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SAMPLES_PER_SHARE = 20
BOOT = 200
PAIRED_BOOT = 2000
SETS = ("reddit-cleaned", "id-suicide", "weibo-sadness", "mht-controlled")
PROXY_SETS = ("id-suicide", "weibo-sadness")
TARGET_MAE = {"english": 0.02, "proxy": 0.04}
FAR = 0.25  # "far from the training share": |share - training share| above this


def log(msg: str) -> None:
    print(msg, flush=True)


# ------------------------------------------------------------------ data
class Source:
    """One binary set: items, label indices (1 = positive) and what a reader must know."""

    def __init__(self, name, X, y, description, zh=False, proxy=None, cv=5, synthetic=False, notes=()):
        self.name, self.X, self.y, self.description = name, X, np.asarray(y), description
        self.zh, self.proxy, self.cv, self.synthetic, self.notes = zh, proxy, cv, synthetic, list(notes)

    def header(self) -> dict[str, Any]:
        return {"description": self.description, "proxy": self.proxy, "n": len(self.y),
                "positive_share": round(float(self.y.mean()), 4), "cv": self.cv, "synthetic": self.synthetic,
                "notes": self.notes}


def shared_source(name: str, limit: int | None, seed: int) -> Source:
    from depscreen.evaluate.splits import deduplicate

    ds = load_benchmark_corpus(name)
    corpus, rep = deduplicate(ds.corpus)
    X, classes, y = samples(corpus)
    if len(classes) != 2:
        raise ValueError(f"{name}: not a binary set")
    if limit and len(y) > limit:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(np.arange(len(y)), train_size=limit, stratify=y, random_state=seed)
        keep = np.sort(keep)
        X, y = [X[i] for i in keep], y[keep]
    return Source(name, X, y, ds.spec.description, zh=ds.spec.fmt == "weibo-sadness", proxy=ds.spec.proxy,
                  cv=min(ds.spec.cv, int(np.bincount(y).min())), notes=ds.notes() + [rep.summary()])


def synthetic_source(seed: int, n: int) -> Source:
    from depscreen.corpus.synthetic import make_sample_posts

    c = make_sample_posts(n=n, langs=("en",), seed=seed, positive_share=0.4)
    X, _, y = samples(c)
    return Source("synthetic-posts", X, y, "synthetic English posts, planted symptom posts 1 / ordinary 0",
                  cv=3, synthetic=True, notes=["synthetic"])


# ------------------------------------------------------------------ systems
def factories(zh: bool) -> dict[str, Callable[[], Any]]:
    from depscreen.models.default import DefaultClassifier

    return {"depscreen-default": lambda: DefaultClassifier(cache_dir=CACHE), **make_peers(zh, cache_dir=CACHE)}


def draw(y: np.ndarray, te: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Test fold ``te`` redrawn with replacement to its size with ``share`` positives."""
    n = len(te)
    n_pos = int(round(share * n))
    pos, neg = te[y[te] == 1], te[y[te] == 0]
    return np.concatenate([rng.choice(pos, n_pos, replace=True), rng.choice(neg, n - n_pos, replace=True)])


def f1_pair(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import f1_score

    return (float(f1_score(y, pred, pos_label=1, zero_division=0)),
            float(f1_score(y, pred, average="macro", zero_division=0)))


def evaluate_sample(idx, y, oof_dc, proba_dc, labels_dc, model, peer_proba, boot, seed) -> dict[str, Any]:
    """Every method's estimate / interval, the peers' CC / PCC and the F1s on one sample."""
    from depscreen.population.adapt import reweight
    from depscreen.population.prevalence import METHODS, estimate_all, training_prior

    truth = float(y[idx].mean())
    P = proba_dc[idx]
    ests = estimate_all(METHODS, P, decided=labels_dc[idx], oof=oof_dc, n_boot=boot, seed=seed)
    row: dict[str, Any] = {"true": truth, "n": len(idx), "depscreen": {}, "peers": {}}
    for m, e in ests.items():
        row["depscreen"][m] = {"estimate": float(e.shares[1]), "low": float(e.low[1]), "high": float(e.high[1])}
    for name, pp in peer_proba.items():
        Q = pp[idx]
        row["peers"][name] = {"cc": float((Q.argmax(1) == 1).mean()), "pcc": float(Q[:, 1].mean())}
    adapted = reweight(P, training_prior(oof_dc), ests["em"].shares)
    row["f1"] = f1_pair(y[idx], labels_dc[idx])
    row["f1_adapted"] = f1_pair(y[idx], np.asarray(model.decide(adapted)).astype(int))
    return row


def run_mix(src: Source, seed: int, boot: int, samples_per_share: int) -> dict[str, Any]:
    folds = seeded_folds(src.y, src.cv, 1, seed)
    fams = factories(src.zh)
    fitted: list[Any] = []

    def on_fit(name: str, model: Any) -> None:
        if name == "depscreen-default":
            fitted.append(model)

    t0 = time.perf_counter()
    oof = cross_val_oof(fams, src.X, src.y, folds, [], None, on_fit=on_fit,
                        on_fold=lambda r, f, o: log(f"{src.name}: fold {f + 1}/{len(folds[0])} fitted"))
    fit_s = time.perf_counter() - t0
    missing = [i for i, m in enumerate(fitted) if getattr(m, "oof_", None) is None]
    if missing:
        raise RuntimeError(f"{src.name}: depscreen-default stored no out-of-fold scores in fold(s) {missing}")
    rng = np.random.default_rng(seed)
    proba_dc, labels_dc = oof.proba["depscreen-default"][0], oof.pred["depscreen-default"][0]
    peer_proba = {p: oof.proba[p][0] for p in PEER_NAMES}
    rows = []
    for s in SHARES:
        for r in range(samples_per_share):
            f = r % len(folds[0])
            te = folds[0][f][1]
            idx = draw(src.y, te, s, rng)
            row = evaluate_sample(idx, src.y, fitted[f].oof_, proba_dc, labels_dc, fitted[f], peer_proba, boot,
                                  seed * 1000 + len(rows))
            row.update(share=s, fold=f)
            rows.append(row)
        log(f"{src.name}: share {s} done")
    train_share = float(src.y.mean())
    return {"set": src.header(), "train_share": train_share, "fit_seconds": round(fit_s, 1),
            "samples": rows, "summary": summarise(rows, train_share)}


def run_pairs(srcs: dict[str, Any], groups: dict[str, tuple[str, ...]], seed: int, boot: int) -> dict[str, Any]:
    """Cross-dataset pairs: within each group of ``groups`` (sets of one language, binary,
    aligned labels: ``benchmarks/transfer.py``'s ``pair_sources`` and ``PAIR_GROUPS``),
    trained on one set and scored on each other one, every direction."""
    from depscreen.models.base import forward

    out: dict[str, Any] = {"sets": {}, "pairs": []}
    for names in groups.values():
        for name in names:
            h = srcs[name].header()
            h["positive_share"] = round(float(np.mean(srcs[name].y)), 4)
            out["sets"][name] = h
        for a in names:
            sa = srcs[a]
            fams = factories(sa.zh)
            models = {k: make().fit(sa.X, sa.y) for k, make in fams.items()}
            log(f"pair {a}: fitted")
            dc = models["depscreen-default"]
            for b in names:
                if a == b:
                    continue
                sb = srcs[b]
                fw = forward(dc, list(sb.X))
                proba, labels = np.asarray(fw.proba), np.asarray(fw.predictions).astype(int)
                peer = {p: np.asarray(models[p].predict_proba(sb.X)) for p in PEER_NAMES}
                idx = np.arange(len(sb.y))
                row = evaluate_sample(idx, sb.y, dc.oof_, proba, labels, dc, peer, boot, seed)
                row.update(train=a, test=b, train_share=float(np.mean(sa.y)), proxy=sb.proxy)
                out["pairs"].append(row)
                log(f"pair {a} -> {b}: scored")
    return out


# ------------------------------------------------------------------ summaries
def paired(a: np.ndarray, b: np.ndarray, seed: int) -> dict[str, Any]:
    """Mean of ``a - b`` with a bootstrap 95 % interval over samples and a two-sided p."""
    d = np.asarray(a) - np.asarray(b)
    rng = np.random.default_rng(seed)
    boots = d[rng.integers(0, len(d), size=(PAIRED_BOOT, len(d)))].mean(axis=1)
    se = boots.std(ddof=1)
    from scipy.stats import norm

    p = float(2 * norm.sf(abs(d.mean()) / se)) if se > 0 else (0.0 if d.mean() != 0 else 1.0)
    return {"diff": float(d.mean()), "low": float(np.quantile(boots, 0.025)), "high": float(np.quantile(boots, 0.975)),
            "p": p, "n": len(d)}


def summarise(rows: list[dict[str, Any]], train_share: float) -> dict[str, Any]:
    from depscreen.population.prevalence import METHODS

    shares = sorted({r["share"] for r in rows})

    def grid_mean(values: dict[float, list[float]]) -> float:
        return float(np.mean([np.mean(values[s]) for s in shares]))

    out: dict[str, Any] = {"depscreen": {}, "peers": {}, "per_share": {}}
    for m in METHODS:
        err = {s: [abs(r["depscreen"][m]["estimate"] - r["true"]) for r in rows if r["share"] == s] for s in shares}
        cov = {s: [float(r["depscreen"][m]["low"] - 1e-9 <= r["true"] <= r["depscreen"][m]["high"] + 1e-9)
                   for r in rows if r["share"] == s] for s in shares}
        out["depscreen"][m] = {"mae": grid_mean(err), "coverage": grid_mean(cov),
                               "mae_per_share": {str(s): float(np.mean(err[s])) for s in shares},
                               "coverage_per_share": {str(s): float(np.mean(cov[s])) for s in shares}}
    for p in rows[0]["peers"]:
        for kind in ("cc", "pcc"):
            err = {s: [abs(r["peers"][p][kind] - r["true"]) for r in rows if r["share"] == s] for s in shares}
            out["peers"][f"{p} {kind}"] = {"mae": grid_mean(err),
                                          "mae_per_share": {str(s): float(np.mean(err[s])) for s in shares}}
    peer_cc = {p: out["peers"][f"{p} cc"]["mae"] for p in rows[0]["peers"]}
    best = min(peer_cc, key=peer_cc.get)
    out["best_peer_cc"] = best
    for s in shares:
        sel = [r for r in rows if r["share"] == s]
        out["per_share"][str(s)] = {
            "f1": float(np.mean([r["f1"][0] for r in sel])), "f1_adapted": float(np.mean([r["f1_adapted"][0] for r in sel])),
            "f1_macro": float(np.mean([r["f1"][1] for r in sel])),
            "f1_macro_adapted": float(np.mean([r["f1_adapted"][1] for r in sel])),
            "far": abs(s - train_share) > FAR,
        }
    claim = [abs(r["depscreen"][CLAIM_METHOD]["estimate"] - r["true"]) for r in rows]
    bar = [abs(r["peers"][best]["cc"] - r["true"]) for r in rows]
    out["test_claim_vs_peer_cc"] = {"claim": CLAIM_METHOD, "peer": f"{best} cc", "metric": "absolute error",
                                    **paired(np.asarray(claim), np.asarray(bar), 1)}
    tests = {}
    for group, keep in (("far", True), ("near", False)):
        sel = [r for r in rows if (abs(r["share"] - train_share) > FAR) == keep]
        if sel:
            tests[group] = {"metric": "F1 (positive class), adapted - unadapted",
                            **paired(np.asarray([r["f1_adapted"][0] for r in sel]),
                                     np.asarray([r["f1"][0] for r in sel]), 2)}
            tests[group + " macro"] = {"metric": "macro-F1, adapted - unadapted",
                                       **paired(np.asarray([r["f1_adapted"][1] for r in sel]),
                                                np.asarray([r["f1"][1] for r in sel]), 3)}
    out["test_adapt"] = tests
    return out


def apply_holm(payload: dict[str, Any]) -> int:
    tests = []
    for res in payload["mix"].values():
        s = res["summary"]
        tests.append(s["test_claim_vs_peer_cc"])
        tests.extend(s["test_adapt"].values())
    adj = holm([t["p"] for t in tests]) if tests else []
    for t, p in zip(tests, adj):
        t["p_holm"] = p
        if p < 0.05:
            better = t["diff"] < 0 if t.get("metric") == "absolute error" else t["diff"] > 0
            t["verdict"] = "win" if better else "loss"
        else:
            t["verdict"] = "tie"
    return len(tests)


def targets(payload: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, res in payload["mix"].items():
        s = res["summary"]
        kind = "proxy" if res["set"]["proxy"] else "english"
        mae = s["depscreen"][CLAIM_METHOD]["mae"]
        peer = s["peers"][f"{s['best_peer_cc']} cc"]["mae"]
        far = [v for v in s["per_share"].values() if v["far"]]
        out[name] = {
            "mae_target": TARGET_MAE[kind], "mae": mae, "mae_met": mae <= TARGET_MAE[kind],
            "half_peer_cc": peer / 2, "half_peer_met": mae <= peer / 2,
            "coverage": s["depscreen"][CLAIM_METHOD]["coverage"],
            "coverage_met": s["depscreen"][CLAIM_METHOD]["coverage"] >= 0.90,
            "best_method_by_mae": min(s["depscreen"], key=lambda m: s["depscreen"][m]["mae"]),
            "adapt_far_f1_gain": float(np.mean([v["f1_adapted"] - v["f1"] for v in far])) if far else None,
        }
    return out


# ------------------------------------------------------------------ render
def _f(v: float | None, d: int = 3) -> str:
    return "-" if v is None else f"{v:.{d}f}"


def pairs_summary(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Over the cross-dataset pairs: each depscreen method's mean absolute error and how many
    of its intervals hold the true share, each peer's classify-and-count error, and what
    ``adapt_priors`` did to F1 / macro-F1 (mean change, pairs better / worse)."""
    from depscreen.population.prevalence import METHODS

    def mean(xs):
        return float(np.mean(xs))

    out: dict[str, Any] = {"n_pairs": len(pairs), "depscreen": {}, "peers_cc": {}, "adapt": {}}
    for m in METHODS:
        est = [r["depscreen"][m] for r in pairs]
        out["depscreen"][m] = {"mae": mean([abs(e["estimate"] - r["true"]) for e, r in zip(est, pairs)]),
                               "covered": sum(e["low"] <= r["true"] <= e["high"] for e, r in zip(est, pairs))}
    for p in pairs[0]["peers"]:
        out["peers_cc"][p] = mean([abs(r["peers"][p]["cc"] - r["true"]) for r in pairs])
    for i, metric in enumerate(("F1", "macro-F1")):
        d = [r["f1_adapted"][i] - r["f1"][i] for r in pairs]
        out["adapt"][metric] = {"mean_change": mean(d), "better": sum(x > 0 for x in d), "worse": sum(x < 0 for x in d)}
    return out


def pairs_sentences(summary: dict[str, Any], syn: str = "") -> list[str]:
    """The pairs' summary as sentences a reader can check against the table below them."""
    n = summary["n_pairs"]
    best = min(summary["depscreen"], key=lambda m: summary["depscreen"][m]["mae"])
    best_peer = min(summary["peers_cc"], key=summary["peers_cc"].get)
    errs = ", ".join(f"{m} {_f(v['mae'])} ({v['covered']}/{n} intervals hold the true share)"
                     for m, v in summary["depscreen"].items())
    adapt = "; ".join(f"{k} {v['mean_change']:+.3f} on average ({v['better']} of {n} pairs better, {v['worse']} worse)"
                      for k, v in summary["adapt"].items())
    moves = [("raises" if v["mean_change"] > 0 else "lowers" if v["mean_change"] < 0 else "does not change") + f" {k}"
             for k, v in summary["adapt"].items()]
    verdict = ("it hurts: on average it " if all(m.startswith("lowers") for m in moves) else
               "it helps: on average it " if all(m.startswith("raises") for m in moves) else "on average it ") + " and ".join(moves)
    return [
        f"- cross-dataset pairs{syn} ({n} directed pairs, one test set each, no paired test): mean absolute error of "
        f"depscreen-default's estimates: {errs}; lowest: {best}. Peers' classify-and-count: "
        + ", ".join(f"{p} {_f(v)}" for p, v in summary["peers_cc"].items()) + f" (best {best_peer}).",
        f"- adapt-priors on the cross-dataset pairs{syn}: {adapt}: {verdict}.",
    ]


def render(payload: dict[str, Any]) -> str:
    from depscreen.population.prevalence import METHODS

    lines: list[str] = []
    syn = " (synthetic)" if payload["synthetic"] else ""
    lines += ["## Summary", ""]
    for name, t in payload["targets"].items():
        lines.append(f"- {name}{syn}: {CLAIM_METHOD} mean absolute error {_f(t['mae'])} (target <= {t['mae_target']}: "
                     f"{'met' if t['mae_met'] else 'missed'}; half the best peer's classify-and-count "
                     f"{_f(t['half_peer_cc'])}: {'met' if t['half_peer_met'] else 'missed'}), 95 % interval coverage "
                     f"{_f(t['coverage'], 2)} (target >= 0.90: {'met' if t['coverage_met'] else 'missed'}); "
                     f"lowest error: {t['best_method_by_mae']}; adapt-priors F1 change at shares far from the "
                     f"training share {_f(t['adapt_far_f1_gain'])}")
    pairs = payload.get("pairs")
    pair_lines = pairs_sentences(pairs_summary(pairs["pairs"]), syn) if pairs and pairs.get("pairs") else []
    lines += pair_lines
    lines += ["", f"{payload['n_tests']} paired comparisons in this file; Holm-adjusted p; win / loss only at "
              "adjusted p < 0.05, otherwise a tie.", ""]
    for name, res in payload["mix"].items():
        s = res["summary"]
        h = res["set"]
        lines += [f"## {name}{syn}", "", f"{h['description']}" + (f" (proxy: {h['proxy']})" if h["proxy"] else ""), ""]
        lines += [f"- {n}" for n in h["notes"]]
        lines += [f"- {h['n']} items, positive share {h['positive_share']}; stratified {h['cv']}-fold (seed "
                  f"{payload['seed']}); {SAMPLES_PER_SHARE if not payload['quick'] else payload['samples_per_share']} "
                  f"samples per share; all systems fitted in {res['fit_seconds']} s", ""]
        lines += ["| system | method | mean abs. error | 95 % coverage |", "|---|---|---|---|"]
        for m in METHODS:
            d = s["depscreen"][m]
            lines.append(f"| depscreen-default | {m}{' (named)' if m == CLAIM_METHOD else ''} | {_f(d['mae'])} | "
                         f"{_f(d['coverage'], 2)} |")
        for p, d in s["peers"].items():
            sys_, kind = p.rsplit(" ", 1)
            lines.append(f"| {sys_} | {kind} | {_f(d['mae'])} | - |")
        t = s["test_claim_vs_peer_cc"]
        lines += ["", f"Paired ({t['claim']} vs {t['peer']}, absolute error per sample): difference {t['diff']:+.4f} "
                  f"[{t['low']:+.4f}, {t['high']:+.4f}], Holm p = {t['p_holm']:.3g}: **{t['verdict']}**.", ""]
        lines += ["| share | " + " | ".join(f"{m} err" for m in METHODS) + " | best peer cc err | F1 | F1 adapted | "
                  "macro-F1 | macro-F1 adapted |", "|---" * (len(METHODS) + 6) + "|"]
        for sh, v in s["per_share"].items():
            errs = " | ".join(_f(s["depscreen"][m]["mae_per_share"][sh]) for m in METHODS)
            pe = _f(s["peers"][f"{s['best_peer_cc']} cc"]["mae_per_share"][sh])
            lines.append(f"| {sh}{' (far)' if v['far'] else ''} | {errs} | {pe} | {_f(v['f1'])} | {_f(v['f1_adapted'])} | "
                         f"{_f(v['f1_macro'])} | {_f(v['f1_macro_adapted'])} |")
        lines.append("")
        for g, t in s["test_adapt"].items():
            where = "far from" if g.startswith("far") else "near"
            lines.append(f"- adapt-priors, shares {where} the training share ({t['metric']}): {t['diff']:+.4f} "
                         f"[{t['low']:+.4f}, {t['high']:+.4f}], Holm p = {t['p_holm']:.3g}: **{t['verdict']}**")
        lines.append("")
    if pairs:
        lines += ["## Cross-dataset pairs" + syn, ""]
        lines += [f"- {n}: {h['description']}, {h['n']} posts, positive share {h['positive_share']}"
                  + (f" (proxy: {h['proxy']})" if h.get("proxy") else "") + "; " + "; ".join(h["notes"])
                  for n, h in pairs["sets"].items()]
        lines.append("")
        lines += ["| train -> test | true share | " + " | ".join(METHODS) + " | peers' cc (min-max) | F1 | "
                  "F1 adapted | macro-F1 | macro-F1 adapted |", "|---" * (len(METHODS) + 7) + "|"]
        for r in pairs["pairs"]:
            ests = " | ".join(f"{r['depscreen'][m]['estimate']:.3f} [{r['depscreen'][m]['low']:.3f}, "
                              f"{r['depscreen'][m]['high']:.3f}]" for m in METHODS)
            ccs = [v["cc"] for v in r["peers"].values()]
            lines.append(f"| {r['train']} -> {r['test']} | {r['true']:.3f} | {ests} | {min(ccs):.3f}-{max(ccs):.3f} | "
                         f"{r['f1'][0]:.3f} | {r['f1_adapted'][0]:.3f} | {r['f1'][1]:.3f} | {r['f1_adapted'][1]:.3f} |")
        lines.append("")
        if pair_lines:
            lines += pair_lines + [""]
    return "\n".join(lines)


def write_payload(payload: dict[str, Any], record: Any, args: argparse.Namespace, *, done: bool, measured: bool) -> int:
    """Write the file: after each set while measuring (marked partial, so a run cut short
    leaves what it measured), at the end, or re-rendered from a saved JSON
    (``measured=False``: the run record keeps its own dates and load)."""
    payload["complete"] = done
    payload["n_tests"] = apply_holm(payload)
    payload["targets"] = targets(payload)
    if measured:
        record.finish()
    body = render(payload)
    if done:
        print(body)
    if args.no_write:
        return 0
    from depscreen import DISCLAIMER

    data = ("**Synthetic data only** (a smoke run)." if args.synthetic else
            f"{LICENCE_NOTE} Chinese labels are proxies (sadness, not depression); Indonesian labels are "
            "suicidal ideation, not depression.")
    partial = "" if done else ("\n\n**Partial run**: the file was written after the sets below; the run did "
                               "not reach the rest.")
    pre = (f"> {DISCLAIMER}\n>\n> {data}\n>\n> A share here is the share of posts (users for "
           "mht-controlled) whose writing shows the signal, not the prevalence of clinical depression.\n\n"
           f"Peers at full strength: {PEER_DESCRIPTION}. Intervals: percentile bootstrap, {args.boot} "
           f"replicates.{partial}")
    md, js = write_results("prevalence", body, payload, record, preamble=pre,
                           title="Prevalence: the share of a population, with intervals"
                           + (" (synthetic)" if args.synthetic else ""))
    log(f"wrote {md} and {js}{'' if done else ' (partial)'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--boot", type=int, default=BOOT, help="bootstrap replicates per interval")
    parser.add_argument("--quick", action="store_true", help="debugging: 600 items per set, 4 samples per share")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--no-pairs", action="store_true", help="skip the cross-dataset pairs")
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="re-render the markdown (summaries, Holm, sentences) from a saved prevalence.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    cmd = argv and ["benchmarks/prevalence.py", *argv]
    if args.from_json:
        import json

        saved = json.loads(args.from_json.read_text())
        record = rerender_record(saved.pop("run"), cmd)
        args.synthetic, args.boot = saved["synthetic"], saved["boot"]
        return write_payload(saved, record, args, done=True, measured=False)
    record = start_record(seeds=[args.seed], argv=cmd)
    limit = args.limit or (600 if args.quick else None)
    per_share = 4 if args.quick else SAMPLES_PER_SHARE
    payload: dict[str, Any] = {"synthetic": args.synthetic, "seed": args.seed, "boot": args.boot, "quick": args.quick,
                               "samples_per_share": per_share, "shares": list(SHARES), "claim_method": CLAIM_METHOD,
                               "far": FAR, "mix": {}}
    if args.synthetic:
        srcs = [synthetic_source(args.seed, limit or 300)]
    else:
        srcs = [shared_source(n.strip(), limit, args.seed) for n in args.sets.split(",") if n.strip()]
    def emit(done: bool) -> None:
        write_payload(payload, record, args, done=done, measured=True)

    for src in srcs:
        payload["mix"][src.name] = run_mix(src, args.seed, args.boot, per_share)
        emit(False)
    if not args.synthetic and not args.no_pairs:
        from transfer import PAIR_GROUPS, pair_sources

        payload["pairs"] = run_pairs(pair_sources(limit, args.seed), PAIR_GROUPS, args.seed, args.boot)
    emit(True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
