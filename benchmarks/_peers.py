"""The three peers at full strength, the shared fold loop and the paired verdict (issue 14).

Every benchmark that says a depscreen model "beats" something compares it with what a
user gets from a few lines of scikit-learn, on the same corpus and the same folds, in the
same run. The peers are:

* ``word-lr``: word 1-2 gram TF-IDF (sublinear) + logistic regression (C = 4, balanced);
* ``word+char-lr``: word 1-2 + char_wb 2-5 TF-IDF (sublinear; character 1-4 grams for
  Chinese, which has no spaces) + logistic regression (C = 10, balanced);
* ``use-lr``: Universal Sentence Encoder vectors (a user: the mean of their post
  vectors) + logistic regression (balanced).

A user is one document of their posts joined (:func:`depscreen.models.base.as_documents`).
The strongest peer on a set (by the mean of the metric over folds) is the bar; the
verdict of the one model named before the run comes from a paired bootstrap over items of
the pooled out-of-fold predictions (win / loss only when the 95% interval excludes 0; a
tie is not a win), with the fold-level sign counts beside it.

Usage from a script in ``benchmarks/``::

    from _peers import PEER_NAMES, make_peers, seeded_folds, cross_val_oof, verdict

    factories = {"depscreen-default": lambda: DefaultClassifier(), **make_peers(chinese=False)}
    folds = seeded_folds(y, cv=5, repeats=1, seed=13)
    oof = cross_val_oof(factories, X, y, folds, ["f1", "f1_macro"])
    test = verdict(oof, "depscreen-default", y, "f1", higher=True, seed=13)
    print(verdict_sentence(test, "f1", "depscreen-default"))

``y`` is label indices 0..K-1 (``np.unique(labels, return_inverse=True)``); for a
binary set the positive class is index 1. The peers are scikit-learn estimators
(``get_params`` / ``clone`` work), so they also run inside
:func:`depscreen.evaluate.compare` as ``(name, estimator)`` pairs.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from depscreen.models.stepping import Stepper, update_embedding_means

ROOT = Path(__file__).resolve().parent.parent
CACHE = str(ROOT / ".depscreen-cache" / "embeddings")
BOOTSTRAP = 2000
PEER_NAMES = ("word-lr", "word+char-lr", "use-lr")
PEER_DESCRIPTION = (
    "word 1-2 TF-IDF + LR (C=4, balanced), word 1-2 + char_wb 2-5 TF-IDF + LR (C=10, balanced; "
    "character 1-4 grams for Chinese), USE-mean + LR (balanced)"
)


# ------------------------------------------------------------------------------ peers --


def _docs(X: Sequence[Any]) -> list[str]:
    from depscreen.models.base import as_documents

    return as_documents(X)


def word_features():
    """The ``word-lr`` features: word 1-2 gram TF-IDF (sublinear)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)


