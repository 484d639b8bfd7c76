"""depscreen-default against three peers at full strength, same folds, paired tests.

The model is chosen before the run: ``DefaultClassifier()`` with its default settings
(``depscreen.models.default``), exactly what ``depscreen train`` fits when no model is
named. Beside it, on the same deduplicated corpus and the same seeded folds, three peers
that a user writes in a few lines of scikit-learn:

* ``word-lr``: word 1-2 gram TF-IDF (sublinear) + logistic regression (C = 4, balanced);
* ``word+char-lr``: word 1-2 + char_wb 2-5 TF-IDF (sublinear; character 1-4 grams for
  Chinese) + logistic regression (C = 10, balanced);
* ``use-lr``: Universal Sentence Encoder vectors (a user: the mean of their post vectors)
  + logistic regression (balanced).

A user is one document of their posts joined. Per data set the table gives the headline
metric as mean ± std over folds x repeats, the per-fold values, a paired bootstrap over
items of the pooled out-of-fold predictions against the strongest peer (95% interval of
the difference, 2,000 resamples) and a verdict: **win** (interval above 0), **loss**
(below 0) or **tie** (a tie is not a win). For Mental-Health-Twitter it also checks the
time / link confound: a model on post dates alone, and a probe on the date and link cues
left in the text before and after the control.

Usage::

    flock /tmp/depscreen-bench.lock .venv/bin/python benchmarks/default_model.py
    .venv/bin/python benchmarks/default_model.py --datasets mht-controlled --no-write
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _datasets import DATASETS, LICENCE_NOTE, load_benchmark_corpus  # noqa: E402
from _record import start_record, write_results  # noqa: E402

from depscreen.corpus import UserCorpus  # noqa: E402
from depscreen.evaluate import DISCLAIMER  # noqa: E402
from depscreen.evaluate.splits import deduplicate  # noqa: E402

SEED = 13
CACHE = str(ROOT / ".depscreen-cache" / "embeddings")
BOOTSTRAP = 2000

# Headline metrics per data set: (metric, higher is better); the first decides the verdict
# line of the summary, all are tested. Targets from issue 14 (same run, same folds).
SETS: dict[str, dict[str, Any]] = {
    "reddit-cleaned": {"metrics": [("f1", True)], "target": {"f1": 0.978}},
    "id-suicide": {"metrics": [("f1", True)], "target": {"f1": 0.85}},
    "ltedi-dev": {"metrics": [("f1_macro", True)], "target": {"f1_macro": 0.60}},
    "mht-controlled": {"metrics": [("f1_macro", True), ("roc_auc", True)], "target": {"f1_macro": 0.70}},
    "mht-controlled-narrow": {"metrics": [("f1_macro", True), ("roc_auc", True)], "target": {"f1_macro": 0.70}},
    "cssrs-5": {"metrics": [("mae", False), ("f1_macro", True)], "target": {"mae": 0.74, "f1_macro": 0.35}},
    "weibo-sadness": {"metrics": [("f1", True)], "target": {}},
}
MODEL_NAMES = ["depscreen-default", "word-lr", "word+char-lr", "use-lr"]
PEERS = MODEL_NAMES[1:]


# ----------------------------------------------------------------------------- models --


def _docs(X: list) -> list[str]:
    from depscreen.models.base import as_documents

    return as_documents(X)


class _Peer:
    """A two-line scikit-learn pipeline on documents (a user: posts joined)."""

    def __init__(self, make: Callable[[], Any]):
        self.make = make

    def fit(self, X, y):
        self.model_ = self.make().fit(_docs(X), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(_docs(X))


class _UsePeer:
    """USE vectors (user: mean of post vectors) + balanced logistic regression."""

    def __init__(self, embedder):
        self.embedder = embedder

    def _vectors(self, X):
        from depscreen.corpus import User

        if X and isinstance(X[0], User):
            flat = [t for u in X for t in u.texts]
            V = self.embedder.embed(flat)
            out, start = np.zeros((len(X), V.shape[1]), dtype=np.float32), 0
            for i, u in enumerate(X):
                n = len(u.texts)
                out[i] = V[start : start + n].mean(axis=0)
                start += n
            return out
        return self.embedder.embed(list(X))

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression

        self.model_ = LogisticRegression(class_weight="balanced", max_iter=2000).fit(self._vectors(X), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(self._vectors(X))


def make_models(zh: bool, embedder) -> dict[str, Callable[[], Any]]:
    """Fresh, unfitted models by name (the default first: chosen before the run)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    from depscreen.models.default import DefaultClassifier

    def word_lr():
        return make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            LogisticRegression(C=4, class_weight="balanced", max_iter=2000),
        )

    def word_char_lr():
        char = (
            TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True)
            if zh
            else TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        )
        return make_pipeline(
            make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), char),
            LogisticRegression(C=10, class_weight="balanced", max_iter=2000),
        )

    return {
        "depscreen-default": lambda: DefaultClassifier(cache_dir=CACHE),
        "word-lr": lambda: _Peer(word_lr),
        "word+char-lr": lambda: _Peer(word_char_lr),
        "use-lr": lambda: _UsePeer(embedder),
    }


