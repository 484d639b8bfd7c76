"""Build user bags with instance truth from a post-level corpus.

Real user-level depression data with post-level truth is rare; post-level sets
(Reddit depression posts, Weibo sadness, Indonesian ideation tweets) are not. This
module turns one into a multi-instance benchmark: a *positive* user is a timeline of
mostly negative posts with a few positive posts hidden at random positions; a
*negative* user has negative posts only. Every post keeps its source id and carries
``Post.label`` (1 = a positive post, 0 = not): the instance truth that attention
Recall@k is measured against. User-level models never train on it.

The share of positive posts inside a positive bag (``positive_share``, 0.5 down to
0.05) sets how hard the task is. Posts are drawn without replacement (each source
post lives in at most one bag, so user-level splits never share a post), after exact
duplicate texts are removed; texts that occur with both labels are dropped. Times are
invented (increasing, random gaps) so the bags have a time order; they carry no
signal.

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_posts
>>> posts = make_sample_posts(n=400, langs=("en",), seed=1)
>>> users = make_bag_corpus(posts, n_users=20, posts_per_user=10, positive_share=0.2, seed=3)
>>> u = next(u for u in users if u.label == 1)
>>> sum(p.label for p in u.posts), len(u.posts)
(2, 10)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable

import numpy as np

from .types import Post, PostCorpus, PostRecord, User, UserCorpus

_START = datetime(2020, 1, 1)


def _pools(posts: PostCorpus, positive: set) -> tuple[list[PostRecord], list[PostRecord], dict[str, int]]:
    """Positive and negative records after removing exact duplicates and conflicts."""
    by_text: dict[str, list[PostRecord]] = {}
    for rec in posts:
        if rec.label is None:
            continue
        by_text.setdefault(rec.text, []).append(rec)
    pos, neg = [], []
    stats = {"unlabelled": sum(1 for r in posts if r.label is None), "duplicates_removed": 0,
             "conflicting_removed": 0}
    for recs in by_text.values():
        labels = {r.label in positive for r in recs}
        if len(labels) > 1:
            stats["conflicting_removed"] += len(recs)
            continue
        stats["duplicates_removed"] += len(recs) - 1
        (pos if labels.pop() else neg).append(recs[0])
    return pos, neg, stats


def make_bag_corpus(
    posts: PostCorpus,
    *,
    n_users: int = 200,
    posts_per_user: int | tuple[int, int] = (10, 30),
    positive_share: float = 0.2,
    positive_users: float = 0.5,
    positive_label: Any | Iterable[Any] = 1,
    seed: int = 13,
    replace: bool = False,
    name: str | None = None,
) -> UserCorpus:
    """Users whose bags hide positive posts among negative ones (instance truth kept).

    Parameters
    ----------
    posts : PostCorpus
        Labelled posts (``{"id", "text", "label"}``).
    n_users : int
        Number of users (bags).
    posts_per_user : int or (int, int)
        Bag size, fixed or drawn uniformly from an inclusive range, the same for both
        classes (so length is no clue).
    positive_share : float in (0, 1]
        Share of positive posts in a positive user's bag (at least one post).
    positive_users : float in (0, 1)
        Share of positive users.
    positive_label : label or labels
        Post labels that count as positive (e.g. ``"sadness"`` or ``1``).
    seed : int
        Seed of the only random generator used.
    replace : bool
        Allow a source post in more than one bag (never twice in one bag). Off by
        default: with it, a post can sit in both a training and a test user.
    name : str, optional
        Corpus name (default: built from the source name and the settings).

    Returns
    -------
    UserCorpus
        Labels 1 / 0; each post has the source ``id``, ``label`` (instance truth),
        ``lang`` and an invented ``time``. ``corpus.meta`` records the settings, the
        seed and what was removed.
    """
    positive = set(positive_label) if isinstance(positive_label, (list, tuple, set, frozenset)) else {positive_label}
    if n_users < 2:
        raise ValueError(f"n_users must be at least 2, got {n_users}")
    if not 0.0 < positive_share <= 1.0:
        raise ValueError(f"positive_share must be in (0, 1], got {positive_share}")
    if not 0.0 < positive_users < 1.0:
        raise ValueError(f"positive_users must be in (0, 1), got {positive_users}")
    lo, hi = (posts_per_user, posts_per_user) if isinstance(posts_per_user, (int, np.integer)) else posts_per_user
    if not 1 <= lo <= hi:
        raise ValueError(f"posts_per_user must be >= 1 (a range with a <= b), got {posts_per_user!r}")

    pos_pool, neg_pool, stats = _pools(posts, positive)
    if not pos_pool or not neg_pool:
        raise ValueError(
            f"{posts.name or 'post corpus'}: need both positive ({sorted(positive, key=str)}) and "
            f"negative posts; got {len(pos_pool)} positive and {len(neg_pool)} negative"
        )
    rng = np.random.default_rng(seed)
    n_pos_users = int(np.clip(round(positive_users * n_users), 1, n_users - 1))
    labels = rng.permutation([1] * n_pos_users + [0] * (n_users - n_pos_users))
    sizes = rng.integers(lo, hi + 1, size=n_users)
    n_pos_posts = np.where(labels == 1, np.maximum(1, np.rint(positive_share * sizes)).astype(int), 0)
    n_pos_posts = np.minimum(n_pos_posts, sizes)
    need_pos, need_neg = int(n_pos_posts.sum()), int((sizes - n_pos_posts).sum())
    if not replace and (need_pos > len(pos_pool) or need_neg > len(neg_pool)):
        raise ValueError(
            f"{posts.name or 'post corpus'}: these settings need {need_pos} positive and {need_neg} "
            f"negative posts but only {len(pos_pool)} and {len(neg_pool)} distinct ones exist; "
            "use fewer users or shorter bags, or replace=True"
        )
    pos_order = rng.permutation(len(pos_pool))
    neg_order = rng.permutation(len(neg_pool))
    pos_next = neg_next = 0

    def draw(pool, order, next_i, k):
        if replace:
            return [pool[i] for i in rng.choice(len(pool), size=k, replace=k > len(pool))], next_i
        return [pool[i] for i in order[next_i : next_i + k]], next_i + k

    users = []
    for u in range(n_users):
        k_pos, size = int(n_pos_posts[u]), int(sizes[u])
        chosen_pos, pos_next = draw(pos_pool, pos_order, pos_next, k_pos)
        chosen_neg, neg_next = draw(neg_pool, neg_order, neg_next, size - k_pos)
        records = [(r, 1) for r in chosen_pos] + [(r, 0) for r in chosen_neg]
        records = [records[i] for i in rng.permutation(len(records))]
        t = _START + timedelta(days=int(rng.integers(0, 365)))
        bag = []
        for rec, truth in records:
            t += timedelta(minutes=int(rng.integers(30, 60 * 72)))
            bag.append(Post(text=rec.text, time=t.isoformat(timespec="seconds"), id=rec.id,
                            label=truth, lang=rec.lang, meta={"source_label": rec.label}))
        users.append(User(user_id=f"bag{u:05d}", label=int(labels[u]), posts=bag,
                          meta={"n_positive_posts": k_pos}))
    title = name or f"bags from {posts.name or 'posts'} (positive share {positive_share:g}, seed {seed})"
    corpus = UserCorpus(users, name=title)
    corpus.meta = {
        "built_from": posts.name,
        "level": "user",
        "bags": True,
        "seed": seed,
        "n_users": n_users,
        "posts_per_user": [int(lo), int(hi)],
        "positive_share": positive_share,
        "positive_users": positive_users,
        "positive_label": sorted((str(p) for p in positive)),
        "replace": replace,
        "positive_posts_used": need_pos,
        "negative_posts_used": need_neg,
        "positive_pool": len(pos_pool),
        "negative_pool": len(neg_pool),
        **stats,
    }
    return corpus


def instance_truth(user: User, positive: Any = 1) -> np.ndarray:
    """Boolean array over ``user.posts``: which posts are truly positive.

    Reads ``Post.label`` (set by :func:`make_bag_corpus`) or, failing that,
    ``meta["planted"]`` (the synthetic sample's planted posts).
    """
    return np.array(
        [(p.label == positive) if p.label is not None else bool(p.meta.get("planted")) for p in user.posts],
        dtype=bool,
    )
