"""Shared fixtures: a tiny tfidf-lr model trained on the synthetic sample, a key file."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

pytest.importorskip("fastapi", reason="the service needs fastapi (pip install depscreen)")


@pytest.fixture(scope="session")
def sample():
    from depscreen.corpus.synthetic import make_sample_corpus

    return make_sample_corpus(n_users=48, posts_per_user=(6, 12), seed=7)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, sample):
    import depscreen

    model, record = depscreen.train("tfidf-lr", sample, params={"class_weight": "balanced"}, data="synthetic")
    return depscreen.save(model, tmp_path_factory.mktemp("model") / "tfidf-lr", record)


@pytest.fixture(scope="session")
def key_file(tmp_path_factory):
    from depscreen.serve.keys import add_key

    path = tmp_path_factory.mktemp("keys") / "keys.txt"
    keys = {name: add_key(path, name) for name in ("alice", "bob")}
    return path, keys


@pytest.fixture
def make_client(model_dir, key_file):
    """A TestClient for an app with the given settings (keys from the session key file)."""
    from fastapi.testclient import TestClient

    from depscreen.serve import Settings, create_app

    def make(**settings):
        settings.setdefault("keys_file", key_file[0])
        app = create_app(model_dir, Settings(**settings))
        return TestClient(app)

    return make


@pytest.fixture
def key(key_file):
    return key_file[1]["alice"]


@contextmanager
def serving(app):
    """Run ``app`` under a real uvicorn server on 127.0.0.1 (a free port) in a thread;
    yields the base URL and stops the server on exit."""
    import socket
    import threading
    import time

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "the test server did not stop"


@pytest.fixture
def live_server(model_dir, key_file):
    """The service for the session model under a real uvicorn server, started and stopped here."""
    from depscreen.serve import Settings, create_app

    with serving(create_app(model_dir, Settings(keys_file=key_file[0]))) as url:
        yield url


@pytest.fixture
def serve():
    """:func:`serving` for tests that build their own app."""
    return serving
