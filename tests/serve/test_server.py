"""One test against a real uvicorn server on 127.0.0.1, started and stopped by the test."""

from __future__ import annotations

import json

import httpx


def test_real_server_screens_refuses_and_limits(live_server, key, sample):
    user = sample.users[1].to_dict()
    with httpx.Client(base_url=live_server, timeout=30) as client:
        assert client.get("/readyz").json()["status"] == "ready"
        r = client.post("/v1/screen", json={"users": [user]}, headers={"X-API-Key": key})
        assert r.status_code == 200 and r.json()["results"][0]["id"] == user["user_id"]
        assert r.headers["x-request-id"] and r.headers["cache-control"] == "no-store"
        assert client.post("/v1/screen", json={"users": [user]}).status_code == 401
        big = json.dumps({"users": [{"user_id": "x", "posts": [{"text": "y" * 3_000_000}]}]})
        r = client.post("/v1/screen", content=big, headers={"X-API-Key": key, "Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["field"] == "body"
        r = client.post("/v1/screen", json={"users": [{"user_id": "x", "posts": []}]}, headers={"X-API-Key": key})
        assert r.status_code == 422 and r.json()["field"] == "users[0].posts"
        with client.stream("POST", "/v1/screen/batch", json={"users": [u.to_dict() for u in sample.users[:10]]},
                           headers={"X-API-Key": key}) as resp:
            lines = [json.loads(line) for line in resp.iter_lines() if line]
        assert resp.status_code == 200 and len(lines) == 12 and lines[-1]["summary"]["n_users"] == 10
