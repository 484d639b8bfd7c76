import json
import subprocess
import sys
import time
import urllib.request

import pytest
from typer.testing import CliRunner

from depscreen.cli import _register, app
from depscreen.corpus.io import write_jsonl
from depscreen.corpus.synthetic import make_sample_corpus

_register()
runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("early")
    train = make_sample_corpus(n_users=18, langs=("en",), seed=21)
    test = make_sample_corpus(n_users=5, langs=("en",), seed=22, posts_per_user=(3, 5))
    write_jsonl(train, d / "train.jsonl")
    write_jsonl(test, d / "test.jsonl")
    return d


def test_early_evaluate_writes_json_and_html(files):
    out = files / "out"
    res = runner.invoke(app, ["early", "evaluate", "--model", "tfidf-lr", "--data", str(files / "train.jsonl"),
                              "--policy", "threshold", "--policy", "consecutive:k=2", "--cv", "3",
                              "--param", "class_weight=balanced", "--json", str(out / "e.json"),
                              "--html", str(out / "e.html"), "--no-progress"])
    assert res.exit_code == 0, res.output
    payload = json.loads((out / "e.json").read_text())
    assert set(payload["summary"]) == {"threshold(t=0.5)", "consecutive(t=0.5, k=2)"}
    assert "erde50" in payload["summary"]["threshold(t=0.5)"]
    assert (out / "e.html").read_text().count("<img") == 4


def test_early_evaluate_errors_are_one_line(files):
    res = runner.invoke(app, ["early", "evaluate", "--model", "tfidf-lr", "--data", str(files / "train.jsonl"),
                              "--policy", "treshold"])
    assert res.exit_code == 2 and "did you mean 'threshold'" in res.output
    res = runner.invoke(app, ["early", "evaluate", "--model", "tfidf-lr", "--data", str(files / "train.jsonl"),
                              "--positive", "7"])
    assert res.exit_code == 2 and "not a label" in res.output


def _get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def test_mock_server_and_client_commands(files, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = runner.invoke(app, ["train", "--model", "tfidf-lr", "--data", str(files / "train.jsonl"),
                              "--out", str(tmp_path / "model"), "--param", "class_weight=balanced"])
    assert res.exit_code == 0, res.output
    proc = subprocess.Popen([sys.executable, "-m", "depscreen.cli", "early", "mock-server", str(files / "test.jsonl"),
                             "--port", str(port), "--token", "abc:2", "--state", str(tmp_path / "srv")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                _get(f"{url}/depression/status/abc")
                break
            except OSError:
                time.sleep(0.1)
        res = runner.invoke(app, ["early", "client", "--server", url, "--token", "abc", "--runs", "2",
                                  "--model", str(tmp_path / "model"), "--policy", "threshold",
                                  "--state", str(tmp_path / "client.json")])
        assert res.exit_code == 0, res.output
        status = _get(f"{url}/depression/status/abc")
        assert status["finished"] and status["refused_duplicates"] == 0
        assert all(v == list(range(status["n_rounds"])) for v in status["answered"].values())
        results = _get(f"{url}/depression/results/abc")
        assert [r["run"] for r in results] == [0, 1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
