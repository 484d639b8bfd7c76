"""A local eRisk server: the round protocol of the CLEF eRisk challenge service, serving
a corpus of your own, for testing a client end to end.

The protocol (as the official service and jmloyola/erisk_mock_server speak it)::

    GET  /{task}/getwritings/{token}         -> the current round: one writing per user
         [{"id", "number", "nick", "redditor", "title", "content", "date"}, ...]
    POST /{task}/submit/{token}/{run}        <- [{"nick", "decision": 0|1, "score"}, ...]

Rounds are numbered from 0; round ``r`` holds the ``r``-th post (in time order) of every
user who has more than ``r`` posts. A GET returns the next round only once every run of
the team has answered the current one (otherwise the current round again); after the
last round it returns ``[]``. A submission must hold exactly one entry for every user of
the task; a second submission for the same run and round is refused with 409 (the first
is kept). Extra endpoints: ``GET /{task}/status/{token}`` (round, answers per run, refused
duplicates) and ``GET /{task}/results/{token}`` (ERDE_5, ERDE_50, F_latency, P@10 and
NDCG per run once the team has finished).

State is written to ``state_dir`` (a small JSON file plus an append-only JSON Lines log
of answers), so a restarted server carries on where it stopped.

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_corpus
>>> app = build_app(make_sample_corpus(n_users=6, seed=1), tokens={"777": 2})  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..corpus.types import UserCorpus


class RoundBook:
    """The server's state, independent of HTTP: rounds, answers, and their persistence."""

    def __init__(self, corpus: UserCorpus, *, task: str = "depression", tokens: Mapping[str, int] | None = None,
                 state_dir: str | Path | None = None):
        from ..evaluate.metrics import positive_label
        from .harness import time_ordered

        corpus, _ = time_ordered(corpus)
        if len(corpus) == 0:
            raise ValueError("the corpus has no users")
        ids = [u.user_id for u in corpus.users]
        if len(set(ids)) != len(ids):
            raise ValueError("user ids must be unique: the protocol names users by nick")
        classes = sorted({u.label for u in corpus.users if u.label is not None}, key=str)
        pos = positive_label(classes) if len(classes) == 2 else (1 if classes == [1] else None)
        self.task = task
        self.users = corpus.users
        self.truth = {u.user_id: int(u.label == pos) if pos is not None else 0 for u in corpus.users}
        self.n_posts = {u.user_id: len(u.posts) for u in corpus.users}
        self.n_rounds = max(self.n_posts.values())
        self.tokens = dict(tokens or {"777": 1})
        self.lock = threading.Lock()
        self.state_dir = Path(state_dir) if state_dir else None
        self.round = {t: -1 for t in self.tokens}
        self.answers: dict[str, dict[int, dict[int, list[dict[str, Any]]]]] = {t: {} for t in self.tokens}
        self.refused = {t: 0 for t in self.tokens}
        if self.state_dir:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            self._load()

    # -------------------------------------------------------------------- persistence
    @property
    def _state_file(self) -> Path:
        return self.state_dir / "server_state.json"

    @property
    def _log_file(self) -> Path:
        return self.state_dir / "answers.jsonl"

    def _load(self) -> None:
        if self._state_file.exists():
            state = json.loads(self._state_file.read_text(encoding="utf-8"))
            for t, r in state.get("round", {}).items():
                if t in self.round:
                    self.round[t] = int(r)
            for t, n in state.get("refused", {}).items():
                if t in self.refused:
                    self.refused[t] = int(n)
        if self._log_file.exists():
            for line in self._log_file.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                rec = json.loads(line)
                if rec["token"] in self.answers:
                    self.answers[rec["token"]].setdefault(int(rec["run"]), {})[int(rec["round"])] = rec["answer"]

    def _save(self) -> None:
        if not self.state_dir:
            return
        tmp = self._state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"task": self.task, "round": self.round, "refused": self.refused}), encoding="utf-8")
        os.replace(tmp, self._state_file)

    def _log(self, token: str, run: int, rnd: int, answer: list[dict[str, Any]]) -> None:
        if not self.state_dir:
            return
        with self._log_file.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"token": token, "run": run, "round": rnd, "answer": answer}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    # -------------------------------------------------------------------- protocol
    def check_token(self, token: str) -> int:
        if token not in self.tokens:
            raise LookupError(f"invalid token '{token}'")
        return self.tokens[token]

    def writings(self, r: int) -> list[dict[str, Any]]:
        out = []
        for j, u in enumerate(self.users):
            if r < len(u.posts):
                p = u.posts[r]
                out.append({"id": int(r * len(self.users) + j), "number": r, "nick": u.user_id, "redditor": j,
                            "title": "", "content": p.text, "date": p.time or ""})
        return out

    def _complete(self, token: str, r: int) -> bool:
        runs = self.tokens[token]
        return all(r in self.answers[token].get(run, {}) for run in range(runs))

    def get_writings(self, token: str) -> list[dict[str, Any]]:
        self.check_token(token)
        with self.lock:
            r = self.round[token]
            if r >= self.n_rounds:
                return []
            if r == -1 or self._complete(token, r):
                r += 1
                self.round[token] = r
                self._save()
            return self.writings(r) if r < self.n_rounds else []

    def submit(self, token: str, run: int, answer: list[dict[str, Any]]) -> tuple[int, str]:
        """Record one run's answer for the current round: ``(status, message)``."""
        runs = self.check_token(token)
        if not 0 <= run < runs:
            return 404, f"invalid run {run} for token '{token}' (runs 0..{runs - 1})"
        with self.lock:
            r = self.round[token]
            if r == -1:
                return 400, "no writings were sent yet: GET getwritings first"
            if r >= self.n_rounds:
                return 400, "the team has finished: every round was answered"
            if r in self.answers[token].get(run, {}):
                self.refused[token] += 1
                self._save()
                return 409, f"run {run} already answered round {r}"
            nicks = [a.get("nick") for a in answer]
            if len(set(nicks)) != len(nicks):
                return 400, "the answer names a user more than once"
            missing = set(self.truth) - set(nicks)
            unknown = set(nicks) - set(self.truth)
            if missing or unknown:
                return 400, f"the answer must hold every user once: {len(missing)} missing, {len(unknown)} unknown"
            for a in answer:
                if a.get("decision") not in (0, 1):
                    return 400, f"decision must be 0 or 1 (user {a.get('nick')})"
                if not isinstance(a.get("score"), (int, float)):
                    return 400, f"score must be a number (user {a.get('nick')})"
            clean = [{"nick": a["nick"], "decision": int(a["decision"]), "score": float(a["score"])} for a in answer]
            self._log(token, run, r, clean)
            self.answers[token].setdefault(run, {})[r] = clean
            return 200, "ok"

    def status(self, token: str) -> dict[str, Any]:
        runs = self.check_token(token)
        return {
            "task": self.task,
            "round": self.round[token],
            "n_rounds": self.n_rounds,
            "finished": self.round[token] >= self.n_rounds,
            "answered": {str(run): sorted(self.answers[token].get(run, {})) for run in range(runs)},
            "refused_duplicates": self.refused[token],
        }

    def results(self, token: str) -> list[dict[str, Any]]:
        """eRisk measures per run (the first alert of each user is final)."""
        from .metrics import decision_metrics, ndcg_at_k, precision_at_k

        runs = self.check_token(token)
        nicks = list(self.truth)
        y = np.asarray([self.truth[n] for n in nicks])
        out = []
        for run in range(runs):
            rounds = self.answers[token].get(run, {})
            decided: dict[str, int] = {}
            last_score = {n: 0.0 for n in nicks}
            rank: dict[int, dict[str, float]] = {}
            for r in sorted(rounds):
                for a in rounds[r]:
                    if a["decision"] == 1 and a["nick"] not in decided:
                        decided[a["nick"]] = r + 1
                    last_score[a["nick"]] = a["score"]
                if r + 1 in (1, 100, 500, 1000):
                    rank[r + 1] = dict(last_score)
            d = np.asarray([int(n in decided) for n in nicks])
            k = np.asarray([decided.get(n, self.n_posts[n]) for n in nicks])
            m = decision_metrics(y, d, np.maximum(k, 1))
            entry = {"run": run, "rounds_answered": len(rounds), **{key: _f(v) for key, v in m.items()}}
            for n_w, scores in rank.items():
                s = np.asarray([scores[n] for n in nicks])
                entry[f"p@10_{n_w}"] = _f(precision_at_k(s, y, 10))
                entry[f"ndcg@10_{n_w}"] = _f(ndcg_at_k(s, y, 10))
                entry[f"ndcg@100_{n_w}"] = _f(ndcg_at_k(s, y, 100))
            out.append(entry)
        return out


