"""The early-detection HTML report: what a reader would rather look at than a table.

Three figures for one model and each policy, embedded as base64 PNG in one page (the
same style as :func:`depscreen.evaluate.report.html_report`):

1. **Alert delays** -- a histogram of how many posts were read when each alert was
   raised, true and false alerts stacked.
2. **ERDE / F_latency trade-off** -- a fixed threshold swept from 0.05 to 0.95 over the
   pooled test streams: ERDE_5, ERDE_50 and F_latency at each threshold.
3. **Per-user score curves** -- a few at-risk and a few control users, their score after
   every post and the point where the policy alerted.

No post text appears anywhere; users are shown by their position only.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .metrics import decision_metrics
from .policies import FixedThreshold, apply_policy

if TYPE_CHECKING:  # pragma: no cover
    from .harness import EarlyCVResult

THRESHOLDS = np.round(np.linspace(0.05, 0.95, 19), 2)


def tradeoff(streams, y, thresholds: Sequence[float] = THRESHOLDS) -> dict[str, list[float]]:
    """ERDE_5, ERDE_50, F_latency and F1 of a fixed threshold at each of ``thresholds``."""
    out: dict[str, list[float]] = {"threshold": [float(t) for t in thresholds], "erde5": [], "erde50": [],
                                   "f_latency": [], "f1": []}
    for t in thresholds:
        d, k, _ = apply_policy(FixedThreshold(float(t)), streams)
        m = decision_metrics(y, d, np.maximum(k, 1))
        for key in ("erde5", "erde50", "f_latency", "f1"):
            out[key].append(m[key])
    return out


def delay_histogram(result: "EarlyCVResult") -> str:
    import textwrap

    from matplotlib.figure import Figure

    from ..evaluate.report import png_base64

    labels = list(result.decisions)
    ncols = min(3, len(labels))
    nrows = math.ceil(len(labels) / ncols)
    fig = Figure(figsize=(3.3 * ncols + 0.4, 2.6 * nrows + 0.3), layout="constrained")
    y = result.y
    top = max([1] + [int(k.max()) for _, k in result.decisions.values() if len(k)])
    bins = np.unique(np.round(np.geomspace(1, top + 1, 16))).astype(float)
    if len(bins) < 2:
        bins = np.array([1.0, 2.0])
    for j, label in enumerate(labels):
        ax = fig.add_subplot(nrows, ncols, j + 1)
        d, k = result.decisions[label]
        tp, fp = k[(d == 1) & (y == 1)], k[(d == 1) & (y == 0)]
        if len(tp) + len(fp):
            ax.hist([tp, fp], bins=bins, stacked=True, label=["true alert", "false alert"],
                    color=["#2b7bba", "#d9534f"])
        else:
            ax.text(0.5, 0.5, "no alerts", ha="center", va="center", transform=ax.transAxes, color="#666")
        ax.set_xscale("log")
        ax.set_title("\n".join(textwrap.wrap(label, 34)), fontsize=8)
        ax.tick_params(labelsize=7)
        if j // ncols == nrows - 1:
            ax.set_xlabel("posts read at the alert", fontsize=8)
        if j % ncols == 0:
            ax.set_ylabel("users", fontsize=8)
        if j == 0 and len(tp) + len(fp):
            ax.legend(fontsize="x-small", frameon=False)
    return png_base64(fig)


def tradeoff_chart(result: "EarlyCVResult") -> tuple[str, dict[str, list[float]]]:
    from matplotlib.figure import Figure

    from ..evaluate.report import png_base64

    curve = tradeoff(result.streams, result.y)
    fig = Figure(figsize=(6.5, 3.4))
    ax = fig.add_subplot()
    t = curve["threshold"]
    ax.plot(t, curve["erde5"], marker=".", label="ERDE_5 (lower is better)")
    ax.plot(t, curve["erde50"], marker=".", label="ERDE_50 (lower is better)")
    ax.plot(t, curve["f_latency"], marker=".", label="F_latency (higher is better)")
    ax.set_xlabel("fixed threshold on the score")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", frameon=False)
    return png_base64(fig), curve


def score_curves(result: "EarlyCVResult", policy: str, n_each: int = 4) -> str:
    from matplotlib.figure import Figure

    from ..evaluate.report import png_base64

    y = result.y
    d, k = result.decisions[policy]
    rng = np.random.default_rng(result.seed)
    pick = []
    for label in (1, 0):
        idx = np.flatnonzero(y == label)
        pick += rng.permutation(idx)[:n_each].tolist()
    fig = Figure(figsize=(9, 3.6))
    axes = [fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)]
    for i in pick:
        s = result.streams[i]
        ax = axes[0] if y[i] == 1 else axes[1]
        (line,) = ax.plot(s.seen, s.scores, lw=1)
        if d[i] == 1:
            j = int(np.searchsorted(s.seen, k[i]))
            j = min(j, len(s.scores) - 1)
            ax.plot([k[i]], [s.scores[j]], marker="o", color=line.get_color(), ms=6)
    for ax, title in zip(axes, ("at-risk users", "control users")):
        ax.set_xscale("symlog")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("posts read")
        ax.set_title(f"{title} (dot: alert)", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("score")
    fig.suptitle(policy, fontsize=9)
    return png_base64(fig)


def html_early_report(result: "EarlyCVResult", path: str | Path, *, title: str | None = None) -> Path:
    """Write the self-contained early-detection report of ``result`` to ``path``."""
    from ..evaluate.report import report_head
    from .harness import HEADLINE

    e = html.escape
    title = title or f"depscreen early detection: {result.model} on {result.corpus.get('name') or 'corpus'}"
    c = result.corpus
    parts = [
        *report_head(title),
        "<h2>Setup</h2><ul>",
        f"<li>data: {e(str(c.get('name')))}: {c['n_users']} users, {c['n_posts']} posts after deduplication; "
        f"labels {e(', '.join(f'{a}: {b}' for a, b in c['label_counts'].items()))}; at risk = "
        f"{e(repr(c['positive_label']))}</li>",
        f"<li>posts read in time order, {result.step} per step; runner: "
        f"{e(str(result.folds[0].run['stepper']))} ({e(str(result.folds[0].run['mode']))})</li>",
        f"<li>split: {e(result.split['strategy'])}, {result.split['n_splits']} folds x {result.split['repeats']} "
        f"repeat(s), seed {result.seed}; learned policies fitted on out-of-fold streams of training users</li>",
        f"<li>deduplication: {e(str((result.dedup or {}).get('removed', 'off')))} posts removed</li>",
        f"<li>created {e(result.created)}</li></ul>",
    ]
    parts += [f"<p><small>{e(n)}</small></p>" for n in result.notes]
    parts.append("<h2>Results</h2><p><small>mean ± sample std over folds. ERDE: lower is better; "
                 "F_latency, P@10: higher is better. p@10_100 ranks users after 100 writings.</small></p>")
    head = "".join(f"<th>{e(m)}</th>" for m in ("policy",) + HEADLINE)
    rows = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in r) + "</tr>" for r in result.table())
    parts.append(f"<div class='scroll'><table><tr>{head}</tr>{rows}</table></div>")
    parts += ["<h2>Alert delays</h2>",
              f"<img alt='alert delay histogram' src='data:image/png;base64,{delay_histogram(result)}'>"]
    chart, curve = tradeoff_chart(result)
    best = int(np.argmin(curve["erde50"]))
    parts += ["<h2>ERDE / F_latency across thresholds</h2>",
              f"<p><small>A fixed threshold swept over the pooled test streams (first repeat). Lowest ERDE_50 "
              f"{curve['erde50'][best]:.3f} at threshold {curve['threshold'][best]:g}: read off the test users, "
              "so a description, not a tuned result.</small></p>",
              f"<img alt='ERDE and F_latency against the threshold' src='data:image/png;base64,{chart}'>"]
    parts.append("<h2>Score curves with the alert point</h2>")
    for label in result.decisions:
        parts.append(f"<img alt='score curves, {e(label)}' src='data:image/png;base64,{score_curves(result, label)}'>")
    parts.append("</body></html>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
