"""Canonical in-memory types: every reader produces them, every model reads them.

Two kinds of corpus exist, mirroring the two JSON Lines layouts on disk:

* :class:`UserCorpus` -- one :class:`User` per line, ``{"user_id", "label", "posts": [...]}``;
  each post is ``{"text", "time", ...}``. Used by user-level models (multi-instance,
  feature-based detection).
* :class:`PostCorpus` -- one :class:`PostRecord` per line, ``{"id", "text", "label"}``.
  Used by post-level classifiers.

Labels are kept as the source gives them (``int`` for binary / ordinal, ``str`` for
emotion names); :meth:`UserCorpus.binarize` / :meth:`PostCorpus.binarize` map them to 0/1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

Label = Any  # int, float or str as the source gives it; None when unlabelled


@dataclass
class Post:
    """One post of a user's timeline.

    ``label`` is optional instance-level truth (for example a planted depressive post
    in the synthetic sample); user-level models never train on it.
    """

    text: str
    time: str | None = None  # ISO 8601 where known
    id: str | None = None
    label: Label = None
    lang: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "time": self.time}
        if self.id is not None:
            out["id"] = self.id
        if self.label is not None:
            out["label"] = self.label
        if self.lang is not None:
            out["lang"] = self.lang
        if self.meta:
            out["meta"] = self.meta
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Post":
        return cls(
            text=data["text"],
            time=data.get("time"),
            id=data.get("id"),
            label=data.get("label"),
            lang=data.get("lang"),
            meta=dict(data.get("meta") or {}),
        )


@dataclass
class User:
    """A user: a label and a time-ordered bag of posts."""

    user_id: str
    label: Label
    posts: list[Post] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.posts]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "user_id": self.user_id,
            "label": self.label,
            "posts": [p.to_dict() for p in self.posts],
        }
        if self.meta:
            out["meta"] = self.meta
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "User":
        return cls(
            user_id=str(data["user_id"]),
            label=data.get("label"),
            posts=[Post.from_dict(p) for p in data["posts"]],
            meta=dict(data.get("meta") or {}),
        )

    def sort_posts(self) -> None:
        """Order posts by time; posts without a time keep their relative order at the end."""
        timed = [p for p in self.posts if p.time]
        untimed = [p for p in self.posts if not p.time]
        self.posts = sorted(timed, key=lambda p: p.time) + untimed


@dataclass
class PostRecord:
    """One labelled post of a post-level corpus."""

    id: str
    text: str
    label: Label
    lang: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": self.text, "label": self.label}
        if self.lang is not None:
            out["lang"] = self.lang
        if self.meta:
            out["meta"] = self.meta
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PostRecord":
        return cls(
            id=str(data["id"]),
            text=data["text"],
            label=data.get("label"),
            lang=data.get("lang"),
            meta=dict(data.get("meta") or {}),
        )


@dataclass
class ReadReport:
    """What a reader did: records read, and every record skipped or repaired, with why.

    Readers never drop a record silently: each skip is counted under a reason, and the
    first few locations (file:line and field) are kept as examples.
    """

    source: str
    read: int = 0
    skipped: Counter = field(default_factory=Counter)
    recovered: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    max_examples: int = 5

    def skip(self, reason: str, where: str) -> None:
        self.skipped[reason] += 1
        self._example(reason, where)

    def recover(self, reason: str, where: str) -> None:
        self.recovered[reason] += 1
        self._example(reason, where)

    def _example(self, reason: str, where: str) -> None:
        bucket = self.examples.setdefault(reason, [])
        if len(bucket) < self.max_examples:
            bucket.append(where)

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "read": self.read,
            "skipped": dict(self.skipped),
            "recovered": dict(self.recovered),
            "examples": self.examples,
        }

    def summary(self) -> str:
        parts = [f"{self.source}: read {self.read}"]
        if self.skipped:
            parts.append("skipped " + ", ".join(f"{n} {r}" for r, n in self.skipped.items()))
        if self.recovered:
            parts.append("recovered " + ", ".join(f"{n} {r}" for r, n in self.recovered.items()))
        return "; ".join(parts)


class _Corpus:
    """Shared behaviour of the two corpus kinds."""

    level: str = ""
    items: list

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator:
        return iter(self.items)

    def __getitem__(self, index):
        return self.items[index]

    @property
    def labels(self) -> list[Label]:
        return [item.label for item in self.items]

    def label_counts(self) -> Counter:
        return Counter(self.labels)


class UserCorpus(_Corpus):
    """A list of users, each with a label and a bag of posts."""

    level = "user"

    def __init__(self, users: Iterable[User], name: str = "", report: ReadReport | None = None):
        self.items: list[User] = list(users)
        self.name = name
        self.report = report

    @property
    def users(self) -> list[User]:
        return self.items

    def subset(self, indices: Sequence[int]) -> "UserCorpus":
        return UserCorpus([self.items[i] for i in indices], name=self.name)

    def binarize(self, positive: Iterable[Label]) -> "UserCorpus":
        """Map labels in ``positive`` to 1 and every other label to 0 (a new corpus)."""
        pos = set(positive)
        users = [
            User(u.user_id, int(u.label in pos), list(u.posts), dict(u.meta)) for u in self.items
        ]
        return UserCorpus(users, name=self.name, report=self.report)


class PostCorpus(_Corpus):
    """A list of labelled posts."""

    level = "post"

    def __init__(self, records: Iterable[PostRecord], name: str = "", report: ReadReport | None = None):
        self.items: list[PostRecord] = list(records)
        self.name = name
        self.report = report

    @property
    def records(self) -> list[PostRecord]:
        return self.items

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.items]

    def subset(self, indices: Sequence[int]) -> "PostCorpus":
        return PostCorpus([self.items[i] for i in indices], name=self.name)

    def binarize(self, positive: Iterable[Label]) -> "PostCorpus":
        """Map labels in ``positive`` to 1 and every other label to 0 (a new corpus)."""
        pos = set(positive)
        records = [
            PostRecord(r.id, r.text, int(r.label in pos), r.lang, dict(r.meta)) for r in self.items
        ]
        return PostCorpus(records, name=self.name, report=self.report)


Corpus = UserCorpus | PostCorpus
