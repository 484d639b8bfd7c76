"""Explainability measures for attention models, and an HTML timeline per user.

Works on what any depscreen attention model's ``explain(X)`` returns: one dict per
user with ``user_id`` and ``posts`` (each with ``index`` into ``user.posts`` and
``weight``; see :meth:`depscreen.models.mil.LMILAttClassifier.explain`).

* :func:`recall_at_k` -- share of the truly positive posts (instance truth, e.g. the
  planted posts of the synthetic sample or the hidden positives of
  :func:`depscreen.corpus.bags.make_bag_corpus`) that are among the ``k`` most
  attended posts; ``k`` is a count or a share of the bag (0.1 = top 10 %).
* :func:`bag_entropy` -- entropy of a bag's attention and the same divided by
  ``log(n)`` (1 = uniform: attention no better than averaging).
* :func:`explanation_metrics` -- both, averaged over bags, beside the Recall@k that
  random weights would get (chance).
* :func:`write_timeline_html` -- one HTML page per user: posts in time order with a
  weight bar each. Post text appears only here, in files the user asked for, and can
  be redacted (e-mails, links, mentions, phone numbers) with
  :func:`depscreen.text.redact`.

Example
-------
>>> import numpy as np
>>> recall_at_k(np.array([0.5, 0.1, 0.3, 0.1]), np.array([True, False, True, False]), 0.5)
1.0
>>> round(chance_recall_at_k(4, 0.5), 2)
0.5
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ..corpus.types import User

DEFAULT_KS = (0.1, 0.2, 0.5)


def k_for_bag(k: float | int, n: int) -> int:
    """Number of posts that ``k`` means in a bag of ``n``: a share (float in (0, 1],
    rounded up, at least 1) or a count (int, capped at ``n``)."""
    if n <= 0:
        return 0
    if isinstance(k, (bool, np.bool_)):
        raise TypeError("k must be a share in (0, 1] or a positive integer")
    if isinstance(k, (int, np.integer)):
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        return int(min(k, n))
    if not 0.0 < float(k) <= 1.0:
        raise ValueError(f"a share k must be in (0, 1], got {k}")
    return int(min(n, max(1, math.ceil(float(k) * n - 1e-9))))


def k_label(k: float | int) -> str:
    """``0.1 -> "10%"``, ``5 -> "5"`` (column names of the metrics)."""
    if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
        return str(int(k))
    return f"{float(k) * 100:g}%"


def recall_at_k(weights: np.ndarray, relevant: np.ndarray, k: float | int) -> float:
    """Share of ``relevant`` posts ranked in the top ``k`` by ``weights`` (NaN if none
    are relevant). Ties are broken by position (earlier first), deterministically."""
    weights = np.asarray(weights, dtype=np.float64)
    relevant = np.asarray(relevant, dtype=bool)
    if weights.shape != relevant.shape:
        raise ValueError(f"weights {weights.shape} and relevant {relevant.shape} differ in shape")
    n_rel = int(relevant.sum())
    if n_rel == 0:
        return float("nan")
    top = np.argsort(-weights, kind="stable")[: k_for_bag(k, len(weights))]
    return float(relevant[top].sum() / n_rel)


def chance_recall_at_k(n: int, k: float | int) -> float:
    """Expected Recall@k of a random ranking of ``n`` posts: ``k_n / n``."""
    return k_for_bag(k, n) / n if n else float("nan")


def bag_entropy(weights: np.ndarray) -> tuple[float, float]:
    """``(entropy in nats, entropy / log(n))`` of one bag's attention; a bag of one
    post has normalised entropy 1 by convention."""
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    if n == 0:
        return 0.0, 1.0
    p = w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)
    ent = float(-(p[p > 0] * np.log(p[p > 0])).sum())
    return ent, (ent / math.log(n) if n > 1 else 1.0)


def weights_by_post(explanation: dict[str, Any], n_posts: int) -> np.ndarray:
    """The explanation's weights as an array aligned with ``user.posts`` (0 for posts
    the model did not see)."""
    w = np.zeros(n_posts, dtype=np.float64)
    for post in explanation["posts"]:
        idx = int(post["index"])
        if not 0 <= idx < n_posts:
            raise ValueError(
                f"user '{explanation.get('user_id')}': post index {idx} outside 0..{n_posts - 1}"
            )
        w[idx] = float(post["weight"])
    return w


def _truth(user: User, positive: Any) -> np.ndarray:
    from ..corpus.bags import instance_truth

    return instance_truth(user, positive)


def explanation_metrics(
    users: Sequence[User],
    explanations: Sequence[dict[str, Any]],
    ks: Iterable[float | int] = DEFAULT_KS,
    *,
    positive: Any = 1,
) -> dict[str, float]:
    """Attention entropy and Recall@k against instance truth, averaged over bags.

    Entropy is averaged over every bag; Recall@k (and its chance level) over the bags
    with at least one truly positive post. Keys: ``n_bags``, ``n_bags_with_truth``,
    ``entropy``, ``normalised_entropy``, ``recall@<k>``, ``chance@<k>``, ``lift@<k>``
    (recall over chance).
    """
    if len(users) != len(explanations):
        raise ValueError(f"{len(users)} users but {len(explanations)} explanations")
    ks = tuple(ks)
    ents, norms = [], []
    recalls: dict[str, list[float]] = {k_label(k): [] for k in ks}
    chances: dict[str, list[float]] = {k_label(k): [] for k in ks}
    for user, exp in zip(users, explanations):
        if exp.get("user_id") is not None and str(exp["user_id"]) != str(user.user_id):
            raise ValueError(f"explanation for '{exp['user_id']}' paired with user '{user.user_id}'")
        used = [p for p in exp["posts"] if p.get("used", True)]
        e, en = bag_entropy(np.array([p["weight"] for p in used]))
        ents.append(e)
        norms.append(en)
        truth = _truth(user, positive)
        if not truth.any():
            continue
        w = weights_by_post(exp, len(user.posts))
        for k in ks:
            recalls[k_label(k)].append(recall_at_k(w, truth, k))
            chances[k_label(k)].append(chance_recall_at_k(len(w), k))
    out: dict[str, float] = {
        "n_bags": float(len(users)),
        "n_bags_with_truth": float(len(next(iter(recalls.values()))) if recalls else 0),
        "entropy": float(np.mean(ents)) if ents else float("nan"),
        "normalised_entropy": float(np.mean(norms)) if norms else float("nan"),
    }
    for key in recalls:
        r = float(np.mean(recalls[key])) if recalls[key] else float("nan")
        c = float(np.mean(chances[key])) if chances[key] else float("nan")
        out[f"recall@{key}"] = r
        out[f"chance@{key}"] = c
        out[f"lift@{key}"] = r / c if c and not math.isnan(c) else float("nan")
    return out


# ------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}
.note{background:#fff4d6;border-left:4px solid #e0a800;padding:.6em 1em;margin-bottom:1em}
table{border-collapse:collapse;width:100%}
td,th{padding:.3em .5em;border-bottom:1px solid #eee;vertical-align:top;text-align:left}
.bar{background:#d9534f;height:.8em;display:inline-block;border-radius:2px}
.barbox{width:12em;background:#f3f3f3;display:inline-block}
tr.top td{background:#fdecea}
tr.unused td{color:#aaa}
.truth{font-weight:bold;color:#a94442}
.small{font-size:.85em;color:#666}
img{max-width:100%;height:auto}
"""


