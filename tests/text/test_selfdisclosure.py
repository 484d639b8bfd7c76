"""Self-disclosure detection (en / zh / id) and the corpus filter's report."""

import pytest

from depscreen.corpus import Post, PostCorpus, PostRecord, User, UserCorpus
from depscreen.text.selfdisclosure import filter_self_disclosure, is_self_disclosure, match_self_disclosure

POSITIVES = [
    # English, shapes taken from real timelines
    "On October 8th, 2014 I was diagnosed with depression.",
    "@someone i was diagnosed with both depression and anxiety after i was admitted last year ;-;",
    "I've been diagnosed with anxiety, BPD and depression. These are my struggles.",
    "I have been 'diagnosed' over the years with depression/GAD.",
    "I found out that I'm diagnosed with severe Limbic Dysfunction.. in other words, depression.",
    "i was diagnosed a few weeks ago w/depression",
    "I was diagnosed with depressiion",
    "I know nothing about depression, even though I have been diagnosed with it, right?",
    "9 Things I Wish I’d Known About Depression Before I Was Diagnosed",
    "my depression diagnosis came last year",
    "my therapist says I have depression",
    "My psychiatrist diagnosed me with bipolar disorder",
    "I suffer from severe depression",
    "i've been struggling with depression for years",
    "I have clinical depression",
    "I'm bipolar and proud",
    # Chinese
    "我确诊抑郁症了",
    "我被诊断为抑郁症",
    "我有抑郁症",
    "我得了抑郁症",
    "我去年在医院确诊了重度抑郁",
    "今天确诊了抑郁症",
    "我的抑郁症又复发了",
    "医生说我有抑郁症",
    "我被医生诊断为双相情感障碍",
    # Indonesian
    "saya didiagnosis depresi",
    "aku didiagnosa depresi berat",
    "saya mengidap depresi",
    "gue udah didiagnosis dengan depresi",
    "gw yg resmi didiagnosa depresi major",
    "psikiater bilang aku depresi",
]

NEGATIVES = [
    # someone else
    "my friend was diagnosed with depression",
    "How many parents would know what to do if their child was diagnosed with depression?",
    "RT @news: I was diagnosed with depression",  # a retweet is another person's words
    'She said "I was diagnosed with depression" on TV',  # quoted speech
    # generic mentions and other diagnoses
    "depression is awful",
    "Celebrities diagnosed with #mentalillness",
    "I have been diagnosed with spinal stenosis",
    "I was diagnosed with cancer",
    "I knew I was different long before I was diagnosed with Aspergers - Depression Treatments",
    "I'm depressed today",  # a mood, not a diagnosis
    # hedged, asked or negated
    "If I'm diagnosed with depression I cannot afford it",
    "makes me think whether I have bipolar or not?",
    "Do I have depression?",
    "I think I have depression",
    "I was never diagnosed with depression",
    "I wasn't diagnosed with depression",
    "I don't have depression",
    # Chinese
    "我朋友得了抑郁症",
    "我妈有抑郁症",
    "我有一个朋友得了抑郁症",
    "他去年确诊了抑郁症",
    "我是不是得了抑郁症",
    "我怀疑我有抑郁症",
    "我有抑郁症吗",
    "我有抑郁倾向",
    "我没有抑郁症",
    "我有点抑郁",
    "抑郁症很可怕",
    # Indonesian
    "temanku didiagnosis depresi",
    "adik saya didiagnosis depresi",
    "apakah saya depresi",
    "apakah aku punya depresi?",
    "saya tidak didiagnosis depresi",
    "kalau aku kena depresi gimana",
    "depresi itu berat",
]


@pytest.mark.parametrize("text", POSITIVES)
def test_self_disclosures_are_found(text):
    assert is_self_disclosure(text), text


@pytest.mark.parametrize("text", NEGATIVES)
def test_non_disclosures_are_left_alone(text):
    assert match_self_disclosure(text) is None, text


def test_language_restriction_and_bad_input():
    assert is_self_disclosure("我得了抑郁症", lang="zh")
    assert not is_self_disclosure("我得了抑郁症", lang="en")
    with pytest.raises(ValueError, match="self-disclosure patterns"):
        is_self_disclosure("x", lang="fr")
    with pytest.raises(TypeError):
        is_self_disclosure(None)


