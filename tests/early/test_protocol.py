"""The eRisk round protocol over loopback: a real uvicorn server on 127.0.0.1, the client
talking HTTP to it, a server restart in the middle of the run, and a client crash."""

import json
import socket
import threading
import time

import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from depscreen.corpus.synthetic import make_sample_corpus  # noqa: E402
from depscreen.corpus.types import User, UserCorpus  # noqa: E402
from depscreen.early.client import ProtocolError, RoundClient  # noqa: E402
from depscreen.early.mock_server import RoundBook, build_app  # noqa: E402
from depscreen.models.baselines import TfidfLogReg  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn in a thread; stop() and start() again reload the state from disk."""

    def __init__(self, corpus, state_dir, tokens):
        self.corpus, self.state_dir, self.tokens = corpus, state_dir, tokens
        self.port = _free_port()
        self.server = None
        self.starts = 0

    def start(self):
        app = build_app(self.corpus, tokens=self.tokens, state_dir=self.state_dir)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                break
            time.sleep(0.02)
        self.starts += 1

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def setup():
    train = make_sample_corpus(n_users=16, langs=("en",), seed=8)
    model = TfidfLogReg(class_weight="balanced").fit(train.users, train.labels)
    test = make_sample_corpus(n_users=6, langs=("en",), seed=9, posts_per_user=(3, 8))
    # short, uneven timelines: users drop out of later rounds
    corpus = UserCorpus([User(u.user_id, u.label, u.posts[: 3 + i]) for i, u in enumerate(test.users)])
    return model, corpus


def _answers(state_dir):
    lines = (state_dir / "answers.jsonl").read_text().splitlines()
    return [json.loads(x) for x in lines if x.strip()]


def test_whole_run_with_a_server_restart(setup, tmp_path, caplog):
    caplog.set_level("WARNING", logger="depscreen.early.client")
    model, corpus = setup
    server = Server(corpus, tmp_path / "server", {"777": 2})
    server.start()
    n_rounds = max(len(u.posts) for u in corpus.users)
    restarted = []

    def on_round(r):
        if r == 2 and not restarted:  # stop the server; bring it back a little later
            server.stop()
            restarted.append(r)
            threading.Timer(0.8, server.start).start()

    client = RoundClient(server.url, "777", model, ["threshold:t=0.5", "consecutive:t=0.5,k=2"],
                         state_path=tmp_path / "client.json", backoff=0.2, retries=10, on_round=on_round)
    summary = client.run()
    assert restarted and server.starts == 2
    assert any("retrying" in r.getMessage() for r in caplog.records)  # the client waited it out
    assert summary.rounds == n_rounds and summary.users == len(corpus)
    answers = _answers(tmp_path / "server")
    keys = [(a["run"], a["round"]) for a in answers]
    assert sorted(keys) == sorted((run, r) for run in (0, 1) for r in range(n_rounds))  # each once
    assert all(len(a["answer"]) == len(corpus) for a in answers)
    book = RoundBook(corpus, tokens={"777": 2}, state_dir=tmp_path / "server")
    status = book.status("777")
    assert status["finished"] and status["refused_duplicates"] == 0
    # an alert is final: once 1, always 1 for that user and run
    for run in (0, 1):
        seq = sorted((a for a in answers if a["run"] == run), key=lambda a: a["round"])
        for nick in [u.user_id for u in corpus.users]:
            d = [next(x["decision"] for x in a["answer"] if x["nick"] == nick) for a in seq]
            assert d == sorted(d)
    results = book.results("777")
    assert len(results) == 2 and all(0 <= r["erde50"] <= 1 for r in results)
    server.stop()


def test_client_crash_and_resume_never_answers_twice(setup, tmp_path):
    model, corpus = setup
    n_rounds = max(len(u.posts) for u in corpus.users)
    server = Server(corpus, tmp_path / "server", {"777": 2})
    server.start()
    state = tmp_path / "client.json"
    policies = ["threshold", "consecutive:k=2"]
    first = RoundClient(server.url, "777", model, policies, state_path=state, backoff=0.1)
    first.run(max_rounds=2)
    # crash in round 2: the server took run 0's answer, the client died before writing it down
    code, writings = first._request("GET", "/depression/getwritings/777")
    r = first._receive(writings)
    answer = first.state["pending"]["answers"]["0"]
    assert first._request("POST", "/depression/submit/777/0", answer)[0] == 200
    del first
    second = RoundClient(server.url, "777", model, policies, state_path=state, backoff=0.1)
    summary = second.run()
    assert summary.resent_refused == 1  # the repeat was refused; the server kept the first
    answers = _answers(tmp_path / "server")
    keys = sorted((a["run"], a["round"]) for a in answers)
    assert keys == sorted((run, k) for run in (0, 1) for k in range(n_rounds))
    assert r == 2
    # the resumed client rebuilt its model state from the log: its scores match a fresh run
    from depscreen.early.runner import run_streams

    run = run_streams(model, corpus.users)
    for s in run.streams:
        assert second.state["scores"][s.user_id] == pytest.approx(s.scores.tolist(), abs=1e-9)
    server.stop()


def test_resume_after_the_server_moved_on_sends_nothing_again(setup, tmp_path):
    model, corpus = setup
    server = Server(corpus, tmp_path / "server", {"777": 1})
    server.start()
    state = tmp_path / "client.json"
    first = RoundClient(server.url, "777", model, ["threshold"], state_path=state, backoff=0.1)
    first.run(max_rounds=2)
    st = json.loads(state.read_text())
    st["sent"]["0"] = 0  # the client lost the record of round 1; the server has it
    state.write_text(json.dumps(st))
    summary = RoundClient(server.url, "777", model, ["threshold"], state_path=state, backoff=0.1).run()
    assert summary.resent_refused == 0  # the server moved on: proof it had round 1
    rounds = sorted(a["round"] for a in _answers(tmp_path / "server"))
    assert rounds == list(range(max(len(u.posts) for u in corpus.users)))
    server.stop()


def test_server_refuses_bad_answers(setup):
    _, corpus = setup
    book = RoundBook(corpus, tokens={"t": 1})
    assert book.submit("t", 0, [])[0] == 400  # before any writings
    writings = book.get_writings("t")
    assert {w["number"] for w in writings} == {0} and len(writings) == len(corpus)
    assert book.submit("t", 3, [])[0] == 404
    assert book.submit("t", 0, [{"nick": corpus.users[0].user_id, "decision": 1, "score": 0.5}])[0] == 400
    full = [{"nick": u.user_id, "decision": 0, "score": 0.1} for u in corpus.users]
    assert book.submit("t", 0, full)[0] == 200
    assert book.submit("t", 0, full)[0] == 409
    assert book.get_writings("t")[0]["number"] == 1
    with pytest.raises(LookupError):
        book.get_writings("nope")


def test_client_gives_up_cleanly_when_no_server(setup, tmp_path):
    model, _ = setup
    client = RoundClient(f"http://127.0.0.1:{_free_port()}", "777", model, ["threshold"],
                         state_path=tmp_path / "s.json", retries=2, backoff=0.01)
    with pytest.raises(ConnectionError, match="gave up after 3 tries"):
        client.run()
    with pytest.raises(ValueError, match="learns"):
        RoundClient("http://x", "t", model, ["learned"], state_path=tmp_path / "t.json")
    assert ProtocolError


def _write_erisk(users, folder):
    """Users -> an eRisk collection (one XML per subject, writings newest first + golden truth)."""
    from xml.sax.saxutils import escape

    folder.mkdir(parents=True)
    for u in users:
        ws = "".join(
            f"<WRITING><TITLE></TITLE><DATE> 2020-01-{i + 1:02d} 10:00:00 </DATE><INFO> reddit post </INFO>"
            f"<TEXT> {escape(p.text)} </TEXT></WRITING>\n"
            for i, p in reversed(list(enumerate(u.posts)))
        )
        (folder / f"{u.user_id}.xml").write_text(f"<INDIVIDUAL><ID>{u.user_id}</ID>\n{ws}</INDIVIDUAL>\n", encoding="utf-8")
    (folder / "risk_golden_truth.txt").write_text("".join(f"{u.user_id} {u.label}\n" for u in users), encoding="utf-8")


def test_erisk_xml_collection_feeds_the_server_and_the_client(setup, tmp_path):
    from depscreen.corpus.readers import read_source

    model, corpus = setup
    _write_erisk(corpus.users, tmp_path / "erisk")
    collection = read_source(tmp_path / "erisk", "erisk")
    assert sorted(u.user_id for u in collection) == sorted(u.user_id for u in corpus)
    server = Server(collection, tmp_path / "server", {"777": 1})
    server.start()
    try:
        summary = RoundClient(server.url, "777", model, ["threshold"], state_path=tmp_path / "c.json",
                              backoff=0.1).run()
        assert summary.rounds == max(len(u.posts) for u in corpus.users)
        # the writings came in date order: the client's scores equal the runner's on the corpus
        from depscreen.early.runner import run_streams

        client = json.loads((tmp_path / "c.json").read_text())
        for s in run_streams(model, corpus.users).streams:
            assert client["scores"][s.user_id] == pytest.approx(s.scores.tolist(), abs=1e-9)
    finally:
        server.stop()