def _f(v: float) -> float | None:
    return None if v is None or v != v else round(float(v), 6)


def build_app(corpus: UserCorpus, *, task: str = "depression", tokens: Mapping[str, int] | None = None,
              state_dir: str | Path | None = None):
    """The FastAPI application serving ``corpus`` round by round."""
    from fastapi import Body, FastAPI, HTTPException

    book = RoundBook(corpus, task=task, tokens=tokens, state_dir=state_dir)
    app = FastAPI(title="depscreen eRisk mock server",
                  description="Serves a local corpus with the eRisk round protocol. For testing clients only.")
    app.state.book = book

    def _task(t: str) -> None:
        if t != book.task:
            raise HTTPException(status_code=404, detail=f"unknown task '{t}' (this server runs '{book.task}')")

    def _token(token: str) -> None:
        try:
            book.check_token(token)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None

    @app.get("/{task}/getwritings/{token}")
    def get_writings(task: str, token: str) -> list[dict[str, Any]]:
        _task(task)
        _token(token)
        return book.get_writings(token)

    @app.post("/{task}/submit/{token}/{run}")
    def submit(task: str, token: str, run: int, answer: list[dict[str, Any]] = Body(...)) -> dict[str, str]:
        _task(task)
        _token(token)
        code, message = book.submit(token, run, answer)
        if code != 200:
            raise HTTPException(status_code=code, detail=message)
        return {"status": message}

    @app.get("/{task}/status/{token}")
    def status(task: str, token: str) -> dict[str, Any]:
        _task(task)
        _token(token)
        return book.status(token)

    @app.get("/{task}/results/{token}")
    def results(task: str, token: str) -> list[dict[str, Any]]:
        _task(task)
        _token(token)
        if not book.status(token)["finished"]:
            raise HTTPException(status_code=404, detail="the team has not finished yet")
        return book.results(token)

    return app


def serve(corpus: UserCorpus, *, host: str = "127.0.0.1", port: int = 8000, task: str = "depression",
          tokens: Mapping[str, int] | None = None, state_dir: str | Path | None = None, log_level: str = "warning") -> None:
    """Run the mock server until interrupted (uvicorn)."""
    import uvicorn

    uvicorn.run(build_app(corpus, task=task, tokens=tokens, state_dir=state_dir), host=host, port=port,
                log_level=log_level)
