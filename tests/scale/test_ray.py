"""Ray Data engine: the same predictions as in-memory ``depscreen.score`` with two actors
on a local Ray started here (2 CPUs, 80 MB object store), and a shared cache fill.
Skipped when ray[data] is not installed. One Ray session and one test: start-up is slow.
"""

from __future__ import annotations

import json

import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from depscreen.embed import EmbeddingCache, get_embedder  # noqa: E402
from depscreen.scale import MANIFEST_NAME, embed_shards, screen, write_shards  # noqa: E402

from scale_helpers import assert_same_predictions, read_outputs  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, object_store_memory=80 * 1024 * 1024, include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
    yield ray
    if started:
        ray.shutdown()


def test_ray_engine(local_ray, sample, model_dir, reference, tmp_path):
    """One test, so that pytest-xdist cannot split it over two workers (two Ray sessions)."""
    check_two_actors_match_in_memory_score(local_ray, sample, model_dir, reference, tmp_path / "score")
    check_ray_fills_the_shared_embedding_cache(sample, tmp_path / "embed")


def check_two_actors_match_in_memory_score(local_ray, sample, model_dir, reference, tmp_path):
    write_shards(sample, tmp_path / "in", users_per_shard=8, format="parquet")  # 6 shards
    summary = screen(model_dir, tmp_path / "in", tmp_path / "out", engine="ray", num_actors=2, batch_size=5)
    assert (summary.scored, summary.n_items, summary.engine["num_actors"]) == (6, len(sample), 2)
    assert_same_predictions(read_outputs(tmp_path / "out"), reference)
    manifest = json.loads((tmp_path / "out" / MANIFEST_NAME).read_text())
    workers = {s["worker"] for s in manifest["shards"]}
    assert len(workers) == 2  # two actors, each loaded the model once and took shards
    assert manifest["runs"][0]["engine"] == "ray" and local_ray.is_initialized()  # a joined Ray stays up
    again = screen(model_dir, tmp_path / "in", tmp_path / "out", engine="ray", num_actors=2)
    assert (again.scored, again.skipped) == (0, 6)


def check_ray_fills_the_shared_embedding_cache(sample, tmp_path):
    users = sample.users[:12]
    write_shards(users, tmp_path / "in", users_per_shard=3)
    cache = tmp_path / "cache"
    summary = embed_shards("use", tmp_path / "in", cache, engine="ray", num_actors=2, options={"threads": 1})
    n_posts = sum(len(u.posts) for u in users)
    distinct = len({p.text for u in users for p in u.posts})
    manifest = json.loads(summary.manifest.read_text())
    assert sum(s["n_posts"] for s in manifest["shards"]) == n_posts
    store = EmbeddingCache(cache, get_embedder("use").name, 512)
    assert len(store) == distinct
    local = embed_shards("use", tmp_path / "in", cache, options={"threads": 1})
    assert local.skipped == 4  # the local engine resumes the Ray fill: nothing left
