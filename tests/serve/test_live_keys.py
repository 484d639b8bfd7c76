"""``depscreen serve`` as a user runs it (uvicorn in a subprocess on a free port): keys
revoked and added while it runs (issue 20, finding 7), ``X-Forwarded-For`` from a local
client ignored by default (finding 6), JSON log lines, ``/metrics``."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from depscreen.cli import _register, app

_register()
runner = CliRunner()
PICKUP_S = 5.0  # the promise in docs/serve.md: a changed key file is picked up within 5 s


def _cli(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.stdout.strip().splitlines()[0] if r.stdout.strip() else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def running(tmp_path, model_dir):
    """``depscreen serve MODEL --keys KEYS --port P`` in a subprocess; yields (url, keys file,
    {name: key}, log path) and stops it."""
    exe = Path(sys.executable).with_name("depscreen")
    if not exe.exists():
        exe = shutil.which("depscreen")
    if not exe:
        pytest.skip("the depscreen command is not installed")
    keys_file = tmp_path / "keys.txt"
    keys = {name: _cli("serve", "keys", "add", name, "--keys", str(keys_file)) for name in ("alice", "bob")}
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(exe), "serve", str(model_dir), "--keys", str(keys_file), "--port", str(port),
                                 "--workers", "1", "--log-level", "info"], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log_path.read_text(errors="replace")[-2000:]
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the service did not get ready"
            time.sleep(0.2)
        yield url, keys_file, keys, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _status_within(client, key: str, wanted: int, seconds: float) -> int:
    """Poll /v1/model with ``key`` until it answers ``wanted`` or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while True:
        status = client.get("/v1/model", headers={"X-API-Key": key}).status_code
        if status == wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def test_keys_revoked_and_added_while_serving_and_forwarded_for_ignored(running):
    url, keys_file, keys, log_path = running
    user = {"user_id": "live-user-1", "posts": [{"text": "a private sentence about sleep"}]}
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.post("/v1/screen", json={"users": [user]}, headers={"X-API-Key": keys["alice"]}).status_code == 200
        assert client.get("/v1/model", headers={"X-API-Key": keys["bob"]}).status_code == 200

        # finding 7: revoke alice while the service runs; add carol
        _cli("serve", "keys", "revoke", "alice", "--keys", str(keys_file))
        assert _status_within(client, keys["alice"], 401, PICKUP_S) == 401
        carol = _cli("serve", "keys", "add", "carol", "--keys", str(keys_file))
        assert _status_within(client, carol, 200, PICKUP_S) == 200
        assert client.get("/v1/model", headers={"X-API-Key": keys["bob"]}).status_code == 200
        listed = runner.invoke(app, ["serve", "keys", "list", "--keys", str(keys_file)]).stdout
        assert [line.split("\t")[0] for line in listed.splitlines()] == ["bob", "carol"]

        # finding 6: a local client rotating X-Forwarded-For is still one address: guessing
        # bob's secret is refused after the burst (20), and the valid keys keep working
        wrong = keys["bob"][:-4] + ("AAAA" if not keys["bob"].endswith("AAAA") else "BBBB")
        codes = [client.get("/v1/model", headers={"X-API-Key": wrong, "X-Forwarded-For": f"10.0.{i}.1"}).status_code
                 for i in range(22)]
        assert codes[:20] == [401] * 20 and codes[-1] == 429, codes
        assert client.get("/v1/model", headers={"X-API-Key": keys["bob"]}).status_code == 200
        assert client.get("/v1/model", headers={"X-API-Key": carol}).status_code == 200

        metrics = client.get("/metrics").text
    assert 'depscreen_requests_total{method="POST",route="/v1/screen",status="200"} 1.0' in metrics
    assert 'route="/v1/model",status="429"' in metrics and "live-user-1" not in metrics

    logged = log_path.read_text(errors="replace")
    assert "private sentence" not in logged and "live-user-1" not in logged
    records = [json.loads(line.split("depscreen.serve: ", 1)[1]) for line in logged.splitlines()
               if "depscreen.serve: {" in line]
    assert any(r["event"] == "keys_reloaded" for r in records)
    screened = [r for r in records if r["event"] == "request" and r["route"] == "/v1/screen"]
    assert len(screened) == 1 and screened[0]["key"] == "alice" and screened[0]["status"] == 200
    assert {"request_id", "method", "ms", "users", "posts"} <= set(screened[0])
    assert "Traceback" not in logged
