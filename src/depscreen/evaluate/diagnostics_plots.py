"""Diagnostic plots for the multi-instance model (PNG files a person can open).

* :func:`plot_reconstruction_error` -- the autoencoder's reconstruction error per
  user, one histogram per label: is the autoencoder learning structure, and do the
  groups differ?
* :func:`plot_attention_entropy` -- normalised attention entropy per user (1 =
  uniform attention, where attention is no better than averaging), one histogram per
  label, with the share of near-uniform bags in the legend.

Both take the DataFrame of :meth:`depscreen.models.mil.LMILAttClassifier.diagnostics`.

* :func:`reliability_figure` / :func:`plot_reliability` -- a reliability diagram of
  predicted probabilities against observed shares, from the binned counts an
  evaluation keeps per fold (:func:`depscreen.evaluate.metrics.reliability_bins`): are
  the probabilities what they say?

Example
-------
>>> import pandas as pd
>>> df = pd.DataFrame({"label": [0, 1, 1], "reconstruction_error": [0.1, 0.2, 0.3],
...                    "normalised_entropy": [0.99, 0.7, 0.5]})
>>> plot_attention_entropy(df, "/tmp/entropy.png").suffix                 # doctest: +SKIP
'.png'
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NEAR_UNIFORM = 0.95
"""Normalised entropy above which a bag's attention counts as near-uniform."""


def _figure():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _by_label(df, column: str) -> dict[str, np.ndarray]:
    if column not in df.columns:
        raise ValueError(f"diagnostics table has no column '{column}'")
    if "label" not in df.columns:
        return {"all users": df[column].to_numpy(dtype=float)}
    groups = {}
    for label, part in df.groupby(df["label"].astype(str), sort=True):
        groups[f"label {label}"] = part[column].to_numpy(dtype=float)
    return groups


def _hist(groups: dict[str, np.ndarray], path, *, xlabel: str, title: str, bins, legend_extra=None) -> Path:
    plt = _figure()
    values = [v[np.isfinite(v)] for v in groups.values()]
    if not any(len(v) for v in values):
        raise ValueError(f"no finite values to plot for '{xlabel}'")
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    for (name, _), v in zip(groups.items(), values):
        if not len(v):
            continue
        extra = legend_extra(v) if legend_extra else ""
        ax.hist(v, bins=bins, alpha=0.55, label=f"{name} (n={len(v)}, median {np.median(v):.3g}){extra}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("users")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_reconstruction_error(diagnostics, path: str | Path, *, bins: int = 30) -> Path:
    """Histogram of per-user reconstruction error by label; returns the PNG path."""
    groups = _by_label(diagnostics, "reconstruction_error")
    if not any(np.isfinite(v).any() for v in groups.values()):
        raise ValueError("no reconstruction errors: the model has no autoencoder")
    finite = np.concatenate([v[np.isfinite(v)] for v in groups.values()])
    edges = np.linspace(finite.min(), finite.max() if finite.max() > finite.min() else finite.min() + 1e-9, bins + 1)
    return _hist(groups, path, xlabel="autoencoder reconstruction error (MSE per post)",
                 title="Reconstruction error per user", bins=edges)


def plot_attention_entropy(diagnostics, path: str | Path, *, bins: int = 20) -> Path:
    """Histogram of per-user normalised attention entropy by label; returns the PNG path."""
    groups = _by_label(diagnostics, "normalised_entropy")
    return _hist(
        groups, path, xlabel="normalised attention entropy (1 = uniform)",
        title="How spread out is attention?", bins=np.linspace(0, 1, bins + 1),
        legend_extra=lambda v: f", {np.mean(v >= NEAR_UNIFORM):.0%} near-uniform",
    )


def reliability_figure(tables: dict[str, dict]):
    """A reliability diagram: for each model (``name -> table`` of
    :func:`depscreen.evaluate.metrics.reliability_bins`, usually summed over test folds),
    the share of hits in each non-empty bin against the bin's mean score, with the
    diagonal a calibrated model lies on; the lower panel counts the items per bin.
    Returns a matplotlib ``Figure`` (no pyplot state)."""
    from matplotlib.figure import Figure

    from .metrics import ece_from_bins

    fig = Figure(figsize=(5.6, 5.6))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=1, label="perfectly calibrated")
    kind = "positive"
    for name, table in tables.items():
        kind = table.get("kind", kind)
        n = np.asarray(table["count"], dtype=float)
        ok = n > 0
        mean_score = np.asarray(table["sum_score"], dtype=float)[ok] / n[ok]
        share = np.asarray(table["sum_hits"], dtype=float)[ok] / n[ok]
        sizes = 12 + 120 * n[ok] / n.max()
        line = top.plot(mean_score, share, marker="", linewidth=1.2,
                        label=f"{name} (ECE {ece_from_bins(table):.3f})")[0]
        top.scatter(mean_score, share, s=sizes, color=line.get_color(), alpha=0.8, zorder=3)
        edges = np.linspace(0, 1, int(table["bins"]) + 1)
        bottom.stairs(n, edges, color=line.get_color(), linewidth=1.2)
    bins = next(iter(tables.values()))["bins"] if tables else 0
    top.set_xlim(0, 1)
    top.set_ylim(0, 1)
    top.set_ylabel("share of positives" if kind == "positive" else "share with the top class right")
    top.set_title(f"reliability ({bins} equal-width bins)", fontsize=10)
    top.legend(fontsize="small", frameon=False, loc="upper left")
    top.grid(alpha=0.3)
    bottom.set_xlabel("mean P(positive) in the bin" if kind == "positive" else "mean top-class probability in the bin")
    bottom.set_ylabel("items")
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_reliability(tables: dict[str, dict], path: str | Path) -> Path:
    """:func:`reliability_figure` written to ``path`` as PNG; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    reliability_figure(tables).savefig(path, dpi=110, bbox_inches="tight")
    return path