def word_char_features(chinese: bool = False):
    """The ``word+char-lr`` features: word 1-2 + char_wb 2-5 TF-IDF (character 1-4 grams
    for Chinese, which has no spaces), sublinear."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    char = (
        TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True)
        if chinese
        else TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    )
    return make_union(word_features(), char)


class _DocumentPeer(ClassifierMixin, BaseEstimator):
    """A TF-IDF + logistic regression pipeline on documents (a user: posts joined)."""

    def _pipeline(self):  # pragma: no cover - subclasses build it
        raise NotImplementedError

    def fit(self, X, y):
        self.model_ = self._pipeline().fit(_docs(X), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(_docs(X))

    def predict(self, X):
        return self.classes_[np.asarray(self.predict_proba(X)).argmax(1)]

    def stepper(self):
        """Post-by-post scoring for early detection: the pipeline's TF-IDF sums, kept per
        user (:meth:`depscreen.models.tfidf_stepper.LinearTfidfStepper.from_pipeline`)."""
        from depscreen.models.tfidf_stepper import LinearTfidfStepper

        return LinearTfidfStepper.from_pipeline(self.model_, self.classes_)


class WordPeer(_DocumentPeer):
    """``word-lr``: word 1-2 gram TF-IDF (sublinear) + LR (C = 4, balanced)."""

    def _pipeline(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        return make_pipeline(word_features(), LogisticRegression(C=4, class_weight="balanced", max_iter=2000))


class WordCharPeer(_DocumentPeer):
    """``word+char-lr``: word 1-2 + char_wb 2-5 TF-IDF + LR (C = 10, balanced).

    ``chinese=True`` uses character 1-4 grams instead of char_wb 2-5 (no spaces in
    Chinese, so word n-grams of unsegmented text are whole clauses).
    """

    def __init__(self, chinese: bool = False):
        self.chinese = chinese

    def _pipeline(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        return make_pipeline(
            word_char_features(self.chinese), LogisticRegression(C=10, class_weight="balanced", max_iter=2000)
        )


@functools.lru_cache(maxsize=4)
def use_embedder(cache_dir: str | None = CACHE):
    """One USE embedder per cache folder for the whole process (loading it costs seconds)."""
    from depscreen.embed import get_embedder

    return get_embedder("use", cache_dir=cache_dir)


class UsePeer(ClassifierMixin, BaseEstimator):
    """``use-lr``: USE vectors (a user: mean of their post vectors) + balanced LR."""

    def __init__(self, cache_dir: str | None = CACHE):
        self.cache_dir = cache_dir

    def _vectors(self, X):
        from depscreen.corpus import User

        embedder = use_embedder(self.cache_dir)
        if len(X) and isinstance(X[0], User):
            flat = [t for u in X for t in u.texts]
            V = embedder.embed(flat)
            out, start = np.zeros((len(X), V.shape[1]), dtype=np.float32), 0
            for i, u in enumerate(X):
                n = len(u.texts)
                out[i] = V[start : start + n].mean(axis=0)
                start += n
            return out
        return embedder.embed(list(X))

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression

        self.model_ = LogisticRegression(class_weight="balanced", max_iter=2000).fit(self._vectors(X), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(self._vectors(X))

    def predict(self, X):
        return self.classes_[np.asarray(self.predict_proba(X)).argmax(1)]

    def stepper(self):
        """Post-by-post scoring for early detection: a running sum of each user's post
        vectors (each post embedded once), scored as their mean."""
        return _UseMeanStepper(self)


class _UseMeanStepper(Stepper):
    """``use-lr`` stepped post by post: the user vector is the mean of the posts so far."""

    name = "use-mean-incremental"

    def __init__(self, peer: UsePeer):
        self.peer = peer

    def init(self, user):
        return {"emb_sum": None, "n": 0}

    def advance(self, states, new_posts):
        from depscreen.models.base import risk_scores

        means = update_embedding_means(states, new_posts, use_embedder(self.peer.cache_dir).embed,
                                       self.peer.model_.coef_.shape[1])
        proba = self.peer.model_.predict_proba(means)
        return np.asarray(risk_scores(proba, self.peer.classes_), dtype=float)


def make_peers(chinese: bool = False, cache_dir: str | None = CACHE) -> dict[str, Callable[[], Any]]:
    """Fresh, unfitted peers by name (``PEER_NAMES`` order), as zero-argument factories.

    ``chinese``: character 1-4 grams in ``word+char-lr``. ``cache_dir``: the USE vector
    cache (None: no cache).
    """
    return {
        "word-lr": WordPeer,
        "word+char-lr": lambda: WordCharPeer(chinese=chinese),
        "use-lr": lambda: UsePeer(cache_dir=cache_dir),
    }


TUNED_SUFFIX = "+tuned"


def make_tuned_peers(chinese: bool = False, cache_dir: str | None = CACHE, cv: int = 5,
                     seed: int = 13) -> dict[str, Callable[[], Any]]:
    """Each peer of :func:`make_peers` inside scikit-learn's
    ``TunedThresholdClassifierCV(scoring="f1_macro")`` (binary sets only): the threshold
    on P(positive) that maximises macro-F1 over ``cv`` shuffled stratified inner folds
    (seeded), then the peer refitted on all training data -- the decision rule
    depscreen-default gets, given to the peer in one line. Names: ``<peer>+tuned``."""
    from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

    def tuned(make: Callable[[], Any]) -> Callable[[], Any]:
        return lambda: TunedThresholdClassifierCV(
            make(), scoring="f1_macro", cv=StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed),
        )

    return {name + TUNED_SUFFIX: tuned(make) for name, make in make_peers(chinese, cache_dir).items()}


# ------------------------------------------------------------------ regression peers --

#: Peers for a numeric score (0-4 risk level, 0-24 interview score): the same features as
#: the classifier peers with ridge regression, so a model that regresses a score is not
#: compared only with classifiers that predict the most probable level.
REGRESSION_PEER_NAMES = ("word-ridge", "word+char-ridge", "use-ridge")
RIDGE_ALPHAS = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)


class RidgePeer(RegressorMixin, BaseEstimator):
    """A score peer: ``features`` (``"word"``, ``"word+char"`` or ``"use"``, as in the
    classifier peers) + ridge regression, its alpha chosen from :data:`RIDGE_ALPHAS` by
    efficient leave-one-out on the training data only (``RidgeCV``). Predictions are
    clipped to the training scores' range."""

    def __init__(self, features: str = "word", chinese: bool = False, cache_dir: str | None = CACHE):
        self.features = features
        self.chinese = chinese
        self.cache_dir = cache_dir

    def _vectors(self, X, fit: bool):
        if self.features == "use":
            return UsePeer(cache_dir=self.cache_dir)._vectors(list(X))
        if fit:
            self.vectorizer_ = word_features() if self.features == "word" else word_char_features(self.chinese)
            return self.vectorizer_.fit_transform(_docs(X))
        return self.vectorizer_.transform(_docs(X))

    def fit(self, X, y):
        from sklearn.linear_model import RidgeCV

        if self.features not in ("word", "word+char", "use"):
            raise ValueError(f"features must be 'word', 'word+char' or 'use', got {self.features!r}")
        y = np.asarray(y, dtype=float)
        self.model_ = RidgeCV(alphas=RIDGE_ALPHAS).fit(self._vectors(X, fit=True), y)
        self.range_ = (float(y.min()), float(y.max()))
        return self

    def predict(self, X):
        return np.clip(self.model_.predict(self._vectors(X, fit=False)), *self.range_)