# ---------------------------------------------------------------------------- metrics --


def metric(name: str, y: np.ndarray, pred: np.ndarray, score: np.ndarray | None, classes: np.ndarray) -> float:
    """Fast metrics on label indices ``y`` / ``pred`` (0..K-1)."""
    K = len(classes)
    if name == "mae":
        return float(np.mean(np.abs(classes[y].astype(float) - classes[pred].astype(float))))
    if name == "accuracy":
        return float(np.mean(y == pred))
    if name == "roc_auc":
        from sklearn.metrics import roc_auc_score

        return float(roc_auc_score(y, score)) if len(np.unique(y)) == 2 else float("nan")
    cm = np.bincount(y * K + pred, minlength=K * K).reshape(K, K).astype(float)
    tp = np.diag(cm)
    denom = cm.sum(0) + cm.sum(1)
    f1 = np.divide(2 * tp, denom, out=np.zeros(K), where=denom > 0)
    if name == "f1":  # positive class = the last (1 of 0 / 1)
        return float(f1[-1])
    if name == "f1_macro":
        return float(f1.mean())
    raise ValueError(name)


def paired_bootstrap(
    y: np.ndarray, preds_a: list, preds_b: list, scores_a: list, scores_b: list,
    name: str, higher: bool, classes: np.ndarray, seed: int,
) -> dict[str, Any]:
    """Difference a - b of the metric over repeats (pooled out-of-fold predictions per
    repeat), with a 95% bootstrap interval from resampling items (same resample for
    both models and every repeat)."""
    rng = np.random.default_rng(seed)
    n = len(y)

    def value(idx, preds, scores):
        vals = [metric(name, y[idx], p[idx], None if s is None else s[idx], classes) for p, s in zip(preds, scores)]
        return float(np.nanmean(vals))

    full = np.arange(n)
    diff = value(full, preds_a, scores_a) - value(full, preds_b, scores_b)
    boots = []
    for _ in range(BOOTSTRAP):
        idx = rng.integers(0, n, n)
        if name == "roc_auc" and len(np.unique(y[idx])) < 2:
            continue
        boots.append(value(idx, preds_a, scores_a) - value(idx, preds_b, scores_b))
    boots = np.asarray(boots)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    sign = 1 if higher else -1
    better = sign * lo > 0 if higher else sign * hi > 0
    worse = sign * hi < 0 if higher else sign * lo < 0
    p = float(min(1.0, 2 * min(np.mean(boots <= 0), np.mean(boots >= 0))))
    return {
        "diff": diff, "ci95": [float(lo), float(hi)], "p_two_sided": p, "resamples": int(len(boots)),
        "verdict": "win" if better else ("loss" if worse else "tie"),
    }


