"""Load test of ``depscreen serve``: N concurrent clients on 127.0.0.1, a fixed number of
requests -> docs/results/service.md + .json.

For each configuration the script trains a model on the synthetic sample, saves it,
starts the real service in its own process (``depscreen serve MODEL --keys ...
--log-level info``: the per-request log is on, as in production, and checked for post
text afterwards), waits for ``/readyz`` and sends ``--requests`` ``POST /v1/screen``
requests (one user of ``--posts`` posts each, ``explain`` and ``languages`` on) from
``--clients`` concurrent keep-alive connections. The load generator is a minimal
HTTP/1.1 client on asyncio streams in the benchmark process (a general client such as
httpx costs about a millisecond of CPU per request, taken from the same two cores as
the server). It reports requests/s, users/s, p50 / p95 / p99 / max latency and errors
(any status but 200, or a failed connection), and as a peer the bare library
(``depscreen.score`` on the same users in the benchmark process, one user per call, no
HTTP) measured in the same run.

Configurations:

* ``tfidf-lr`` -- the linear model, as served; then the same requests with explanations
  off, with language detection off, with both off, and with keys off (``--no-keys``):
  what each costs, measured;
* ``depscreen-default`` (the model ``depscreen train`` makes: TF-IDF + the ``use``
  sentence encoder, stacked), **cached**: every post of every request is already in the
  workers' in-memory embedding caches (a warm-up pass sent each user to every worker);
  **uncached**: every post is new (each request's posts carry a unique suffix), so the
  workers run the sentence encoder while serving.

Then the timeout check: the default model served with ``--timeout 2 --workers 1``,
three users of ~400 KB of random words (each far more than 2 s of work); each must get a
504, and the CPU time the service's processes use in the 10 s after the last 504 is
measured from ``/proc`` (before issue 20 the process ran at 100 % for about a minute).

Keys are on (one key per client, checked on every request; each key's first, slow
scrypt check happens in an untimed warm-up round); the per-key rate limit is off
(``--rate-limit 0``) because the test measures the service, not the limiter.

Run under the machine-wide lock, when the machine is quiet::

    flock /tmp/depscreen-bench.lock .venv/bin/python benchmarks/service.py
    .venv/bin/python benchmarks/service.py --quick --results-dir /tmp/svc   # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import start_record, write_results  # noqa: E402

SEED = 13
ROOT = Path(__file__).resolve().parent.parent
DEPSCREEN = str(Path(sys.executable).with_name("depscreen"))
CLK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


# ----------------------------------------------------------------- process CPU (/proc)
def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                out += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of ``pid`` and each of its descendants now (live processes only)."""
    return {p: _cpu(p) for p in _tree(pid)}


