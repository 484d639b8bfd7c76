"""Early risk detection: read a timeline post by post, decide when to alert, score the
decision with the eRisk measures, and take part in eRisk rounds.

* :mod:`~depscreen.early.runner` -- the chronological runner: each model's own
  incremental stepper (its ``stepper()``, see :mod:`depscreen.models.stepping`),
  post-score aggregates, a full-recompute fallback.
* :mod:`~depscreen.early.policies` -- decision policies (fixed threshold, minimum posts,
  k consecutive, learned stop, not before post N, selection by inner CV).
* :mod:`~depscreen.early.metrics` -- ERDE, F_latency, latency-weighted precision / recall,
  delays, P@10 and NDCG after n writings.
* :mod:`~depscreen.early.harness` -- user-level cross-validation of model x policy.
* :mod:`~depscreen.early.report` -- the HTML report (delay histogram, trade-off, curves).
* :mod:`~depscreen.early.client` / :mod:`~depscreen.early.mock_server` -- the eRisk
  round protocol (GET writings, POST decisions) and a local server for testing.

Names are imported lazily so ``import depscreen.early`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run_streams": "runner", "make_stepper": "runner", "ScoreStream": "runner", "StreamRun": "runner",
    "make_policy": "policies", "apply_policy": "policies", "first_alert": "policies",
    "FixedThreshold": "policies", "MinPostsThreshold": "policies", "ConsecutivePositives": "policies",
    "LearnedStop": "policies", "NotBefore": "policies", "SelectPolicy": "policies",
    "erde": "metrics", "f_latency": "metrics", "decision_metrics": "metrics", "ranking_metrics": "metrics",
    "early_cross_validate": "harness", "EarlyCVResult": "harness",
    "html_early_report": "report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'depscreen.early' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
