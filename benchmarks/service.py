"""Load test of ``depscreen serve``: N concurrent clients on 127.0.0.1, a fixed number of
requests -> docs/results/service.md + .json.

For each configuration the script trains a model on the synthetic sample, saves it,
starts the real service in its own process (``depscreen serve MODEL --keys ...``, so the
load generator does not share the server's interpreter), waits for ``/readyz`` and sends
``--requests`` ``POST /v1/screen`` requests (one user of ``--posts`` posts each,
``explain`` on) from ``--clients`` concurrent asyncio clients (httpx). It reports
requests/s, users/s, p50 / p95 / p99 / max latency and errors (any status but 200, or
a failed connection), and as a peer the bare library (``depscreen.score`` on the same
users in the benchmark process, one user per call, no HTTP) measured in the same run.

Configurations:

* ``tfidf-lr`` -- the linear model;
* ``lmilatt`` (embedder ``use``), **cached**: every post of every request is already in
  the server's embedding cache (a warm-up pass sent them once);
* ``lmilatt`` (embedder ``use``), **uncached**: every post is new to the cache (each
  request's posts carry a unique suffix), so the server embeds them with the sentence
  encoder while serving.

Keys are on (one key per client, checked on every request; each key's first, slow
scrypt check happens in an untimed warm-up round); the per-key rate limit is off
(``--rate-limit 0``) because the test measures the service, not the limiter.

Run under the machine-wide lock, when the machine is quiet::

    flock /tmp/depscreen-bench.lock .venv/bin/python benchmarks/service.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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


class Server:
    """``depscreen serve`` in a child process on a free port; stopped on exit."""

    def __init__(self, model_dir: Path, keys: Path, env: dict[str, str], workers: int):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [DEPSCREEN, "serve", str(model_dir), "--keys", str(keys), "--port", str(self.port),
             "--rate-limit", "0", "--workers", str(workers), "--max-users", "10", "--log-level", "warning"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def wait_ready(self, timeout: float = 300) -> float:
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
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        text = Path(self.log.name).read_text()
        os.unlink(self.log.name)
        return text


async def _load(url: str, keys: list[str], bodies: list[bytes], clients: int) -> dict:
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    queue = list(range(len(bodies)))
    queue.reverse()

    async def client(i: int) -> None:
        headers = {"X-API-Key": keys[i % len(keys)], "Content-Type": "application/json"}
        async with httpx.AsyncClient(base_url=url, timeout=120,
                                     limits=httpx.Limits(max_connections=1)) as http:
            while queue:
                body = bodies[queue.pop()]
                t0 = time.perf_counter()
                try:
                    r = await http.post("/v1/screen", content=body, headers=headers)
                    ok = r.status_code == 200
                    reason = str(r.status_code)
                except httpx.HTTPError as exc:
                    ok, reason = False, type(exc).__name__
                dt = time.perf_counter() - t0
                if ok:
                    latencies.append(dt)
                else:
                    errors[reason] = errors.get(reason, 0) + 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    wall = time.perf_counter() - t0
    ms = [1000 * x for x in latencies]
    return {"requests": len(bodies), "ok": len(latencies), "errors": sum(errors.values()), "error_kinds": errors,
            "wall_s": wall, "requests_per_s": len(bodies) / wall,
            "p50_ms": _percentile(ms, 0.50), "p95_ms": _percentile(ms, 0.95), "p99_ms": _percentile(ms, 0.99),
            "max_ms": max(ms) if ms else float("nan"), "mean_ms": statistics.fmean(ms) if ms else float("nan")}


def _bodies(users, n_requests: int, unique: bool, rng: random.Random) -> tuple[list[bytes], list]:
    """One user per request; with ``unique`` every post text is new (never cached)."""
    from depscreen.corpus.types import Post, User

    chosen, bodies = [], []
    for i in range(n_requests):
        u = users[rng.randrange(len(users))]
        if unique:
            u = User(f"{u.user_id}-r{i}", None, [Post(f"{p.text} (r{i}p{j})", p.time) for j, p in enumerate(u.posts)])
        chosen.append(u)
        payload = {"users": [{"user_id": u.user_id, "posts": [{"text": p.text, "time": p.time} for p in u.posts]}],
                   "explain": True, "top_k": 5, "languages": True}
        bodies.append(json.dumps(payload, ensure_ascii=False).encode())
    return bodies, chosen


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


def run(args) -> tuple[str, dict]:
    import depscreen
    from depscreen.corpus.synthetic import make_sample_corpus
    from depscreen.serve.keys import add_key

    rng = random.Random(SEED)
    tmp = Path(tempfile.mkdtemp(prefix="depscreen-service-"))
    env = {**os.environ, "DEPSCREEN_CACHE_DIR": str(tmp / "cache"), "OMP_NUM_THREADS": str(args.torch_threads),
           "MKL_NUM_THREADS": str(args.torch_threads)}
    os.environ["DEPSCREEN_CACHE_DIR"] = env["DEPSCREEN_CACHE_DIR"]
    keys_file = tmp / "keys.txt"
    keys = [add_key(keys_file, f"client{i}") for i in range(args.clients)]
    train_corpus = make_sample_corpus(n_users=args.train_users, posts_per_user=(args.posts, args.posts), seed=SEED)
    pool = make_sample_corpus(n_users=200, posts_per_user=(args.posts, args.posts), seed=SEED + 1).users

    configs = []
    if "tfidf-lr" in args.models:
        configs.append(("tfidf-lr", "tfidf-lr", {"class_weight": "balanced"}, [("n/a (no embeddings)", False)]))
    if "lmilatt" in args.models:
        configs.append(("lmilatt", "lmilatt", {"embedder": "use", "epochs": 5, "ae_epochs": 2, "seed": SEED},
                        [("cached", False), ("uncached", True)]))
    rows = []
    try:
        for label, name, params, modes in configs:
            model, record = depscreen.train(name, train_corpus, params=params, data="synthetic sample")
            model_dir = depscreen.save(model, tmp / name, record)
            for mode, unique in modes:
                bodies, users = _bodies(pool, args.requests, unique, rng)
                server = Server(model_dir, keys_file, env, args.workers)
                try:
                    ready_s = server.wait_ready()
                    # steady state: each client's key is checked once (scrypt, remembered after)
                    # and its connection opened before the clock starts
                    asyncio.run(_load(server.url, keys, [bodies[0]] * args.clients, args.clients))
                    if not unique and name != "tfidf-lr":
                        # cached: send every distinct user once so the server's cache holds their posts
                        warm = {u.user_id: b for u, b in zip(users, bodies)}
                        asyncio.run(_load(server.url, keys, list(warm.values()), min(4, args.clients)))
                    result = asyncio.run(_load(server.url, keys, bodies, args.clients))
                finally:
                    log = server.stop()
                peer_users = users[: args.peer_users]
                if unique:  # the peer sees new texts too
                    peer_users = _bodies(pool, args.peer_users, True, random.Random(SEED + 7))[1]
                lib = _library_rate(depscreen.load(model_dir), peer_users)
                leaked = any(p.text[:30] in log for u in users[:50] for p in u.posts)
                row = {"model": label, "embeddings": mode, "clients": args.clients, "posts_per_user": args.posts,
                       "ready_s": ready_s, **result, "users_per_s": result["ok"] / result["wall_s"],
                       "library_users_per_s": lib, "ratio_to_library": (result["ok"] / result["wall_s"]) / lib,
                       "post_text_in_server_log": leaked}
                rows.append(row)
                print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}),
                      flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return _markdown(rows, args), {"rows": rows, "settings": vars(args)}


def _f(x: float, d: int = 1) -> str:
    return f"{x:,.{d}f}"


def _markdown(rows: list[dict], args) -> str:
    lines = [
        "| model | embeddings | clients | requests | errors | requests/s | p50 ms | p95 ms | p99 ms | max ms | "
        "library users/s | service / library |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['embeddings']} | {r['clients']} | {r['requests']} | **{r['errors']}** | "
            f"**{_f(r['requests_per_s'])}** | {_f(r['p50_ms'], 0)} | {_f(r['p95_ms'], 0)} | **{_f(r['p99_ms'], 0)}** | "
            f"{_f(r['max_ms'], 0)} | {_f(r['library_users_per_s'])} | {_f(r['ratio_to_library'], 2)} |")
    lines += [
        "",
        f"Each request: `POST /v1/screen` with one user of {args.posts} synthetic posts (English, Chinese, "
        "Indonesian), `explain` on, languages detected per post; a key checked on every request (one key per "
        f"client, each key's first scrypt check in an untimed warm-up round), rate limit off. Server: `depscreen serve` in its own process, {args.workers} scoring workers, "
        f"OMP/MKL threads {args.torch_threads}; clients: {args.clients} asyncio httpx clients in the benchmark "
        "process (one connection each) on the same 2-core machine, so the load generator takes CPU from the "
        "server. Latency is per request, measured by the client. The peer (`library users/s`) is "
        "`depscreen.score` on the same users one at a time in the benchmark process, without HTTP. "
        "Uncached: every post is new to the server's embedding cache, so each request runs the sentence "
        "encoder. Goal: 50 concurrent clients with zero errors.",
        "",
        "Post text in the server's log: " + ("**found** (a bug)" if any(r["post_text_in_server_log"] for r in rows)
                                             else "none (checked against the first 50 requests' posts)") + ".",
    ]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--posts", type=int, default=20, help="posts per user in each request")
    ap.add_argument("--workers", type=int, default=2, help="server scoring workers")
    ap.add_argument("--torch-threads", type=int, default=1, help="OMP / MKL threads of the server")
    ap.add_argument("--train-users", type=int, default=120)
    ap.add_argument("--peer-users", type=int, default=100)
    ap.add_argument("--models", nargs="+", default=["tfidf-lr", "lmilatt"], choices=["tfidf-lr", "lmilatt"])
    ap.add_argument("--out", default="service", help="results file stem")
    ap.add_argument("--results-dir", default=None, help="folder for the results (default docs/results)")
    args = ap.parse_args(argv)
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
