"""A screening page for a corpus: train a model, screen users it never saw, write the
highest-scored ones to a self-contained review page (the demo's ``screening.html``).

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_corpus
>>> corpus = make_sample_corpus(n_users=60, seed=3)
>>> info = write_screening_page(corpus, "out/screening.html", model="tfidf-lr")  # doctest: +SKIP
>>> info["n_screened"]  # doctest: +SKIP
12
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..corpus.types import UserCorpus
from .viewer import view_from_predictions, write_view_html


def write_screening_page(
    corpus: UserCorpus,
    path: str | Path,
    *,
    model: Any = None,
    params: Mapping[str, Any] | None = None,
    holdout: float = 0.2,
    n_top: int = 10,
    seed: int = 13,
    data: str = "",
) -> dict[str, Any]:
    """Train ``model`` (None: the default model) with ``depscreen.train`` on all but a
    stratified ``holdout`` share of the users, screen the held-out users with
    ``depscreen.score(..., explain=True)`` and write the ``n_top`` highest-scored ones,
    with their timelines and weights, to ``path``.

    Returns a summary: path, model, counts, the ids trained on and shown, seconds.
    """
    from sklearn.model_selection import train_test_split

    from ..api import score, train

    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be between 0 and 1, got {holdout}")
    t0 = time.perf_counter()
    users = list(corpus.users)
    labels = [u.label for u in users]
    train_idx, test_idx = train_test_split(np.arange(len(users)), test_size=holdout, random_state=seed,
                                           stratify=labels)
    train_corpus = UserCorpus([users[i] for i in train_idx], name=f"{corpus.name} (training part)")
    held_out = [users[i] for i in sorted(test_idx)]
    fitted, record = train(model, train_corpus, params=params, data=data or corpus.name)
    preds = score(fitted, held_out, explain=True, top_k=50)
    order = np.argsort(-np.nan_to_num(np.asarray(preds.scores, dtype=float), nan=-np.inf), kind="stable")[:n_top]
    chosen = [held_out[i] for i in order]
    top = score(fitted, chosen, explain=True, top_k=max(50, max(len(u.posts) for u in chosen)))
    view = view_from_predictions(chosen, top, source=(
        f"the {len(chosen)} highest-scored of {len(held_out)} held-out users (the model, trained on the other "
        f"{len(train_idx)}, never saw them)"))
    view["model"] = {"name": record.model, "version": ""}
    out = write_view_html(path, view, title="depscreen screening: highest-scored users")
    return {"path": out, "model": record.model, "n_train": len(train_idx), "n_screened": len(held_out),
            "shown": [u.user_id for u in chosen], "trained_on": [users[i].user_id for i in train_idx],
            "fit_seconds": record.fit_seconds,
            "seconds": round(time.perf_counter() - t0, 3)}
