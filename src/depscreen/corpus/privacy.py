"""Pseudonymise identifiers in a corpus with a salted (keyed) hash.

User ids, post ids and identifying meta fields (``author``, ``user``, ``nickname``,
...) are replaced by ``HMAC-SHA256(salt, id)`` truncated to ``length`` hex digits.
The same id and salt always give the same pseudonym, so a user keeps one pseudonym
across files converted with the same salt, while without the salt the mapping
cannot be recomputed from public ids (plain hashes of tweet ids can: the id space
is small). Keep the salt secret, or use a random one and throw it away.

Post text is not touched: @mentions, e-mail addresses and phone numbers inside the
text are redacted by :func:`depscreen.text.redact` / ``normalise``.

Example
-------
>>> from depscreen.corpus import Post, User, UserCorpus
>>> corpus = UserCorpus([User("1013187241", 1, [Post("hi", id="637894677824413696")])])
>>> safe = pseudonymise(corpus, salt="keep-me-secret")
>>> safe[0].user_id.startswith("u_"), safe[0].user_id == pseudonym("1013187241", "keep-me-secret")
(True, True)
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from typing import Any

from .types import Corpus, PostCorpus, PostRecord, User, UserCorpus

#: Meta keys whose values identify a person; they are pseudonymised like user ids.
IDENTIFYING_META = ("author", "user", "user_id", "username", "screen_name", "nickname", "name")


def pseudonym(value: Any, salt: str | bytes, *, prefix: str = "u", length: int = 16) -> str:
    """``<prefix>_<hex>``: the first ``length`` hex digits of HMAC-SHA256(salt, str(value))."""
    key = salt.encode("utf-8") if isinstance(salt, str) else bytes(salt)
    if not key:
        raise ValueError("pseudonymise: the salt must not be empty")
    if not 8 <= length <= 64:
        raise ValueError("pseudonymise: length must be between 8 and 64 hex digits")
    digest = hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}_{digest[:length]}"


def _meta(meta: dict[str, Any], salt: str | bytes, length: int) -> dict[str, Any]:
    out = dict(meta)
    for key in IDENTIFYING_META:
        if out.get(key) not in (None, ""):
            out[key] = pseudonym(out[key], salt, prefix="u", length=length)
    return out


def pseudonymise(corpus: Corpus, salt: str | bytes, *, length: int = 16) -> Corpus:
    """A copy of ``corpus`` with user ids, post ids and identifying meta pseudonymised.

    User ids and identifying meta share the ``u_`` namespace (an author in one
    post-level file maps to the same pseudonym as that user id elsewhere); post ids
    become ``p_...``. Labels, times and texts are kept; the read report is carried over.
    """
    pseudonym("check", salt, length=length)  # validates salt and length up front
    if isinstance(corpus, UserCorpus):
        users = []
        for user in corpus:
            posts = [
                replace(
                    p,
                    id=pseudonym(p.id, salt, prefix="p", length=length) if p.id is not None else None,
                    meta=_meta(p.meta, salt, length),
                )
                for p in user.posts
            ]
            users.append(
                User(
                    pseudonym(user.user_id, salt, length=length),
                    user.label,
                    posts,
                    _meta(user.meta, salt, length),
                )
            )
        return UserCorpus(users, name=corpus.name, report=corpus.report)
    if isinstance(corpus, PostCorpus):
        records = [
            PostRecord(
                pseudonym(r.id, salt, prefix="p", length=length),
                r.text,
                r.label,
                r.lang,
                _meta(r.meta, salt, length),
            )
            for r in corpus
        ]
        return PostCorpus(records, name=corpus.name, report=corpus.report)
    raise TypeError(f"pseudonymise expects a UserCorpus or PostCorpus, got {type(corpus).__name__}")
