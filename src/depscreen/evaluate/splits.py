"""Honest splits: exact-duplicate removal, then seeded, stratified, user-level k-fold.

Two rules keep a cross-validated score honest:

1. **One text never sits in both train and test.** Exact-duplicate texts are removed
   *before* splitting, and every removal is counted (:class:`DedupReport`).
2. **A user's posts never straddle train and test.** For a :class:`UserCorpus` each
   sample *is* a user; for a :class:`PostCorpus` whose records carry
   ``meta["user_id"]`` the posts are grouped by user (``StratifiedGroupKFold``).

Texts are compared after trimming surrounding whitespace; nothing else is normalised,
so "exact duplicate" means what it says.

Example
-------
>>> from depscreen.corpus import PostCorpus, PostRecord
>>> corpus = PostCorpus([PostRecord(str(i), t, l) for i, (t, l) in
...     enumerate([("a", 0), ("a", 0), ("b", 1), ("c", 1), ("c", 0)])])
>>> clean, report = deduplicate(corpus)
>>> [r.text for r in clean], report.duplicates_removed, report.conflicting_removed
(['a', 'b'], 1, 2)
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np
from sklearn.model_selection import (
    RepeatedKFold,
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
)

from ..corpus.types import Corpus, Post, PostCorpus, PostRecord, User, UserCorpus
from ..wording import label_text, plural

log = logging.getLogger(__name__)

MIN_FOLDS = 2


class SplitWarning(UserWarning):
    """Raised (as a warning) when the requested number of folds had to be reduced."""


@dataclass
class DedupReport:
    """What :func:`deduplicate` removed, so a reader can see the corpus really shrank.

    Attributes
    ----------
    level : "post" or "user"
    items_before, items_after : records (post corpus) or users (user corpus)
    posts_before, posts_after : number of texts before / after
    duplicates_removed : post corpus: repeated copies of a text with one label (first kept)
    conflicting_texts : post corpus: distinct texts that carried more than one label
    conflicting_removed : post corpus: records dropped because their text was conflicting
    within_user_removed : user corpus: a user's repeated identical posts
    cross_user_removed : user corpus: posts whose text already appeared under another user
    users_emptied : user corpus: users left with no posts, dropped
    """

    level: str
    items_before: int = 0
    items_after: int = 0
    posts_before: int = 0
    posts_after: int = 0
    duplicates_removed: int = 0
    conflicting_texts: int = 0
    conflicting_removed: int = 0
    within_user_removed: int = 0
    cross_user_removed: int = 0
    users_emptied: int = 0
    applied: bool = True

    @property
    def removed(self) -> int:
        """Texts removed in all (posts for a user corpus, records for a post corpus)."""
        return self.posts_before - self.posts_after

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["removed"] = self.removed
        return out

    def summary(self) -> str:
        if not self.applied:
            return "deduplication: off"
        if self.level == "post":
            return (
                f"deduplication: {self.items_before} -> {plural(self.items_after, 'post')} "
                f"({plural(self.duplicates_removed, 'duplicate copy', 'duplicate copies')}, "
                f"{plural(self.conflicting_removed, 'post')} of {plural(self.conflicting_texts, 'text')} "
                "with conflicting labels removed)"
            )
        return (
            f"deduplication: {self.posts_before} -> {plural(self.posts_after, 'post')} "
            f"({self.within_user_removed} repeated within a user, {self.cross_user_removed} "
            f"shared with another user); {plural(self.users_emptied, 'user')} left empty and dropped"
        )


def _key(text: str) -> str:
    return text.strip()


def deduplicate(corpus: Corpus) -> tuple[Corpus, DedupReport]:
    """Remove exact-duplicate texts (counted) so that no text can reach train and test.

    Post corpus: the first occurrence of a text is kept; when copies of one text carry
    different labels all of them are dropped (the text cannot be labelled honestly) and
    counted as conflicts. User corpus: a user's repeated identical posts are dropped, and
    a post whose text already appeared under an earlier user is dropped (the first user
    keeps it); users with no posts left are dropped and counted.

    Returns a new corpus (inputs are not modified) and a :class:`DedupReport`.
    """
    if isinstance(corpus, PostCorpus):
        return _dedup_posts(corpus)
    if isinstance(corpus, UserCorpus):
        return _dedup_users(corpus)
    raise TypeError(f"expected a PostCorpus or UserCorpus, got {type(corpus).__name__}")


def _dedup_posts(corpus: PostCorpus) -> tuple[PostCorpus, DedupReport]:
    labels_of: dict[str, set] = {}
    for rec in corpus.records:
        labels_of.setdefault(_key(rec.text), set()).add(_label_key(rec.label))
    conflicting = {k for k, labels in labels_of.items() if len(labels) > 1}
    seen: set[str] = set()
    kept: list[PostRecord] = []
    report = DedupReport(level="post", items_before=len(corpus), posts_before=len(corpus))
    report.conflicting_texts = len(conflicting)
    for rec in corpus.records:
        key = _key(rec.text)
        if key in conflicting:
            report.conflicting_removed += 1
        elif key in seen:
            report.duplicates_removed += 1
        else:
            seen.add(key)
            kept.append(rec)
    report.items_after = report.posts_after = len(kept)
    out = PostCorpus(kept, name=corpus.name, report=corpus.report)
    return out, report


def _dedup_users(corpus: UserCorpus) -> tuple[UserCorpus, DedupReport]:
    owner: dict[str, int] = {}  # text -> index of the first user that posted it
    report = DedupReport(level="user", items_before=len(corpus))
    users: list[User] = []
    for idx, user in enumerate(corpus.users):
        report.posts_before += len(user.posts)
        posts: list[Post] = []
        own: set[str] = set()
        for post in user.posts:
            key = _key(post.text)
            if owner.setdefault(key, idx) != idx:
                report.cross_user_removed += 1
            elif key in own:
                report.within_user_removed += 1
            else:
                own.add(key)
                posts.append(post)
        if not posts:
            report.users_emptied += 1
            continue
        report.posts_after += len(posts)
        users.append(User(user.user_id, user.label, posts, dict(user.meta)))
    report.items_after = len(users)
    return UserCorpus(users, name=corpus.name, report=corpus.report), report


def _label_key(label: Any) -> Any:
    # 1 and 1.0 and True are the same label; "1" is not.
    if isinstance(label, (bool, np.bool_)):
        return int(label)
    if isinstance(label, (int, float, np.integer, np.floating)):
        return float(label)
    return label


@dataclass
class Fold:
    """One train / test split: positions into the (deduplicated) corpus."""

    repeat: int
    fold: int
    train: np.ndarray
    test: np.ndarray

    @property
    def n_train(self) -> int:
        return len(self.train)

    @property
    def n_test(self) -> int:
        return len(self.test)


@dataclass
class SplitPlan:
    """The folds of one cross-validation run and how they were made."""

    folds: list[Fold]
    n_splits: int
    n_splits_requested: int
    repeats: int
    seed: int
    strategy: str
    grouped: bool
    notes: list[str] = field(default_factory=list)

    def fold_sizes(self) -> list[dict[str, int]]:
        return [
            {"repeat": f.repeat, "fold": f.fold, "train": f.n_train, "test": f.n_test}
            for f in self.folds
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_splits": self.n_splits,
            "n_splits_requested": self.n_splits_requested,
            "repeats": self.repeats,
            "seed": self.seed,
            "strategy": self.strategy,
            "grouped": self.grouped,
            "fold_sizes": self.fold_sizes(),
            "notes": list(self.notes),
        }


def make_splits(
    y: Sequence[Any],
    *,
    cv: int = 5,
    repeats: int = 1,
    seed: int = 13,
    stratify: bool = True,
    groups: Sequence[Any] | None = None,
) -> SplitPlan:
    """Seeded (repeated) k-fold over samples, stratified by label.

    Parameters
    ----------
    y : labels, one per sample (a sample is a user for user-level data).
    cv : folds requested. When the smallest class has fewer than ``cv`` members, ``cv``
        is reduced to that size with a :class:`SplitWarning`; when it has fewer than 2 a
        ``ValueError`` explains that the class cannot be cross-validated.
    repeats : how many times the k-fold is repeated with a different shuffle.
    seed : the random seed (recorded in the plan).
    stratify : False for regression targets (plain shuffled k-fold).
    groups : optional group id per sample (e.g. the user of each post); samples of a group
        stay on one side (``StratifiedGroupKFold``, reshuffled per repeat).

    Example
    -------
    >>> plan = make_splits([0, 1] * 10, cv=5, seed=13)
    >>> len(plan.folds), plan.folds[0].n_test
    (5, 4)
    """
    y = np.asarray(y, dtype=object)
    n = len(y)
    if cv < MIN_FOLDS:
        raise ValueError(f"cv must be at least {MIN_FOLDS}, got {cv}")
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    notes: list[str] = []
    n_splits = cv
    if stratify:
        keys = np.array([_label_key(v) for v in y], dtype=object)
        counts = Counter(keys.tolist())
        if len(counts) < 2:
            raise ValueError(
                f"cannot cross-validate: all {n} samples carry one label ({label_text(next(iter(counts)))})"
            )
        label_min, smallest = min(counts.items(), key=lambda kv: kv[1])
        if groups is not None:
            group_counts = Counter()
            for g, k in {(g, k) for g, k in zip(groups, keys)}:
                group_counts[k] += 1
            label_min, smallest = min(group_counts.items(), key=lambda kv: kv[1])
        if smallest < MIN_FOLDS:
            raise ValueError(
                f"cannot cross-validate: label {label_text(label_min)} has only "
                f"{plural(smallest, 'group' if groups is not None else 'sample')}; every label needs at "
                f"least {MIN_FOLDS} (remove or merge that label)"
            )
        if smallest < cv:
            n_splits = smallest
            msg = (
                f"label {label_text(label_min)} has only "
                f"{plural(smallest, 'group' if groups is not None else 'sample')}: reduced cv from {cv} to "
                f"{n_splits} folds so every test fold holds each label"
            )
            warnings.warn(msg, SplitWarning, stacklevel=2)
            log.warning(msg)
            notes.append(msg)
        strat_y = keys.astype(str)
    else:
        if n < cv:
            raise ValueError(f"cannot make {cv} folds from {n} samples")
        strat_y = None

    folds: list[Fold] = []
    X_dummy = np.zeros((n, 1))
    if groups is not None:
        groups = np.asarray(groups, dtype=object).astype(str)
        strategy = "StratifiedGroupKFold" if stratify else "GroupKFold"
        for r in range(repeats):
            rng_seed = int(np.random.SeedSequence([seed, r]).generate_state(1)[0] % (2**31))
            if stratify:
                splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=rng_seed)
                parts = splitter.split(X_dummy, strat_y, groups)
            else:
                parts = _shuffled_group_kfold(groups, n_splits, rng_seed)
            for f, (tr, te) in enumerate(parts):
                folds.append(Fold(r, f, np.asarray(tr), np.asarray(te)))
    else:
        if stratify:
            strategy = "RepeatedStratifiedKFold"
            splitter = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=repeats, random_state=seed)
            parts = splitter.split(X_dummy, strat_y)
        else:
            strategy = "RepeatedKFold"
            splitter = RepeatedKFold(n_splits=n_splits, n_repeats=repeats, random_state=seed)
            parts = splitter.split(X_dummy)
        for i, (tr, te) in enumerate(parts):
            folds.append(Fold(i // n_splits, i % n_splits, tr, te))
    return SplitPlan(
        folds=folds,
        n_splits=n_splits,
        n_splits_requested=cv,
        repeats=repeats,
        seed=seed,
        strategy=strategy,
        grouped=groups is not None,
        notes=notes,
    )


def _shuffled_group_kfold(groups: np.ndarray, n_splits: int, seed: int):
    uniq = np.unique(groups)
    if len(uniq) < n_splits:
        raise ValueError(f"cannot make {n_splits} folds from {len(uniq)} groups")
    rng = np.random.default_rng(seed)
    order = rng.permutation(uniq)
    assignment = {g: i % n_splits for i, g in enumerate(order)}
    fold_of = np.array([assignment[g] for g in groups])
    for f in range(n_splits):
        yield np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)


def corpus_groups(corpus: Corpus) -> list[str] | None:
    """The user of each record of a post corpus when every record names one
    (``meta["user_id"]``), else None; a user corpus needs no groups (a sample is a user)."""
    if not isinstance(corpus, PostCorpus):
        return None
    ids = [r.meta.get("user_id") if r.meta else None for r in corpus.records]
    if ids and all(i is not None for i in ids) and len(set(ids)) < len(ids):
        return [str(i) for i in ids]
    return None
