"""The WU3D reader's format feeds the early harness: Chinese timelines in posting-time order."""

import json

from depscreen.corpus.readers import read_source
from depscreen.corpus.synthetic import make_sample_corpus
from depscreen.early.harness import early_cross_validate


def _write_wu3d(users, folder):
    folder.mkdir()
    for name, label in (("depressed", 1), ("normal", 0)):
        rows = [{"nickname": "x", "label": label,
                 "tweets": [{"tweet_content": p.text, "posting_time": f"2020-03-{i + 1:02d} 08:00",
                             "tweet_is_original": "True"} for i, p in reversed(list(enumerate(u.posts)))]}
                for u in users if u.label == label]
        (folder / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def test_wu3d_users_through_the_early_harness(tmp_path):
    zh = make_sample_corpus(n_users=16, langs=("zh",), seed=6, posts_per_user=(6, 12))
    _write_wu3d(zh.users, tmp_path / "wu3d")
    corpus = read_source(tmp_path / "wu3d", "wu3d")
    assert len(corpus) == len(zh)
    # written newest first; read back oldest first
    first = next(u for u in zh.users if u.label == 1)
    got = next(u for u in corpus.users if u.label == 1)
    assert got.texts == first.texts
    res = early_cross_validate("depscreen-default", corpus, ["threshold", "consecutive:k=2"],
                               params={"embedder": None, "Cs": [3.0]}, cv=2)
    assert res.notes == []  # every post has a time
    assert res.folds[0].run["stepper"] == "tfidf-incremental"
    for m in res.summary.values():
        assert 0 <= m["erde50"][0] <= 1
