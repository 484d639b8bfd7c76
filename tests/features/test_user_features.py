import math

import numpy as np
import pytest
from gensim.models import KeyedVectors

from depscreen.corpus import Post, User, UserCorpus
from depscreen.features.user_features import (
    FirstPerson,
    LexiconFeatures,
    LinguisticStyle,
    PostingBehaviour,
    PostVolume,
    TopicKeywords,
    UserFeatureUnion,
    parse_time,
    tokenize_users,
)
from depscreen.lexicon.lexicon import Lexicon


def _users():
    a = User("a", 1, [
        Post("i feel alone", "2021-03-06T02:30:00"),   # Saturday night
        Post("alone and tired again", "2021-03-08T14:00:00"),  # Monday afternoon
        Post("tired tired tired", "2021-03-10T03:15:00"),  # Wednesday night
    ])
    b = User("b", 0, [
        Post("football with friends", "2021-03-01T18:00:00"),
        Post("friends came over for football", None),
    ])
    c = User("c", 0, [Post("sunny picnic")])  # no times at all
    return UserCorpus([a, b, c])


def test_topic_keywords_counts_top_tfidf_words_without_stopwords():
    users = _users().users
    t = TopicKeywords(n_keywords=4, lang="en").fit(users)
    assert len(t.keywords_) == 4
    assert not {"i", "and", "with", "for", "over"} & set(t.keywords_)
    X = t.transform(users)
    names = list(t.get_feature_names_out())
    assert names[0].startswith("topic:")
    for word in ("tired", "alone", "friends", "football"):
        if f"topic:{word}" in names:
            j = names.index(f"topic:{word}")
            expected = [sum(p.text.split().count(word) for p in u.posts) for u in users]
            assert X[:, j].tolist() == expected
    assert "topic:tired" in names  # 4 occurrences in one user: highest weight


def test_posting_behaviour_by_hand():
    users = _users().users
    X = PostingBehaviour(lang="en").fit(users).transform(users)
    a, b, c = X
    assert a[0] == pytest.approx(sum(len(p.text) for p in users[0].posts) / 3)
    assert a[1] == pytest.approx((3 + 4 + 3) / 3)
    assert a[2] == pytest.approx(2 / 3)  # two posts before 06:00
    assert a[3] == pytest.approx(2 / 3)  # Monday and Wednesday of three
    span = (parse_time("2021-03-10T03:15:00") - parse_time("2021-03-06T02:30:00")).total_seconds() / 86400
    assert a[4] == pytest.approx(3 / span)
    assert a[5] == 1.0
    assert b[4] == pytest.approx(1.0) and b[5] == 1.0  # one timed post, span < 1 day
    assert c[2:].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_parse_time_forms():
    assert parse_time("Sun Aug 30 07:48:37 +0000 2015").hour == 7
    assert parse_time("2015-08-30T07:48:37Z").minute == 48
    assert parse_time("not a time") is None and parse_time(None) is None


def test_volume_and_first_person_in_three_languages():
    users = [
        User("en", 1, [Post("i feel alone"), Post("so tired")], meta={}),
        User("zh", 1, [Post("我很难过", lang="zh"), Post("天气很好", lang="zh")]),
        User("id", 0, [Post("aku sedih", lang="id"), Post("makan siang", lang="id")]),
    ]
    assert PostVolume().fit(users).transform(users)[:, 0].tolist() == [2, 2, 2]
    assert PostVolume().fit(users).transform(users)[0, 1] == pytest.approx(math.log(3))
    fp = FirstPerson(lang="auto").fit(users)
    X = fp.transform(users)
    tokens = tokenize_users(users)
    assert [t.lang for t in tokens][1:] == ["zh", "id"]
    for row, tok in zip(X, tokens):
        # one first-person pronoun in the first post of each user, none in the second
        assert row[0] == pytest.approx(1 / tok.n_tokens)
        assert row[1] == pytest.approx(0.5)


def test_linguistic_style_is_mean_vector_and_trains_when_not_given():
    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(["alone", "tired"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    users = [User("a", 1, [Post("alone tired tired")]), User("b", 0, [Post("unknown words")])]
    X = LinguisticStyle(vectors=kv, lang="en").fit(users).transform(users)
    assert X[0].tolist() == pytest.approx([1 / 3, 2 / 3])
    assert X[1].tolist() == [0.0, 0.0]
    trained = LinguisticStyle(vector_size=8, min_count=1, epochs=2, lang="en").fit(_users().users)
    assert trained.transform(_users().users).shape == (3, 8)


def test_lexicon_features_tokens_and_chinese_substrings():
    lex = Lexicon.from_pairs([("alone", 1), ("tired", 1), ("friends", 0), ("难过", 1), ("开心", 0)])
    users = _users().users
    X = LexiconFeatures(lexicon=lex, lang="en").fit(users).transform(users)
    a, b, c = X
    assert a[:2].tolist() == [6.0, 0.0]  # alone x2, tired x4
    assert a[2] == pytest.approx(6 / 10)  # of 10 tokens
    assert a[4] == pytest.approx(1.0) and a[5] == pytest.approx(1.0)
    assert b[:2].tolist() == [0.0, 2.0] and b[5] == pytest.approx(-1.0)
    assert c.tolist() == [0.0] * 6
    zh = [User("z", 1, [Post("今天好难过，不开心", lang="zh"), Post("难过", lang="zh")])]
    Z = LexiconFeatures(lexicon=lex).fit(zh).transform(zh)
    assert Z[0, :2].tolist() == [2.0, 1.0]  # 难过 x2, 开心 once (inside 不开心)
    assert Z[0, 4] == pytest.approx(1.0)


def test_lexicon_built_on_fit_needs_labels_and_file_lexicon_loads(tmp_path):
    users = _users().users
    with pytest.raises(ValueError, match="labels"):
        LexiconFeatures().fit(users)
    path = Lexicon.from_pairs([("tired", 1), ("sunny", 0)]).to_csv(tmp_path / "l.csv")
    part = LexiconFeatures(lexicon=str(path), lang="en").fit(users)
    assert part.lexicon_.as_dict() == {"tired": 1, "sunny": 0}
    assert part.transform(users)[2, 1] == 1.0


def test_union_concatenates_groups_in_order():
    corpus = _users()
    kv_users = corpus.users
    union = UserFeatureUnion(
        groups=("volume", "first_person", "topic", "style"), lang="en", n_keywords=3,
        vector_size=4, w2v_min_count=1, w2v_epochs=1,
    )
    X = union.fit_transform(kv_users, corpus.labels)
    assert X.shape == (3, 2 + 2 + 3 + 4)
    names = list(union.get_feature_names_out())
    assert names[:4] == ["volume:n_posts", "volume:log_posts", "first_person:rate", "first_person:post_share"]
    slices = union.group_slices()
    assert slices["style"] == slice(7, 11)
    assert np.allclose(union.transform(kv_users), X)
    with pytest.raises(ValueError, match="unknown feature group"):
        UserFeatureUnion(groups=("colour",)).fit(kv_users, corpus.labels)
