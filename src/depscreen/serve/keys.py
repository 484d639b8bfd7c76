"""API keys: a file of salted hashes, never the keys themselves.

A key looks like ``dsk_<key id>_<secret>``. The key id is public (it names the line of
the key file to check, so a wrong key costs one hash, not one per stored key); the secret
is 32 random bytes (URL-safe base64). The key file holds one JSON object per line::

    {"name": "alice", "key_id": "3f9c...", "algo": "scrypt", "n": 16384, "r": 8, "p": 1,
     "salt": "<hex>", "hash": "<hex>", "created": "2026-12-02T10:00:00+00:00"}

``hash`` is scrypt over the secret with a random per-key ``salt``; comparison is
constant-time (:func:`hmac.compare_digest`). A key that verified once is remembered in
memory as an HMAC under a per-process random secret, so a busy client does not pay the
deliberately slow scrypt on every request; nothing of it is ever written to disk.

Keys are managed while the service runs: :func:`revoke_key` rewrites the file without a
name's key (atomically, mode 600), :func:`add_key` appends one, and a :class:`KeyStore`
read from a file notices the change (size, modification time or inode) at most
``check_every_s`` seconds later, reloads, and forgets every remembered key.

Example
-------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "keys.txt"
>>> key = add_key(path, "alice")
>>> KeyStore.from_file(path).verify(key)
'alice'
>>> KeyStore.from_file(path).verify(key + "x") is None
True
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..jsonable import utc_timestamp

log = logging.getLogger("depscreen.serve")

PREFIX = "dsk_"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_KEY = re.compile(r"^dsk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")


class KeyFileError(ValueError):
    """The key file is missing, unreadable or has a bad line (named)."""


@dataclass(frozen=True)
class KeyEntry:
    """One line of the key file: who, and the salted hash of their secret."""

    name: str
    key_id: str
    salt: bytes
    digest: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P
    created: str = ""

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "key_id": self.key_id, "algo": "scrypt", "n": self.n, "r": self.r,
                           "p": self.p, "salt": self.salt.hex(), "hash": self.digest.hex(),
                           "created": self.created})

    def matches(self, secret: str) -> bool:
        got = _scrypt(secret, self.salt, self.n, self.r, self.p)
        return hmac.compare_digest(got, self.digest)


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def new_key(name: str) -> tuple[str, KeyEntry]:
    """A fresh key for ``name``: the plain key (show it once) and the entry to store."""
    if not _NAME.match(name or ""):
        raise ValueError(
            f"key name {name!r}: use 1-64 letters, digits, '_', '.', '@' or '-', starting with a letter or digit"
        )
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    entry = KeyEntry(name=name, key_id=key_id, salt=salt, digest=_scrypt(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P),
                     created=utc_timestamp())
    return f"{PREFIX}{key_id}_{secret}", entry


def read_entries(path: str | Path) -> list[KeyEntry]:
    """Every entry of a key file; a bad line raises :class:`KeyFileError` naming it."""
    path = Path(path)
    if not path.exists():
        raise KeyFileError(f"{path}: key file not found; create one with `depscreen serve keys add NAME --keys {path}`")
    entries = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            d = json.loads(line)
            if d.get("algo") != "scrypt":
                raise ValueError(f"algo {d.get('algo')!r} is not 'scrypt'")
            entries.append(KeyEntry(name=str(d["name"]), key_id=str(d["key_id"]), salt=bytes.fromhex(d["salt"]),
                                    digest=bytes.fromhex(d["hash"]), n=int(d["n"]), r=int(d["r"]), p=int(d["p"]),
                                    created=str(d.get("created", ""))))
        except (ValueError, KeyError, TypeError) as exc:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise KeyFileError(f"{path}, line {lineno}: not a depscreen key entry ({what})") from None
    return entries


def add_key(path: str | Path, name: str) -> str:
    """Append a new key for ``name`` to the key file (created with mode 600) and return
    the plain key, which is stored nowhere."""
    path = Path(path)
    entries = read_entries(path) if path.exists() else []
    if any(e.name == name for e in entries):
        raise ValueError(f"{path}: a key named '{name}' exists already; pick another name")
    key, entry = new_key(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(entry.to_json() + "\n")
    return key


def revoke_key(path: str | Path, name: str) -> int:
    """Remove ``name``'s key from the key file (rewritten atomically, mode 600); a running
    service stops accepting it within seconds. Returns the number of entries removed."""
    path = Path(path)
    entries = read_entries(path)
    kept = [e for e in entries if e.name != name]
    if len(kept) == len(entries):
        raise ValueError(f"{path}: no key named '{name}' (see `depscreen serve keys list --keys {path}`)")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(e.to_json() + "\n" for e in kept)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(entries) - len(kept)


def key_id(key: str | None) -> str | None:
    """The public id of a presented key (``dsk_<id>_...``), or None for anything else."""
    m = _KEY.match(key.strip()) if key else None
    return m.group(1) if m else None


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class KeyStore:
    """Checks presented keys against the stored hashes; thread-safe.

    Parameters
    ----------
    entries : the key entries.
    path : the key file they came from; when given, a change to it is picked up
        (checked at most every ``check_every_s`` seconds, on the next key check).
    check_every_s : how often to look at the file.
    """

    def __init__(self, entries: list[KeyEntry], path: str | Path | None = None, check_every_s: float = 1.0):
        self._by_id = {e.key_id: e for e in entries}
        self._pepper = secrets.token_bytes(32)
        self._verified: dict[bytes, str] = {}
        self._lock = threading.Lock()
        self.path = None if path is None else Path(path)
        self.check_every_s = check_every_s
        self._signature = None if self.path is None else _signature(self.path)
        self._checked = time.monotonic()
        self.reloads = 0

    @classmethod
    def from_file(cls, path: str | Path, check_every_s: float = 1.0) -> "KeyStore":
        path = Path(path)
        return cls(read_entries(path), path=path, check_every_s=check_every_s)

    def __len__(self) -> int:
        self.refresh()
        return len(self._by_id)

    @property
    def names(self) -> list[str]:
        self.refresh()
        return sorted(e.name for e in self._by_id.values())

    def refresh(self) -> bool:
        """Reload the key file if it changed since the last look (True when reloaded). A
        file that cannot be read (mid-write, a bad line) keeps the keys in use, with a warning."""
        if self.path is None:
            return False
        now = time.monotonic()
        with self._lock:
            if now - self._checked < self.check_every_s:
                return False
            self._checked = now
            signature = _signature(self.path)
            if signature == self._signature:
                return False
            try:
                entries = read_entries(self.path)
            except KeyFileError as exc:
                log.warning(json.dumps({"event": "keys_reload_failed", "reason": str(exc)[:200]}))
                return False
            self._by_id = {e.key_id: e for e in entries}
            self._verified.clear()
            self._signature = signature
            self.reloads += 1
        log.info(json.dumps({"event": "keys_reloaded", "n_keys": len(entries)}))
        return True

    def knows(self, key_id: str | None) -> bool:
        """Whether a key with this public id is in the file (no hash computed)."""
        return bool(key_id) and key_id in self._by_id

    def _memo(self, key: str) -> bytes:
        return hmac.new(self._pepper, key.strip().encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    def remembered(self, key: str | None) -> str | None:
        """The name of a key that verified before (no slow hash), else None."""
        if not key_id(key):
            return None
        self.refresh()
        with self._lock:
            return self._verified.get(self._memo(key))

    def verify(self, key: str | None) -> str | None:
        """The key's name when ``key`` is valid, else None."""
        if not key:
            return None
        m = _KEY.match(key.strip())
        if not m:
            return None
        self.refresh()
        entry = self._by_id.get(m.group(1))
        if entry is None:
            return None
        memo = self._memo(key)
        with self._lock:
            name = self._verified.get(memo)
        if name is not None:
            return name
        if not entry.matches(m.group(2)):
            return None
        with self._lock:
            if self._by_id.get(entry.key_id) is entry:  # not revoked while hashing
                self._verified[memo] = entry.name
        return entry.name