def make_regression_peers(chinese: bool = False, cache_dir: str | None = CACHE) -> dict[str, Callable[[], Any]]:
    """Fresh, unfitted score peers by name (``REGRESSION_PEER_NAMES`` order)."""
    return {
        "word-ridge": lambda: RidgePeer("word", chinese, cache_dir),
        "word+char-ridge": lambda: RidgePeer("word+char", chinese, cache_dir),
        "use-ridge": lambda: RidgePeer("use", chinese, cache_dir),
    }


# ---------------------------------------------------------------------------- metrics --


def metric(name: str, y: np.ndarray, pred: np.ndarray, score: np.ndarray | None, classes: np.ndarray) -> float:
    """``f1`` (class index 1 of a binary set), ``f1_macro``, ``accuracy``, ``mae`` (on the
    class values) or ``roc_auc`` (binary; ``score`` = probability of index 1) on label
    indices ``y`` / ``pred`` (0..K-1)."""
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
    name: str, higher: bool, classes: np.ndarray, seed: int, resamples: int = BOOTSTRAP,
) -> dict[str, Any]:
    """Difference a - b of the metric over repeats (pooled out-of-fold predictions per
    repeat: one array per repeat in ``preds_*`` / ``scores_*``), with a 95% bootstrap
    interval from resampling items (same resample for both models and every repeat).

    Returns ``{"diff", "ci95", "p_two_sided", "resamples", "verdict"}`` with verdict
    ``win`` (a better, interval excludes 0), ``loss`` or ``tie``.
    """
    rng = np.random.default_rng(seed)
    n = len(y)

    def value(idx, preds, scores):
        vals = [metric(name, y[idx], p[idx], None if s is None else s[idx], classes) for p, s in zip(preds, scores)]
        return float(np.nanmean(vals))

    full = np.arange(n)
    diff = value(full, preds_a, scores_a) - value(full, preds_b, scores_b)
    boots = []
    for _ in range(resamples):
        idx = rng.integers(0, n, n)
        if name == "roc_auc" and len(np.unique(y[idx])) < 2:
            continue
        boots.append(value(idx, preds_a, scores_a) - value(idx, preds_b, scores_b))
    boots = np.asarray(boots)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    better = lo > 0 if higher else hi < 0
    worse = hi < 0 if higher else lo > 0
    p = float(min(1.0, 2 * min(np.mean(boots <= 0), np.mean(boots >= 0))))
    return {
        "diff": diff, "ci95": [float(lo), float(hi)], "p_two_sided": p, "resamples": int(len(boots)),
        "verdict": "win" if better else ("loss" if worse else "tie"),
    }


