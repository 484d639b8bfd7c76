"""Screening corpora larger than memory: in-memory vs local streaming vs Ray, in one run.

For each corpus size (synthetic users generated on the fly and written as gzip JSON
Lines shards of 2,500 users) and each model, users per second and peak RSS of:

* **in-memory**: read every shard into one corpus, ``depscreen.score``, write Parquet;
* **local streaming**: ``depscreen.scale.screen(engine="local")`` (one process);
* **Ray, 1 and 2 workers**: ``screen(engine="ray", num_actors=k)`` on a local Ray
  started with ``k`` CPUs (the rate excludes ``ray.init``, which is reported apart, and
  includes the actors' start-up and model loading, as the local rate includes loading).

Every mode runs in a fresh process with one BLAS / torch thread per worker. Peak RSS is
the process's ``ru_maxrss``; for Ray, the largest of the driver's and every actor's
(Ray's own raylet / GCS processes are not counted). Models: ``tfidf-lr`` and
``lmilatt`` (embedder ``use``) scoring from a filled embedding cache.

Corpora: a pool of generated users (``make_sample_corpus``, English + Indonesian,
5-15 posts) is copied under new user ids up to each size, so the LMILAtt cache is
filled once on the pool's distinct texts (with ``depscreen.scale.embed_shards``, whose
rate gives the embedding cost). Copies cost the models exactly as new users do.

Goals: memory flat in corpus size for the streaming paths; Ray with 2 workers >= 1.7x
one worker; Ray overhead vs local streaming on one worker <= 20 %.

Usage (run alone, under the benchmark lock)::

    flock /tmp/depscreen-bench.lock .venv/bin/python benchmarks/scale.py
    .venv/bin/python benchmarks/scale.py --sizes 2000 --quick     # smoke run
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import start_record, write_results  # noqa: E402

SEED = 13
USERS_PER_SHARD = 2500
MODES = ("in-memory", "local", "ray-1", "ray-2")


# --------------------------------------------------------------------------- child
def child(mode: str, model_dir: str, shards: str, out: str, cache: str) -> dict:
    """One measurement in this (fresh) process; prints a JSON line."""
    from depscreen.scale.jobs import peak_rss_mb as rss
    if mode == "in-memory":
        os.environ["DEPSCREEN_CACHE_DIR"] = cache
        import depscreen
        from depscreen.corpus.io import iter_jsonl
        from depscreen.corpus.types import UserCorpus
        from depscreen.scale import discover_shards

        t0 = time.perf_counter()
        model = depscreen.load(model_dir)
        corpus = UserCorpus([u for s in discover_shards(shards) for u in iter_jsonl(s.path)])
        preds = depscreen.score(model, corpus, batch_size=512)
        preds.to_frame().to_parquet(Path(out) / "all.parquet")
        seconds = time.perf_counter() - t0
        return {"mode": mode, "n_users": len(corpus), "seconds": seconds, "peak_rss_mb": rss()}
    from depscreen.scale import screen

    extra = {}
    if mode.startswith("ray"):
        import ray

        k = int(mode.split("-")[1])
        t0 = time.perf_counter()
        ray.init(num_cpus=k, include_dashboard=False, log_to_driver=False, configure_logging=False)
        extra["ray_init_s"] = time.perf_counter() - t0
        summary = screen(model_dir, shards, out, engine="ray", num_actors=k, cache_dir=cache)
    else:
        summary = screen(model_dir, shards, out, engine="local", cache_dir=cache)
    manifest = json.loads(summary.manifest.read_text())
    workers = max(s["peak_rss_mb"] for s in manifest["shards"])
    return {"mode": mode, "n_users": summary.n_items, "seconds": summary.seconds,
            "peak_rss_mb": max(rss(), workers), "driver_rss_mb": rss(), "worker_rss_mb": workers,
            "workers": len({s["worker"] for s in manifest["shards"]}), **extra}


def run_child(mode: str, model_dir: Path, shards: Path, work: Path, cache: Path) -> dict:
    out = work / f"out-{mode}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, __file__, "--child", mode, str(model_dir), str(shards), str(out), str(cache)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{res.stderr[-3000:]}")
    info = json.loads(res.stdout.strip().splitlines()[-1])
    info["process_wall_s"] = time.perf_counter() - t0
    info["users_per_s"] = info["n_users"] / info["seconds"]
    shutil.rmtree(out, ignore_errors=True)
    return info


# --------------------------------------------------------------------------- corpora
def make_pool(n_users: int):
    from depscreen.corpus.synthetic import make_sample_corpus

    return make_sample_corpus(n_users=n_users, langs=("en", "id"), posts_per_user=(5, 15), seed=SEED)


def write_corpus(pool, n_users: int, folder: Path) -> dict:
    """``n_users`` users: the pool copied under new ids, as 2,500-user gzip shards."""
    from depscreen.corpus.types import User
    from depscreen.scale import write_shards

    def users():
        for i in range(n_users):
            u = pool.users[i % len(pool.users)]
            yield User(f"u{i:08d}", u.label, u.posts, u.meta)

    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.perf_counter()
    paths = write_shards(users(), folder, users_per_shard=USERS_PER_SHARD)
    return {"n_users": n_users, "shards": len(paths), "bytes": sum(p.stat().st_size for p in paths),
            "write_s": time.perf_counter() - t0}


def train_models(pool, work: Path, cache: Path, quick: bool) -> dict[str, Path]:
    import depscreen

    os.environ["DEPSCREEN_CACHE_DIR"] = str(cache)
    from depscreen.corpus.types import UserCorpus

    train = UserCorpus(pool.users[:2000])
    out = {}
    model, rec = depscreen.train("tfidf-lr", train)
    out["tfidf-lr"] = depscreen.save(model, work / "models" / "tfidf-lr", rec)
    params = {"embedder": "use", "epochs": 3 if quick else 5, "ae_epochs": 1 if quick else 2}
    model, rec = depscreen.train("lmilatt", train, params=params)
    out["lmilatt"] = depscreen.save(model, work / "models" / "lmilatt", rec)
    return out


def fill_cache(pool_shards: Path, cache: Path) -> dict:
    """Embed the pool's posts with ``use`` into the cache (the product path)."""
    from depscreen.scale import embed_shards

    os.environ["DEPSCREEN_CACHE_DIR"] = str(cache)
    summary = embed_shards("use", pool_shards, cache, options={"threads": 1})
    manifest = json.loads(summary.manifest.read_text())
    posts = sum(s.get("n_posts", 0) for s in manifest["shards"])
    computed = sum(s.get("computed", 0) for s in manifest["shards"])
    return {"posts": posts, "computed": computed, "seconds": summary.seconds,
            "computed_per_s": computed / summary.seconds if summary.seconds else 0.0}


