"""The real benchmark data sets, loaded the same way by every benchmark script.

Each entry of :data:`DATASETS` says how a data set in ``../shared/data`` becomes a corpus,
which task it is, how it is split, and what a reader of the table must be told (proxy
labels, licence, leakage fixes). Later benchmarks (lexicon, post-level, MIL, MHIM) call
:func:`load_benchmark_corpus` so that every model is measured on exactly the corpus the
baselines were measured on.

Usage from a script in ``benchmarks/``::

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _datasets import DATASETS, load_benchmark_corpus

    ds = load_benchmark_corpus("mht-filtered")
    comp = compare(["majority", "tfidf-lr"], ds.corpus, cv=ds.cv, repeats=ds.repeats,
                   seed=SEED, task=ds.task)

The data is never copied into the repository: research use only, no licence stated for
most sets (see ``../shared/data/README.md``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from depscreen.corpus import Corpus, UserCorpus

LICENCE_NOTE = (
    "Data: public research copies in ../shared/data (not redistributed here). No licence "
    "is stated for most of them: research use only."
)


@dataclass(frozen=True)
class DatasetSpec:
    """How one benchmark data set is read, split and described."""

    name: str
    fmt: str  # reader format name (depscreen.corpus.readers.READERS)
    folder: str  # under ../shared/data
    level: str  # "post" or "user"
    task: str  # binary / multiclass / ordinal
    cv: int
    repeats: int
    metrics: tuple[str, ...]  # the columns a results table shows
    description: str
    proxy: str | None = None  # set when the label is not depression
    self_disclosure_filter: bool = False
    label_names: dict[Any, str] = field(default_factory=dict)
    self_disclosure_scope: str = "narrow"  # "mention" (any diagnos / depress) or "narrow"
    normalise_links: bool = False  # URLs, @handles, e-mails -> one placeholder each
    sample: int | None = None  # stratified, seeded sample after pooling + dedup


DATASETS: dict[str, DatasetSpec] = {
    "reddit-cleaned": DatasetSpec(
        name="reddit-cleaned",
        fmt="reddit-cleaned",
        folder="en/reddit-depression-cleaned",
        level="post",
        task="binary",
        cv=5,
        repeats=1,
        metrics=("accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc"),
        description="Reddit depression (cleaned), English posts, is_depression 1 / 0",
    ),
    "ltedi-dev": DatasetSpec(
        name="ltedi-dev",
        fmt="ltedi",
        folder="en/ltedi2022-depsign",
        level="post",
        task="ordinal",
        cv=5,
        repeats=1,
        metrics=("accuracy", "f1_macro", "precision_macro", "recall_macro", "roc_auc_ovr", "mae"),
        description="LT-EDI 2022 DepSign dev split, English posts, 3 levels (not / moderate / severe)",
        label_names={0: "not depression", 1: "moderate", 2: "severe"},
    ),
    "mht-filtered": DatasetSpec(
        name="mht-filtered",
        fmt="mental-health-twitter",
        folder="en/mental-health-twitter",
        level="user",
        task="binary",
        cv=4,
        repeats=5,
        metrics=("accuracy", "f1", "f1_macro", "roc_auc", "pr_auc"),
        description="Mental-Health-Twitter, English tweets grouped per user, self-disclosure posts removed",
        self_disclosure_filter=True,
    ),
    "mht-controlled": DatasetSpec(
        name="mht-controlled",
        fmt="mental-health-twitter",
        folder="en/mental-health-twitter",
        level="user",
        task="binary",
        cv=4,
        repeats=5,
        metrics=("accuracy", "f1", "f1_macro", "roc_auc", "pr_auc"),
        description="Mental-Health-Twitter, English tweets grouped per user, confound-controlled: "
        "links / handles replaced by one placeholder each (depressed users post http://, controls "
        "https://), every post mentioning a diagnosis or depression removed (/diagnos|depress/i); "
        "no model sees post times",
        self_disclosure_filter=True,
        self_disclosure_scope="mention",
        normalise_links=True,
    ),
    "mht-controlled-narrow": DatasetSpec(
        name="mht-controlled-narrow",
        fmt="mental-health-twitter",
        folder="en/mental-health-twitter",
        level="user",
        task="binary",
        cv=4,
        repeats=5,
        metrics=("accuracy", "f1", "f1_macro", "roc_auc", "pr_auc"),
        description="Mental-Health-Twitter as mht-controlled, but only first-person diagnosis "
        "statements removed (the narrow self-disclosure filter)",
        self_disclosure_filter=True,
        self_disclosure_scope="narrow",
        normalise_links=True,
    ),
    "weibo-sadness": DatasetSpec(
        name="weibo-sadness",
        fmt="weibo-sadness",
        folder="zh/weibo-emotion-nlpcc-mix",
        level="post",
        task="binary",
        cv=5,
        repeats=1,
        metrics=("accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc"),
        description="Chinese Weibo posts (NLPCC 2013 + simplifyweibo, pooled, deduplicated), "
        "sadness 1 / every other emotion 0; a stratified sample of 10,000 posts (seed 13)",
        proxy="sadness emotion, not depression: a low-mood proxy",
        sample=10_000,
    ),
    "cssrs-5": DatasetSpec(
        name="cssrs-5",
        fmt="cssrs",
        folder="en/reddit-cssrs-500users",
        level="user",
        task="ordinal",
        cv=5,
        repeats=1,
        metrics=("mae", "rmse", "mae_expected", "f1_macro", "accuracy", "qwk"),
        description="Reddit C-SSRS 500 users, 5 ordinal suicide-risk levels 0..4 "
        "(Supportive, Indicator, Ideation, Behavior, Attempt)",
        proxy="suicide-risk severity, not depression",
        label_names={0: "Supportive", 1: "Indicator", 2: "Ideation", 3: "Behavior", 4: "Attempt"},
    ),
    "id-suicide": DatasetSpec(
        name="id-suicide",
        fmt="id-suicide",
        folder="id/suicide-ideation-tweets",
        level="post",
        task="binary",
        cv=5,
        repeats=1,
        metrics=("accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc"),
        description="Indonesian tweets, suicidal ideation 1 / 0 (keyword-collected), mojibake repaired",
        proxy="suicidal ideation, not depression: the closest Indonesian label set available",
    ),
}


@dataclass
class BenchmarkCorpus:
    """A loaded benchmark corpus with everything a results table must state."""

    spec: DatasetSpec
    corpus: Corpus
    read_summary: str
    preprocessing: dict[str, Any]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def task(self) -> str:
        return self.spec.task

    @property
    def cv(self) -> int:
        return self.spec.cv

    @property
    def repeats(self) -> int:
        return self.spec.repeats

    def notes(self) -> list[str]:
        out = [f"read: {self.read_summary}"]
        if self.spec.proxy:
            out.append(f"proxy label: {self.spec.proxy}")
        for key, value in self.preprocessing.items():
            if not key.endswith("_removed"):
                out.append(value if str(value).startswith(key) else f"{key}: {value}")
        return out


def data_dir() -> Path:
    """The shared data folder; a clear error when it is absent."""
    from depscreen.corpus.locate import shared_data_dir

    root = shared_data_dir()
    if root is None:
        raise FileNotFoundError(
            "../shared/data not found: the benchmarks need the public data sets "
            "(see ../shared/data/README.md)"
        )
    return Path(root)


def load_benchmark_corpus(name: str, *, filter_fn: Callable | None = None) -> BenchmarkCorpus:
    """Read benchmark data set ``name`` (a key of :data:`DATASETS`) as its spec says.

    Mental-Health-Twitter passes through the self-disclosure filter
    (``depscreen.text.selfdisclosure.filter_self_disclosure``, or ``filter_fn``) so the
    diagnosis tweets that labelled a user cannot leak the label; the posts and users it
    touched are recorded in ``preprocessing``. Duplicate removal is left to the
    evaluation harness, which counts it.
    """
    from depscreen.corpus.readers import read_source

    try:
        spec = DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown benchmark data set '{name}'; have {', '.join(DATASETS)}") from None
    root = data_dir()
    if not (root / spec.folder).exists():
        raise FileNotFoundError(f"{root / spec.folder}: data set '{name}' is missing")
    pre: dict[str, Any] = {}
    if spec.fmt == "weibo-sadness":
        corpus, summary = _read_weibo_sadness(spec, seed=13)
    else:
        corpus = read_source(None, spec.fmt)
        summary = corpus.report.summary() if corpus.report else "read"
    corpus.name = name
    summary = summary.replace(str(root) + "/", "")
    if spec.normalise_links:
        corpus, changed = normalise_links(corpus)
        pre["link normalisation"] = (
            f"link normalisation: URLs, @handles, e-mails and years replaced by <url> / <user> / <email> / <year> "
            f"in {changed} posts before any model sees them"
        )
    if spec.self_disclosure_filter:
        if filter_fn is None:
            from functools import partial

            from depscreen.text.selfdisclosure import filter_self_disclosure

            filter_fn = partial(filter_self_disclosure, scope=spec.self_disclosure_scope)
        n_posts = sum(len(u.posts) for u in corpus)
        corpus, report = filter_fn(corpus)
        removed = n_posts - sum(len(u.posts) for u in corpus)
        pre["self-disclosure filter"] = report.summary() if hasattr(report, "summary") else f"removed {removed} posts"
        pre["self_disclosure_posts_removed"] = removed
        empty = [u for u in corpus.users if not u.posts]
        if empty:
            counts = Counter(str(u.label) for u in empty)
            corpus = UserCorpus([u for u in corpus.users if u.posts], name=name, report=corpus.report)
            pre["users without posts after the filter"] = (
                f"{len(empty)} dropped (label " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + ")"
            )
        corpus.name = name
    return BenchmarkCorpus(spec, corpus, summary, pre)


_YEARS = re.compile(r"\b(?:19[89]\d|20[0-3]\d)\b")


def normalise_links(corpus: UserCorpus) -> tuple[UserCorpus, int]:
    """Every post's links, @handles and e-mails replaced by one placeholder each
    (:func:`depscreen.text.normalise.redact`) and years (1980-2039) by ``<year>``;
    returns the new corpus and how many posts changed. On Mental-Health-Twitter the link scheme alone (http:// for the depressed
    users' 2009-2016 timelines, https:// for the 2016-2017 controls) gives the label away.
    """
    from dataclasses import replace

    from depscreen.corpus import User
    from depscreen.text.normalise import redact

    changed = 0
    users = []
    for user in corpus.users:
        posts = []
        for post in user.posts:
            text = _YEARS.sub("<year>", redact(post.text))
            changed += text != post.text
            posts.append(replace(post, text=text))
        users.append(User(user.user_id, user.label, posts, dict(user.meta)))
    return UserCorpus(users, name=corpus.name, report=corpus.report), changed


def _read_weibo_sadness(spec: DatasetSpec, seed: int) -> tuple[Corpus, str]:
    """NLPCC 2013 + simplifyweibo pooled (sadness = 1), deduplicated, stratified sample."""
    import numpy as np

    from depscreen.corpus import PostCorpus
    from depscreen.corpus.readers import read_source
    from depscreen.evaluate.splits import deduplicate

    records, reads = [], []
    for fmt in ("nlpcc", "simplifyweibo"):
        part = read_source(None, fmt, lang="zh", positive=["sadness"])
        reads.append(f"{fmt}: {part.report.summary() if part.report else len(part)}")
        records += part.records
    corpus, report = deduplicate(PostCorpus(records, name=spec.name))
    y = np.asarray(corpus.labels)
    if spec.sample and len(corpus) > spec.sample:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(np.arange(len(y)), train_size=spec.sample, stratify=y, random_state=seed)
        corpus = corpus.subset(sorted(keep.tolist()))
    note = "; ".join(reads) + f"; pooled dedup: {report.items_before} -> {report.items_after}"
    if spec.sample:
        note += f"; stratified sample of {len(corpus)} (seed {seed})"
    return corpus, note


def deduplicated(corpus: Corpus, limit: int | None = None, seed: int = 13):
    """``(corpus, dedup_report)``: ``corpus`` after exact-duplicate removal (what
    :func:`depscreen.evaluate.compare` does first), so peers and models share one item
    order. ``limit`` (smoke runs only): a seeded stratified sample of that many items."""
    import numpy as np

    from depscreen.evaluate.splits import deduplicate

    corpus, report = deduplicate(corpus)
    if limit and len(corpus) > limit:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(np.arange(len(corpus)), train_size=limit, stratify=corpus.labels, random_state=seed)
        corpus = corpus.subset(sorted(keep.tolist()))
    return corpus, report


def without_times(corpus: UserCorpus) -> UserCorpus:
    """``corpus`` with every post's time removed: the confound-controlled setting for
    models with time or posting-rate features (on Mental-Health-Twitter the dates alone
    separate the classes: depressed users 2009-2016, controls 2016-2017)."""
    from dataclasses import replace

    from depscreen.corpus import User

    users = [User(u.user_id, u.label, [replace(p, time=None) for p in u.posts], dict(u.meta)) for u in corpus.users]
    return UserCorpus(users, name=corpus.name, report=corpus.report)
