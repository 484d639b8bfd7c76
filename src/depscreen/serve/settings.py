"""The service's settings: every limit in one place, safe by default."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Settings:
    """What ``depscreen serve`` and :func:`depscreen.serve.create_app` are told.

    Parameters
    ----------
    keys_file : the key file (``depscreen serve keys add``). Without it every
        ``/v1`` request is refused (401) unless ``allow_no_keys`` is set.
    allow_no_keys : serve ``/v1`` without keys (for a private machine only).
    rate_limit : requests per minute per key (token bucket); 0 turns it off.
    burst : requests a key may make at once before the rate applies.
    max_body_bytes : largest ``/v1/screen`` body (413 past it).
    max_batch_body_bytes : largest ``/v1/screen/batch`` body.
    max_users : users (or posts, for a post-level model) per ``/v1/screen`` request.
    max_batch_users : users per ``/v1/screen/batch`` request.
    max_posts_per_user, max_chars_per_post : 422 past them, naming the field.
    max_top_k : the largest ``top_k`` a request may ask for.
    timeout_s : longest time one request may score (504 past it).
    workers : requests scored at the same time (the rest wait their turn).
    pseudonymise : replace user ids by a salted hash in responses and logs.
    pseudonym_salt : the salt (a fixed one keeps pseudonyms stable across restarts;
        empty: random per process).
    cors_origins : origins allowed to call the API from a browser; empty: CORS off.
    batch_chunk : users scored per forward pass while streaming a batch.
    failed_keys_per_minute, failed_keys_burst : wrong keys one client address may send
        for one key id (each costs a slow hash) before it is refused with 429.
    forwarded_allow_ips : proxies whose ``X-Forwarded-For`` names the client (addresses
        or networks, ``*`` for any); empty: the header is ignored and the client is the
        connection's peer.
    keys_check_every_s : how often the key file is looked at for changes (seconds).
    isolation : ``"process"`` (what ``depscreen serve`` uses): score a model folder in
        ``workers`` worker processes, each killed and replaced when a request passes
        ``timeout_s``, so ``workers`` x ``timeout_s`` bounds the CPU of any request;
        ``"thread"`` (the default of this class, for tests and notebooks: no process
        start-up): in this process, where a timeout answers 504 but cannot stop the
        work. A fitted model object is always scored in threads.
    embed_cache : where scoring caches sentence embeddings: None (default) keeps
        them in memory only (at most ``memory_cache_items`` vectors per worker, gone
        with it): nothing about a post is written to disk; a folder keeps them there
        (keyed by HMAC, see ``depscreen embed cache purge``).
    memory_cache_items : vectors each worker keeps in memory (about 2 KB each at 512
        dimensions).
    """

    keys_file: Path | None = None
    allow_no_keys: bool = False
    rate_limit: float = 120.0
    burst: int = 30
    max_body_bytes: int = 1_000_000
    max_batch_body_bytes: int = 20_000_000
    max_users: int = 100
    max_batch_users: int = 1000
    max_posts_per_user: int = 2000
    max_chars_per_post: int = 5000
    max_top_k: int = 500
    timeout_s: float = 30.0
    workers: int = 2
    pseudonymise: bool = False
    pseudonym_salt: str = ""
    cors_origins: list[str] = field(default_factory=list)
    batch_chunk: int = 64
    failed_keys_per_minute: float = 20.0
    failed_keys_burst: int = 20
    forwarded_allow_ips: list[str] = field(default_factory=list)
    keys_check_every_s: float = 1.0
    isolation: str = "thread"
    embed_cache: Path | None = None
    memory_cache_items: int = 20_000

    def check(self, has_keys: bool = False) -> "Settings":
        """Raise ValueError naming the first setting out of range (``has_keys``: the
        caller brings its own key store)."""
        positive = ("max_body_bytes", "max_batch_body_bytes", "max_users", "max_batch_users",
                    "max_posts_per_user", "max_chars_per_post", "max_top_k", "timeout_s", "workers",
                    "batch_chunk", "burst", "keys_check_every_s", "memory_cache_items")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.isolation not in ("process", "thread"):
            raise ValueError(f"isolation must be 'process' or 'thread', got {self.isolation!r}")
        if self.rate_limit < 0:
            raise ValueError(f"rate_limit must be 0 (off) or positive, got {self.rate_limit}")
        if self.keys_file is None and not self.allow_no_keys and not has_keys:
            raise ValueError("no key file: pass --keys KEYFILE (create one with `depscreen serve keys add NAME "
                             "--keys KEYFILE`), or --no-keys on a private machine")
        return self
