"""Shard files: discovery, JSON Lines and Parquet reading (the same users), writing."""

from __future__ import annotations

import gzip

import pytest

from depscreen.corpus.io import CorpusFormatError
from depscreen.corpus.types import PostRecord
from depscreen.scale import discover_shards, is_sharded, iter_shard, write_shards


@pytest.mark.parametrize("fmt", ["jsonl.gz", "jsonl", "parquet"])
def test_write_then_read_gives_back_the_same_users(sample, tmp_path, fmt):
    paths = write_shards(sample, tmp_path, users_per_shard=20, format=fmt)
    assert [p.name for p in paths] == [f"part-{k:05d}.{fmt}" for k in range(3)]
    back = [u for p in paths for u in iter_shard(p, batch_rows=7)]
    assert [u.to_dict() for u in back] == [u.to_dict() for u in sample.users]
    assert not list(tmp_path.glob(".*"))  # no temporary files left


def test_discovery_of_folder_glob_and_file(sample, tmp_path):
    write_shards(sample, tmp_path / "a", users_per_shard=30, format="jsonl.gz")
    write_shards(sample, tmp_path / "a" / "sub", users_per_shard=30, format="parquet", prefix="more")
    (tmp_path / "a" / "notes.txt").write_text("not a shard")
    (tmp_path / "a" / ".part-9.jsonl.partial").write_text("")
    names = [s.name for s in discover_shards(tmp_path / "a")]
    assert names == ["part-00000.jsonl.gz", "part-00001.jsonl.gz", "sub/more-00000.parquet", "sub/more-00001.parquet"]
    assert [s.stem for s in discover_shards(tmp_path / "a")][2] == "sub__more-00000"
    assert [s.name for s in discover_shards(str(tmp_path / "a" / "*.jsonl.gz"))] == names[:2]
    assert is_sharded(tmp_path / "a") and is_sharded(str(tmp_path / "a" / "*.gz"))
    assert not is_sharded(tmp_path / "a" / "part-00000.jsonl.gz")
    with pytest.raises(FileNotFoundError, match="no shards found"):
        discover_shards(str(tmp_path / "a" / "*.csv"))
    with pytest.raises(FileNotFoundError, match="no such file"):
        discover_shards(tmp_path / "missing")


def test_post_level_parquet_and_bad_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist([{"id": "p1", "text": "ok", "label": 1}, {"id": "p2", "text": "fine", "label": None}]),
                   tmp_path / "posts.parquet")
    recs = list(iter_shard(tmp_path / "posts.parquet"))
    assert recs == [PostRecord("p1", "ok", 1), PostRecord("p2", "fine", None)]
    pq.write_table(pa.Table.from_pylist([{"user_id": "u", "label": 0, "posts": [{"text": None}]}]), tmp_path / "bad.parquet")
    with pytest.raises(CorpusFormatError, match=r"bad.parquet: row 1: posts\[0\].text"):
        list(iter_shard(tmp_path / "bad.parquet"))
    pq.write_table(pa.Table.from_pylist([{"user_id": "u"}]), tmp_path / "cols.parquet")
    with pytest.raises(CorpusFormatError, match="cols.parquet: missing column 'posts'"):
        list(iter_shard(tmp_path / "cols.parquet"))
    pq.write_table(pa.Table.from_pylist([{"body": "u"}]), tmp_path / "other.parquet")
    with pytest.raises(CorpusFormatError, match="other.parquet: missing column 'id'"):
        list(iter_shard(tmp_path / "other.parquet"))


def test_broken_jsonl_shard_names_file_and_line(tmp_path):
    path = tmp_path / "x.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write('{"user_id": "a", "label": 0, "posts": []}\n{not json\n')
    with pytest.raises(CorpusFormatError, match=r"x.jsonl.gz:2: invalid JSON"):
        list(iter_shard(path))