# ------------------------------------------------------------------------------ server
class Server:
    """``depscreen serve`` in a child process on a free port; stopped on exit."""

    def __init__(self, model_dir: Path, keys: Path | None, env: dict[str, str], workers: int, *extra: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        auth = ["--keys", str(keys)] if keys is not None else ["--no-keys"]
        self.proc = subprocess.Popen(
            [DEPSCREEN, "serve", str(model_dir), *auth, "--port", str(self.port),
             "--rate-limit", "0", "--workers", str(workers), "--max-users", "10", "--log-level", "info", *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def wait_ready(self, timeout: float = 600) -> float:
        import httpx

        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not become ready")

    def stop(self) -> str:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        text = Path(self.log.name).read_text(errors="replace")
        os.unlink(self.log.name)
        return text


# ------------------------------------------------------------------------ load generator
async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        body += await reader.readexactly(size + 2)
        if size == 0:
            return status, body


async def _load(port: int, keys: list[str | None], bodies: list[bytes], clients: int,
                path: str = "/v1/screen") -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    statuses: list[int] = []
    queue = list(range(len(bodies)))
    queue.reverse()

    async def client(i: int) -> None:
        key = keys[i % len(keys)]
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + (f"X-API-Key: {key}\r\n" if key else ""))
        conn = None
        while queue:
            body = bodies[queue.pop()]
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = await asyncio.open_connection("127.0.0.1", port)
                reader, writer = conn
                writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
                await writer.drain()
                status, payload = await _read_response(reader)
                ok = status == 200 and b'"results"' in payload
                reason = str(status)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                ok, reason, status = False, type(exc).__name__, 0
                conn = None
            dt = time.perf_counter() - t0
            statuses.append(status)
            if ok:
                latencies.append(dt)
            else:
                errors[reason] = errors.get(reason, 0) + 1
        if conn is not None:
            conn[1].close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    wall = time.perf_counter() - t0
    ms = [1000 * x for x in latencies]
    return {"requests": len(bodies), "ok": len(latencies), "errors": sum(errors.values()), "error_kinds": errors,
            "statuses": statuses, "wall_s": wall, "requests_per_s": len(bodies) / wall,
            "p50_ms": _percentile(ms, 0.50), "p95_ms": _percentile(ms, 0.95), "p99_ms": _percentile(ms, 0.99),
            "max_ms": max(ms) if ms else float("nan"), "mean_ms": statistics.fmean(ms) if ms else float("nan")}


def _payload(u, explain: bool = True, languages: bool = True) -> bytes:
    return json.dumps({"users": [{"user_id": u.user_id, "posts": [{"text": p.text, "time": p.time} for p in u.posts]}],
                       "explain": explain, "top_k": 5, "languages": languages}, ensure_ascii=False).encode()


def _users(pool, n_requests: int, unique: bool, rng: random.Random) -> list:
    """One user per request; with ``unique`` every post text is new (never cached)."""
    from depscreen.corpus.types import Post, User

    chosen = []
    for i in range(n_requests):
        u = pool[rng.randrange(len(pool))]
        if unique:
            u = User(f"{u.user_id}-r{i}", None, [Post(f"{p.text} (r{i}p{j})", p.time) for j, p in enumerate(u.posts)])
        chosen.append(u)
    return chosen


def _library_rate(model, users: list) -> float:
    """Users per second of the bare library on the same users, one call per user."""
    import depscreen
    from depscreen.corpus.types import Post, User

    # load the encoder / tokenisers first, as the server's warm-up does (not timed)
    depscreen.score(model, [User("warm-up", None, [Post("warm up the model"), Post("模型预热"), Post("pemanasan")])])
    t0 = time.perf_counter()
    for u in users:
        depscreen.score(model, [u], explain=True, top_k=5)
    return len(users) / (time.perf_counter() - t0)


def _leaks(log: str, users: list) -> int:
    """Posts whose text (raw, or as the JSON-escaped ASCII a log line would hold) is in ``log``."""
    found = 0
    for u in users:
        for p in u.posts:
            probe = p.text[:40]
            escaped = json.dumps(probe, ensure_ascii=True)[1:-1]
            if len(probe) >= 12 and (probe in log or escaped in log):
                found += 1
    return found


def _request_lines(log: str) -> int:
    return sum(1 for line in log.splitlines() if "/v1/screen" in line)


# ---------------------------------------------------------------------------- the runs
def run(args) -> tuple[str, dict]:
    import depscreen
    from depscreen.corpus.synthetic import make_sample_corpus
    from depscreen.serve.keys import add_key

    rng = random.Random(SEED)
    tmp = Path(tempfile.mkdtemp(prefix="depscreen-service-"))
    cache_dir = tmp / "embedding-cache"
    env = {**os.environ, "DEPSCREEN_CACHE_DIR": str(cache_dir), "OMP_NUM_THREADS": str(args.torch_threads),
           "MKL_NUM_THREADS": str(args.torch_threads), "OPENBLAS_NUM_THREADS": str(args.torch_threads)}
    os.environ["DEPSCREEN_CACHE_DIR"] = str(tmp / "benchmark-process-cache")  # the peer's, not the server's
    keys_file = tmp / "keys.txt"
    keys = [add_key(keys_file, f"client{i}") for i in range(args.clients)]
    train_corpus = make_sample_corpus(n_users=args.train_users, posts_per_user=(args.posts, args.posts), seed=SEED)
    pool = make_sample_corpus(n_users=200, posts_per_user=(args.posts, args.posts), seed=SEED + 1).users

    rows: list[dict] = []
    timeout_check: dict = {}
    models: dict[str, Path] = {}

    def serve_and_load(label, model_dir, mode, users, bodies, *, keyed=True, warm_each_worker=False, extra=()):
        server = Server(model_dir, keys_file if keyed else None, env, args.workers, *extra)
        try:
            ready_s = server.wait_ready()
            key_list = keys if keyed else [None]
            # steady state: each client's key is checked once (scrypt, remembered after) and its
            # connection opened before the clock starts
            asyncio.run(_load(server.port, key_list, [bodies[0]] * args.clients, args.clients))
            if warm_each_worker:
                # one client, each distinct user twice in a row: jobs go to the workers in turn,
                # so every worker's memory cache holds every user's posts
                warm = {}
                for u, b in zip(users, bodies):
                    warm.setdefault(u.user_id, b)
                seq = [b for b in warm.values() for _ in range(args.workers)]
                asyncio.run(_load(server.port, key_list, seq, 1))
            cpu0 = tree_cpu(server.proc.pid)
            result = asyncio.run(_load(server.port, key_list, bodies, args.clients))
            cpu1 = tree_cpu(server.proc.pid)
        finally:
            log = server.stop()
        cached = cache_dir.exists() and any(p.is_file() for p in cache_dir.rglob("*"))
        result.pop("statuses")
        return {"model": label, "embeddings": mode, "clients": args.clients, "posts_per_user": args.posts,
                "ready_s": ready_s, **result, "users_per_s": result["ok"] / result["wall_s"],
                "server_cpu_s": sum(cpu1.values()) - sum(cpu0.get(p, 0.0) for p in cpu1),
                "main_process_cpu_ms_per_request": 1000 * (cpu1[server.proc.pid] - cpu0[server.proc.pid])
                / len(bodies),
                "workers_cpu_ms_per_request": 1000 * sum(c - cpu0.get(p, 0.0) for p, c in cpu1.items()
                                                         if p != server.proc.pid) / len(bodies),
                "log_request_lines": _request_lines(log),
                "post_texts_in_server_log": _leaks(log, users), "posts_checked": sum(len(u.posts) for u in users),
                "files_under_embedding_cache": bool(cached)}

    try:
        if "tfidf-lr" in args.models:
            model, record = depscreen.train("tfidf-lr", train_corpus, params={"class_weight": "balanced"},
                                            data="synthetic sample")
            models["tfidf-lr"] = model_dir = depscreen.save(model, tmp / "tfidf-lr", record)
            users = _users(pool, args.requests, False, rng)
            lib = _library_rate(depscreen.load(model_dir), users[: args.peer_users])
            variants = [("as served", dict(), True), ("explain off", dict(explain=False), True),
                        ("languages off", dict(languages=False), True),
                        ("explain + languages off", dict(explain=False, languages=False), True),
                        ("keys off (--no-keys)", dict(), False)]
            if args.quick:
                variants = variants[:2]
            for name, opts, keyed in variants:
                bodies = [_payload(u, **opts) for u in users]
                row = serve_and_load("tfidf-lr", model_dir, "n/a (no embeddings)", users, bodies, keyed=keyed)
                row.update(variant=name, library_users_per_s=lib, ratio_to_library=row["users_per_s"] / lib)
                rows.append(row)
                _print(row)
        if "depscreen-default" in args.models:
            params = {"inner_cv": 2, "Cs": (3.0,), "embed_Cs": (1.0,)} if args.quick else {}
            model, record = depscreen.train("depscreen-default", train_corpus, params=params,
                                            data="synthetic sample")
            models["depscreen-default"] = model_dir = depscreen.save(model, tmp / "depscreen-default", record)
            for mode, unique in (("cached (in memory)", False), ("uncached", True)):
                users = _users(pool, args.uncached_requests if unique else args.requests, unique, rng)
                peer = users[: args.peer_users] if not unique else _users(pool, min(args.peer_users, 40), True,
                                                                           random.Random(SEED + 7))
                loaded = depscreen.load(model_dir)
                if not unique:  # the peer's cache holds the posts too
                    depscreen.score(loaded, peer)
                lib = _library_rate(loaded, peer)
                bodies = [_payload(u) for u in users]
                row = serve_and_load("depscreen-default", model_dir, mode, users, bodies,
                                     warm_each_worker=not unique)
                row.update(variant="as served", library_users_per_s=lib, ratio_to_library=row["users_per_s"] / lib)
                rows.append(row)
                _print(row)
            timeout_check = _timeout_check(model_dir, keys_file, keys[0], env, args)
            print(json.dumps(timeout_check), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return _markdown(rows, timeout_check, args), {"rows": rows, "timeout_check": timeout_check,
                                                  "settings": vars(args)}


def _wait_quiet(pid: int, limit: float = 120.0) -> float:
    """Wait until the service's processes use under 5 % of a core for a second (a
    replacement worker done loading the model); return the seconds waited."""
    t0 = time.perf_counter()
    last = sum(tree_cpu(pid).values())
    while time.perf_counter() - t0 < limit:
        time.sleep(1.0)
        now = sum(tree_cpu(pid).values())
        if now - last < 0.05:
            break
        last = now
    return time.perf_counter() - t0


def _timeout_check(model_dir: Path, keys_file: Path, key: str, env: dict, args) -> dict:
    """Three huge users against ``--timeout 2 --workers 1``, one after another (each sent
    once the previous one's replacement worker has loaded): statuses, seconds, how soon the
    worker running each was gone, and the service's CPU after the last answer."""
    import threading

    rng = random.Random(SEED + 99)
    words = [f"w{rng.randrange(100000)}" for _ in range(5000)]
    big = []
    for i in range(3):
        posts = [{"text": " ".join(rng.choice(words) for _ in range(700))[:4900]} for _ in range(80)]
        big.append(json.dumps({"users": [{"user_id": f"big{i}", "posts": posts}], "explain": True}).encode())
    timeout = 2.0
    server = Server(model_dir, keys_file, env, 1, "--timeout", str(timeout), "--max-body", "2000000")
    seen: dict[int, tuple[float, float]] = {}  # pid -> (CPU seconds, last time seen alive)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            now = time.perf_counter()
            for pid, cpu in tree_cpu(server.proc.pid).items():
                seen[pid] = (cpu, now)
            time.sleep(0.05)

    per_request = []
    try:
        server.wait_ready()
        asyncio.run(_load(server.port, [key], [_small()], 1))  # the key checked once, untimed
        _wait_quiet(server.proc.pid)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        time.sleep(0.5)
        for i, body in enumerate(big):
            if i:
                _wait_quiet(server.proc.pid)  # the previous one's replacement has loaded the model
            before = dict(seen)
            t0 = time.perf_counter()
            out = asyncio.run(_load(server.port, [key], [body], 1))
            answered = time.perf_counter()
            at_last = sum(c for c, _ in seen.values())
            time.sleep(1.5)
            busy = [p for p, (cpu, _) in seen.items() if p in before and cpu - before[p][0] > 0.05]
            gone = [p for p in busy if seen[p][1] < time.perf_counter() - 0.5]
            per_request.append({"status": out["statuses"][0], "seconds": round(answered - t0, 2),
                                "busy_workers": len(busy), "gone": len(gone),
                                "gone_within_s": [round(seen[p][1] - answered, 2) for p in gone]})
        time.sleep(10.0 - 1.5)
        after10 = sum(c for c, _ in seen.values())
        quiet = _wait_quiet(server.proc.pid)
        q0 = sum(tree_cpu(server.proc.pid).values())
        time.sleep(5.0)
        idle5 = sum(tree_cpu(server.proc.pid).values()) - q0
    finally:
        stop.set()
        log = server.stop()
    return {"timeout_s": timeout, "workers": 1, "requests": len(big),
            "body_kb": [round(len(b) / 1000) for b in big], "per_request": per_request,
            "statuses": [r["status"] for r in per_request],
            "service_cpu_s_10s_after_last": round(after10 - at_last, 2),
            "seconds_until_quiet_after": round(10.0 + quiet, 1) if quiet > 1.5 else "under 11", "service_cpu_s_5s_once_quiet": round(idle5, 2),
            "worker_replacements_logged": log.count("scoring_worker_replaced"),
            "replacement_reasons": sorted(set(re.findall(r'"reason":"([^"]+)"', log))),
            "scoring_failures_logged": sorted(set(re.findall(r'"event":"scoring_failed"[^}]*"exception":"([^"]+)"', log)))}


def _small() -> bytes:
    return json.dumps({"users": [{"user_id": "k", "posts": [{"text": "warm the key"}]}]}).encode()


def _print(row: dict) -> None:
    print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)


def _f(x: float, d: int = 1) -> str:
    return f"{x:,.{d}f}"


def _markdown(rows: list[dict], tc: dict, args) -> str:
    lines = [
        "| model | embeddings | variant | requests | errors | requests/s | p50 ms | p95 ms | p99 ms | max ms | "
        "p99 / p50 | library users/s | service / library | CPU ms / request: server process | workers |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['embeddings']} | {r['variant']} | {r['requests']} | **{r['errors']}** | "
            f"**{_f(r['requests_per_s'])}** | {_f(r['p50_ms'], 0)} | {_f(r['p95_ms'], 0)} | {_f(r['p99_ms'], 0)} | "
            f"{_f(r['max_ms'], 0)} | {_f(r['p99_ms'] / r['p50_ms'], 1)} | {_f(r['library_users_per_s'])} | "
            f"**{_f(r['ratio_to_library'], 2)}** | {_f(r['main_process_cpu_ms_per_request'], 2)} | "
            f"{_f(r['workers_cpu_ms_per_request'], 2)} |")
    base = next((r for r in rows if r["model"] == "tfidf-lr" and r["variant"] == "as served"), None)
    costs = []
    for r in rows:
        if base is None or r["model"] != "tfidf-lr" or r is base:
            continue
        main = r["main_process_cpu_ms_per_request"] - base["main_process_cpu_ms_per_request"]
        costs.append(f"{r['variant']}: server process {_f(main, 2)} ms, "
                     f"workers {_f(r['workers_cpu_ms_per_request'] - base['workers_cpu_ms_per_request'], 2)} ms, "
                     f"{_f(r['requests_per_s'] / base['requests_per_s'], 2)}x the requests/s")
    leaks = sum(r["post_texts_in_server_log"] for r in rows)
    checked = sum(r["posts_checked"] for r in rows)
    log_lines = [r["log_request_lines"] for r in rows]
    lines += [
        "",
        "What bounds tfidf-lr, measured by switching one thing off at a time (the same requests; CPU per request "
        "against `as served`; `service / library` of a variant still compares with the library doing the full "
        "work): " + ("; ".join(costs) if costs else "not measured in this run") + ".",
    ] if costs else []
    lines += [
        "",
        f"Each request: `POST /v1/screen` with one user of {args.posts} synthetic posts (English, Chinese, "
        "Indonesian), `explain` on and languages detected per post unless the variant says otherwise; a key "
        "checked on every request (one key per client, each key's first scrypt check in an untimed warm-up round), "
        f"rate limit off. Server: `depscreen serve` in its own process, {args.workers} scoring worker processes, "
        f"OMP/MKL/OpenBLAS threads {args.torch_threads}, per-request log on (`--log-level info`); clients: "
        f"{args.clients} keep-alive connections from a minimal asyncio HTTP/1.1 client in the benchmark process on "
        "the same 2-core machine, so the load generator takes CPU from the server. Latency is per request, measured "
        "by the client. `CPU ms / request`: CPU time of the server process (HTTP, keys, JSON, validation, results, "
        "the log line) and of its scoring workers (the model, explanations, language detection) during the timed "
        "requests, per request (/proc). "
        "The peer (`library users/s`) is `depscreen.score(model, [user], explain=True, top_k=5)` on the same users "
        "one at a time in the benchmark process, without HTTP and without language detection. Cached: every post is "
        "already in each worker's in-memory embedding cache; uncached: every post is new, so each request runs the "
        "sentence encoder.",
        "",
        f"Post text in the server's log: **{'found in ' + str(leaks) + ' posts (a bug)' if leaks else 'none'}** "
        f"({checked:,} posts checked, raw and JSON-escaped; the log had {min(log_lines) if log_lines else 0:,} to "
        f"{max(log_lines) if log_lines else 0:,} `/v1/screen` request lines per run, so it was on). Files written "
        "under the embedding cache folder by the server: "
        + ("**yes** (a bug)" if any(r["files_under_embedding_cache"] for r in rows) else "none") + ".",
    ]
    if tc:
        reqs = tc["per_request"]
        lines += [
            "",
            "## Work that stops",
            "",
            f"`depscreen-default` served with `--timeout {tc['timeout_s']:g} --workers 1`; three users of "
            f"{'/'.join(str(k) for k in tc['body_kb'])} KB of random words (80 posts of 4,900 characters each), "
            "one after another, each sent once the service was quiet again.",
            "",
            "| request | status | seconds | workers busy on it | of them gone (killed) | last seen alive, s after the answer |",
            "|---:|---:|---:|---:|---:|---|",
            *[f"| {i + 1} | {r['status']} | {r['seconds']} | {r['busy_workers']} | {r['gone']} | "
              f"{', '.join(str(x) for x in r['gone_within_s']) or '-'} |" for i, r in enumerate(reqs)],
            "",
            f"CPU time of all the service's processes (server, fork server, workers; /proc, sampled every 50 ms) in "
            f"the 10 s after the last answer: **{tc['service_cpu_s_10s_after_last']} s**: the replacement worker "
            f"loading the model ({tc['worker_replacements_logged']} replacement(s) logged); quiet again "
            f"{tc['seconds_until_quiet_after']} s after the last answer, then {tc['service_cpu_s_5s_once_quiet']} s "
            "of CPU in 5 s. The abandoned work itself stops when its worker is killed (before issue 20 the server "
            "ran at 100 % of a core for about a minute after three such 504s).",
        ]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--uncached-requests", type=int, default=300,
                    help="requests of the uncached depscreen-default run (each runs the sentence encoder)")
    ap.add_argument("--posts", type=int, default=20, help="posts per user in each request")
    ap.add_argument("--workers", type=int, default=2, help="server scoring worker processes")
    ap.add_argument("--torch-threads", type=int, default=1, help="OMP / MKL / OpenBLAS threads of the server")
    ap.add_argument("--train-users", type=int, default=120)
    ap.add_argument("--peer-users", type=int, default=100)
    ap.add_argument("--models", nargs="+", default=["tfidf-lr", "depscreen-default"],
                    choices=["tfidf-lr", "depscreen-default"])
    ap.add_argument("--quick", action="store_true", help="few requests, two tfidf-lr variants, a fast default model")
    ap.add_argument("--out", default="service", help="results file stem")
    ap.add_argument("--results-dir", default=None, help="folder for the results (default docs/results)")
    args = ap.parse_args(argv)
    if args.quick:
        args.requests, args.clients, args.peer_users, args.train_users = 120, 10, 20, 48
        args.uncached_requests = 60
    rec = start_record(seeds=[SEED], clients=args.clients, requests=args.requests)
    body, payload = run(args)
    rec.finish()
    md, js = write_results(args.out, body, payload, rec, title="Screening service under load",
                           results_dir=Path(args.results_dir) if args.results_dir else None,
                           preamble="`depscreen serve` on 127.0.0.1 under N concurrent clients. "
                                    "Synthetic users; speed only (no quality numbers here).")
    print(body)
    print(f"wrote {md} and {js}")


if __name__ == "__main__":
    main()