def sign_counts(a: Sequence[float], b: Sequence[float], higher: bool) -> dict[str, int]:
    """Folds where ``a`` is better / worse / equal to ``b`` (paired by position)."""
    d = np.asarray(a) - np.asarray(b)
    d = d if higher else -d
    return {"better": int((d > 1e-12).sum()), "worse": int((d < -1e-12).sum()), "equal": int((np.abs(d) <= 1e-12).sum())}


# --------------------------------------------------------------------------- fold loop --


def samples(corpus: Any) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """``(X, classes, y)`` of a corpus: its users (user level) or post texts, the sorted
    label values and each item's label index into them (what :func:`cross_val_oof` takes)."""
    from depscreen.corpus import UserCorpus

    X = list(corpus.users) if isinstance(corpus, UserCorpus) else [r.text for r in corpus.records]
    classes, y = np.unique(np.asarray(corpus.labels), return_inverse=True)
    return X, classes, y


def seeded_folds(y: np.ndarray, cv: int, repeats: int = 1, seed: int = 13) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Stratified ``cv``-fold splits per repeat, repeat ``r`` shuffled with ``seed + r``."""
    from sklearn.model_selection import StratifiedKFold

    return [
        list(StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed + r).split(np.zeros(len(y)), y))
        for r in range(repeats)
    ]


def plan_folds(corpus: Any, cv: int, repeats: int = 1, seed: int = 13) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """The folds :func:`depscreen.evaluate.compare` uses on this deduplicated corpus (its
    labels; posts of one user kept together where records name users), in the shape of
    :func:`seeded_folds`: a script that runs its other models through
    ``compare(..., seed=seed)`` runs the peers on exactly the same folds."""
    from depscreen.evaluate import make_splits
    from depscreen.evaluate.splits import corpus_groups

    plan = make_splits(list(corpus.labels), cv=cv, repeats=repeats, seed=seed, groups=corpus_groups(corpus))
    out: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(plan.repeats)]
    for fold in plan.folds:
        out[fold.repeat].append((np.asarray(fold.train), np.asarray(fold.test)))
    return out


@dataclass
class OOF:
    """Out-of-fold results of several models on the same folds.

    ``pred[m]`` / ``score[m]``: one array over all items per repeat (label index; the
    probability of index 1 for a binary set, else the expected class index);
    ``proba[m]``: the ``(n, K)`` probabilities per repeat (columns in class-index order);
    ``per_fold[m][metric]``: one value per fold, repeats in sequence; ``seconds[m]``:
    fit + predict time over all folds; ``folds``: the splits it ran on.
    """

    classes: np.ndarray
    folds: list[list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=list)
    pred: dict[str, list[np.ndarray]] = field(default_factory=dict)
    score: dict[str, list[np.ndarray]] = field(default_factory=dict)
    proba: dict[str, list[np.ndarray]] = field(default_factory=dict)
    per_fold: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def mean(self, model: str, name: str) -> float:
        return float(np.nanmean(self.per_fold[model][name]))

    def std(self, model: str, name: str) -> float:
        v = self.per_fold[model][name]
        return float(np.nanstd(v, ddof=1)) if len(v) > 1 else 0.0

    def summary(self, model: str) -> dict[str, Any]:
        """JSON-able ``{"per_fold", "mean", "std", "seconds_fit_predict_total"}``."""
        pf = self.per_fold[model]
        return {
            "per_fold": pf,
            "mean": {k: self.mean(model, k) for k in pf},
            "std": {k: self.std(model, k) for k in pf},
            "seconds_fit_predict_total": round(self.seconds[model], 1),
        }


def _labels_and_proba(model: Any, X: Sequence[Any]) -> tuple[np.ndarray | None, np.ndarray]:
    """A depscreen model's own labels (its ``predict``: a decision rule such as
    depscreen-default's tuned threshold, not always the most probable class) and its
    probabilities, in one pass; a peer inside ``TunedThresholdClassifierCV``: its tuned
    threshold's labels; ``(None, proba)`` for a plain peer, whose label is the most
    probable class."""
    own = getattr(model, "_forward", None)
    if callable(own):
        fw = own(list(X))
        return np.asarray(fw.predictions), np.asarray(fw.proba)
    if hasattr(model, "best_threshold_"):  # TunedThresholdClassifierCV: its own threshold
        return np.asarray(model.predict(X)), np.asarray(model.predict_proba(X))
    return None, np.asarray(model.predict_proba(X))


def cross_val_oof(
    factories: dict[str, Callable[[], Any]],
    X: Sequence[Any],
    y: np.ndarray,
    folds: list[list[tuple[np.ndarray, np.ndarray]]],
    metrics: Sequence[str],
    classes: np.ndarray | None = None,
    *,
    on_fit: Callable[[str, Any], None] | None = None,
    on_fold: Callable[[int, int, "OOF"], None] | None = None,
) -> OOF:
    """Fit every model of ``factories`` on every fold of ``folds`` (from
    :func:`seeded_folds`) and collect out-of-fold predictions and per-fold ``metrics``.

    ``y``: label indices 0..K-1; ``classes``: the label values (default ``0..K-1``),
    for ``mae``. ``on_fit(name, fitted_model)`` after each fit (to record what a model
    chose); ``on_fold(repeat, fold, oof)`` after each fold (progress lines).
    """
    y = np.asarray(y)
    classes = np.arange(int(y.max()) + 1) if classes is None else np.asarray(classes)
    K = len(classes)
    oof = OOF(classes=classes, folds=folds)
    for m in factories:
        oof.pred[m], oof.score[m], oof.proba[m] = [], [], []
        oof.per_fold[m] = {k: [] for k in metrics}
        oof.seconds[m] = 0.0
    for r, splits in enumerate(folds):
        preds = {m: np.zeros(len(y), dtype=int) for m in factories}
        scores = {m: np.zeros(len(y)) for m in factories}
        probas = {m: np.zeros((len(y), K)) for m in factories}
        for f, (tr, te) in enumerate(splits):
            Xtr, Xte = [X[i] for i in tr], [X[i] for i in te]
            for m, make in factories.items():
                t0 = time.perf_counter()
                model = make().fit(Xtr, y[tr])
                labels, proba = _labels_and_proba(model, Xte)
                oof.seconds[m] += time.perf_counter() - t0
                if list(model.classes_) != list(range(K)):
                    full = np.zeros((len(te), K))
                    full[:, list(model.classes_)] = proba
                    proba = full
                p = proba.argmax(1) if labels is None else np.asarray(labels).astype(int)
                s = proba[:, 1] if K == 2 else proba @ np.arange(K)
                preds[m][te], scores[m][te], probas[m][te] = p, s, proba
                for k in metrics:
                    oof.per_fold[m][k].append(metric(k, y[te], p, s, classes))
                if on_fit is not None:
                    on_fit(m, model)
            if on_fold is not None:
                on_fold(r, f, oof)
        for m in factories:
            oof.pred[m].append(preds[m])
            oof.score[m].append(scores[m])
            oof.proba[m].append(probas[m])
    return oof


def full_metrics(oof: OOF, model: str, y: np.ndarray, task: str) -> tuple[dict[str, Any], list[Any]]:
    """Every metric of ``task`` per fold by :func:`depscreen.evaluate.compute_metrics` (the
    columns of depscreen's own tables: precision, PR-AUC, QWK, ...), from the out-of-fold
    predictions of ``model``. Returns ``(summary, fold_metrics)``: ``summary[metric]`` is
    a :class:`~depscreen.evaluate.MetricSummary` (mean, std over folds)."""
    from depscreen.evaluate import compute_metrics, summarize

    y = np.asarray(y)
    values = oof.classes.tolist()
    folds = []
    for r, splits in enumerate(oof.folds):
        for _, te in splits:
            folds.append(compute_metrics(
                [values[i] for i in y[te]], [values[i] for i in oof.pred[model][r][te]],
                proba=oof.proba[model][r][te], classes=values, task=task,
            ))
    summary, _ = summarize(folds)
    return summary, folds


def model_summaries(oof: OOF, y: np.ndarray, task: str) -> dict[str, dict[str, Any]]:
    """Per model of ``oof``, JSON-able: ``mean`` / ``std`` / ``per_fold`` of every metric of
    ``task`` (:func:`full_metrics`), ``single_class_folds``, ``confusion`` (summed over
    folds, rows truth) and ``seconds_fit_predict_total``."""
    from depscreen.evaluate.metrics import sum_confusion

    out = {}
    for m in oof.pred:
        summary, fold_metrics = full_metrics(oof, m, y, task)
        out[m] = {
            "mean": {k: s.mean for k, s in summary.items()},
            "std": {k: s.std for k, s in summary.items()},
            "per_fold": {k: [fm.values.get(k) for fm in fold_metrics] for k in summary},
            "single_class_folds": int(sum(fm.single_class_prediction for fm in fold_metrics)),
            "confusion": sum_confusion(fold_metrics),
            "seconds_fit_predict_total": round(oof.seconds[m], 1),
        }
    return out


def fmt(mean: float | None, std: float | None) -> str:
    """``mean ± std`` with 3 decimals; ``n/a`` where the metric is undefined."""
    if mean is None or mean != mean:
        return "n/a"
    return f"{mean:.3f} ± {std:.3f}"


def metrics_table(models: dict[str, dict[str, Any]], metrics: Sequence[str], labels: dict[str, str] | None = None) -> list[str]:
    """Markdown rows of :func:`model_summaries`: one per model (in ``models`` order, a
    label from ``labels`` where given), mean ± std of ``metrics``, single-class folds and
    fit + predict seconds."""
    labels = labels or {}
    lines = [
        "| model | " + " | ".join(metrics) + " | single-class folds | fit + predict s (all folds) |",
        "|---|" + "---|" * (len(metrics) + 2),
    ]
    for m, r in models.items():
        n_folds = len(next(iter(r["per_fold"].values()), []))
        lines.append(f"| {labels.get(m, m)} | " + " | ".join(fmt(r["mean"].get(k), r["std"].get(k)) for k in metrics)
                     + f" | {r['single_class_folds']} / {n_folds} | {r['seconds_fit_predict_total']:.0f} |")
    return lines


def set_header(title: str, res: dict[str, Any]) -> list[str]:
    """The opening lines of a data set's section: heading, description, the proxy-label
    line where the label is not depression, the loader's notes and the dedup summary
    (``res`` keys ``description``, ``proxy``, ``notes``, ``dedup``)."""
    lines = [f"## {title}", "", res["description"] + ".", ""]
    if res["proxy"]:
        lines += [f"**Proxy label:** {res['proxy']}.", ""]
    return lines + [f"- {n}" for n in res["notes"]] + [f"- {res['dedup']}"]


# ---------------------------------------------------------------------------- verdict --


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of ``pvalues`` (one per comparison of a results file),
    in the input order: the family-wise error stays at the nominal level however many
    verdicts a file has. ``nan`` stays ``nan`` and does not count as a comparison."""
    p = np.asarray(pvalues, dtype=float)
    ok = np.flatnonzero(~np.isnan(p))
    out = np.full(len(p), np.nan)
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out.tolist()


def add_holm(tests: Sequence[dict[str, Any]], key: str = "p_two_sided") -> int:
    """Add ``"holm_p"`` (Holm-adjusted ``key`` across all of ``tests``) and
    ``"comparisons"`` to every test dict in place; returns the number of comparisons."""
    adjusted = holm([t.get(key, float("nan")) for t in tests])
    n = int(sum(a == a for a in adjusted))
    for t, a in zip(tests, adjusted):
        t["holm_p"] = a
        t["comparisons"] = n
    return n


def multiplicity_sentence(n: int, key: str = "two-sided p") -> str:
    """The line every results file with more than one verdict carries."""
    return (f"Multiplicity: this file makes {n} comparisons; the Holm column adjusts each {key} for all {n} "
            "(family-wise error 5%). A verdict whose Holm-adjusted p is >= 0.05 may be one of the chance "
            "findings expected among that many tests.")


def strongest_peer(oof: OOF, name: str, higher: bool, peers: Sequence[str] = PEER_NAMES) -> str:
    """The peer with the best mean of metric ``name`` over folds: the bar."""
    return (max if higher else min)(peers, key=lambda m: oof.mean(m, name))


def verdict(
    oof: OOF, model: str, y: np.ndarray, name: str, higher: bool, seed: int,
    peers: Sequence[str] = PEER_NAMES, target: float | None = None, resamples: int = BOOTSTRAP,
) -> dict[str, Any]:
    """``model`` against the strongest of ``peers`` on metric ``name``: the paired
    bootstrap (:func:`paired_bootstrap`) plus ``"peer"``, ``"folds"`` (sign counts) and,
    with a ``target``, ``"target"``, ``"target_met"``, ``"target_gap"``."""
    peer = strongest_peer(oof, name, higher, peers)
    out = paired_bootstrap(
        np.asarray(y), oof.pred[model], oof.pred[peer], oof.score[model], oof.score[peer],
        name, higher, oof.classes, seed, resamples,
    )
    out["peer"] = peer
    out["folds"] = sign_counts(oof.per_fold[model][name], oof.per_fold[peer][name], higher)
    if target is not None:
        value = oof.mean(model, name)
        out["target"] = target
        out["target_met"] = bool(value >= target if higher else value <= target)
        out["target_gap"] = float(value - target)
    return out


def verdict_cells(test: dict[str, Any]) -> list[str]:
    """Table cells: strongest peer, ``diff [95% CI]``, the Holm-adjusted p when the file's
    tests went through :func:`add_holm` (a header column ``Holm p`` before the verdict),
    bold verdict."""
    lo, hi = test["ci95"]
    holm_cell = [f"{test['holm_p']:.3f}"] if "holm_p" in test else []
    return [test["peer"], f"{test['diff']:+.3f} [{lo:+.3f}, {hi:+.3f}]", *holm_cell, f"**{test['verdict']}**"]


def verdict_sentence(test: dict[str, Any], name: str) -> str:
    """One sentence: the paired test on metric ``name`` against the strongest peer."""
    lo, hi = test["ci95"]
    f = test["folds"]
    return (
        f"Paired test on {name} vs {test['peer']} (the strongest peer): difference {test['diff']:+.4f}, "
        f"95% CI [{lo:+.4f}, {hi:+.4f}], two-sided bootstrap p = {test['p_two_sided']:.3f}; "
        + (f"Holm-adjusted over the file's {test['comparisons']} comparisons: p = {test['holm_p']:.3f}; "
           if "holm_p" in test else "")
        + f"folds better / worse / equal: {f['better']} / {f['worse']} / {f['equal']}. "
        f"Verdict: **{test['verdict']}**."
    )
