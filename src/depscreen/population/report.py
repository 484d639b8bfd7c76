"""A prevalence answer: the estimates per group and method, and how to show them.

:class:`PrevalenceResult` holds what :func:`depscreen.prevalence` computed and writes
it as a rich table, JSON, CSV, and a PNG / HTML plot over months. Every output carries
the disclaimer: a share of users (or posts) whose *writing* shows the signal, not the
prevalence of clinical depression. No per-user row is ever part of it.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import DISCLAIMER
from .prevalence import METHOD_NAMES, Estimate

POPULATION_NOTE = ("The estimated share of {unit} whose writing shows the signal the model was trained on; "
                   "not the prevalence of clinical depression.")


@dataclass
class GroupResult:
    """One group's estimates: ``estimates[method]`` is an :class:`Estimate`."""

    name: str
    n: int
    small: bool
    estimates: dict[str, Estimate]


@dataclass
class PrevalenceResult:
    """Estimated class shares with intervals, for the whole corpus and per group."""

    model: str
    unit: str  # "users" | "posts" | "user-months"
    classes: list
    positive: Any
    methods: list[str]
    groups: list[GroupResult]
    by: str | None = None
    confidence: float = 0.95
    n_boot: int = 1000
    seed: int = 0
    min_group: int = 30
    oof_items: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def overall(self) -> GroupResult:
        return self.groups[0]

    def shown_classes(self) -> list:
        """The positive class for two classes, else every class."""
        return [self.positive] if len(self.classes) == 2 else list(self.classes)

    def to_dict(self) -> dict[str, Any]:
        def est(e: Estimate) -> dict[str, Any]:
            return {str(c): {"estimate": round(float(e.shares[k]), 6), "low": round(float(e.low[k]), 6),
                             "high": round(float(e.high[k]), 6)} for k, c in enumerate(self.classes)}

        return {
            "disclaimer": DISCLAIMER,
            "note": POPULATION_NOTE.format(unit=self.unit),
            "model": self.model,
            "unit": self.unit,
            "classes": [c for c in self.classes],
            "positive": self.positive,
            "by": self.by,
            "methods": {m: METHOD_NAMES[m] for m in self.methods},
            "confidence": self.confidence,
            "interval": "percentile bootstrap over the screened items and the stored out-of-fold scores",
            "n_boot": self.n_boot,
            "seed": self.seed,
            "min_group": self.min_group,
            "out_of_fold_items": self.oof_items,
            "groups": [{"group": g.name, "n": g.n, "small": g.small,
                        "estimates": {m: est(e) for m, e in g.estimates.items()}} for g in self.groups],
            "warnings": list(self.warnings),
        }

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per group, method and class (the CSV)."""
        out = []
        for g in self.groups:
            for m, e in g.estimates.items():
                for k, c in enumerate(self.classes):
                    out.append({"group": g.name, "n": g.n, "small": g.small, "method": m, "class": c,
                                "estimate": float(e.shares[k]), "low": float(e.low[k]), "high": float(e.high[k])})
        return out

    def to_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        return path

    def to_csv(self, path: str | Path) -> Path:
        """A plain CSV (one row per group, method, class); the disclaimer goes to the
        sidecar ``<path>.meta.json``."""
        path = Path(path)
        rows = self.rows()
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            for r in rows:
                writer.writerow({**r, **{k: f"{r[k]:.6f}" for k in ("estimate", "low", "high")}})
        meta = {k: v for k, v in self.to_dict().items() if k != "groups"}
        path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False),
                                                            encoding="utf-8")
        return path

    def to_rich(self):
        """A rich table: one row per group, one column per method (estimate [low, high])."""
        from rich.table import Table

        pct = int(round(self.confidence * 100))
        title = f"estimated share of {self.unit} ({pct} % interval)"
        table = Table(title=title, caption=POPULATION_NOTE.format(unit=self.unit) + " " + DISCLAIMER)
        table.add_column(self.by or "group", style="cyan")
        table.add_column("n", justify="right")
        if len(self.shown_classes()) > 1:
            table.add_column("class")
        for m in self.methods:
            table.add_column(m, justify="right")
        for g in self.groups:
            for c in self.shown_classes():
                k = self.classes.index(c)
                cells = [f"{g.name}{' (small)' if g.small else ''}", str(g.n)]
                if len(self.shown_classes()) > 1:
                    cells.append(str(c))
                cells += [f"{e.shares[k]:.3f} [{e.low[k]:.3f}, {e.high[k]:.3f}]" for e in g.estimates.values()]
                table.add_row(*cells)
        return table

    # ------------------------------------------------------------ plot over months
    def months(self) -> list[GroupResult]:
        """The groups that are months (``YYYY-MM``), in order."""
        return sorted((g for g in self.groups[1:] if len(g.name) == 7 and g.name[4] == "-"), key=lambda g: g.name)

    def plot(self, path: str | Path, method: str | None = None) -> Path:
        """The share of the positive class (each class, for more) per month with its
        interval: a PNG, or a self-contained HTML page with the picture and the table
        (by the suffix). Needs ``by="month"`` and at least one month."""
        path = Path(path)
        months = self.months()
        if self.by != "month" or not months:
            raise ValueError("a plot over months needs --by month and items with times")
        method = method or self.methods[-1]
        png = self._png(months, method)
        if path.suffix.lower() in (".html", ".htm"):
            path.write_text(self._html(png, months, method), encoding="utf-8")
        else:
            path.write_bytes(png)
        return path

    def _png(self, months: list[GroupResult], method: str) -> bytes:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(months) + 2), 3.6), dpi=110)
        x = np.arange(len(months))
        for c in self.shown_classes():
            k = self.classes.index(c)
            est = np.array([g.estimates[method].shares[k] for g in months])
            lo = np.array([g.estimates[method].low[k] for g in months])
            hi = np.array([g.estimates[method].high[k] for g in months])
            ax.plot(x, est, marker="o", label=f"class {c}")
            ax.fill_between(x, lo, hi, alpha=0.2)
            for i, g in enumerate(months):
                if g.small:
                    ax.annotate("small", (x[i], est[i]), textcoords="offset points", xytext=(0, 6),
                                ha="center", fontsize=7, color="grey")
        ax.set_xticks(x, [g.name for g in months], rotation=45, ha="right", fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"share of {self.unit}")
        ax.set_title(f"{method}: {METHOD_NAMES[method]} ({int(round(self.confidence * 100))} % interval)",
                     fontsize=9)
        ax.legend(fontsize=8)
        fig.text(0.01, 0.01, "Screening/research output, not a diagnosis.", fontsize=7, color="grey")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        return buf.getvalue()

    def _html(self, png: bytes, months: list[GroupResult], method: str) -> str:
        rows = []
        for g in months:
            for c in self.shown_classes():
                k = self.classes.index(c)
                e = g.estimates[method]
                rows.append(f"<tr><td>{html.escape(g.name)}</td><td>{g.n}{' (small)' if g.small else ''}</td>"
                            f"<td>{html.escape(str(c))}</td><td>{e.shares[k]:.3f}</td>"
                            f"<td>[{e.low[k]:.3f}, {e.high[k]:.3f}]</td></tr>")
        img = base64.b64encode(png).decode()
        note = html.escape(POPULATION_NOTE.format(unit=self.unit))
        return (f"<!doctype html><html><head><meta charset='utf-8'><title>prevalence by month</title></head><body>"
                f"<p><strong>{html.escape(DISCLAIMER)}</strong></p><p>{note}</p>"
                f"<img alt='share per month' src='data:image/png;base64,{img}'>"
                f"<table border='1'><tr><th>month</th><th>n</th><th>class</th><th>{html.escape(method)}</th>"
                f"<th>interval</th></tr>{''.join(rows)}</table></body></html>")
