"""Transfer: do depscreen-default's scores and decisions hold on a population it was not
trained on? (issue 19, item 4)

Three settings, every system fitted on the same training items and scored on the same
test items in one run:

* **cross-dataset**: trained on one shared set, scored on another whose labels are
  aligned to it. English: reddit-depression-cleaned (is_depression) <-> LT-EDI 2022 dev
  binarised (not depression 0 / moderate + severe 1), both directions. Chinese (proxy
  labels: sadness vs every other emotion, not depression): NLPCC 2013 <-> CLUE emotion
  <-> simplifyweibo, all six directions. Every set is deduplicated on its own, and a
  text found in more than one set of a language is dropped from all of them (counted).
  Each set is then a stratified, seeded sample of at most 4,000 items.
  One train / test pair per direction, so the paired test is a bootstrap over the test
  items (2,000 resamples, the same resample for every system).
* **case mix inside a set (binary)**: stratified k-fold on each shared binary set
  (reddit-cleaned, id-suicide, weibo-sadness, mht-controlled), every system fitted per
  fold (each set a stratified, seeded sample of at most 4,000 items); then every test
  fold is resampled (seeded, with replacement, same size) to a
  positive share of 0.05, 0.1, 0.2 ... 0.9 and the folds pooled. The models and their
  thresholds are those of the training folds: only the population changes.
* **case mix inside a set (ordered levels)**: the same on C-SSRS (5 levels, users) and
  LT-EDI dev (3 levels), test folds resampled toward the lowest and the highest level.

Systems: ``depscreen-default`` as shipped (``DefaultClassifier()`` with its defaults:
the one model named before the run for every "beats"), the three full-strength peers of
``_peers`` and, on binary tasks, each peer inside scikit-learn's
``TunedThresholdClassifierCV(scoring="f1_macro")`` (3 shuffled inner folds: the same
number depscreen-default's inner CV uses). Where depscreen-default can be fitted without
calibration (a ``calibration`` parameter), that variant runs too, for the ECE target.

Per system and setting: F1 and macro-F1 (MAE for levels), sensitivity and specificity at
the system's own decision (for levels: "any level above the lowest"), ECE (10
equal-width bins; binary: on P(positive); levels: top-label confidence), Brier score
(binary; multi-class Brier for levels), ROC-AUC (binary; levels: "above the lowest"
scored by 1 - P(lowest)) and the share of items flagged. depscreen-default is also asked
for a sensitivity of 0.90, its threshold chosen on its own stored inner out-of-fold
scores of the training fold by the operating-point API (``sensitivity=0.9``), and the
sensitivity it reaches on the test fold is reported.

Paired tests: depscreen-default against every other system in every setting, on macro-F1
(binary) or MAE and macro-F1 (levels): a bootstrap over the test items (2,000 resamples)
gives the difference's 95% interval and a two-sided normal-approximation p; Holm's
adjustment runs over every comparison of a family (cross-dataset, binary case mix,
level case mix), and a verdict is a win or a loss only when the Holm-adjusted p is below
0.05 -- otherwise a tie, and a tie is not a win.

Usage::

    flock /tmp/depscreen-bench.lock .venv/bin/python benchmarks/transfer.py
    .venv/bin/python benchmarks/transfer.py --quick --no-write            # real data, small subsets
    .venv/bin/python benchmarks/transfer.py --synthetic --quick --no-write  # no shared data needed
"""

from __future__ import annotations

import os

# One BLAS thread per process, set before NumPy loads: on a shared 2-core machine OpenBLAS's
# threads spin against every other job (lbfgs fits measured 10x slower under load).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _datasets import LICENCE_NOTE, deduplicated, load_benchmark_corpus  # noqa: E402
from _peers import (  # noqa: E402
    CACHE,
    PEER_DESCRIPTION,
    add_holm,
    cross_val_oof,
    make_peers,
    make_tuned_peers,
    samples,
    seeded_folds,
)
from _record import start_record, write_results  # noqa: E402

SEED = 71  # fold / resample seed: never used while designing depscreen-default (it was designed on 13-17)
CLAIM = "depscreen-default"
UNCAL = "depscreen-default-uncalibrated"
BOOT = 2000
ECE_BINS = 10
REQUESTED_SENSITIVITY = 0.90
SENSITIVITY_BAND = (0.85, 0.95)
TUNED_CV = 3
SHARES = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
#: ordinal mixes: (level position: 0 lowest / -1 highest, its share); other levels keep their relative shares
LEVEL_MIXES = {"lowest 0.6": (0, 0.6), "lowest 0.8": (0, 0.8), "highest 0.3": (-1, 0.3), "highest 0.5": (-1, 0.5)}
CAP = 4000  # items per set (stratified, seeded sample; the sets hold 4.5-14k): keeps the run near 25 min on 2 busy cores
BINARY_SETS = ("reddit-cleaned", "id-suicide", "weibo-sadness", "mht-controlled")
LEVEL_SETS = ("cssrs-5", "ltedi-dev")
TARGETS = {
    "ece": 0.03,
    "cross_dataset_margin": 0.01,
    "sensitivity_band": list(SENSITIVITY_BAND),
}


# ------------------------------------------------------------------------------ data --


@dataclass
class Source:
    """One evaluated set: items ``X`` (texts or users), label indices ``y`` into
    ``classes``, and what a reader must be told about it."""

    name: str
    X: list[Any]
    y: np.ndarray
    classes: np.ndarray
    description: str
    zh: bool = False
    proxy: str | None = None
    notes: list[str] = field(default_factory=list)
    cv: int = 5
    synthetic: bool = False

    def header(self) -> dict[str, Any]:
        return {
            "description": self.description, "proxy": self.proxy, "notes": list(self.notes), "n": len(self.y),
            "classes": [c.item() if isinstance(c, np.generic) else c for c in self.classes],
            "class_counts": np.bincount(self.y, minlength=len(self.classes)).tolist(), "cv": self.cv,
            "synthetic": self.synthetic,
        }


