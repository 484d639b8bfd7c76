"""The real data sets, read as they are; counts from ../shared/data/README.md. Skipped when absent."""

from __future__ import annotations

import statistics

import pytest

from depscreen.corpus.readers import read_lexicon, read_source
from depscreen.corpus.readers.resources import (
    load_abbreviations,
    load_kamus_alay,
    load_sogou_words,
    load_stopwords_zh,
)

pytestmark = pytest.mark.shared_data


def test_english_post_level(shared_data):
    reddit = read_source(shared_data / "en/reddit-depression-cleaned", "reddit-cleaned")
    assert len(reddit) == 7731 and reddit.label_counts() == {1: 3831, 0: 3900}
    sdcnl = read_source(shared_data / "en/sdcnl", "sdcnl")
    assert len(sdcnl) == 1895
    assert sum(r.meta["split"] == "train" for r in sdcnl) == 1516
    ltedi = read_source(shared_data / "en/ltedi2022-depsign/dev.tsv", "ltedi")
    assert ltedi.label_counts() == {0: 1830, 1: 2306, 2: 360}
    for corpus in (reddit, sdcnl, ltedi):
        assert corpus.report.n_skipped == 0


def test_mental_health_twitter_users(shared_data):
    users = read_source(shared_data / "en/mental-health-twitter/Mental-Health-Twitter.csv", "mental-health-twitter")
    assert len(users) == 72 and users.label_counts() == {1: 54, 0: 18}
    sizes = [len(u.posts) for u in users]
    assert sum(sizes) == 20000 and min(sizes) == 1 and max(sizes) == 2117
    assert all(u.posts == sorted(u.posts, key=lambda p: p.time) for u in users)


def test_cssrs_users_recovered(shared_data):
    users = read_source(shared_data / "en/reddit-cssrs-500users", "cssrs")
    names = {u.meta["label_name"] for u in users}
    assert len(users) == 500 and names == {"supportive", "indicator", "ideation", "behavior", "attempt"}
    assert users.label_counts() == {0: 108, 1: 99, 2: 171, 3: 77, 4: 45}
    sizes = [len(u.posts) for u in users]
    assert 9000 <= sum(sizes) <= 9200 and min(sizes) == 1 and max(sizes) == 292
    assert users.report.recovered["truncated post list (closed and parsed)"] > 0
    assert users.report.n_skipped == 0


def test_chinese_emotion_sets(shared_data):
    nlpcc = read_source(shared_data / "zh/weibo-emotion-nlpcc-mix/Nlpcc2013Train.csv", "nlpcc")
    # 13,250 rows; one has no text (counted), its label 'none'
    assert len(nlpcc) + nlpcc.report.n_skipped == 13250
    assert nlpcc.label_counts()["sadness"] == 838
    weibo = read_source(shared_data / "zh/weibo-emotion-nlpcc-mix/simplifyweibo_5_moods.csv", "simplifyweibo")
    assert len(weibo) == 14094 and weibo.label_counts()["sadness"] == 2395
    clue = read_source(shared_data / "zh/clue-emotion2020", "clue")
    assert sum(r.meta["split"] == "valid" for r in clue) == 3966 and len(clue) == 3966 + 3967


def test_indonesian_workbook(shared_data):
    tweets = read_source(shared_data / "id/suicide-ideation-tweets/final_dataset.xlsx", "id-suicide")
    assert len(tweets) == 10128 and tweets.label_counts()[1] == 1967
    assert tweets.report.recovered["mojibake repaired (ftfy)"] > 1000
    assert len(set(tweets.texts)) <= 7967  # repairs can only merge texts, never split them
    assert not any("ðŸ" in t for t in tweets.texts)


def test_lexicon_and_word_lists(shared_data):
    gb = read_lexicon(shared_data / "zh/depression-lexicon/Depression_Domain_Lexicon_202003.gb18030.csv")
    utf8 = read_lexicon(shared_data / "zh/depression-lexicon/Depression_Domain_Lexicon_202003.utf8.csv")
    assert gb == utf8 and len(gb) == 2321 and sum(gb.values()) == 1478
    assert len(load_kamus_alay()) == 4330  # 4,331 raw forms; 'yaaa ' and 'yaaa' are one
    with pytest.warns(UserWarning, match="skipped"):  # 'kaos/mug/jaket;' and two more lack expansions
        abbrev = load_abbreviations()
    assert 1200 < len(abbrev) <= 1309
    assert abs(len(load_stopwords_zh()) - 2313) <= 1  # README counts one whitespace-only entry
    assert len(load_sogou_words()) == 124643
    assert statistics.median(len(w) for w in load_sogou_words()) >= 2