# --------------------------------------------------------------------------- report
def _f(v, d=0):
    return "n/a" if v is None else f"{v:,.{d}f}"


def render(res: dict) -> str:
    lines = ["## Users per second and peak RSS", "",
             "| model | users | mode | users/s | vs local | peak RSS MB | shards |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in res["rows"]:
        lines.append(f"| {r['model']} | {r['n_users']:,} | {r['mode']} | {_f(r['users_per_s'])} | "
                     f"{_f(r.get('vs_local'), 2)}x | {_f(r['peak_rss_mb'])} | {r['shards']} |")
    lines += ["", "## Goals", "", "| model | users | check | value | goal | met |", "|---|---:|---|---:|---|---|"]
    for g in res["goals"]:
        lines.append(f"| {g['model']} | {g['n_users']:,} | {g['check']} | {g['value']} | {g['goal']} | "
                     f"{'yes' if g['met'] else '**no**'} |")
    fixed = []
    for r in res["rows"]:
        if r["mode"] == "ray-1":
            local = next((p for p in res["rows"] if p["model"] == r["model"] and p["n_users"] == r["n_users"]
                          and p["mode"] == "local"), None)
            if local:
                fixed.append(f"{r['model']} {r['n_users']:,}: {r['seconds'] - local['seconds']:+.1f} s")
    if fixed:
        lines += ["", "Ray with one worker minus local streaming, in seconds (Ray Data planning, the actor's "
                  "start-up: Python, depscreen and the model in a new process): " + "; ".join(fixed) + "."]
    missed = [g for g in res["goals"] if not g["met"]]
    if missed:
        lines += ["", "**Goals missed:** " + "; ".join(f"{g['model']} {g['n_users']:,} users: {g['check']} "
                                                        f"{g['value']} (goal {g['goal']})" for g in missed) + ". "
                  "Likely causes (the run measures the first, not the second): (1) a fixed cost per run — Ray Data planning and each "
                  "actor's start-up (a new Python process importing depscreen, scikit-learn / torch and "
                  "loading the model) — that the local engine pays once in-process; it dominates at 10k "
                  "users and is amortised at 100k; (2) on this 2-core machine Ray's own processes (raylet, "
                  "GCS, the driver's streaming executor) share the two cores with the two actors, so two "
                  "workers cannot reach 2x here; on a cluster node those daemons take a small share of many "
                  "cores. The local engine stays the fastest way to screen on one small machine."]
    if max(res["sizes"]) < 1_000_000:
        lines += ["", f"1M users: not run (largest here: {max(res['sizes']):,}; the session's time did not allow "
                  "it). Streaming memory is flat from the smallest to the largest size above and each shard is "
                  "independent work, so 1M users should take about 10x the 100k time at the same memory; "
                  "in-memory scoring would hold every user (its peak RSS grows with the corpus, above)."]
    ray_init = [r["ray_init_s"] for r in res["rows"] if "ray_init_s" in r]
    if ray_init:
        lines += ["", f"Starting a local Ray (`ray.init`, not in the rates): {min(ray_init):.1f}-{max(ray_init):.1f} s."]
    e = res["embedding"]
    lines += ["", "## Embedding cost", "",
              f"Filling the cache with `use` (one thread, `depscreen embed` on shards): {e['computed']:,} distinct "
              f"posts of {e['posts']:,} computed in {e['seconds']:.1f} s: **{_f(e['computed_per_s'])} posts/s** "
              "per worker."]
    lines += ["", "## On paper for a cluster: 100M users", "", res["paper"]["text"]]
    return "\n".join(lines)


def on_paper(res: dict) -> dict:
    """Time and nodes for 100M users from the measured per-worker rates."""
    big = max(r["n_users"] for r in res["rows"])
    rate = {m: next(r["users_per_s"] for r in res["rows"] if r["model"] == m and r["n_users"] == big and r["mode"] == "ray-1")
            for m in ("tfidf-lr", "lmilatt")}
    scaling = {m: next(r.get("vs_ray1", 1.0) for r in res["rows"] if r["model"] == m and r["n_users"] == big
                       and r["mode"] == "ray-2") / 2 for m in rate}
    corpus = res["corpora"]["pool"]  # distinct users: copies would compress unrealistically well
    bytes_per_user = corpus["bytes"] / corpus["n_users"]
    posts_per_user = res["posts_per_user"]
    embed = res["embedding"]["computed_per_s"]
    n, cores, nodes, distinct = 100_000_000, 32, 100, 0.9
    core_hours = {m: n / rate[m] / 3600 for m in rate}
    if not embed:
        return {"text": "not computed: the embedding cache was already full, no embedding rate was measured"}
    embed_core_hours = n * posts_per_user * distinct / embed / 3600
    tb = n * bytes_per_user / 1e12
    worker_ratio = embed_core_hours / core_hours["lmilatt"]
    text = "\n".join([
        f"Measured per worker (one CPU, Ray, {big:,} users): tfidf-lr **{_f(rate['tfidf-lr'])} users/s**, "
        f"LMILAtt from cached embeddings **{_f(rate['lmilatt'])} users/s**; `use` embedding "
        f"**{_f(embed)} posts/s**; {posts_per_user:.1f} posts and {bytes_per_user:,.0f} bytes (gzip JSON Lines) "
        f"per user; 2 workers reached {100 * scaling['tfidf-lr']:.0f} % (tfidf-lr) and "
        f"{100 * scaling['lmilatt']:.0f} % (LMILAtt) of linear scaling on this 2-core machine.",
        "",
        f"For 100M users of {posts_per_user:.0f} posts ({tb:.2f} TB of gzip shards), assuming {distinct:.0%} distinct "
        "texts and linear scaling across nodes (shards are independent: no shuffle, no driver traffic but "
        "per-shard counts):",
        "",
        "| step | core-hours | on 100 nodes x 32 cores |",
        "|---|---:|---:|",
        f"| tfidf-lr scoring | {_f(core_hours['tfidf-lr'])} | {_f(core_hours['tfidf-lr'] / (nodes * cores) * 60, 1)} min |",
        f"| `use` embedding (fill the cache once) | {_f(embed_core_hours)} | "
        f"{_f(embed_core_hours / (nodes * cores), 1)} h |",
        f"| LMILAtt scoring from the cache | {_f(core_hours['lmilatt'])} | "
        f"{_f(core_hours['lmilatt'] / (nodes * cores) * 60, 1)} min |",
        f"| reading the shards at 1 GB/s per node (shared store) | | {_f(tb * 1e12 / (nodes * 1e9) / 60, 1)} min |",
        "",
        f"**Where the limit is: embedding.** It costs {worker_ratio:,.0f}x the LMILAtt scoring from the "
        "cache; a CPU cluster of 100 x 32 cores spends about "
        f"{embed_core_hours / (nodes * cores):.1f} h embedding, and minutes on everything else. "
        f"tfidf-lr needs no embedding: {core_hours['tfidf-lr']:,.0f} core-hours, so 100M users in about an hour on "
        f"{core_hours['tfidf-lr'] / cores:,.1f} 32-core node(s). Reading and writing shards (I/O) "
        "is not the limit at these rates. Embedding grows with the posts per user (here "
        f"{posts_per_user:.0f}; a timeline of 100 posts costs 10x) and with the share of distinct texts; "
        "scoring grows with it less. To cut the embedding time: embedding on GPUs (one `--engine ray` "
        "actor per GPU), and the shared cache, which makes reruns and new models read vectors instead. "
        f"The gzip size per user comes from the {corpus['n_users']:,} generated (distinct) users; synthetic "
        "posts come from templates and compress better than real ones (expect 2-3x more bytes), which "
        "still leaves I/O far from the limit.",
    ])
    return {"rates_users_per_s": rate, "scaling_2w": scaling, "bytes_per_user": bytes_per_user,
            "core_hours": core_hours, "embed_core_hours": embed_core_hours, "tb": tb,
            "assumptions": {"users": n, "cores_per_node": cores, "nodes": nodes, "distinct_texts": distinct,
                            "read_gb_per_s_per_node": 1.0}, "text": text}


def rerender(path: Path, name: str) -> None:
    """Rewrite the markdown (and the derived ``paper`` section) from a finished run's JSON."""
    from _record import RunRecord

    data = json.loads(path.read_text(encoding="utf-8"))
    run = data.pop("run")
    rec = RunRecord(**{k: v for k, v in run.items()})
    if "paper" in data and "rates_users_per_s" in data["paper"]:
        data["paper"] = on_paper(data)
    preamble = (__doc__.split("Usage")[0].split("\n", 1)[1].strip())
    md, js = write_results(name, render(data), data, rec, title="Scale: sharded streaming and Ray", preamble=preamble)
    print(f"re-rendered {md} and {js} from {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--pool", type=int, default=3000, help="generated users copied up to each size")
    ap.add_argument("--models", nargs="+", default=["tfidf-lr", "lmilatt"])
    ap.add_argument("--modes", nargs="+", default=list(MODES))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--out-name", default="scale")
    ap.add_argument("--from-json", type=Path, default=None,
                    help="re-render the markdown from a results JSON (text changes only; numbers and run record kept)")
    args = ap.parse_args()
    if args.from_json is not None:
        return rerender(args.from_json, args.out_name)

    rec = start_record(seeds=[SEED], pool=args.pool, users_per_shard=USERS_PER_SHARD)
    work = args.work or Path(tempfile.mkdtemp(prefix="depscreen-scale-"))
    cache = work / "cache"
    print(f"work folder {work}", flush=True)
    pool = make_pool(args.pool)
    posts_per_user = sum(len(u.posts) for u in pool.users) / len(pool.users)
    pool_info = write_corpus(pool, args.pool, work / "pool")
    embedding = fill_cache(work / "pool", cache)  # before training, which would fill it
    models = train_models(pool, work, cache, args.quick)
    print(f"cache: {embedding}", flush=True)
    res = {"rows": [], "goals": [], "corpora": {"pool": pool_info}, "embedding": embedding, "posts_per_user": posts_per_user,
           "sizes": args.sizes, "pool": args.pool}
    for n in args.sizes:
        shards = work / f"corpus-{n}"
        res["corpora"][str(n)] = write_corpus(pool, n, shards)
        for model in args.models:
            for mode in args.modes:
                info = run_child(mode, models[model], shards, work, cache)
                row = {"model": model, "n_users": n, "shards": res["corpora"][str(n)]["shards"], **info}
                print(json.dumps(row), flush=True)
                res["rows"].append(row)
        shutil.rmtree(shards, ignore_errors=True)
    for r in res["rows"]:
        peers = {p["mode"]: p for p in res["rows"] if p["model"] == r["model"] and p["n_users"] == r["n_users"]}
        if "local" in peers:
            r["vs_local"] = r["users_per_s"] / peers["local"]["users_per_s"]
        if "ray-1" in peers:
            r["vs_ray1"] = r["users_per_s"] / peers["ray-1"]["users_per_s"]
    for model in args.models:
        rows = [r for r in res["rows"] if r["model"] == model]
        if len(args.sizes) > 1:
            lo, hi = min(args.sizes), max(args.sizes)
            for mode in ("local", "ray-2"):
                a = next((r for r in rows if r["n_users"] == lo and r["mode"] == mode), None)
                b = next((r for r in rows if r["n_users"] == hi and r["mode"] == mode), None)
                if a and b:
                    growth = b["peak_rss_mb"] / a["peak_rss_mb"]
                    res["goals"].append({"model": model, "n_users": hi, "check": f"{mode} peak RSS {hi:,} / {lo:,} users",
                                         "value": f"{growth:.2f}x", "goal": "flat (<= 1.2x)", "met": growth <= 1.2})
        for n in args.sizes:
            peers = {r["mode"]: r for r in rows if r["n_users"] == n}
            if "ray-2" in peers and "ray-1" in peers:
                v = peers["ray-2"]["vs_ray1"]
                res["goals"].append({"model": model, "n_users": n, "check": "Ray 2 workers / 1 worker",
                                     "value": f"{v:.2f}x", "goal": ">= 1.7x", "met": v >= 1.7})
            if "ray-1" in peers and "local" in peers:
                over = peers["local"]["users_per_s"] / peers["ray-1"]["users_per_s"] - 1
                res["goals"].append({"model": model, "n_users": n, "check": "Ray 1 worker overhead vs local",
                                     "value": f"{100 * over:.0f} %", "goal": "<= 20 %", "met": over <= 0.20})
    if set(args.models) >= {"tfidf-lr", "lmilatt"} and "ray-1" in args.modes and "ray-2" in args.modes:
        res["paper"] = on_paper(res)
    else:
        res["paper"] = {"text": "not computed (needs both models and Ray with 1 and 2 workers)"}
    rec.finish()
    body = render(res)
    preamble = (__doc__.split("Usage")[0].split("\n", 1)[1].strip())
    md, js = write_results(args.out_name, body, res, rec, title="Scale: sharded streaming and Ray", preamble=preamble)
    print(body)
    print(f"wrote {md} and {js}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(*sys.argv[2:7])), flush=True)
    else:
        main()
