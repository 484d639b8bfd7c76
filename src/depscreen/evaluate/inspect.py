"""Look at a corpus before training: counts, languages, duplicates, and confounds.

(Here, not in :mod:`depscreen.corpus`: the languages come from
:func:`depscreen.text.detect_language`, and corpus sits below text.)

:func:`inspect_corpus` returns a JSON-ready dict (counts only, never post text);
:func:`render_inspection` prints it as rich tables. The ``confounds`` section warns
about shortcuts a model could learn instead of the mood, for example when the labels
were collected in different years (per-label time ranges barely overlap) or with
different link styles. Mental-Health-Twitter is the textbook case: depressed users
tweet 2009-2016 with ``http://`` links, controls 2016-2017 with ``https://`` ones.

Example
-------
>>> from depscreen.corpus import Post, User, UserCorpus
>>> users = UserCorpus([
...     User("a", 1, [Post("so tired http://x.io", "2012-01-01T00:00:00")]),
...     User("b", 0, [Post("new phone https://t.co/y", "2017-01-01T00:00:00")]),
... ])
>>> info = inspect_corpus(users)
>>> info["labels"], info["time"]["by_label"]["1"]["max_year"]
({'0': 1, '1': 1}, 2012)
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any, Iterator

from ..corpus.types import Corpus, UserCorpus

_URL = re.compile(r"(?:https?://|\bwww\.)\S+", re.I)
_HTTP = re.compile(r"\bhttp://", re.I)
_HTTPS = re.compile(r"\bhttps://", re.I)
_TCO = re.compile(r"(?:\bhttps?://)?\bt\.co/", re.I)
_BARE_WWW = re.compile(r"(?<![/\w.])www\.", re.I)

LINK_PATTERNS = ("any", "http", "https", "t.co", "www")


def _label_key(label: Any) -> str:
    return "null" if label is None else str(label)


def _sort_key(key: str):
    try:
        return (0, float(key), key)
    except ValueError:
        return (1, 0.0, key)


def _posts(corpus: Corpus) -> Iterator[tuple[str, str, str | None, str | None]]:
    """``(label_key, text, time, user_id)`` for every post of the corpus."""
    if isinstance(corpus, UserCorpus):
        for user in corpus:
            key = _label_key(user.label)
            for post in user.posts:
                yield key, post.text, post.time, user.user_id
    else:
        for record in corpus:
            yield _label_key(record.label), record.text, record.meta.get("time"), None


def _timestamp(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        dt = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _year(ts: float) -> int:
    return datetime.fromtimestamp(ts, tz=timezone.utc).year


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d")


def _quantile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        raise ValueError("no values")
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _auc(a: list[float], b: list[float]) -> float:
    """P(a value of ``a`` > a value of ``b``) (ties count half): the Mann-Whitney AUC."""
    from scipy.stats import rankdata

    ranks = rankdata(list(a) + list(b))
    rank_sum = float(sum(ranks[: len(a)]))
    return (rank_sum - len(a) * (len(a) + 1) / 2) / (len(a) * len(b))


def inspect_corpus(
    corpus: Corpus,
    *,
    lang_sample: int = 500,
    seed: int = 13,
    min_posts: int = 10,
    time_overlap: float = 0.25,
    time_auc: float = 0.9,
    link_gap: float = 0.5,
) -> dict[str, Any]:
    """Describe ``corpus`` and list its likely confounds (counts only, no text).

    Parameters
    ----------
    corpus : UserCorpus or PostCorpus
    lang_sample : int
        Posts sampled (seeded) for language identification; 0 skips it.
    seed : int
        Seed of that sample.
    min_posts : int
        Fewest timed / linked posts a label needs before it is compared.
    time_overlap : float
        Warn when two labels' central time ranges (5th-95th percentile) overlap by
        less than this share of the shorter range.
    time_auc : float
        Warn when the posting time alone separates two labels with an AUC this high
        (or this low), at post level or, for user corpora, with each user's median time.
    link_gap : float
        Warn when the share of links using ``https://`` (or ``t.co``) differs between
        two labels by at least this much.

    Returns
    -------
    dict
        ``level``, ``n_items``, ``n_posts``, ``labels``, ``posts_per_label``,
        ``posts_per_user``, ``text_chars``, ``languages``, ``duplicates``, ``time``,
        ``links``, ``confounds`` (list of ``{"kind", "labels", "message"}``).
    """
    user_level = isinstance(corpus, UserCorpus)
    labels = Counter(_label_key(item.label) for item in corpus)
    posts_per_label: Counter = Counter()
    lengths: list[int] = []
    times: dict[str, list[float]] = defaultdict(list)
    user_times: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    links: dict[str, Counter] = defaultdict(Counter)
    text_labels: dict[str, set[str]] = defaultdict(set)
    text_users: dict[str, set[str]] = defaultdict(set)
    text_count: Counter = Counter()
    all_posts: list[tuple[str, str]] = []
    no_text = 0
    for key, text, time, uid in _posts(corpus):
        if not isinstance(text, str):  # JSON null or a number: counted, never a traceback
            no_text += 1
            continue
        posts_per_label[key] += 1
        lengths.append(len(text))
        ts = _timestamp(time)
        if ts is not None:
            times[key].append(ts)
            if uid is not None:
                user_times[key][uid].append(ts)
        c = links[key]
        if _URL.search(text):
            c["any"] += 1
            c["http"] += bool(_HTTP.search(text))
            c["https"] += bool(_HTTPS.search(text))
            c["t.co"] += bool(_TCO.search(text))
            c["www"] += bool(_BARE_WWW.search(text))
        norm = text.strip()
        text_count[norm] += 1
        text_labels[norm].add(key)
        if uid is not None:
            text_users[norm].add(uid)
        all_posts.append((key, text))
    n_posts = len(all_posts)

    info: dict[str, Any] = {
        "name": getattr(corpus, "name", ""),
        "level": corpus.level,
        "n_items": len(corpus),
        "n_posts": n_posts,
        "labels": {k: labels[k] for k in sorted(labels, key=_sort_key)},
        "posts_per_label": {k: posts_per_label[k] for k in sorted(labels, key=_sort_key)},
        "text_chars": _summary(lengths),
        "posts_without_text": no_text,
    }
    if user_level:
        sizes = [len(u.posts) for u in corpus]
        by_label: dict[str, list[int]] = defaultdict(list)
        for user in corpus:
            by_label[_label_key(user.label)].append(len(user.posts))
        info["posts_per_user"] = {
            **_summary(sizes),
            "by_label": {k: _summary(by_label[k]) for k in sorted(by_label, key=_sort_key)},
        }
    info["languages"] = _languages(all_posts, lang_sample, seed)
    dup_texts = [t for t, n in text_count.items() if n > 1]
    info["duplicates"] = {
        "distinct_texts": len(text_count),
        "duplicated_texts": len(dup_texts),
        "extra_copies": n_posts - len(text_count),
        "cross_label": sum(1 for t in dup_texts if len(text_labels[t]) > 1),
        "cross_user": sum(1 for t in dup_texts if len(text_users[t]) > 1) if user_level else None,
    }
    info["time"] = {
        "n_with_time": sum(len(v) for v in times.values()),
        "by_label": {
            k: {
                "n": len(v),
                "min": _iso(min(v)),
                "max": _iso(max(v)),
                "min_year": _year(min(v)),
                "max_year": _year(max(v)),
                "p05": _iso(_quantile(sorted(v), 0.05)),
                "p95": _iso(_quantile(sorted(v), 0.95)),
            }
            for k, v in sorted(times.items(), key=lambda kv: _sort_key(kv[0]))
            if v
        },
    }
    info["links"] = {
        "by_label": {
            k: {
                "posts": posts_per_label[k],
                "with_link": links[k]["any"],
                **{p: _share(links[k][p], posts_per_label[k]) for p in LINK_PATTERNS},
            }
            for k in sorted(labels, key=_sort_key)
            if posts_per_label[k]
        }
    }
    info["confounds"] = _confounds(
        info, times, user_times, links, min_posts, time_overlap, time_auc, link_gap
    )
    return info


def _share(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


def _summary(values: list[int]) -> dict[str, float]:
    if not values:
        return {"min": 0, "median": 0, "max": 0, "mean": 0.0}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
        "mean": round(statistics.fmean(values), 2),
    }


def _languages(posts: list[tuple[str, str]], sample: int, seed: int) -> dict[str, Any]:
    if sample <= 0 or not posts:
        return {"method": None, "sampled": 0, "counts": {}, "by_label": {}}
    from ..text import detect_language  # here: text (and its tokenisers) load on first use

    detect, method = detect_language, "depscreen.text.detect_language"
    rng = random.Random(seed)
    chosen = posts if len(posts) <= sample else rng.sample(posts, sample)
    counts: Counter = Counter()
    by_label: dict[str, Counter] = defaultdict(Counter)
    for key, text in chosen:
        lang = detect(text)
        counts[lang] += 1
        by_label[key][lang] += 1
    return {
        "method": method,
        "sampled": len(chosen),
        "seed": seed,
        "counts": dict(counts.most_common()),
        "by_label": {k: dict(by_label[k].most_common()) for k in sorted(by_label, key=_sort_key)},
    }


def _confounds(info, times, user_times, links, min_posts, time_overlap, time_auc, link_gap) -> list[dict]:
    warnings: list[dict] = []
    keys = [k for k in info["labels"] if k != "null"]
    pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]]
    for a, b in pairs:
        ta, tb = sorted(times.get(a, [])), sorted(times.get(b, []))
        if len(ta) >= min_posts and len(tb) >= min_posts:
            lo_a, hi_a = _quantile(ta, 0.05), _quantile(ta, 0.95)
            lo_b, hi_b = _quantile(tb, 0.05), _quantile(tb, 0.95)
            shorter = max(min(hi_a - lo_a, hi_b - lo_b), 1.0)
            overlap = max(0.0, min(hi_a, hi_b) - max(lo_a, lo_b)) / shorter
            auc = _auc(ta, tb)
            user_auc = None
            ua = [statistics.median(v) for v in user_times.get(a, {}).values()]
            ub = [statistics.median(v) for v in user_times.get(b, {}).values()]
            if len(ua) >= 2 and len(ub) >= 2:
                user_auc = _auc(ua, ub)
            strong = lambda x: x is not None and (x >= time_auc or x <= 1 - time_auc)  # noqa: E731
            if overlap < time_overlap or strong(auc) or strong(user_auc):
                ra, rb = info["time"]["by_label"][a], info["time"]["by_label"][b]
                sep = max(abs(auc - 0.5), abs((user_auc or 0.5) - 0.5)) + 0.5
                warnings.append(
                    {
                        "kind": "time",
                        "labels": [a, b],
                        "overlap": round(overlap, 3),
                        "auc_posts": round(auc, 3),
                        "auc_users": None if user_auc is None else round(user_auc, 3),
                        "message": (
                            f"label {a} posts date {ra['min_year']}-{ra['max_year']} "
                            f"(central 90%: {ra['p05'][:7]} to {ra['p95'][:7]}), label {b} "
                            f"{rb['min_year']}-{rb['max_year']} ({rb['p05'][:7]} to {rb['p95'][:7]}); "
                            f"central ranges overlap {overlap:.0%} and the date alone separates "
                            f"them (AUC {sep:.2f}): a model can learn the year instead of the mood"
                        ),
                    }
                )
        la, lb = links.get(a, Counter()), links.get(b, Counter())
        if la["any"] >= min_posts and lb["any"] >= min_posts:
            for pattern in ("https", "t.co"):
                sa, sb = la[pattern] / la["any"], lb[pattern] / lb["any"]
                if abs(sa - sb) >= link_gap:
                    warnings.append(
                        {
                            "kind": "links",
                            "labels": [a, b],
                            "pattern": pattern,
                            "share_of_links": {a: round(sa, 3), b: round(sb, 3)},
                            "message": (
                                f"{pattern} is in {sa:.0%} of label {a}'s link posts but {sb:.0%} "
                                f"of label {b}'s: link style identifies the label (normalise URLs "
                                "to a placeholder before training)"
                            ),
                        }
                    )
    ppu = info.get("posts_per_user", {}).get("by_label", {})
    medians = {k: v["median"] for k, v in ppu.items() if k != "null" and v["median"]}
    if len(medians) >= 2 and max(medians.values()) >= 3 * min(medians.values()):
        warnings.append(
            {
                "kind": "timeline_length",
                "labels": sorted(medians, key=_sort_key),
                "message": "median posts per user differ by label ("
                + ", ".join(f"{k}: {v:g}" for k, v in sorted(medians.items(), key=lambda kv: _sort_key(kv[0])))
                + "): timeline length alone may predict the label",
            }
        )
    dup = info["duplicates"]
    if dup["cross_label"]:
        warnings.append(
            {
                "kind": "duplicates",
                "labels": keys,
                "message": f"{dup['cross_label']} texts occur under more than one label and "
                f"{dup['extra_copies']} posts are exact copies: deduplicate before splitting",
            }
        )
    elif info["n_posts"] and dup["extra_copies"] / info["n_posts"] >= 0.01:
        warnings.append(
            {
                "kind": "duplicates",
                "labels": keys,
                "message": f"{dup['extra_copies']} posts ({dup['extra_copies'] / info['n_posts']:.1%}) "
                "are exact copies of another: deduplicate before splitting",
            }
        )
    by_lang = info["languages"].get("by_label", {})
    top = {k: max(v, key=v.get) for k, v in by_lang.items() if k != "null" and v}
    if len(set(top.values())) > 1:
        warnings.append(
            {
                "kind": "language",
                "labels": sorted(top, key=_sort_key),
                "message": "the most frequent language differs by label ("
                + ", ".join(f"{k}: {v}" for k, v in sorted(top.items(), key=lambda kv: _sort_key(kv[0])))
                + "): language may stand in for the label",
            }
        )
    counts = [n for k, n in info["labels"].items() if k != "null"]
    if len(counts) >= 2 and max(counts) / sum(counts) >= 0.8:
        warnings.append(
            {
                "kind": "imbalance",
                "labels": keys,
                "message": f"the largest label holds {max(counts) / sum(counts):.0%} of the "
                f"{info['level']}s: report macro-F1 / PR-AUC, not accuracy",
            }
        )
    return warnings


def render_inspection(info: dict[str, Any], console=None) -> None:
    """Print :func:`inspect_corpus` output as rich tables (counts only, no post text)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    level = info["level"]
    title = f"{info.get('name') or 'corpus'}: {info['n_items']} {level}s, {info['n_posts']} posts"
    table = Table(title=title)
    table.add_column("label")
    table.add_column(f"{level}s", justify="right")
    table.add_column("posts", justify="right")
    if level == "user":
        table.add_column("posts/user min / median / max", justify="right")
    table.add_column("years", justify="right")
    table.add_column("link posts", justify="right")
    table.add_column("http:// / https:// / t.co", justify="right")
    ppu = info.get("posts_per_user", {}).get("by_label", {})
    for key, n in info["labels"].items():
        t = info["time"]["by_label"].get(key)
        lk = info["links"]["by_label"].get(key, {})
        row = [key, str(n), str(info["posts_per_label"].get(key, 0))]
        if level == "user":
            s = ppu.get(key, {})
            row.append(f"{s.get('min', 0)} / {s.get('median', 0):g} / {s.get('max', 0)}")
        row.append(f"{t['min_year']}-{t['max_year']}" if t else "-")
        row.append(f"{lk.get('any', 0):.0%}")
        row.append(f"{lk.get('http', 0):.0%} / {lk.get('https', 0):.0%} / {lk.get('t.co', 0):.0%}")
        table.add_row(*row)
    console.print(table)

    langs = info["languages"]
    if langs.get("sampled"):
        shown = ", ".join(f"{k} {v}" for k, v in langs["counts"].items())
        console.print(f"languages ({langs['sampled']} posts sampled, {langs['method']}): {shown}")
    dup = info["duplicates"]
    line = (
        f"duplicates: {dup['duplicated_texts']} texts occur more than once "
        f"({dup['extra_copies']} extra copies); {dup['cross_label']} cross labels"
    )
    if dup.get("cross_user") is not None:
        line += f", {dup['cross_user']} cross users"
    console.print(line)
    chars = info["text_chars"]
    console.print(f"text length (characters): min {chars['min']}, median {chars['median']:g}, max {chars['max']}")
    if info.get("posts_without_text"):
        console.print(f"skipped {info['posts_without_text']} posts whose text is not a string (null): not counted above")
    if info["confounds"]:
        console.print("[bold yellow]confounds[/bold yellow]")
        for warning in info["confounds"]:
            console.print(f"[yellow]  ! {warning['kind']}: {warning['message']}[/yellow]")
    else:
        console.print("[green]no confound found by these checks[/green]")
