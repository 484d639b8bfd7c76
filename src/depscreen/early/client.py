"""Take part in eRisk rounds: GET the writings of a round, score every user, POST one
decision and score per user for each run, and carry on after a crash.

One model scores every user; each run has its own decision policy (runs may share one).
A user's alert is final: once a run alerted, it keeps sending decision 1 for that user.

Crash safety
------------
Everything the client knows is in a local state file (JSON, replaced atomically) plus an
append-only log of the writings received (``<state>.writings.jsonl``, file mode 0600: it
holds post text, so keep it where the data may live). On restart the model's per-user
state is rebuilt from the log; the decisions of the round in progress were stored before
they were sent, so a re-send is byte-for-byte the same answer, and the server keeps the
first (a repeat answer is refused with 409, which the client records as "sent"). A round
is never answered twice by the client's own choice: a run is marked as sent as soon as
the server acknowledges it, or as soon as the server moves on to the next round (which
it only does once every run has answered). Network errors and 5xx answers are retried
with exponential backoff.

Example
-------
>>> client = RoundClient("http://127.0.0.1:8000", "777", model, ["threshold"],  # doctest: +SKIP
...                      state_path="erisk-state.json")
>>> client.run()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..corpus.types import Post, User
from .policies import Policy, make_policy
from .runner import make_stepper

log = logging.getLogger(__name__)


class ProtocolError(RuntimeError):
    """The server refused a request for a reason retrying cannot fix."""


@dataclass
class ClientSummary:
    rounds: int
    submissions: int
    resent_refused: int
    users: int
    alerts: dict[int, int]


class RoundClient:
    """The eRisk round client (see the module docstring).

    Parameters
    ----------
    server : base URL, e.g. ``http://127.0.0.1:8000``.
    token : the team token.
    model : a fitted depscreen model (the same one scores every run).
    policies : one policy (spec or object) per run, or one for all ``runs``.
    runs : number of runs; defaults to ``len(policies)``.
    task : the task name in the URL (``depression``).
    state_path : the local state file (created when absent, resumed when present).
    retries, backoff, max_backoff, timeout : network retry settings (seconds).
    on_round : called with the round number after each round is fully answered.
    """

    def __init__(self, server: str, token: str, model: Any, policies: Sequence[str | Policy], *, runs: int | None = None,
                 task: str = "depression", state_path: str | Path = "erisk-state.json", retries: int = 8,
                 backoff: float = 0.5, max_backoff: float = 30.0, timeout: float = 30.0,
                 on_round: Callable[[int], None] | None = None, sleep: Callable[[float], None] = time.sleep):
        policies = list(policies)
        runs = len(policies) if runs is None else int(runs)
        if len(policies) == 1 and runs > 1:
            policies = policies * runs
        if len(policies) != runs:
            raise ValueError(f"{len(policies)} policies for {runs} runs: give one policy, or one per run")
        self.server = server.rstrip("/")
        self.token = token
        self.task = task
        self.model = model
        self.policies = [p if isinstance(p, Policy) else make_policy(p) for p in policies]
        for p in self.policies:
            if getattr(p, "needs_fit", False) and not _is_fitted(p):
                raise ValueError(f"policy {p.label()} learns from training streams: fit it first")
        self.runs = runs
        self.state_path = Path(state_path)
        self.log_path = self.state_path.with_name(self.state_path.name + ".writings.jsonl")
        self.retries, self.backoff, self.max_backoff, self.timeout = retries, backoff, max_backoff, timeout
        self.on_round = on_round
        self.sleep = sleep
        self.stepper = make_stepper(model)
        self.model_states: dict[str, Any] = {}
        self.state = self._load_state()

    # ------------------------------------------------------------------ state
    def _new_state(self) -> dict[str, Any]:
        return {"server": self.server, "token": self.token, "task": self.task, "runs": self.runs,
                "policies": [p.label() for p in self.policies], "round": -1,
                "sent": {str(r): -1 for r in range(self.runs)}, "pending": {},
                "scores": {}, "seen": {}, "alerted": {str(r): {} for r in range(self.runs)},
                "resent_refused": 0, "submissions": 0, "finished": False}

    def _load_state(self) -> dict[str, Any]:
        if not self.state_path.exists():
            if self.log_path.exists():
                self.log_path.unlink()  # a log without its state cannot be trusted: start over
            return self._new_state()
        state = json.loads(self.state_path.read_text(encoding="utf-8"))
        for key, want in (("server", self.server), ("token", self.token), ("task", self.task), ("runs", self.runs)):
            if state.get(key) != want:
                raise ValueError(
                    f"{self.state_path}: state of another session ({key} {state.get(key)!r}, not {want!r}); "
                    "use another --state file"
                )
        self._replay(state)
        return state

    def _replay(self, state: dict[str, Any]) -> None:
        """Rebuild the model's per-user state from the writings log (rounds already scored)."""
        if not self.log_path.exists():
            return
        by_round: dict[int, list[dict[str, Any]]] = {}
        seen: set[tuple[int, str]] = set()
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                w = json.loads(line)
                key = (int(w["number"]), str(w["nick"]))
                if key[0] <= int(state["round"]) and key not in seen:  # a round logged twice counts once
                    seen.add(key)
                    by_round.setdefault(key[0], []).append(w)
        for r in sorted(by_round):
            self._advance(by_round[r])

    def _save(self) -> None:
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps(self.state), encoding="utf-8")
        os.replace(tmp, self.state_path)

    def _append_writings(self, writings: list[dict[str, Any]]) -> None:
        fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            for w in writings:
                fh.write(json.dumps({k: w.get(k) for k in ("number", "nick", "title", "content", "date")}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    # ------------------------------------------------------------------ HTTP
    def _request(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        url = f"{self.server}{path}"
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        delay = self.backoff
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    body = resp.read()
                    return resp.status, json.loads(body) if body else None
            except urllib.error.HTTPError as exc:
                body = exc.read()
                try:
                    detail = json.loads(body).get("detail", body.decode("utf-8", "replace"))
                except Exception:  # noqa: BLE001 - any unreadable body
                    detail = body.decode("utf-8", "replace")
                if exc.code < 500:
                    return exc.code, detail
                problem = f"HTTP {exc.code}"
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
                problem = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
            if attempt == self.retries:
                raise ConnectionError(f"{method} {path}: gave up after {self.retries + 1} tries ({problem})")
            log.warning("%s %s failed (%s); retrying in %.1f s", method, path, problem, delay)
            self.sleep(delay)
            delay = min(delay * 2, self.max_backoff)
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ rounds
    def _advance(self, writings: list[dict[str, Any]]) -> dict[str, float]:
        """Feed one round of writings to the model; the new score of each user in it."""
        nicks, posts = [], []
        for w in writings:
            nick = str(w["nick"])
            if nick not in self.model_states:
                self.model_states[nick] = self.stepper.init(User(nick, None, []))
            text = "\n\n".join(p for p in (str(w.get("title") or "").strip(), str(w.get("content") or "").strip()) if p)
            nicks.append(nick)
            posts.append([Post(text=text, time=w.get("date") or None)])
        if not nicks:
            return {}
        scores = self.stepper.advance([self.model_states[n] for n in nicks], posts)
        return {n: float(s) for n, s in zip(nicks, scores)}

    def _decide(self, r: int, new_scores: dict[str, float]) -> dict[str, list[dict[str, Any]]]:
        st = self.state
        payloads = {}
        for run, policy in enumerate(self.policies):
            alerted = st["alerted"][str(run)]
            answer = []
            for nick in st["scores"]:
                if nick not in alerted and nick in new_scores:
                    if policy.decide(np.asarray(st["scores"][nick]), np.asarray(st["seen"][nick])):
                        alerted[nick] = r
                answer.append({"nick": nick, "decision": int(nick in alerted), "score": st["scores"][nick][-1]})
            payloads[str(run)] = answer
        return payloads

    def _receive(self, writings: list[dict[str, Any]]) -> int:
        st = self.state
        r = int(writings[0]["number"])
        if any(int(w["number"]) != r for w in writings):
            raise ProtocolError("a round mixes writings of different numbers")
        if r < st["round"]:
            raise ProtocolError(f"the server sent round {r} after round {st['round']}")
        if r == st["round"]:
            return r  # the same round again (resumed, or other runs still pending)
        if st["round"] >= 0:  # the server moved on: it had every run's answer to the last round
            for run in range(self.runs):
                if st["sent"][str(run)] < st["round"]:
                    st["sent"][str(run)] = st["round"]
        self._append_writings(writings)
        new_scores = self._advance(writings)
        for nick, s in new_scores.items():
            st["scores"].setdefault(nick, []).append(s)
            st["seen"].setdefault(nick, []).append(len(st["seen"].get(nick, [])) + 1)
        st["pending"] = {"round": r, "answers": self._decide(r, new_scores)}
        st["round"] = r
        self._save()
        return r

    def _submit_pending(self, r: int) -> int:
        st = self.state
        sent = 0
        for run in range(self.runs):
            if st["sent"][str(run)] >= r:
                continue
            answer = st["pending"]["answers"][str(run)]
            code, detail = self._request("POST", f"/{self.task}/submit/{self.token}/{run}", answer)
            if code == 409:
                st["resent_refused"] += 1  # the server already had it (sent before a crash)
            elif code != 200:
                raise ProtocolError(f"run {run}, round {r}: the server refused the answer (HTTP {code}: {detail})")
            else:
                st["submissions"] += 1
                sent += 1
            st["sent"][str(run)] = r
            self._save()
        return sent

    def run(self, max_rounds: int | None = None) -> ClientSummary:
        """Answer rounds until the server sends no more writings (or ``max_rounds``)."""
        done = 0
        while not self.state["finished"]:
            if max_rounds is not None and done >= max_rounds:
                break
            code, writings = self._request("GET", f"/{self.task}/getwritings/{self.token}")
            if code != 200:
                raise ProtocolError(f"getwritings: HTTP {code}: {writings}")
            if not writings:
                if self.state["round"] >= 0:
                    for run in range(self.runs):
                        self.state["sent"][str(run)] = max(self.state["sent"][str(run)], self.state["round"])
                self.state["finished"] = True
                self._save()
                break
            r = self._receive(writings)
            self._submit_pending(r)
            done += 1
            if self.on_round is not None:
                self.on_round(r)
        return self.summary()

    def summary(self) -> ClientSummary:
        st = self.state
        return ClientSummary(rounds=st["round"] + 1, submissions=st["submissions"],
                             resent_refused=st["resent_refused"], users=len(st["scores"]),
                             alerts={run: len(st["alerted"][str(run)]) for run in range(self.runs)})


def _is_fitted(policy: Policy) -> bool:
    return any(k.endswith("_") and not k.startswith("_") for k in vars(policy))
