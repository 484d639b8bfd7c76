"""The service's Prometheus metrics, on a registry of its own (one per app).

* ``depscreen_requests_total{route, method, status}`` -- requests answered;
* ``depscreen_request_seconds{route}`` -- latency histogram;
* ``depscreen_items_scored_total{level}`` -- users or posts scored;
* ``depscreen_model_info{name, version, depscreen_version}`` -- which model serves.

Every label value comes from a bounded set the service chose (route templates, not
paths; known methods, else ``other``; status codes; ``user`` / ``post``): never text,
never a user id, never anything a client can make up.

Example
-------
>>> m = Metrics({"name": "tfidf-lr", "version": "abc", "depscreen_version": "0.1"})
>>> m.observe("/healthz", "GET", 200, 0.001)
>>> b'depscreen_requests_total{method="GET",route="/healthz",status="200"} 1.0' in m.render()
True
"""

from __future__ import annotations

from typing import Any, Mapping

METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Counters and a latency histogram for one app, and the model it serves."""

    def __init__(self, model_info: Mapping[str, Any]):
        from prometheus_client import CollectorRegistry, Counter, Histogram, Info

        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("depscreen_requests", "HTTP requests answered, by route template, method and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("depscreen_request_seconds", "Seconds from request to the end of the answer",
                                 ["route"], buckets=BUCKETS, registry=self.registry)
        self.items = Counter("depscreen_items_scored", "Users or posts scored", ["level"], registry=self.registry)
        self.model = Info("depscreen_model", "The model this service runs", registry=self.registry)
        self.model.info({k: str(model_info.get(k, "")) for k in ("name", "version", "depscreen_version")})

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request (labels from bounded sets only)."""
        method = method if method in METHODS else "other"
        self.requests.labels(route=route, method=method, status=str(int(status))).inc()
        self.latency.labels(route=route).observe(max(0.0, seconds))

    def scored(self, level: str, n: int) -> None:
        self.items.labels(level="user" if level == "user" else "post").inc(n)

    def render(self) -> bytes:
        """The Prometheus text format."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)