def _safe_name(user_id: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(user_id))[:40].strip("._") or "user"
    return f"user_{stem}_{hashlib.sha256(str(user_id).encode()).hexdigest()[:8]}.html"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return html.escape(str(v))


def _page(title: str, body: str) -> str:
    from .. import DISCLAIMER

    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><div class='note'>{html.escape(DISCLAIMER)}</div>"
        f"{body}</body></html>"
    )


def _redactor(redact: bool):
    if not redact:
        return lambda t: t
    try:
        from ..text import redact as redact_fn
    except ImportError:  # pragma: no cover - text processing is part of the package
        raise ImportError("redaction needs depscreen.text.redact") from None
    return redact_fn


def user_timeline_html(
    user: User,
    explanation: dict[str, Any],
    *,
    show_text: bool = True,
    redact: bool = True,
    show_truth: bool = True,
    positive: Any = 1,
    index_href: str | None = None,
) -> str:
    """One user's timeline as an HTML page: every post in time order with its weight.

    The page states the user's true label when the corpus has one (and ``show_truth``)
    and links back to ``index_href`` (the list of users) when given.
    """
    clean = _redactor(redact)
    posts = explanation["posts"]
    max_w = max((p["weight"] for p in posts), default=0.0) or 1.0
    top_ids = {p["index"] for p in explanation.get("top_posts", explanation.get("top", []))}
    truth = _truth(user, positive) if show_truth else np.zeros(len(user.posts), bool)
    rows = []
    for rank_src in posts:
        idx = int(rank_src["index"])
        post = user.posts[idx]
        w = float(rank_src["weight"])
        used = rank_src.get("used", True)
        cls = "top" if idx in top_ids else ("unused" if not used else "")
        bar = f"<span class='barbox'><span class='bar' style='width:{100 * w / max_w:.1f}%'></span></span>"
        text = html.escape(clean(post.text)) if show_text else "<span class='small'>(text hidden)</span>"
        mark = " <span class='truth' title='instance truth: positive post'>&#9679;</span>" if truth[idx] else ""
        rows.append(
            f"<tr class='{cls}'><td class='small'>{_fmt(post.time or '')}</td><td>{bar} {w:.3f}"
            f"{'' if used else ' <span class=small>(not seen)</span>'}</td>"
            f"<td class='small'>{_fmt(post.id if post.id is not None else idx)}</td><td>{text}{mark}</td></tr>"
        )
    label = getattr(user, "label", None)
    known = f", true label <b>{_fmt(label)}</b>" if show_truth and label is not None else ""
    back = f"<p><a href='{html.escape(index_href)}'>&larr; all users</a></p>" if index_href else ""
    info = back + (
        f"<p>prediction <b>{_fmt(explanation.get('prediction'))}</b>{known}, score "
        f"{_fmt(explanation.get('score'))}; {explanation.get('n_used', len(posts))} of "
        f"{explanation.get('n_posts', len(posts))} posts seen; attention entropy "
        f"{_fmt(explanation.get('entropy'))} (normalised {_fmt(explanation.get('normalised_entropy'))},"
        " 1 = uniform). Highlighted rows: the top posts.</p>"
    )
    if show_truth and truth.any():
        info += "<p class='small'>&#9679; marks posts that are positive by instance truth.</p>"
    table = (
        "<table><tr><th>time</th><th>attention</th><th>post</th><th>text</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return _page(f"User {user.user_id}", info + table)


def write_timeline_html(
    users: Sequence[User],
    explanations: Sequence[dict[str, Any]],
    out_dir: str | Path,
    *,
    show_text: bool = True,
    redact: bool = True,
    show_truth: bool = True,
    positive: Any = 1,
    title: str = "Attention over each user's timeline",
) -> Path:
    """Write ``index.html`` and one page per user into ``out_dir``; return the index.

    Users are listed by descending score. ``show_text=False`` writes weights and ids
    only; ``redact`` (default) replaces e-mails, links, mentions and phone numbers.
    """
    if len(users) != len(explanations):
        raise ValueError(f"{len(users)} users but {len(explanations)} explanations")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for user, exp in zip(users, explanations):
        if str(exp.get("user_id", user.user_id)) != str(user.user_id):
            raise ValueError(f"explanation for '{exp['user_id']}' paired with user '{user.user_id}'")
        name = _safe_name(user.user_id)
        (out / name).write_text(
            user_timeline_html(user, exp, show_text=show_text, redact=redact,
                               show_truth=show_truth, positive=positive, index_href="index.html"),
            encoding="utf-8",
        )
        entries.append((exp.get("score") or 0.0, user, exp, name))
    entries.sort(key=lambda e: -float(e[0]))
    labelled = show_truth and any(getattr(u, "label", None) is not None for u in users)

    def truth_cell(u) -> str:
        return f"<td>{_fmt(u.label) if u.label is not None else ''}</td>" if labelled else ""

    rows = "".join(
        f"<tr><td><a href='{name}'>{html.escape(str(u.user_id))}</a></td>{truth_cell(u)}<td>{_fmt(e.get('prediction'))}</td>"
        f"<td>{_fmt(e.get('score'))}</td><td>{e.get('n_posts', '')}</td><td>{_fmt(e.get('normalised_entropy'))}</td>"
        f"<td>{_fmt(e.get('max_weight'))}</td></tr>"
        for _, u, e, name in entries
    )
    body = (
        "<table><tr><th>user</th>" + ("<th>true label</th>" if labelled else "")
        + "<th>prediction</th><th>score</th><th>posts</th>"
        "<th>normalised entropy</th><th>max weight</th></tr>" + rows + "</table>"
    )
    index = out / "index.html"
    index.write_text(_page(title, body), encoding="utf-8")
    return index
