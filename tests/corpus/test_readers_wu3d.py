"""WU3D reader on small files written in the layout of the WU3D README."""

from __future__ import annotations

import json

import pytest

from depscreen.corpus import CorpusFormatError
from depscreen.corpus.readers import read_source


def _user(label, tweets, **extra):
    user = {
        "nickname": "小陈",
        "gender": "男",
        "profile": "这世界那么多人",
        "birthday": "1991-07-25",
        "label": label,
        "num_of_follower": 3,
        "num_of_following": 12,
        "tweets": tweets,
    }
    user.update(extra)
    return user


def _tweet(text, time, original=True):
    return {
        "tweet_content": text,
        "posting_time": time,
        "posted_picture_url": "None",
        "num_of_likes": 1,
        "num_of_forwards": 0,
        "num_of_comments": 3,
        "tweet_is_original": "True" if original else "False",
    }


def test_wu3d_json_list_with_bom(tmp_path):
    users = [
        _user("1", [_tweet("抗抑郁的第72天", "2020-05-01 00:32"), _tweet("转发理由: 加油", "2020-04-30 10:00", False)]),
        _user(0, [_tweet("今天天气不错", "2020-03-01 08:00"), _tweet("", "2020-03-02 08:00")]),
        _user(0, []),
    ]
    path = tmp_path / "depressed.json"
    path.write_text(json.dumps(users, ensure_ascii=False), encoding="utf-8-sig")
    corpus = read_source(path, "wu3d")
    assert [u.user_id for u in corpus] == ["depressed-0", "depressed-1"]
    first = corpus[0]
    assert first.label == 1
    assert [p.time for p in first.posts] == ["2020-04-30T10:00:00", "2020-05-01T00:32:00"]
    assert [p.meta["original"] for p in first.posts] == [False, True]
    assert "nickname" not in first.meta and first.meta["num_of_follower"] == 3
    assert corpus.report.skipped["empty text"] == 1
    assert corpus.report.skipped["empty timeline (user with no usable post)"] == 1
    assert corpus.report.examples["empty timeline (user with no usable post)"] == ["depressed.json:user 2"]

    originals = read_source(path, "wu3d", original_only=True)
    assert originals[0].texts == ["抗抑郁的第72天"]
    assert originals.report.skipped["repost left out (original_only)"] == 1


def test_wu3d_folder_jsonl_and_label_from_file_name(tmp_path):
    (tmp_path / "train").mkdir()
    dep = [_user(1, [_tweet("失眠", "2020-01-01 01:00")])]
    (tmp_path / "train" / "depressed.json").write_text(json.dumps(dep, ensure_ascii=False), encoding="utf-8")
    normal = [
        {k: v for k, v in _user(None, [_tweet("吃饭", "2020-01-01 12:00")]).items() if k != "label"},
        _user(0, [_tweet("跑步", "2020-01-02 12:00")]),
    ]
    lines = "\n".join(json.dumps(u, ensure_ascii=False) for u in normal) + "\n{broken\n"
    (tmp_path / "train" / "normal.jsonl").write_text(lines, encoding="utf-8")
    corpus = read_source(tmp_path, "wu3d")
    assert [(u.user_id, u.label) for u in corpus] == [
        ("train-depressed-0", 1),
        ("train-normal-0", 0),
        ("train-normal-1", 0),
    ]
    assert corpus.report.recovered["label taken from file name"] == 1
    assert corpus.report.skipped["invalid JSON"] == 1


def test_wu3d_damaged_json(tmp_path):
    path = tmp_path / "normal.json"
    path.write_text('[{"label": 0, "tweets": [', encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"normal.json:1: invalid JSON"):
        read_source(path, "wu3d")
