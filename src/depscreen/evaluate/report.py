"""Reports people read: a markdown table, a rich table, and a self-contained HTML page.

The HTML page embeds its figures as base64 PNG (a bar chart of the headline metrics with
one standard deviation as error bars, and each model's confusion matrix summed over
folds), so it can be mailed or opened offline. It states the data, split, seed,
deduplication counts and fold sizes, and that this is screening / research output.

Example
-------
>>> from depscreen.corpus import PostCorpus, PostRecord
>>> from depscreen.evaluate import compare
>>> texts = [f"sad tired alone {i}" for i in range(20)] + [f"fun game today {i}" for i in range(20)]
>>> corpus = PostCorpus([PostRecord(str(i), t, int(i < 20)) for i, t in enumerate(texts)])
>>> comp = compare(["majority", "tfidf-lr"], corpus, cv=4, progress=False)
>>> print(markdown_table(comp.results, ["f1"]).splitlines()[0])
| model | f1 | single-class folds | fit s / fold | predict items / s |
"""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np

from .metrics import HEADLINE, LOWER_IS_BETTER, MetricSummary, metric_label, sum_reliability


class ReportedResult(Protocol):
    """What a report reads of one model's cross-validation result: the attributes of
    :class:`depscreen.evaluate.cv.CVResult`, which renders itself with this module
    (``to_markdown`` / ``to_html`` / ``print``); the report does not import ``cv``
    back, so the two stay one-way."""

    model: str
    model_class: str
    params: dict[str, Any]
    task: str
    classes: list[Any] | None
    folds: Sequence[Any]
    summary: dict[str, MetricSummary]
    corpus: dict[str, Any]
    notes: list[str]
    operating_point: str | None

    @property
    def single_class_folds(self) -> int: ...

    @property
    def confusion(self) -> list[list[int]] | None: ...

    @property
    def screening(self) -> dict[str, dict[str, dict[str, Any]]]: ...

    @property
    def timings(self) -> dict[str, float]: ...


def metric_columns(results: Sequence[ReportedResult], metrics: Sequence[str] | None = None) -> list[str]:
    """The metrics to show: ``metrics`` when given (each must exist), else the task's headline."""
    if not results:
        raise ValueError("no results to report")
    tasks = {r.task for r in results}
    if len(tasks) > 1:
        raise ValueError(f"cannot tabulate results of different tasks together: {sorted(tasks)}")
    available = set(results[0].summary)
    if metrics is None:
        return [m for m in HEADLINE[results[0].task] if m in available]
    missing = [m for m in metrics if m not in available]
    if missing:
        raise KeyError(f"metrics not measured: {missing}; available: {sorted(available)}")
    return list(metrics)


def _cells(r: ReportedResult, cols: list[str], digits: int, compact: bool = False) -> list[str]:
    t = r.timings
    n_folds = len(r.folds)
    ips = t["predict_items_per_second"]
    sep = "/" if compact else " / "
    return (
        [compact_summary(r.summary[m], digits) if compact else r.summary[m].format(digits) for m in cols]
        + [f"{r.single_class_folds}{sep}{n_folds}", f"{t['fit_seconds_mean']:.2f}", "n/a" if math.isnan(ips) else f"{ips:,.0f}"]
    )


def compact_summary(s: MetricSummary, digits: int = 2) -> str:
    """``0.62±0.03`` (no spaces, fewer digits) for narrow terminals; ``n/a`` when undefined."""
    if math.isnan(s.mean):
        return "n/a"
    txt = f"{s.mean:.{digits}f}" + ("" if math.isnan(s.std) else f"±{s.std:.{digits}f}")
    if s.n_nan:
        txt += f" ({s.n_nan} NaN)"
    return txt


_EXTRA = ["single-class folds", "fit s / fold", "predict items / s"]


def markdown_table(
    results: Sequence[ReportedResult], metrics: Sequence[str] | None = None, digits: int = 3, *, warnings: bool = True
) -> str:
    """One row per model, one column per metric (mean ± std over folds), followed by a
    warning line for each model that predicted one class on some folds
    (:func:`degenerate_warnings`; ``warnings=False`` gives the table alone)."""
    cols = metric_columns(results, metrics)
    head = ["model"] + [metric_label(c) for c in cols] + _EXTRA
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in results:
        lines.append("| " + " | ".join([r.model] + _cells(r, cols, digits)) + " |")
    found = degenerate_warnings(results) if warnings else []
    if found:
        lines.append("")
        lines += [f"> **warning:** {message}" for _, message in found]
    return "\n".join(lines)