def sign_counts(a: list[float], b: list[float], higher: bool) -> dict[str, int]:
    d = np.asarray(a) - np.asarray(b)
    d = d if higher else -d
    return {"better": int((d > 1e-12).sum()), "worse": int((d < -1e-12).sum()), "equal": int((np.abs(d) <= 1e-12).sum())}


# ------------------------------------------------------------------------------- run --


def run_set(
    name: str, repeats: int, seed: int, embedder, log, user_repeats: int | None = None, limit: int | None = None
) -> dict[str, Any]:
    from sklearn.model_selection import StratifiedKFold

    ds = load_benchmark_corpus(name)
    corpus, dedup = deduplicate(ds.corpus)
    if limit and len(corpus) > limit:  # smoke runs only: a seeded stratified sample
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(np.arange(len(corpus)), train_size=limit, stratify=corpus.labels, random_state=seed)
        corpus = corpus.subset(sorted(keep.tolist()))
    users = isinstance(corpus, UserCorpus)
    X = list(corpus.users) if users else [r.text for r in corpus.records]
    labels = np.asarray(corpus.labels)
    classes, y = np.unique(labels, return_inverse=True)
    spec = ds.spec
    if spec.repeats > 1:
        repeats = user_repeats or spec.repeats
    zh = spec.fmt == "weibo-sadness"
    factories = make_models(zh, embedder)
    metrics = [m for m, _ in SETS[name]["metrics"]]
    all_metrics = list(dict.fromkeys(metrics + (["f1", "roc_auc"] if len(classes) == 2 else ["f1_macro", "mae", "accuracy"]) + ["f1_macro", "accuracy"]))
    out: dict[str, Any] = {
        "description": spec.description, "proxy": spec.proxy, "level": spec.level, "task": spec.task,
        "notes": ds.notes(), "dedup": dedup.summary(), "n": len(y),
        "classes": [c.item() if isinstance(c, np.generic) else c for c in classes],
        "class_counts": np.bincount(y).tolist(), "cv": spec.cv, "repeats": repeats,
        "seeds": [seed + r for r in range(repeats)], "models": {},
    }
    oof = {m: {"pred": [], "score": []} for m in factories}
    per_fold = {m: {k: [] for k in all_metrics} for m in factories}
    seconds = {m: 0.0 for m in factories}
    extra: dict[str, list] = {"C_": [], "embed_C_": [], "embedder_used_": []}
    for r in range(repeats):
        skf = StratifiedKFold(n_splits=spec.cv, shuffle=True, random_state=seed + r)
        preds = {m: np.zeros(len(y), dtype=int) for m in factories}
        scores = {m: np.zeros(len(y)) for m in factories}
        for f, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y)):
            Xtr, Xte = [X[i] for i in tr], [X[i] for i in te]
            for m, make in factories.items():
                t0 = time.perf_counter()
                model = make().fit(Xtr, y[tr])
                proba = np.asarray(model.predict_proba(Xte))
                seconds[m] += time.perf_counter() - t0
                if list(model.classes_) != list(range(len(classes))):
                    full = np.zeros((len(te), len(classes)))
                    full[:, list(model.classes_)] = proba
                    proba = full
                p = proba.argmax(1)
                s = proba[:, 1] if len(classes) == 2 else proba @ np.arange(len(classes))
                preds[m][te], scores[m][te] = p, s
                for k in all_metrics:
                    per_fold[m][k].append(metric(k, y[te], p, s, classes))
                if m == "depscreen-default":
                    extra["C_"].append(model.C_)
                    extra["embed_C_"].append(model.embed_C_)
                    extra["embedder_used_"].append(model.embedder_used_)
            log(f"{name}: repeat {r + 1}/{repeats} fold {f + 1}/{spec.cv}: "
                + ", ".join(f"{m} {per_fold[m][metrics[0]][-1]:.3f}" for m in factories))
        for m in factories:
            oof[m]["pred"].append(preds[m])
            oof[m]["score"].append(scores[m])
    for m in factories:
        out["models"][m] = {
            "per_fold": per_fold[m],
            "mean": {k: float(np.nanmean(v)) for k, v in per_fold[m].items()},
            "std": {k: float(np.nanstd(v, ddof=1)) if len(v) > 1 else 0.0 for k, v in per_fold[m].items()},
            "seconds_fit_predict_total": round(seconds[m], 1),
        }
    out["models"]["depscreen-default"]["chosen"] = extra
    tests = {}
    for k, higher in SETS[name]["metrics"]:
        best_peer = (max if higher else min)(PEERS, key=lambda m: out["models"][m]["mean"][k])
        bt = paired_bootstrap(
            y, oof["depscreen-default"]["pred"], oof[best_peer]["pred"],
            oof["depscreen-default"]["score"], oof[best_peer]["score"], k, higher, classes, seed,
        )
        bt["peer"] = best_peer
        bt["folds"] = sign_counts(per_fold["depscreen-default"][k], per_fold[best_peer][k], higher)
        target = SETS[name]["target"].get(k)
        if target is not None:
            value = out["models"]["depscreen-default"]["mean"][k]
            bt["target"] = target
            bt["target_met"] = bool(value >= target if higher else value <= target)
            bt["target_gap"] = float(value - target)
        tests[k] = bt
    out["tests"] = tests
    if name.startswith("mht"):
        out["confound"] = confound_check(ds, corpus, y, seed, repeats)
    return out