def _corpus():
    return UserCorpus(
        [
            User("a", 1, [Post("I was diagnosed with depression in 2014"), Post("nice walk today"),
                          Post("my therapist says I have depression")]),
            User("b", 1, [Post("我确诊抑郁症了")]),  # only a disclosure: left empty, kept
            User("c", 0, [Post("depression is awful"), Post("my friend was diagnosed with depression")]),
            User("d", 0, [Post("saya didiagnosis depresi"), Post("makan siang enak")]),
        ],
        name="tiny",
    )


def test_filter_report_counts_per_label_and_keeps_emptied_users():
    corpus = _corpus()
    filtered, report = filter_self_disclosure(corpus, scope="narrow")
    assert [u.user_id for u in filtered] == ["a", "b", "c", "d"]
    assert [len(u.posts) for u in filtered] == [1, 0, 2, 1]
    assert filtered.users[0].posts[0].text == "nice walk today"
    assert (report.posts_total, report.posts_removed) == (8, 4)
    assert (report.users_total, report.users_touched, report.users_emptied) == (4, 3, 1)
    assert report.per_label["1"] == {
        "users": 2, "posts": 4, "posts_removed": 3, "users_touched": 2, "users_emptied": 1,
    }
    assert report.per_label["0"]["posts_removed"] == 1 and report.per_label["0"]["users_touched"] == 1
    assert report.removed == {"a": [0, 2], "b": [0], "d": [0]}
    assert sum(report.per_pattern.values()) == 4
    # the input corpus is untouched, the report holds no post text
    assert [len(u.posts) for u in corpus] == [3, 1, 2, 2]
    assert "nice walk" not in str(report.to_dict()) and "2014" not in str(report.to_dict())
    assert "removed 4 of 8 posts from 3 of 4 users (1 left with no posts, kept)" in report.summary()


def test_default_scope_removes_every_diagnosis_or_depression_mention():
    filtered, report = filter_self_disclosure(_corpus())
    assert report.scope == "mention"
    # "depression is awful" and the friend's diagnosis go too (the peer's /diagnos|depress/i)
    assert [len(u.posts) for u in filtered] == [1, 0, 0, 1]
    assert report.posts_removed == 6 and report.per_pattern["mention:en"] == 2
    assert "(mention)" in report.summary()
    with pytest.raises(ValueError, match="scope"):
        filter_self_disclosure(_corpus(), scope="wide")


def test_filter_restricted_to_one_language_and_post_corpus():
    _, report = filter_self_disclosure(_corpus(), lang="en", scope="narrow")
    assert report.posts_removed == 2
    posts = PostCorpus([PostRecord("1", "I have clinical depression", 1), PostRecord("2", "so tired", 0)])
    kept, report = filter_self_disclosure(posts, scope="narrow")
    assert [r.id for r in kept] == ["2"] and report.posts_removed == 1 and report.users_total == 0
    with pytest.raises(TypeError):
        filter_self_disclosure([Post("x")])


def test_mental_health_twitter_diagnosis_tweets_are_removed(shared_data):
    import pandas as pd

    frame = pd.read_csv(shared_data / "en/mental-health-twitter/Mental-Health-Twitter.csv")
    frame = frame.dropna(subset=["post_text"])
    users = [
        User(str(uid), int(group["label"].iloc[0]), [Post(str(t)) for t in group["post_text"]])
        for uid, group in frame.groupby("user_id", sort=True)
    ]
    _, report = filter_self_disclosure(UserCorpus(users), scope="narrow")
    depressed, control = report.per_label["1"], report.per_label["0"]
    print(f"\nMental-Health-Twitter: {report.summary()}")
    # the depressed users' own diagnosis tweets are caught (quoted speech and retweets
    # are other people's words and are meant to stay)...
    own = frame["post_text"].str.contains(r"\bI was diagnosed with (?:severe |clinical )?depression",
                                          case=False, regex=True)
    quoted = frame["post_text"].str.contains(r'^RT @|"|“', regex=True)
    diagnosis = frame[own & ~quoted]
    assert len(diagnosis) >= 10
    assert all(is_self_disclosure(t) for t in diagnosis["post_text"])
    assert depressed["posts_removed"] >= 40 and depressed["users_touched"] >= 30
    # ...without over-matching: the controls lose (almost) nothing, and few posts go overall
    assert control["posts_removed"] <= 2
    assert report.posts_removed < 0.01 * report.posts_total