def degenerate_warnings(results: Sequence[ReportedResult]) -> list[tuple[str, str]]:
    """``(model, message)`` for every model that predicted a single class (or, for a
    regression task, nearly one value) on some folds.

    Such a model learned little or nothing on those folds, however good its accuracy
    looks. The message (:func:`depscreen.evaluate.degenerate.warning_message`) names the
    likely cause: class imbalance (with the ``class_weight=balanced`` parameter when the
    model has one) or, for a model trained in epochs, too few of them. The majority
    baseline predicts one class by design and is left out.
    """
    from .degenerate import warning_message

    out = []
    for r in results:
        n = r.single_class_folds
        if not n or r.model_class.endswith(":MajorityBaseline"):
            continue
        numeric = r.task == "regression"
        what = "(nearly) one value for every item" if numeric else "a single class"
        message = warning_message(
            f"{r.model} predicted {what} on {n} of {len(r.folds)} folds",
            params=r.params, label_counts=None if numeric else r.corpus.get("label_counts"), model=r.model,
        )
        out.append((r.model, message))
    return out


def rich_table(results: Sequence[ReportedResult], metrics: Sequence[str] | None = None, digits: int = 3):
    """The results as a terminal table that fits the console it is printed on.

    Returns a :class:`~depscreen.evaluate.fit_table.FitTable`: one row per model when
    there is room, else compact numbers (``0.62±0.03``), a transposed table, or the
    columns split over several tables; a model name or a number is never cut. The best
    mean per metric is bold. The full-precision table is :func:`markdown_table`.
    """
    from .fit_table import Cell, FitTable

    cols = metric_columns(results, metrics)
    first = results[0]
    best = {c: _best(results, c) for c in cols}
    rows = []
    for r in results:
        full = _cells(r, cols, digits)
        short = _cells(r, cols, max(1, digits - 1), compact=True)
        rows.append(
            [r.model]
            + [Cell(f, s, bold=i < len(cols) and r.model == best[cols[i]]) for i, (f, s) in enumerate(zip(full, short))]
        )
    return FitTable(
        ["model"] + [metric_label(c) for c in cols] + _EXTRA,
        rows,
        title=(
            f"{first.corpus.get('name') or 'corpus'}: {first.split.n_splits}-fold x "
            f"{first.split.repeats}, seed {first.seed} ({first.task})"
        ),
        # the commands print depscreen.DISCLAIMER once, after the table
        caption="mean ± std over folds",
    )


_RATES = ("sensitivity", "specificity", "ppv", "npv")
_RATE_NAMES = ("sensitivity", "specificity", "PPV", "NPV")


def screening_rows(results: Sequence[ReportedResult], digits: int = 3) -> list[list[str]]:
    """One row per model and case group: model, group, the point, then sensitivity,
    specificity, PPV and NPV as ``value [low, high]`` (pooled over the test folds, 95 %
    Wilson interval; :attr:`CVResult.screening <depscreen.evaluate.cv.CVResult.screening>`)."""
    rows = []
    for r in results:
        at = r.operating_point or "model's rule"
        for group, rates in r.screening.items():
            cells = []
            for name in _RATES:
                v = rates[name]
                if v["value"] is None:
                    cells.append("n/a")
                else:
                    cells.append(f"{v['value']:.{digits}f} [{v['low']:.{digits}f}, {v['high']:.{digits}f}]")
            rows.append([r.model, group, at, *cells])
    return rows


_SCREENING_HEAD = ["model", "cases", "operating point", *_RATE_NAMES]
_SCREENING_CAPTION = "pooled over the test folds; [95 % Wilson score interval]"