# --------------------------------------------------------------------- MHT confound --

_YEAR = re.compile(r"\b20[01]\d\b")


def _date_features(users) -> np.ndarray:
    rows = []
    for u in users:
        years = [int(p.time[:4]) + int(p.time[5:7]) / 12 for p in u.posts if p.time]
        hist = np.bincount([int(y) - 2008 for y in years if 2008 <= y < 2019], minlength=11)[:11]
        rows.append([np.mean(years) if years else 0.0, np.min(years) if years else 0.0,
                     np.max(years) if years else 0.0, *(hist / max(1, hist.sum()))])
    return np.asarray(rows)


def _text_cue_features(users) -> np.ndarray:
    rows = []
    for u in users:
        texts = u.texts or [""]
        n = len(texts)
        rows.append([
            sum("http://" in t for t in texts) / n,
            sum("https://" in t for t in texts) / n,
            sum("t.co/" in t for t in texts) / n,
            sum(bool(_YEAR.search(t)) for t in texts) / n,
            float(np.mean([int(m) for t in texts for m in _YEAR.findall(t)] or [0])),
        ])
    return np.asarray(rows)


def confound_check(ds, corpus, y, seed: int, repeats: int) -> dict[str, Any]:
    """Macro-F1 / ROC-AUC of (a) a model on post dates alone -- the confound lives in the
    metadata, which no depscreen model reads -- and (b) a probe on the date and link cues
    in the text (http:// / https:// / t.co shares, years mentioned) on the raw text and
    on the controlled text the models see: at chance after the control."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler
    from sklearn.pipeline import make_pipeline

    from depscreen.corpus.readers import read_source
    from depscreen.text.selfdisclosure import filter_self_disclosure

    raw = read_source(None, ds.spec.fmt)
    raw, _ = filter_self_disclosure(raw, scope=ds.spec.self_disclosure_scope)
    by_id = {u.user_id: u for u in raw.users}
    raw_users = [by_id[u.user_id] for u in corpus.users]
    feats = {
        "post dates only (metadata; no model reads it)": _date_features(corpus.users),
        "date / link cues in the raw text": _text_cue_features(raw_users),
        "date / link cues in the controlled text the models see": _text_cue_features(corpus.users),
    }
    out = {}
    for label, F in feats.items():
        f1s, aucs = [], []
        for r in range(repeats):
            skf = StratifiedKFold(n_splits=ds.spec.cv, shuffle=True, random_state=seed + r)
            for tr, te in skf.split(F, y):
                model = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=2000))
                model.fit(F[tr], y[tr])
                p = model.predict(F[te])
                s = model.predict_proba(F[te])[:, 1]
                classes = np.asarray([0, 1])
                f1s.append(metric("f1_macro", y[te], p, s, classes))
                aucs.append(metric("roc_auc", y[te], p, s, classes))
        out[label] = {"f1_macro": float(np.mean(f1s)), "f1_macro_std": float(np.std(f1s, ddof=1)),
                      "roc_auc": float(np.nanmean(aucs)), "roc_auc_std": float(np.nanstd(aucs, ddof=1))}
    return out


# ---------------------------------------------------------------------------- render --


def _fmt(mean: float, std: float) -> str:
    return f"{mean:.3f} ± {std:.3f}"


def render(results: dict[str, Any]) -> str:
    lines = [
        "## Summary",
        "",
        "Headline metric of each set, mean ± std over folds x repeats; the verdict compares "
        "depscreen-default with the strongest peer on that set by a paired bootstrap over items "
        f"({BOOTSTRAP:,} resamples; win / loss only when the 95% interval excludes 0; a tie is not a win).",
        "",
        "| data set | metric | depscreen-default | word-lr | word+char-lr | use-lr | strongest peer | diff [95% CI] | verdict | target | met? |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, res in results.items():
        for k, higher in SETS[name]["metrics"]:
            t = res["tests"][k]
            cells = [_fmt(res["models"][m]["mean"][k], res["models"][m]["std"][k]) for m in MODEL_NAMES]
            arrow = "↑" if higher else "↓"
            label = name + (" (proxy)" if res["proxy"] else "")
            target = t.get("target")
            met = "—" if target is None else ("yes" if t["target_met"] else f"no ({t['target_gap']:+.3f})")
            lines.append(
                f"| {label} | {k} {arrow} | " + " | ".join(cells)
                + f" | {t['peer']} | {t['diff']:+.3f} [{t['ci95'][0]:+.3f}, {t['ci95'][1]:+.3f}] | **{t['verdict']}**"
                + f" | {'—' if target is None else ('≥' if higher else '≤') + f' {target}'} | {met} |"
            )
    lines.append("")
    for name, res in results.items():
        lines += _section(name, res)
    return "\n".join(lines)


def _section(name: str, res: dict[str, Any]) -> list[str]:
    lines = [f"## {name}", "", res["description"] + ".", ""]
    if res["proxy"]:
        lines += [f"**Proxy label:** {res['proxy']}.", ""]
    counts = ", ".join(f"{c}: {n}" for c, n in zip(res["classes"], res["class_counts"]))
    lines += [f"- {n}" for n in res["notes"]]
    lines += [
        f"- {res['dedup']}",
        f"- evaluated: {res['n']} {res['level']}s ({counts}); stratified {res['cv']}-fold x {res['repeats']} "
        f"repeat(s), fold seeds {', '.join(map(str, res['seeds']))}",
        "",
        "| model | " + " | ".join(k for k in res["models"]["depscreen-default"]["mean"]) + " | fit + predict s (all folds) |",
        "|---|" + "---|" * (len(res["models"]["depscreen-default"]["mean"]) + 1),
    ]
    for m in MODEL_NAMES:
        r = res["models"][m]
        lines.append(f"| {m} | " + " | ".join(_fmt(r["mean"][k], r["std"][k]) for k in r["mean"])
                     + f" | {r['seconds_fit_predict_total']:.0f} |")
    lines.append("")
    for k, higher in SETS[name]["metrics"]:
        t = res["tests"][k]
        folds_d = res["models"]["depscreen-default"]["per_fold"][k]
        folds_p = res["models"][t["peer"]]["per_fold"][k]
        lines += [
            f"Per-fold {k} (fold order, repeats in sequence): depscreen-default "
            + ", ".join(f"{v:.3f}" for v in folds_d) + f"; {t['peer']} " + ", ".join(f"{v:.3f}" for v in folds_p) + ".",
            "",
            f"Paired test on {k} vs {t['peer']} (the strongest peer): difference {t['diff']:+.4f}, "
            f"95% CI [{t['ci95'][0]:+.4f}, {t['ci95'][1]:+.4f}], two-sided bootstrap p = {t['p_two_sided']:.3f}; "
            f"folds better / worse / equal: {t['folds']['better']} / {t['folds']['worse']} / {t['folds']['equal']}. "
            f"Verdict: **{t['verdict']}**.",
            "",
        ]
    chosen = res["models"]["depscreen-default"].get("chosen", {})
    if chosen:
        lines += [
            f"depscreen-default chose C = {', '.join(f'{c:g}' for c in chosen['C_'])} (TF-IDF) and "
            f"C = {', '.join('-' if c is None else f'{c:g}' for c in chosen['embed_C_'])} (embeddings) by inner CV; "
            f"embedder used: {', '.join(sorted({str(e) for e in chosen['embedder_used_']}))}.",
            "",
        ]
    if "confound" in res:
        lines += [
            "Confound check (same folds, balanced LR on standardised features; chance is macro-F1 ≈ 0.5 "
            "with balanced predictions, ROC-AUC 0.5):",
            "",
            "| features | macro-F1 | ROC-AUC |",
            "|---|---|---|",
        ]
        for label, v in res["confound"].items():
            lines.append(f"| {label} | {_fmt(v['f1_macro'], v['f1_macro_std'])} | {_fmt(v['roc_auc'], v['roc_auc_std'])} |")
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(SETS), help="comma-separated names")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--repeats", type=int, default=1, help="fold repeats where the spec has one (MHT: 5)")
    parser.add_argument("--user-repeats", type=int, default=None,
                        help="fold repeats for the sets whose spec repeats (MHT: spec 5)")
    parser.add_argument("--limit", type=int, default=None, help="smoke test: a stratified sample of N items per set")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--name", default="default_model", help="results file stem")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    for n in names:
        if n not in SETS or n not in DATASETS:
            parser.error(f"unknown data set {n!r}; have {', '.join(SETS)}")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    record = start_record(seeds=[args.seed], argv=argv and ["benchmarks/default_model.py", *argv])
    from depscreen.embed import get_embedder

    embedder = get_embedder("use", cache_dir=CACHE)

    def log(msg: str) -> None:
        print(msg, flush=True)

    results = {}
    for name in names:
        t0 = time.perf_counter()
        results[name] = run_set(name, args.repeats, args.seed, embedder, log, args.user_repeats, args.limit)
        results[name]["wall_seconds"] = round(time.perf_counter() - t0, 1)
        log(f"{name}: done in {results[name]['wall_seconds']:.0f} s")
        record.seeds = sorted({s for r in results.values() for s in r["seeds"]})
        if not args.no_write and len(results) < len(names):  # a partial file survives an interruption
            record.extra["status"] = f"PARTIAL: {len(results)} of {len(names)} data sets done, run still going"
            _write(args, results, record)
    record.extra.pop("status", None)
    record.finish()
    print(render(results))
    if not args.no_write:
        md, js = _write(args, results, record)
        print(f"wrote {md} and {js}")
    return 0


def _write(args, results, record):
    preamble = (
        f"> {DISCLAIMER}\n>\n> {LICENCE_NOTE}\n\n"
        "depscreen-default (chosen before the run, default settings) against three peers at full "
        "strength on the same deduplicated corpora and the same seeded folds: word 1-2 TF-IDF + LR "
        "(C=4, balanced), word 1-2 + char_wb 2-5 TF-IDF + LR (C=10, balanced; character 1-4 grams for "
        "Chinese), USE-mean + LR (balanced). Chinese (Weibo sadness) and Indonesian (suicidal "
        "ideation) labels are proxies, not depression; C-SSRS is suicide-risk severity. No synthetic "
        "data is used in this file."
    )
    return write_results(args.name, render(results), {"bootstrap_resamples": BOOTSTRAP, "datasets": results},
                         record, title="depscreen-default vs peers at full strength", preamble=preamble)


if __name__ == "__main__":
    raise SystemExit(main())
