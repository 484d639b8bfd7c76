from __future__ import annotations

import json
import stat

import pytest

from depscreen.serve.keys import KeyFileError, KeyStore, add_key, read_entries


def test_keys_are_stored_as_salted_hashes_only(tmp_path):
    path = tmp_path / "keys.txt"
    k1 = add_key(path, "alice")
    k2 = add_key(path, "bob")
    text = path.read_text()
    secret1, secret2 = k1.rsplit("_", 1)[1], k2.rsplit("_", 1)[1]
    assert secret1 not in text and secret2 not in text and k1 not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [d["name"] for d in lines] == ["alice", "bob"]
    assert lines[0]["salt"] != lines[1]["salt"] and lines[0]["algo"] == "scrypt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_verify_accepts_each_key_and_refuses_others(tmp_path):
    path = tmp_path / "keys.txt"
    k1, k2 = add_key(path, "alice"), add_key(path, "bob")
    store = KeyStore.from_file(path)
    assert store.verify(k1) == "alice" and store.verify(k2) == "bob"
    assert store.verify(k1) == "alice"  # the remembered path gives the same answer
    forged = k1[:-1] + ("A" if k1[-1] != "A" else "B")
    assert store.verify(forged) is None
    # another key's id with this key's secret: refused
    assert store.verify(k2.rsplit("_", 1)[0] + "_" + k1.rsplit("_", 1)[1]) is None
    for bad in (None, "", "nonsense", "dsk_000000000000_" + "a" * 43):
        assert store.verify(bad) is None


def test_duplicate_name_and_bad_name_are_refused(tmp_path):
    path = tmp_path / "keys.txt"
    add_key(path, "alice")
    with pytest.raises(ValueError, match="exists already"):
        add_key(path, "alice")
    with pytest.raises(ValueError, match="key name"):
        add_key(path, "no spaces please")


def test_a_bad_key_file_line_is_named(tmp_path):
    path = tmp_path / "keys.txt"
    add_key(path, "alice")
    with path.open("a") as fh:
        fh.write('{"name": "x", "algo": "scrypt"}\n')
    with pytest.raises(KeyFileError, match="line 2"):
        read_entries(path)
    with pytest.raises(KeyFileError, match="not found"):
        read_entries(tmp_path / "missing.txt")


def test_revoke_rewrites_the_file_without_the_name(tmp_path):
    from depscreen.serve.keys import revoke_key

    path = tmp_path / "keys.txt"
    k1, k2 = add_key(path, "alice"), add_key(path, "bob")
    assert revoke_key(path, "alice") == 1
    assert [e.name for e in read_entries(path)] == ["bob"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    store = KeyStore.from_file(path)
    assert store.verify(k1) is None and store.verify(k2) == "bob"
    with pytest.raises(ValueError, match="no key named 'alice'"):
        revoke_key(path, "alice")


def test_a_key_store_reloads_a_changed_file_and_forgets_remembered_keys(tmp_path):
    """Finding 7 (issue 20): a running service read its key file once; now it notices changes."""
    from depscreen.serve.keys import revoke_key

    path = tmp_path / "keys.txt"
    k1 = add_key(path, "alice")
    store = KeyStore.from_file(path, check_every_s=0.0)
    assert store.verify(k1) == "alice" and store.remembered(k1) == "alice"
    k2 = add_key(path, "bob")
    assert store.verify(k2) == "bob"  # added while running
    revoke_key(path, "alice")
    assert store.remembered(k1) is None and store.verify(k1) is None  # revoked while running
    assert store.names == ["bob"] and store.reloads == 2
    path.write_text(path.read_text() + "not json\n")  # a broken file keeps the keys in use
    assert store.verify(k2) == "bob"


def test_a_key_store_looks_at_the_file_at_most_every_check_interval(tmp_path):
    path = tmp_path / "keys.txt"
    k1 = add_key(path, "alice")
    store = KeyStore.from_file(path, check_every_s=3600.0)
    from depscreen.serve.keys import revoke_key

    revoke_key(path, "alice")
    assert store.verify(k1) == "alice"  # not looked at yet
    store.check_every_s = 0.0
    assert store.verify(k1) is None
