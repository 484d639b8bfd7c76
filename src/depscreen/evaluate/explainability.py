"""Explainability measures of any attention model, as evaluation metrics.

For a fitted model with ``explain(X)`` (one dict per user with ``posts`` carrying each
post's attention ``weight``, as :meth:`depscreen.models.mil.LMILAttClassifier.explain`
returns) and users ``X``:

* ``attention_entropy`` -- entropy of each bag's attention in nats, mean over bags
  (paper 001 reports 2.158 without MHIM and 2.496 with it on Thai-Maywe);
* ``attention_entropy_norm`` -- the same divided by ``log(n)`` (1 = uniform attention,
  no better than averaging);
* ``recall@10%``, ``recall@20%``, ``recall@50%`` -- share of the truly important posts
  (instance truth: ``Post.label`` or the synthetic sample's planted posts) among the top
  10 / 20 / 50 % of a bag by attention, mean over the bags that have such posts; with
  ``chance@k``, what a random ranking would get. Only when ``X`` carries instance truth.

The arithmetic is :mod:`depscreen.evaluate.explain`'s (:func:`explanation_metrics`);
this module decides when it applies and names the results as metrics, so
:func:`depscreen.evaluate.cross_validate` reports them per fold for every attention
model on a corpus with instance truth.

Example
-------
>>> from depscreen.corpus import Post, User
>>> class Uniform:  # any object with explain() works
...     def explain(self, X):
...         return [{"user_id": u.user_id, "posts": [{"index": i, "weight": 1 / len(u.posts)}
...                 for i in range(len(u.posts))]} for u in X]
>>> users = [User("a", 1, [Post("x", label=1), Post("y", label=0)])]
>>> m = explainability_metrics(Uniform(), users)
>>> round(m["attention_entropy"], 3), m["attention_entropy_norm"], m["recall@50%"]
(0.693, 1.0, 1.0)
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from ..corpus.types import User
from .explain import DEFAULT_KS, explanation_metrics, k_label

#: metric names this module adds (with the default ks)
EXPLAIN_METRICS = ("attention_entropy", "attention_entropy_norm") + tuple(
    f"recall@{k_label(k)}" for k in DEFAULT_KS
)


def has_instance_truth(users: Sequence[Any]) -> bool:
    """True when some post of ``users`` carries instance truth (``Post.label`` or a
    planted marker)."""
    return any(
        isinstance(u, User) and any(p.label is not None or p.meta.get("planted") for p in u.posts)
        for u in users
    )


def can_explain(model: Any, X: Sequence[Any]) -> bool:
    """A fitted attention model scoring users: its class sets ``explains_posts = True``
    (``explain`` returns per-post weights) and the measures need bags of posts. Models
    whose ``explain`` says something else (n-gram or feature weights) are not asked."""
    return (
        getattr(model, "explains_posts", False)
        and callable(getattr(model, "explain", None))
        and len(X) > 0
        and all(isinstance(u, User) for u in X)
    )


def explainability_metrics(
    model: Any,
    X: Sequence[User],
    *,
    ks: Iterable[float | int] = DEFAULT_KS,
    positive: Any = 1,
    explanations: Sequence[dict[str, Any]] | None = None,
) -> dict[str, float]:
    """Attention entropy (mean over bags) and, with instance truth, Recall@k.

    Parameters
    ----------
    model : a fitted model with ``explain(X)``.
    X : list of User.
    ks : shares (or counts) of a bag for Recall@k; default 10 / 20 / 50 %.
    positive : the ``Post.label`` value that marks an important post.
    explanations : ``model.explain(X)`` when already computed.

    Returns
    -------
    dict
        ``attention_entropy``, ``attention_entropy_norm``, ``n_bags`` and, when ``X``
        carries instance truth, ``recall@<k>``, ``chance@<k>``, ``lift@<k>`` and
        ``n_bags_with_truth``.
    """
    X = list(X)
    if not all(isinstance(u, User) for u in X):
        raise TypeError("explainability metrics need users (bags of posts)")
    if explanations is None:
        if not callable(getattr(model, "explain", None)):
            raise TypeError(f"{type(model).__name__} has no explain(); it cannot show which posts mattered")
        explanations = model.explain(X)
    for i, exp in enumerate(explanations):
        if not isinstance(exp, dict) or not isinstance(exp.get("posts"), list):
            raise ValueError(f"explanation {i} has no 'posts' list with per-post weights")
    ks = tuple(ks)
    raw = explanation_metrics(X, explanations, ks, positive=positive)
    out = {
        "attention_entropy": raw["entropy"],
        "attention_entropy_norm": raw["normalised_entropy"],
        "n_bags": raw["n_bags"],
    }
    if has_instance_truth(X) and raw["n_bags_with_truth"] > 0:
        out["n_bags_with_truth"] = raw["n_bags_with_truth"]
        for k in ks:
            key = k_label(k)
            for kind in ("recall", "chance", "lift"):
                out[f"{kind}@{key}"] = raw[f"{kind}@{key}"]
    return out


def fold_explainability(
    model: Any, X: Sequence[Any], explanations: Sequence[dict[str, Any]] | None = None
) -> dict[str, float]:
    """What :func:`depscreen.evaluate.cross_validate` adds to a fold's metrics: the
    entropy and Recall@k / chance@k of an attention model on the fold's test users;
    nothing for models without ``explain``, post-level data or explanations without
    per-post weights. ``explanations``: the model's, when the fold's forward pass
    already made them."""
    if not can_explain(model, X):
        return {}
    try:
        values = explainability_metrics(model, X, explanations=explanations)
    except (TypeError, ValueError, KeyError):
        return {}
    keep = ("attention_entropy", "attention_entropy_norm")
    return {k: float(v) for k, v in values.items()
            if (k in keep or k.startswith(("recall@", "chance@"))) and not _nan(v)}


def _nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)