def _subsample(X: list, y: np.ndarray, limit: int | None, seed: int) -> tuple[list, np.ndarray]:
    if not limit or len(y) <= limit:
        return X, y
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(len(y)), train_size=limit, stratify=y, random_state=seed)
    keep = np.sort(keep)
    return [X[i] for i in keep], y[keep]


def within_source(name: str, limit: int | None, seed: int) -> Source:
    """A shared set as the other benchmarks read it (``_datasets``), deduplicated."""
    ds = load_benchmark_corpus(name)
    corpus, dedup = deduplicated(ds.corpus, limit, seed)
    X, classes, y = samples(corpus)
    notes = ds.notes() + [dedup.summary()]
    if limit and dedup.items_after > len(y):
        notes.append(f"stratified sample of {len(y)} of {dedup.items_after} (seed {seed})")
    return Source(name, X, y, classes, ds.spec.description, zh=ds.spec.fmt == "weibo-sadness",
                  proxy=ds.spec.proxy, notes=notes, cv=ds.spec.cv)


def _loose_key(text: str) -> str:
    """Cross-set duplicate key: lower case, letters and digits only (reddit-cleaned is
    lower-cased with punctuation stripped upstream; LT-EDI keeps both)."""
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


def _drop_shared(parts: dict[str, tuple[list[str], np.ndarray]]) -> tuple[dict[str, tuple[list[str], np.ndarray]], dict[str, int]]:
    """Drop every text whose key occurs in more than one set (from all of them)."""
    owners: dict[str, set[str]] = {}
    for name, (texts, _) in parts.items():
        for t in texts:
            owners.setdefault(_loose_key(t), set()).add(name)
    shared = {k for k, v in owners.items() if len(v) > 1}
    out, dropped = {}, {}
    for name, (texts, y) in parts.items():
        keep = [i for i, t in enumerate(texts) if _loose_key(t) not in shared]
        dropped[name] = len(texts) - len(keep)
        out[name] = ([texts[i] for i in keep], y[keep])
    return out, dropped


def pair_sources(limit: int | None, seed: int) -> dict[str, Source]:
    """The cross-dataset sets, binary with aligned labels, disjoint within a language."""
    from depscreen.corpus.readers import read_source
    from depscreen.evaluate.splits import deduplicate

    en: dict[str, tuple[list[str], np.ndarray]] = {}
    notes: dict[str, list[str]] = {}
    red = load_benchmark_corpus("reddit-cleaned")
    corpus, rep = deduplicate(red.corpus)
    en["reddit-cleaned"] = ([r.text for r in corpus.records], np.asarray(corpus.labels, dtype=int))
    notes["reddit-cleaned"] = [rep.summary(), "text lower-cased and punctuation stripped upstream"]
    lt = load_benchmark_corpus("ltedi-dev")
    corpus, rep = deduplicate(lt.corpus)  # on the three levels, then binarised
    en["ltedi-binary"] = ([r.text for r in corpus.records], (np.asarray(corpus.labels, dtype=int) > 0).astype(int))
    notes["ltedi-binary"] = [rep.summary(), "binarised: not depression 0 / moderate + severe 1"]
    zh: dict[str, tuple[list[str], np.ndarray]] = {}
    for name, fmt in (("nlpcc", "nlpcc"), ("clue", "clue"), ("simplifyweibo", "simplifyweibo")):
        part = read_source(None, fmt, lang="zh", positive=["sadness"])
        corpus, rep = deduplicate(part)
        zh[name] = ([r.text for r in corpus.records], np.asarray(corpus.labels, dtype=int))
        notes[name] = [f"read: {part.report.summary() if part.report else len(part)}".replace(str(ROOT.parent) + "/", ""),
                       rep.summary()]
    desc = {
        "reddit-cleaned": "Reddit depression (cleaned), English posts, is_depression 1 / 0",
        "ltedi-binary": "LT-EDI 2022 DepSign dev, English posts, depression (moderate + severe) 1 / not 0",
        "nlpcc": "NLPCC 2013 Weibo emotions, Chinese posts, sadness 1 / any other label (incl. none) 0",
        "clue": "CLUE Emotion 2020 (valid + test), Chinese Weibo posts, sadness 1 / any other emotion 0",
        "simplifyweibo": "simplifyweibo moods, Chinese Weibo posts, sadness (低落) 1 / any other mood 0",
    }
    out: dict[str, Source] = {}
    for group, zh_flag in ((en, False), (zh, True)):
        clean, dropped = _drop_shared(group)
        for name, (texts, y) in clean.items():
            n_all = len(y)
            texts, y = _subsample(texts, y, limit or CAP, seed)
            extra = [f"{dropped[name]} texts also found in another set of this language dropped (from every set)"]
            if len(y) < n_all:
                extra.append(f"stratified sample of {len(y)} of {n_all} (seed {seed})")
            out[name] = Source(name, texts, y, np.asarray([0, 1]), desc[name], zh=zh_flag,
                               proxy="sadness emotion, not depression: a low-mood proxy" if zh_flag else None,
                               notes=notes[name] + extra)
    return out


PAIR_GROUPS = {"en": ("reddit-cleaned", "ltedi-binary"), "zh": ("nlpcc", "clue", "simplifyweibo")}


