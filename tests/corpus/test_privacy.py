"""Salted pseudonymisation of user ids, post ids and identifying meta."""

from __future__ import annotations

import pytest

from depscreen.corpus import Post, PostCorpus, PostRecord, User, UserCorpus
from depscreen.corpus.privacy import pseudonym, pseudonymise


def test_user_corpus_ids_hashed_consistently():
    corpus = UserCorpus(
        [User("1013187241", 1, [Post("hi", "2015-01-01T00:00:00", id="637894677824413696", meta={"retweets": 2})], {"followers": 84})]
    )
    a = pseudonymise(corpus, "s3cret")
    b = pseudonymise(corpus, "s3cret")
    c = pseudonymise(corpus, "other")
    assert a[0].user_id == b[0].user_id != c[0].user_id
    assert a[0].user_id.startswith("u_") and "1013187241" not in a[0].user_id
    assert a[0].posts[0].id.startswith("p_") and a[0].posts[0].id != "637894677824413696"
    assert a[0].posts[0].text == "hi" and a[0].posts[0].meta == {"retweets": 2}
    assert a[0].label == 1 and a[0].meta == {"followers": 84}
    assert corpus[0].user_id == "1013187241"  # the input is not modified


def test_post_corpus_author_shares_user_namespace():
    posts = PostCorpus([PostRecord("sdcnl-1", "text", 1, meta={"author": "alice", "split": "train"})])
    safe = pseudonymise(posts, "k")
    assert safe[0].meta["author"] == pseudonym("alice", "k")
    assert safe[0].meta["split"] == "train" and safe[0].id.startswith("p_")


def test_bad_salt():
    with pytest.raises(ValueError, match="salt"):
        pseudonymise(UserCorpus([User("a", 0, [Post("x")])]), "")
