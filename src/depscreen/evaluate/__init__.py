"""Honest evaluation: deduplicated, seeded, stratified user-level cross-validation,
metrics as mean ± std over folds, and side-by-side reports (markdown, rich, HTML).

>>> from depscreen.evaluate import cross_validate, compare  # doctest: +SKIP
>>> compare(["majority", "tfidf-lr"], corpus, cv=5, seed=13).to_html("report.html")  # doctest: +SKIP
"""

from .cv import DISCLAIMER, Comparison, CVResult, FoldResult, compare, cross_validate, default_metrics
from .metrics import FoldMetrics, MetricSummary, compute_metrics, infer_task, summarize
from .report import html_report, markdown_table, rich_table
from .splits import DedupReport, Fold, SplitPlan, SplitWarning, deduplicate, make_splits

__all__ = [
    "CVResult",
    "Comparison",
    "DISCLAIMER",
    "DedupReport",
    "Fold",
    "FoldMetrics",
    "FoldResult",
    "MetricSummary",
    "SplitPlan",
    "SplitWarning",
    "compare",
    "compute_metrics",
    "cross_validate",
    "deduplicate",
    "default_metrics",
    "html_report",
    "infer_task",
    "make_splits",
    "markdown_table",
    "rich_table",
    "summarize",
]