def synthetic_sources(seed: int, n: int = 240) -> tuple[dict[str, Source], dict[str, Source], dict[str, tuple[str, ...]]]:
    """Synthetic stand-ins (for tests and ``--synthetic``): two binary post sets with
    different positive shares (a cross-dataset pair and the binary case-mix set) and one
    user set with 5 levels. Called synthetic in every summary line."""
    from depscreen.corpus.synthetic import make_sample_corpus, make_sample_posts

    def posts(name, share, s):
        c = make_sample_posts(n=n, langs=("en",), seed=s, positive_share=share)
        X, classes, y = samples(c)
        return Source(name, X, y, classes, f"synthetic English posts, planted symptom posts 1 / ordinary 0 "
                      f"(positive share {share})", notes=["synthetic"], cv=3, synthetic=True)

    a, b = posts("synthetic-a", 0.5, seed), posts("synthetic-b", 0.25, seed + 1)
    users = make_sample_corpus(n_users=90, langs=("en",), seed=seed + 2, posts_per_user=(4, 8), ordinal=True)
    X, classes, y = samples(users)
    lev = Source("synthetic-levels", X, y, classes, "synthetic English users, 5 levels (0 control, 1-4 severity)",
                 notes=["synthetic"], cv=3, synthetic=True)
    return {"synthetic-a": a, "synthetic-b": b}, {"synthetic-a": a, "synthetic-levels": lev}, {"syn": ("synthetic-a", "synthetic-b")}


# --------------------------------------------------------------------------- systems --


def uncalibrated_params() -> dict[str, Any] | None:
    """Parameters that fit depscreen-default without calibration, or None when the
    shipped model has no calibration switch."""
    from depscreen.models.default import DefaultClassifier

    params = DefaultClassifier().get_params()
    if "calibration" not in params:
        return None
    return {"calibration": None}


def make_systems(zh: bool, binary: bool, seed: int, uncalibrated: bool = False) -> dict[str, Callable[[], Any]]:
    """depscreen-default (named before the run) first, its uncalibrated variant where
    one exists and ``uncalibrated`` asks for it (the binary case-mix part: the ECE
    target), the plain peers and, for binary tasks, the tuned-threshold peers."""
    from depscreen.models.default import DefaultClassifier

    out: dict[str, Callable[[], Any]] = {CLAIM: lambda: DefaultClassifier(cache_dir=CACHE)}
    unc = uncalibrated_params() if uncalibrated else None
    if unc is not None:
        out[UNCAL] = lambda: DefaultClassifier(cache_dir=CACHE, **unc)
    out.update(make_peers(zh, cache_dir=CACHE))
    if binary:
        out.update(make_tuned_peers(zh, cache_dir=CACHE, cv=TUNED_CV, seed=seed))
    return out


def sensitivity_threshold(model: Any, target: float) -> float | None:
    """The threshold on P(positive) for ``sensitivity=target``, chosen by the operating
    point API (:func:`depscreen.population.operating_point.choose_for_model`) on the
    model's stored inner out-of-fold scores of its training data; None when the model
    stores none (a point it cannot reach raises, naming the closest)."""
    from depscreen.population.operating_point import OperatingPointError, choose_for_model

    if getattr(model, "oof_", None) is None:
        return None
    try:
        point = choose_for_model(f"sensitivity={target:g}", model)
    except OperatingPointError as exc:  # unreachable on this fold: say so, keep running
        print(f"operating point not reachable: {exc}", flush=True)
        return None
    return None if point is None else float(point.threshold)


# ---------------------------------------------------------------------------- metrics --


def ece(y: np.ndarray, proba: np.ndarray, binary: bool, bins: int = ECE_BINS) -> float:
    """Expected calibration error over ``bins`` equal-width bins of [0, 1]: on
    P(positive) for two classes, on the top-label confidence for more."""
    if binary:
        conf, hit = proba[:, 1], (y == 1).astype(float)
    else:
        conf, hit = proba.max(1), (proba.argmax(1) == y).astype(float)
    b = np.minimum((conf * bins).astype(int), bins - 1)
    gap = np.abs(np.bincount(b, conf, bins) - np.bincount(b, hit, bins))
    return float(gap.sum() / len(y))


def brier(y: np.ndarray, proba: np.ndarray) -> float:
    """Mean squared error of the probability vector (binary: of P(positive))."""
    if proba.shape[1] == 2:
        return float(np.mean((proba[:, 1] - (y == 1)) ** 2))
    onehot = np.eye(proba.shape[1])[y]
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


def _f1s(y: np.ndarray, pred: np.ndarray, K: int) -> np.ndarray:
    cm = np.bincount(y * K + pred, minlength=K * K).reshape(K, K).astype(float)
    tp = np.diag(cm)
    denom = cm.sum(0) + cm.sum(1)
    return np.divide(2 * tp, denom, out=np.zeros(K), where=denom > 0)


