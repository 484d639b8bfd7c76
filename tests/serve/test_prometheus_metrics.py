"""``GET /metrics``: Prometheus text with request counts by route and status, a latency
histogram, items scored and the model's name and version; no text, no ids in any label."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def _samples(text: str) -> dict[str, list]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def test_metrics_count_requests_by_route_and_status_without_text_or_ids(make_client, key):
    client = make_client(pseudonymise=False)
    user = {"user_id": "metrics-user-7", "posts": [{"text": "secret-words-for-metrics"}, {"text": "b"}]}
    for _ in range(3):
        assert client.post("/v1/screen", json={"users": [user]}, headers={"X-API-Key": key}).status_code == 200
    assert client.post("/v1/screen", json={"users": [{"user_id": "x", "posts": []}]},
                       headers={"X-API-Key": key}).status_code == 422
    assert client.post("/v1/screen", json={"users": [user]}).status_code == 401
    client.get("/no/such/path/metrics-user-7")
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    for private in ("metrics-user-7", "secret-words", "/no/such"):
        assert private not in text
    samples = _samples(text)
    counts = {(s.labels["route"], s.labels["status"]): s.value for s in samples["depscreen_requests"]
              if s.name == "depscreen_requests_total"}
    assert counts[("/v1/screen", "200")] == 3 and counts[("/v1/screen", "422")] == 1
    assert counts[("/v1/screen", "401")] == 1 and counts[("unmatched", "404")] == 1
    hist = {s.labels["le"]: s.value for s in samples["depscreen_request_seconds"]
            if s.name == "depscreen_request_seconds_bucket" and s.labels["route"] == "/v1/screen"}
    assert hist["+Inf"] == 5 and all(v <= 5 for v in hist.values())
    scored = [s.value for s in samples["depscreen_items_scored"] if s.name == "depscreen_items_scored_total"]
    assert scored == [3.0]
    info = [s.labels for family in samples.values() for s in family if s.name == "depscreen_model_info"][0]
    card = client.get("/v1/model", headers={"X-API-Key": key}).json()
    assert info == {"name": "tfidf-lr", "version": card["version"], "depscreen_version": card["depscreen_version"]}
    # every label value comes from a bounded set: route templates, known methods, status codes
    routes = {s.labels["route"] for s in samples["depscreen_requests"]}
    assert routes <= {"/v1/screen", "/v1/model", "/metrics", "unmatched"}


def test_odd_methods_share_one_label(make_client):
    client = make_client()
    client.request("PROPFIND", "/healthz")
    client.request("BREW", "/healthz")
    methods = {s.labels["method"] for s in _samples(client.get("/metrics").text)["depscreen_requests"]}
    assert methods == {"other", "GET"} or methods == {"other"}