def screening_markdown(results: Sequence[ReportedResult], digits: int = 3) -> str:
    """:func:`screening_rows` as a markdown table ('' when no model has any)."""
    rows = screening_rows(results, digits)
    if not rows:
        return ""
    lines = ["| " + " | ".join(_SCREENING_HEAD) + " |", "|" + "|".join("---" for _ in _SCREENING_HEAD) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + f"\n\n{_SCREENING_CAPTION}"


def screening_rich(results: Sequence[ReportedResult], digits: int = 3):
    """:func:`screening_rows` as a terminal table (None when no model has any)."""
    from .fit_table import FitTable

    rows = screening_rows(results, digits)
    if not rows:
        return None
    return FitTable(_SCREENING_HEAD, rows, key_columns=2, title="screening rates at the operating point",
                    caption=_SCREENING_CAPTION)


def _best(results, metric: str) -> str | None:
    vals = [(r.summary[metric].mean, r.model) for r in results if not math.isnan(r.summary[metric].mean)]
    if len(vals) < 2:
        return None
    pick = min if metric in LOWER_IS_BETTER else max
    return pick(vals)[1]


# ---------------------------------------------------------------------------------------
def png_base64(fig) -> str:
    """A matplotlib figure as base64 PNG text, for an ``<img src="data:image/png;base64,...">``
    in a self-contained HTML report (evaluate's and early detection's)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def metric_chart(results: Sequence[ReportedResult], metrics: Sequence[str] | None = None) -> str:
    """Grouped bar chart of metric means with ±1 std error bars, as base64 PNG."""
    from matplotlib.figure import Figure

    cols = metric_columns(results, metrics)
    # at most 10 inches (1,100 px at 110 dpi, the page width); the page scales it further
    fig = Figure(figsize=(min(10.0, max(5.0, 1.1 * len(cols) * max(1, len(results)) * 0.6 + 2)), 3.6))
    ax = fig.add_subplot()
    width = 0.8 / len(results)
    x = np.arange(len(cols))
    for i, r in enumerate(results):
        means = [r.summary[c].mean for c in cols]
        stds = [0.0 if math.isnan(r.summary[c].std) else r.summary[c].std for c in cols]
        ax.bar(x + i * width - 0.4 + width / 2, np.nan_to_num(means), width, yerr=stds, capsize=3, label=r.model)
    ax.set_xticks(x, cols, rotation=20, ha="right")
    ax.set_ylabel("mean over folds (±1 std)")
    ax.legend(fontsize="small", frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return png_base64(fig)


def confusion_chart(results: Sequence[ReportedResult]) -> str | None:
    """Each model's confusion matrix summed over folds (colour = share of the true row)."""
    from matplotlib.figure import Figure

    items = [(r.model, np.asarray(r.confusion), r.classes) for r in results if r.confusion is not None]
    if not items:
        return None
    k = len(items[0][2])
    size = 1.0 + 0.55 * k
    per_row = max(1, min(len(items), int(10.0 // size)))  # rows of at most 10 inches
    n_rows = -(-len(items) // per_row)
    fig = Figure(figsize=(size * per_row + 0.5, (size + 0.6) * n_rows))
    for i, (name, cm, labels) in enumerate(items):
        ax = fig.add_subplot(n_rows, per_row, i + 1)
        rows = cm.sum(axis=1, keepdims=True)
        share = np.divide(cm, rows, out=np.zeros_like(cm, dtype=float), where=rows > 0)
        ax.imshow(share, vmin=0, vmax=1, cmap="Blues")
        for (a, b), v in np.ndenumerate(cm):
            ax.text(b, a, str(v), ha="center", va="center", fontsize=8, color="white" if share[a, b] > 0.6 else "black")
        ticks = [str(lab) for lab in labels]
        ax.set_xticks(range(k), ticks, rotation=45 if k > 3 else 0, fontsize=8)
        ax.set_yticks(range(k), ticks, fontsize=8)
        ax.set_xlabel("predicted")
        if i % per_row == 0:
            ax.set_ylabel("true")
        ax.set_title(name, fontsize=9)
    fig.tight_layout()
    return png_base64(fig)


def reliability_tables(results: Sequence[ReportedResult]) -> dict[str, dict]:
    """Each model's reliability table (:func:`depscreen.evaluate.metrics.reliability_bins`)
    summed over its test folds; models without probabilities are left out."""
    out = {}
    for r in results:
        table = sum_reliability([f.metrics.reliability for f in r.folds])
        if table is not None:
            out[r.model] = table
    return out


def reliability_chart(results: Sequence[ReportedResult]) -> str | None:
    """The reliability diagram of every model (test folds pooled) as base64 PNG, or None
    when no model gave probabilities (:func:`depscreen.evaluate.diagnostics_plots.reliability_figure`)."""
    from .diagnostics_plots import reliability_figure

    tables = reliability_tables(results)
    if not tables:
        return None
    return png_base64(reliability_figure(tables))


#: The style sheet of depscreen's HTML reports.
REPORT_CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}.note{background:#fff6dd;padding:.6em 1em;border-left:4px solid #e0b000}
small{color:#666}img{max-width:100%;height:auto}.scroll{overflow-x:auto}
.warn{background:#fdecea;padding:.6em 1em;border-left:4px solid #d9534f}
"""


def report_head(title: str) -> list[str]:
    """The opening of a depscreen HTML report: the page head with :data:`REPORT_CSS`,
    ``title`` as its heading, and the disclaimer (every report says it is not a
    diagnosis). Joined with the rest of the report's parts."""
    from .. import DISCLAIMER

    e = html.escape
    return [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title><style>{REPORT_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f"<p class='note'>{e(DISCLAIMER)}</p>",
    ]


def html_report(
    results: Sequence[ReportedResult],
    path: str | Path,
    *,
    title: str | None = None,
    metrics: Sequence[str] | None = None,
) -> Path:
    """Write a self-contained HTML report of ``results`` (same corpus and folds) to ``path``."""
    cols = metric_columns(results, metrics)
    first = results[0]
    e = html.escape
    title = title or f"depscreen evaluation: {first.corpus.get('name') or 'corpus'}"
    parts = [
        *report_head(title),
        "<h2>Setup</h2><ul>",
        f"<li>data: {e(str(first.corpus.get('name')))} ({e(first.corpus['level'])}-level, "
        f"{first.corpus['n_items']} items after deduplication; labels "
        f"{e(', '.join(f'{k}: {v}' for k, v in first.corpus['label_counts'].items()))})</li>",
        f"<li>task: {e(first.task)}"
        + (f", positive class {e(repr(first.pos_label))}" if first.pos_label is not None else "")
        + "</li>",
        f"<li>split: {e(first.split.strategy)}, {first.split.n_splits} folds x {first.split.repeats} "
        f"repeat(s), seed {first.seed}</li>",
        f"<li>{e(first.dedup.summary() if first.dedup else 'deduplication: off')}</li>",
        f"<li>machine: {e(str(first.machine.get('cores')))} cores, {e(str(first.machine.get('platform')))}; "
        f"created {e(first.created)}</li></ul>",
        "<h2>Results</h2><p><small>mean ± sample std over folds; NaN folds are left out of a mean "
        "and counted.</small></p>",
        *[f"<p class='warn'><b>warning:</b> {e(message)}</p>" for _, message in degenerate_warnings(results)],
        f"<div class='scroll'>{_html_table(results, cols)}</div>",
        f"<img alt='metric means with error bars' src='data:image/png;base64,{metric_chart(results, cols)}'>",
    ]
    screening = screening_rows(results)
    if screening:
        head = "".join(f"<th>{e(c)}</th>" for c in _SCREENING_HEAD)
        body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in screening)
        parts += [
            "<h2>Screening rates at the operating point</h2>",
            f"<p><small>{e(_SCREENING_CAPTION)}. Sensitivity: share of the cases flagged; specificity: share "
            "of the others not flagged; PPV / NPV: share of the flagged / unflagged items that are cases / not. "
            "PPV and NPV depend on the share of cases in this corpus.</small></p>",
            f"<div class='scroll'><table><tr>{head}</tr>{body}</table></div>",
        ]
    rel = reliability_chart(results)
    if rel:
        kind = next(iter(reliability_tables(results).values()))["kind"]
        what = ("P(positive) against the share of positives" if kind == "positive"
                else "the top class's probability against the share of items whose top class is right")
        parts += [
            "<h2>Calibration (reliability diagram, test folds pooled)</h2>",
            f"<p><small>{e(what)}, in {e(metric_label('ece')).split('(')[1].rstrip(')')}; a calibrated model "
            "lies on the diagonal. Point size grows with the number of items in the bin. Brier, ECE and "
            "log-loss above: lower is better.</small></p>",
            f"<img alt='reliability diagram' src='data:image/png;base64,{rel}'>",
        ]
    cm = confusion_chart(results)
    if cm:
        parts += [
            "<h2>Confusion matrices (summed over folds)</h2>",
            f"<img alt='confusion matrices' src='data:image/png;base64,{cm}'>",
        ]
    parts.append("<h2>Fold sizes</h2><table><tr><th>repeat</th><th>fold</th><th>train</th><th>test</th></tr>")
    for fs in first.split.fold_sizes():
        parts.append(f"<tr><td>{fs['repeat'] + 1}</td><td>{fs['fold'] + 1}</td><td>{fs['train']}</td><td>{fs['test']}</td></tr>")
    parts.append("</table>")
    notes = [(r.model, n) for r in results for n in r.notes]
    if notes:
        parts.append("<h2>Notes</h2><ul>")
        parts += [f"<li>{e(m)}: {e(n)}</li>" for m, n in notes]
        parts.append("</ul>")
    parts.append("</body></html>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _html_table(results, cols) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in ["model"] + [metric_label(c) for c in cols] + _EXTRA)
    rows = []
    best = {c: _best(results, c) for c in cols}
    for r in results:
        cells = _cells(r, cols, 3)
        tds = "".join(
            f"<td><b>{e(v)}</b></td>" if i < len(cols) and best[cols[i]] == r.model else f"<td>{e(v)}</td>"
            for i, v in enumerate(cells)
        )
        rows.append(f"<tr><td>{e(r.model)}</td>{tds}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"