def system_metrics(y: np.ndarray, pred: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> dict[str, float]:
    """Every reported metric of one system on one (possibly resampled) test set."""
    from sklearn.metrics import roc_auc_score

    K = len(classes)
    binary = K == 2
    f1 = _f1s(y, pred, K)
    truth, flag = y > 0, pred > 0  # binary: positive; levels: any level above the lowest
    score = proba[:, 1] if binary else 1.0 - proba[:, 0]
    out = {
        "f1_macro": float(f1.mean()),
        "sensitivity": float(flag[truth].mean()) if truth.any() else float("nan"),
        "specificity": float((~flag[~truth]).mean()) if (~truth).any() else float("nan"),
        "flagged_share": float(flag.mean()),
        "ece": ece(y, proba, binary),
        "brier": brier(y, proba),
        "roc_auc": float(roc_auc_score(truth, score)) if 0 < truth.sum() < len(y) else float("nan"),
    }
    if binary:
        out = {"f1": float(f1[1]), **out}
    else:
        vals = classes.astype(float)
        out = {"mae": float(np.mean(np.abs(vals[y] - vals[pred]))), **out}
    return out


def boot_values(name: str, y: np.ndarray, pred: np.ndarray, classes: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Metric ``name`` (``f1_macro`` or ``mae``) on every bootstrap resample (rows of ``idx``)."""
    if name == "mae":
        vals = classes.astype(float)
        return np.abs(vals[y] - vals[pred])[idx].mean(1)
    K = len(classes)
    f1 = np.zeros(len(idx))
    for k in range(K):
        tp = ((y == k) & (pred == k))[idx].sum(1)
        denom = ((y == k).astype(int) + (pred == k))[idx].sum(1)
        f1 += np.divide(2 * tp, denom, out=np.zeros(len(idx)), where=denom > 0)
    return f1 / K


def paired_tests(y: np.ndarray, preds: dict[str, np.ndarray], classes: np.ndarray, metrics: list[tuple[str, bool]],
                 seed: int, resamples: int, setting: str) -> list[dict[str, Any]]:
    """depscreen-default against every other system on ``metrics``: bootstrap over the
    test items (the same resamples for all), 95% interval and a two-sided normal p."""
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    n = len(y)
    tests = []
    chunks = [rng.integers(0, n, (min(500, resamples - s), n), dtype=np.int32) for s in range(0, resamples, 500)]
    for name, higher in metrics:
        base = {m: float(boot_values(name, y, p, classes, np.arange(n)[None, :])[0]) for m, p in preds.items()}
        boots = {m: np.concatenate([boot_values(name, y, p, classes, c) for c in chunks]) for m, p in preds.items()}
        for m in preds:
            if m in (CLAIM, UNCAL):
                continue
            d = boots[CLAIM] - boots[m]
            diff = base[CLAIM] - base[m]
            sd = float(np.std(d, ddof=1))
            p = float(2 * norm.sf(abs(diff) / sd)) if sd > 0 else (1.0 if diff == 0 else 0.0)
            lo, hi = (float(v) for v in np.percentile(d, [2.5, 97.5]))
            tests.append({"setting": setting, "metric": name, "higher_is_better": higher, "peer": m,
                          "claim_value": base[CLAIM], "peer_value": base[m], "diff": diff,
                          "ci95": [lo, hi], "p_two_sided": p, "resamples": int(len(d))})
    return tests


def set_verdicts(tests: list[dict[str, Any]]) -> int:
    """Holm over the family, then win / loss / tie per test (Holm-adjusted p < 0.05)."""
    n = add_holm(tests)
    for t in tests:
        good = t["diff"] > 0 if t["higher_is_better"] else t["diff"] < 0
        t["verdict"] = "tie" if not t["holm_p"] < 0.05 or t["diff"] == 0 else ("win" if good else "loss")
    return n


# ---------------------------------------------------------------------- resampling --


def resample_folds(y: np.ndarray, tests: list[np.ndarray], shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each test fold redrawn with replacement to its own size with class shares
    ``shares`` (class k gets ``round(share_k * n_fold)`` items); the folds pooled."""
    out = []
    for te in tests:
        counts = np.round(shares * len(te)).astype(int)
        for k, c in enumerate(counts):
            members = te[y[te] == k]
            if c > 0 and len(members):
                out.append(rng.choice(members, size=c, replace=True))
    return np.concatenate(out) if out else np.zeros(0, dtype=int)


def level_shares(counts: np.ndarray, position: int, share: float) -> np.ndarray:
    """Class shares with level ``position`` (0 lowest, -1 highest) at ``share`` and the
    others in their original proportions."""
    counts = np.asarray(counts, dtype=float)
    k = position % len(counts)
    rest = counts.copy()
    rest[k] = 0
    out = rest / rest.sum() * (1 - share)
    out[k] = share
    return out


# ------------------------------------------------------------------------------- runs --


def _fit_all(factories, X, y, folds, log, label) -> tuple[Any, dict[str, Any]]:
    thresholds: list[float | None] = []
    chosen: dict[str, list] = {"C_": [], "decision_": [], "calibration": []}

    def on_fit(m: str, model: Any) -> None:
        if m == CLAIM:
            thresholds.append(sensitivity_threshold(model, REQUESTED_SENSITIVITY) if len(model.classes_) == 2 else None)
            chosen["C_"].append(getattr(model, "C_", None))
            chosen["decision_"].append(getattr(model, "decision_", None))
            cal = getattr(model, "calibration_", None) or getattr(model, "calibrator_", None)
            chosen["calibration"].append(None if cal is None else (cal if isinstance(cal, (str, dict)) else type(cal).__name__))

    def on_fold(r: int, f: int, oof) -> None:
        log(f"{label}: fold {f + 1}/{len(folds[0])} done")

    oof = cross_val_oof(factories, X, y, folds, [], None, on_fit=on_fit, on_fold=on_fold)
    return oof, {"sensitivity_thresholds": thresholds, "chosen": chosen}


def run_cross(sources: dict[str, Source], groups: dict[str, tuple[str, ...]], seed: int, resamples: int, log) -> dict[str, Any]:
    """Every ordered pair of sets within a language group: fit on one, score on the others."""
    out: dict[str, Any] = {"sets": {n: s.header() for n, s in sources.items()}, "pairs": {}, "tests": []}
    for names in groups.values():
        for train in names:
            src = sources[train]
            others = [n for n in names if n != train]
            X = list(src.X)
            y = [src.y]
            spans = {}
            for o in others:
                spans[o] = (len(X), len(X) + len(sources[o].y))
                X += list(sources[o].X)
                y.append(sources[o].y)
            y = np.concatenate(y)
            folds = [[(np.arange(len(src.y)), np.arange(len(src.y), len(y)))]]
            factories = make_systems(src.zh, True, seed)
            t0 = time.perf_counter()
            oof, extra = _fit_all(factories, X, y, folds, log, f"cross: train {train}")
            t_req = extra["sensitivity_thresholds"][0]
            for o in others:
                a, b = spans[o]
                yt = y[a:b]
                preds = {m: oof.pred[m][0][a:b] for m in factories}
                res = {m: system_metrics(yt, preds[m], oof.proba[m][0][a:b], src.classes) for m in factories}
                key = f"{train} -> {o}"
                sens = None
                if t_req is not None:
                    flag = oof.proba[CLAIM][0][a:b, 1] >= t_req
                    sens = {"threshold": t_req, "sensitivity": float(flag[yt == 1].mean()),
                            "specificity": float((~flag[yt == 0]).mean()), "flagged_share": float(flag.mean())}
                out["pairs"][key] = {"train": train, "test": o, "n_train": len(src.y), "n_test": len(yt),
                                     "train_positive_share": float(src.y.mean()), "test_positive_share": float(yt.mean()),
                                     "systems": res, "requested_sensitivity": sens,
                                     "seconds_fit_predict": {m: round(v, 1) for m, v in oof.seconds.items()},
                                     "chosen": extra["chosen"]}
                out["tests"] += paired_tests(yt, preds, src.classes, [("f1_macro", True)], seed, resamples, key)
            log(f"cross: train {train} done in {time.perf_counter() - t0:.0f} s")
    out["comparisons"] = set_verdicts(out["tests"])
    return out


def run_mix(sources: dict[str, Source], binary: bool, seed: int, resamples: int, log) -> dict[str, Any]:
    """Cross-validation on each set, then its test folds resampled to other case mixes."""
    out: dict[str, Any] = {"sets": {}, "tests": []}
    metrics = [("f1_macro", True)] if binary else [("mae", False), ("f1_macro", True)]
    for name, src in sources.items():
        folds = seeded_folds(src.y, src.cv, 1, seed)
        factories = make_systems(src.zh, binary, seed, uncalibrated=binary)
        t0 = time.perf_counter()
        oof, extra = _fit_all(factories, src.X, src.y, folds, log, f"mix: {name}")
        tests = [te for _, te in folds[0]]
        counts = np.bincount(src.y, minlength=len(src.classes))
        mixes: dict[str, np.ndarray | None] = {"as sampled": None}
        if binary:
            mixes.update({f"positive share {s:g}": np.asarray([1 - s, s]) for s in SHARES})
        else:
            mixes.update({f"{k}": level_shares(counts, pos, share) for k, (pos, share) in LEVEL_MIXES.items()})
        res: dict[str, Any] = {**src.header(), "fold_seed": seed, "mixes": {}, "chosen": extra["chosen"],
                               "seconds_fit_predict": {m: round(v, 1) for m, v in oof.seconds.items()}}
        for i, (mix, shares) in enumerate(mixes.items()):
            rng = np.random.default_rng([seed, i])
            idx = np.concatenate(tests) if shares is None else resample_folds(src.y, tests, shares, rng)
            yt = src.y[idx]
            preds = {m: oof.pred[m][0][idx] for m in factories}
            res["mixes"][mix] = {
                "shares": np.bincount(yt, minlength=len(src.classes)).astype(float) / len(yt),
                "n": len(yt),
                "systems": {m: system_metrics(yt, preds[m], oof.proba[m][0][idx], src.classes) for m in factories},
            }
            out["tests"] += paired_tests(yt, preds, src.classes, metrics, seed + i, resamples, f"{name} / {mix}")
        if binary:
            res["requested_sensitivity"] = _requested(src.y, oof, tests, extra["sensitivity_thresholds"])
        out["sets"][name] = res
        log(f"mix: {name} done in {time.perf_counter() - t0:.0f} s")
    out["comparisons"] = set_verdicts(out["tests"])
    return out


def _requested(y: np.ndarray, oof, tests: list[np.ndarray], thresholds: list[float | None]) -> dict[str, Any] | None:
    """Sensitivity and specificity on each test fold at the threshold that reached 0.90 on
    the training fold's stored out-of-fold scores."""
    if any(t is None for t in thresholds):
        return None
    p = oof.proba[CLAIM][0][:, 1]
    sens, spec = [], []
    for te, t in zip(tests, thresholds):
        flag = p[te] >= t
        sens.append(float(flag[y[te] == 1].mean()))
        spec.append(float((~flag[y[te] == 0]).mean()))
    lo, hi = SENSITIVITY_BAND
    return {"requested": REQUESTED_SENSITIVITY, "thresholds": thresholds, "per_fold_sensitivity": sens,
            "per_fold_specificity": spec, "mean_sensitivity": float(np.mean(sens)),
            "mean_specificity": float(np.mean(spec)),
            "folds_in_band": int(sum(lo - 1e-9 <= s <= hi + 1e-9 for s in sens)), "folds": len(sens)}


# --------------------------------------------------------------------------- targets --


def targets(payload: dict[str, Any]) -> dict[str, Any]:
    """Each target of the issue: the numbers and met / missed."""
    out: dict[str, Any] = {}
    binary = payload.get("binary_mix", {}).get("sets", {})
    if binary:
        rows = {}
        for name, res in binary.items():
            sysm = res["mixes"]["as sampled"]["systems"]
            rows[name] = {"ece": sysm[CLAIM]["ece"],
                          "uncalibrated_ece": sysm[UNCAL]["ece"] if UNCAL in sysm else None}
        met_level = all(r["ece"] <= TARGETS["ece"] for r in rows.values())
        have_unc = all(r["uncalibrated_ece"] is not None for r in rows.values())
        met_lower = have_unc and all(r["ece"] < r["uncalibrated_ece"] for r in rows.values())
        out["ece"] = {"target": f"ECE <= {TARGETS['ece']} on every shared binary set (cross-validated, as sampled) "
                      "and lower than the uncalibrated model's", "per_set": rows,
                      "met": bool(met_level and met_lower),
                      "note": None if have_unc else "no uncalibrated variant of the shipped model to compare with"}
        sens = {n: r.get("requested_sensitivity") for n, r in binary.items()}
        if all(v is not None for v in sens.values()):
            lo, hi = SENSITIVITY_BAND
            out["sensitivity"] = {
                "target": f"requested sensitivity {REQUESTED_SENSITIVITY} lands in [{lo}, {hi}] on the test folds",
                "per_set": {n: {"mean": v["mean_sensitivity"], "folds_in_band": v["folds_in_band"], "folds": v["folds"],
                                "min": min(v["per_fold_sensitivity"]), "max": max(v["per_fold_sensitivity"])}
                            for n, v in sens.items()},
                "met_mean": bool(all(lo - 1e-9 <= v["mean_sensitivity"] <= hi + 1e-9 for v in sens.values())),
                "met_every_fold": bool(all(v["folds_in_band"] == v["folds"] for v in sens.values())),
            }
        losses = [t for t in payload["binary_mix"]["tests"] if t["verdict"] == "loss" and t["setting"].endswith("as sampled")]
        out["no_loss_shared_binary"] = {
            "target": "no paired loss against any peer (tuned threshold included) on the shared binary sets, as sampled",
            "losses": [f"{t['setting']}: vs {t['peer']} {t['diff']:+.3f}" for t in losses], "met": not losses}
    levels = payload.get("level_mix", {})
    if levels:
        losses = [t for t in levels["tests"] if t["verdict"] == "loss"]
        out["levels"] = {"target": "on the level sets and their resampled mixes, MAE and macro-F1 no worse than "
                         "the best peer (paired)", "losses": [f"{t['setting']} {t['metric']}: vs {t['peer']} "
                                                             f"{t['diff']:+.3f}" for t in losses],
                         "met": not losses}
    cross = payload.get("cross", {})
    if cross.get("pairs"):
        pairs = cross["pairs"]
        peers = [m for m in next(iter(pairs.values()))["systems"] if m not in (CLAIM, UNCAL)]
        mean = {m: float(np.mean([p["systems"][m]["f1_macro"] for p in pairs.values()])) for m in peers + [CLAIM]}
        strongest = max(peers, key=lambda m: mean[m])
        per_pair_best = float(np.mean([p["systems"][CLAIM]["f1_macro"] - max(p["systems"][m]["f1_macro"] for m in peers)
                                       for p in pairs.values()]))
        losses = [t for t in cross["tests"] if t["verdict"] == "loss"]
        margin = mean[CLAIM] - mean[strongest]
        out["cross_dataset"] = {
            "target": f"mean macro-F1 over the pairs >= strongest peer + {TARGETS['cross_dataset_margin']}, no paired loss",
            "mean_f1_macro": mean, "strongest_peer": strongest, "margin": margin,
            "margin_vs_best_peer_of_each_pair": per_pair_best,
            "losses": [f"{t['setting']}: vs {t['peer']} {t['diff']:+.3f}" for t in losses],
            "met": bool(margin >= TARGETS["cross_dataset_margin"] and not losses),
        }
    return out


# ---------------------------------------------------------------------------- render --


def _f(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "n/a"
    return f"{v:.3f}"


def _metric_table(systems: dict[str, dict[str, float]], keys: list[str]) -> list[str]:
    lines = ["| system | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for m, r in systems.items():
        lines.append(f"| {m} | " + " | ".join(_f(r.get(k)) for k in keys) + " |")
    return lines


def _test_rows(tests: list[dict[str, Any]]) -> list[str]:
    lines = ["| setting | metric | vs | depscreen-default | peer | diff [95% CI] | p | Holm p | verdict |",
             "|---|---|---|---|---|---|---|---|---|"]
    for t in tests:
        lo, hi = t["ci95"]
        lines.append(f"| {t['setting']} | {t['metric']} {'↑' if t['higher_is_better'] else '↓'} | {t['peer']} | "
                     f"{_f(t['claim_value'])} | {_f(t['peer_value'])} | {t['diff']:+.3f} [{lo:+.3f}, {hi:+.3f}] | "
                     f"{t['p_two_sided']:.3g} | {t['holm_p']:.3g} | **{t['verdict']}** |")
    return lines


def _verdict_counts(tests: list[dict[str, Any]]) -> str:
    c = {v: sum(t["verdict"] == v for t in tests) for v in ("win", "tie", "loss")}
    return f"{c['win']} wins, {c['tie']} ties, {c['loss']} losses"


def render(payload: dict[str, Any]) -> str:
    syn = payload["synthetic"]
    tag = "synthetic data: " if syn else ""
    lines = ["## Summary", ""]
    tg = payload["targets"]
    if "ece" in tg:
        e = tg["ece"]
        lines.append(f"- {tag}ECE target ({e['target']}): **{'met' if e['met'] else 'missed'}**; depscreen-default ECE "
                     + ", ".join(f"{n} {_f(r['ece'])} (uncalibrated {_f(r['uncalibrated_ece'])})" for n, r in e["per_set"].items())
                     + (f" ({e['note']})" if e["note"] else "") + ".")
    if "sensitivity" in tg:
        s = tg["sensitivity"]
        lines.append(f"- {tag}requested sensitivity target ({s['target']}): mean over folds "
                     f"**{'met' if s['met_mean'] else 'missed'}**, every fold **{'met' if s['met_every_fold'] else 'missed'}**; "
                     + ", ".join(f"{n} {_f(r['mean'])} (folds {_f(r['min'])}-{_f(r['max'])}, {r['folds_in_band']}/{r['folds']} in band)"
                                 for n, r in s["per_set"].items()) + ".")
    if "no_loss_shared_binary" in tg:
        t = tg["no_loss_shared_binary"]
        lines.append(f"- {tag}{t['target']}: **{'met' if t['met'] else 'missed'}**"
                     + (f" (losses: {'; '.join(t['losses'])})" if t["losses"] else "") + ".")
    if "levels" in tg:
        t = tg["levels"]
        lines.append(f"- {tag}{t['target']}: **{'met' if t['met'] else 'missed'}**"
                     + (f" (losses: {'; '.join(t['losses'])})" if t["losses"] else "") + ".")
    if "cross_dataset" in tg:
        c = tg["cross_dataset"]
        lines.append(f"- {tag}cross-dataset target ({c['target']}): **{'met' if c['met'] else 'missed'}**; mean macro-F1 "
                     f"depscreen-default {_f(c['mean_f1_macro'][CLAIM])}, strongest peer {c['strongest_peer']} "
                     f"{_f(c['mean_f1_macro'][c['strongest_peer']])} (margin {c['margin']:+.3f}; against the best peer of "
                     f"each pair {c['margin_vs_best_peer_of_each_pair']:+.3f})"
                     + (f"; paired losses: {'; '.join(c['losses'])}" if c["losses"] else "; no paired loss") + ".")
    lines.append("")
    for fam, label in (("cross", "cross-dataset"), ("binary_mix", "binary case mix"), ("level_mix", "level case mix")):
        if fam in payload:
            lines.append(f"- {tag}{label}: depscreen-default against every other system, "
                         f"{payload[fam]['comparisons']} comparisons: {_verdict_counts(payload[fam]['tests'])} "
                         "(Holm-adjusted within this family).")
    lines.append("")
    if "cross" in payload:
        lines += _render_cross(payload["cross"], tag)
    if "binary_mix" in payload:
        lines += _render_mix(payload["binary_mix"], True, tag)
    if "level_mix" in payload:
        lines += _render_mix(payload["level_mix"], False, tag)
    return "\n".join(lines)


BIN_KEYS = ["f1", "f1_macro", "sensitivity", "specificity", "flagged_share", "ece", "brier", "roc_auc"]
LEVEL_KEYS = ["mae", "f1_macro", "sensitivity", "specificity", "flagged_share", "ece", "brier", "roc_auc"]


def _set_notes(name: str, h: dict[str, Any]) -> list[str]:
    counts = ", ".join(f"{c}: {n}" for c, n in zip(h["classes"], h["class_counts"]))
    lines = [f"- **{name}**: {h['description']}; {h['n']} items ({counts})"
             + (f"; **proxy label**: {h['proxy']}" if h["proxy"] else "")]
    lines += [f"  - {n}" for n in h["notes"]]
    return lines


def _render_cross(res: dict[str, Any], tag: str) -> list[str]:
    lines = ["## Cross-dataset", "", f"{tag}Trained on all of one set, scored on all of another of the same language "
             "(labels aligned). Paired test: bootstrap over the test items.", ""]
    for n, h in res["sets"].items():
        lines += _set_notes(n, h)
    lines.append("")
    lines += ["| pair | n train / test | positive share train / test | " + " | ".join(
        f"macro-F1 {m}" for m in next(iter(res["pairs"].values()))["systems"]) + " |"]
    systems = list(next(iter(res["pairs"].values()))["systems"])
    lines.append("|---|---|---|" + "---|" * len(systems))
    for key, p in res["pairs"].items():
        lines.append(f"| {key} | {p['n_train']} / {p['n_test']} | {_f(p['train_positive_share'])} / "
                     f"{_f(p['test_positive_share'])} | " + " | ".join(_f(p["systems"][m]["f1_macro"]) for m in systems) + " |")
    lines.append("")
    for key, p in res["pairs"].items():
        lines += [f"### {key}", ""] + _metric_table(p["systems"], BIN_KEYS) + [""]
        s = p["requested_sensitivity"]
        if s:
            lines += [f"depscreen-default asked for sensitivity {REQUESTED_SENSITIVITY} (threshold {s['threshold']:.3f} "
                      f"from its training out-of-fold scores): sensitivity {_f(s['sensitivity'])}, specificity "
                      f"{_f(s['specificity'])}, flagged {_f(s['flagged_share'])} of the new population.", ""]
    lines += ["### Paired tests (macro-F1)", ""] + _test_rows(res["tests"]) + [""]
    return lines


def _render_mix(res: dict[str, Any], binary: bool, tag: str) -> list[str]:
    title = "Case mix inside a set: binary" if binary else "Case mix inside a set: ordered levels"
    what = ("test folds resampled (seeded, with replacement, fold size kept) to each positive share" if binary
            else "test folds resampled toward the lowest and the highest level (other levels keep their proportions)")
    lines = [f"## {title}", "", f"{tag}Stratified cross-validation; the models of the training folds, {what}. "
             "'as sampled' is the pooled test folds unchanged.", ""]
    keys = BIN_KEYS if binary else LEVEL_KEYS
    for name, r in res["sets"].items():
        lines += [f"### {name}", ""] + _set_notes(name, r)
        lines += [f"- {r['cv']}-fold, fold seed {r['fold_seed']}", ""]
        systems = list(r["mixes"]["as sampled"]["systems"])
        head = "macro-F1" if binary else "MAE / macro-F1"
        lines += [f"{head} by case mix:", "", "| mix | shares | " + " | ".join(systems) + " |",
                  "|---|---|" + "---|" * len(systems)]
        for mix, mres in r["mixes"].items():
            shares = " / ".join(f"{s:.2f}" for s in mres["shares"])
            cells = [(_f(mres["systems"][m]["f1_macro"]) if binary else
                      f"{_f(mres['systems'][m]['mae'])} / {_f(mres['systems'][m]['f1_macro'])}") for m in systems]
            lines.append(f"| {mix} | {shares} | " + " | ".join(cells) + " |")
        lines += ["", "All metrics, as sampled:", ""] + _metric_table(r["mixes"]["as sampled"]["systems"], keys) + [""]
        s = r.get("requested_sensitivity")
        if s:
            lines += [f"depscreen-default asked for sensitivity {s['requested']} (threshold per fold from the training "
                      "fold's stored out-of-fold scores): test-fold sensitivity "
                      + ", ".join(_f(v) for v in s["per_fold_sensitivity"]) + f" (mean {_f(s['mean_sensitivity'])}; "
                      f"{s['folds_in_band']} of {s['folds']} folds in [{SENSITIVITY_BAND[0]}, {SENSITIVITY_BAND[1]}]); "
                      "specificity " + ", ".join(_f(v) for v in s["per_fold_specificity"]) + ".", ""]
    lines += ["### Paired tests", ""] + _test_rows(res["tests"]) + [""]
    return lines


# ------------------------------------------------------------------------------ main --


def build(args, log, on_part: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run the requested parts and return the JSON payload (targets included);
    ``on_part(payload)`` after each part but the last (a partial file survives an
    interruption)."""
    limit = args.limit if args.limit else (400 if args.quick else CAP)
    resamples = 200 if args.quick else BOOT
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    payload: dict[str, Any] = {"synthetic": bool(args.synthetic), "seed": args.seed, "bootstrap_resamples": resamples,
                               "ece_bins": f"{ECE_BINS} equal-width bins of [0, 1]",
                               "tuned_peers": f"TunedThresholdClassifierCV(scoring='f1_macro', cv={TUNED_CV} shuffled "
                                              f"stratified folds, seed {args.seed})",
                               "uncalibrated_variant": uncalibrated_params()}
    if args.synthetic:
        pair_src, mix_src, groups = synthetic_sources(args.seed)
        bin_src = {"synthetic-a": mix_src["synthetic-a"]}
        lev_src = {"synthetic-levels": mix_src["synthetic-levels"]}
    else:
        groups = PAIR_GROUPS
        pair_src = pair_sources(limit, args.seed) if "cross" in parts else {}
        sets = [s.strip() for s in args.sets.split(",")] if args.sets else list(BINARY_SETS + LEVEL_SETS)
        bin_src = {n: within_source(n, limit, args.seed) for n in sets if n in BINARY_SETS} if "binary" in parts else {}
        lev_src = {n: within_source(n, limit, args.seed) for n in sets if n in LEVEL_SETS} if "levels" in parts else {}
    steps = []
    if "binary" in parts and bin_src:
        steps.append(("binary_mix", lambda: run_mix(bin_src, True, args.seed, resamples, log)))
    if "cross" in parts:
        steps.append(("cross", lambda: run_cross(pair_src, groups, args.seed, resamples, log)))
    if "levels" in parts and lev_src:
        steps.append(("level_mix", lambda: run_mix(lev_src, False, args.seed, resamples, log)))
    for i, (key, step) in enumerate(steps):
        payload[key] = step()
        payload["targets"] = targets(payload)
        if on_part is not None and i < len(steps) - 1:
            on_part(payload)
    payload.setdefault("targets", {})
    return payload


def preamble(payload: dict[str, Any]) -> str:
    from depscreen.evaluate import DISCLAIMER

    data = ("**Synthetic data only** (a smoke run; no number here says anything about real text)."
            if payload["synthetic"] else
            f"{LICENCE_NOTE} Chinese labels are proxies (sadness, not depression); Indonesian labels are "
            "suicidal ideation; C-SSRS is suicide-risk severity. No synthetic data is used in this file.")
    return (f"> {DISCLAIMER}\n>\n> {data}\n\n"
            "depscreen-default as shipped (named before the run for every \"beats\") against the peers at full "
            f"strength ({PEER_DESCRIPTION}), each binary peer also inside {payload['tuned_peers']}. "
            f"ECE: {payload['ece_bins']}. Paired tests: bootstrap over test items ({payload['bootstrap_resamples']:,} "
            "resamples), two-sided normal p, Holm within each family; win / loss only at Holm p < 0.05.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="cross,binary,levels", help="comma-separated: cross, binary, levels")
    parser.add_argument("--sets", default=None, help="within-set parts: comma-separated shared set names")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--quick", action="store_true", help="debugging: 400 items per set, 200 bootstrap resamples")
    parser.add_argument("--limit", type=int, default=None, help=f"items per set (default {CAP}; --quick: 400)")
    parser.add_argument("--synthetic", action="store_true", help="synthetic sets instead of ../shared/data")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--name", default="transfer", help="results file stem")
    parser.add_argument("--results-dir", default=None, help="default: docs/results")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    record = start_record(seeds=[args.seed], argv=argv and ["benchmarks/transfer.py", *argv])
    record.extra["BLAS threads per process"] = os.environ.get("OPENBLAS_NUM_THREADS")

    def log(msg: str) -> None:
        print(msg, flush=True)

    def write(payload: dict[str, Any]) -> tuple[Path, Path]:
        return write_results(args.name, render(payload), payload, record, preamble=preamble(payload),
                             title="Transfer: new data sets and new case mixes" + (" (synthetic)" if args.synthetic else ""),
                             results_dir=Path(args.results_dir) if args.results_dir else None)

    def partial(payload: dict[str, Any]) -> None:
        if not args.no_write:
            done = [k for k in ("binary_mix", "cross", "level_mix") if k in payload]
            record.extra["status"] = f"PARTIAL: parts done {', '.join(done)}; run still going"
            write(payload)

    payload = build(args, log, partial)
    record.extra.pop("status", None)
    record.finish()
    print(render(payload))
    if not args.no_write:
        md, js = write(payload)
        print(f"wrote {md} and {js}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
