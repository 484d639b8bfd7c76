"""depscreen.prevalence and score(adapt_priors=True) on a trained depscreen-default."""

from __future__ import annotations

import json

import numpy as np
import pytest

import depscreen
from depscreen.corpus import Post, PostCorpus, PostRecord, User, UserCorpus
from depscreen.population.prevalence import MissingOutOfFold

from depscreen.corpus.synthetic import make_sample_posts


def posts(n: int, share: float, seed: int) -> PostCorpus:
    return make_sample_posts(n=n, langs=("en",), seed=seed, positive_share=share)


def test_prevalence_estimates_a_shifted_share_with_intervals(trained_default):
    model, _ = trained_default
    corpus = posts(400, 0.15, 2)
    truth = float(np.mean(corpus.labels))
    res = depscreen.prevalence(model, corpus, n_boot=200, seed=3)
    assert res.unit == "posts" and res.positive == 1
    assert res.methods == ["cc", "pcc", "acc", "pacc", "em"]
    overall = res.overall
    assert overall.name == "all" and overall.n == 400 and not overall.small
    for m in ("acc", "pacc", "em"):
        e = overall.estimates[m]
        assert abs(e.shares[1] - truth) < 0.06, (m, e.shares)
        assert e.low[1] <= e.shares[1] <= e.high[1]
    d = res.to_dict()
    assert "not the prevalence of clinical depression" in d["note"]
    assert d["groups"][0]["estimates"]["em"]["1"]["low"] <= truth <= d["groups"][0]["estimates"]["em"]["1"]["high"]
    # aggregates only: no item id anywhere in the answer
    text = json.dumps(d)
    assert not any(f'"{r.id}"' in text for r in corpus.records[:50])


def test_groups_by_meta_field_and_small_groups_are_flagged(trained_default):
    model, _ = trained_default
    corpus = posts(200, 0.3, 4)
    for i, r in enumerate(corpus.records):
        r.meta["region"] = "north" if i < 180 else "south"
    res = depscreen.prevalence(model, corpus, by="meta.region", n_boot=50, min_group=30)
    names = {g.name: g for g in res.groups}
    assert set(names) == {"all", "north", "south"}
    assert names["south"].small and not names["north"].small and names["south"].n == 20
    assert any("fewer than 30" in w for w in res.warnings)
    rows = res.rows()
    assert {r["group"] for r in rows} == {"all", "north", "south"}

    with pytest.raises(ValueError, match="none of the 200 items carries the field 'clinic'"):
        depscreen.prevalence(model, corpus, by="meta.clinic", n_boot=20)
    for r in corpus.records[20:]:
        r.meta.pop("region")
    res = depscreen.prevalence(model, corpus, by="meta.region", n_boot=20)
    assert any("only 20 of 200 items carry the field 'region'" in w for w in res.warnings)
    assert "(none)" in {g.name for g in res.groups}


def test_user_corpus_by_month_gives_user_months_and_a_plot(trained_default, tmp_path):
    model, _ = trained_default
    src = posts(240, 0.3, 5).records
    users = [User(f"u{i}", None, [Post(src[2 * i].text, time=f"2024-0{1 + i % 3}-05"),
                                  Post(src[2 * i + 1].text, time=f"2024-0{1 + (i + 1) % 3}-09")])
             for i in range(120)]
    corpus = UserCorpus(users)
    res = depscreen.prevalence(model, corpus, by="month", n_boot=30)
    assert res.unit == "users"
    months = [g.name for g in res.months()]
    assert months == ["2024-01", "2024-02", "2024-03"]
    png = res.plot(tmp_path / "m.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    html = res.plot(tmp_path / "m.html").read_text()
    assert "not a diagnosis" in html and "2024-02" in html


def test_bad_input_is_refused_with_a_clear_message(trained_default):
    model, _ = trained_default
    with pytest.raises(ValueError, match="no users, posts or texts"):
        depscreen.prevalence(model, PostCorpus([]))
    with pytest.raises(ValueError, match="one post"):
        depscreen.prevalence(model, [PostRecord("a", "so tired and alone", None)])
    with pytest.raises(ValueError, match="--by 'weekday'"):
        depscreen.prevalence(model, posts(20, 0.5, 6), by="weekday")
    few = depscreen.prevalence(model, posts(20, 0.5, 6), n_boot=20)
    assert any("only 20 posts" in w for w in few.warnings)


def test_a_model_without_out_of_fold_scores_says_to_retrain():
    model, _ = depscreen.train("tfidf-lr", posts(120, 0.5, 7))
    assert getattr(model, "oof_", None) is None
    with pytest.raises(MissingOutOfFold, match="retrain it with `depscreen train`"):
        depscreen.prevalence(model, posts(60, 0.2, 8), methods=["em"])
    res = depscreen.prevalence(model, posts(60, 0.2, 8), n_boot=20)  # counting still works
    assert res.methods == ["cc", "pcc"]
    with pytest.raises(ValueError, match="retrain"):
        depscreen.score(model, posts(60, 0.2, 8), adapt_priors=True)


def test_unseen_language_warns(trained_default):
    model, record = trained_default
    assert record.extra["languages"].get("en")
    zh = PostCorpus([PostRecord(str(i), f"今天心情很低落，什么都不想做 {i}", None) for i in range(60)])
    res = depscreen.prevalence(model, zh, n_boot=20, train_languages=record.extra["languages"])
    assert any("language(s) the model was not trained on (zh" in w for w in res.warnings)


def test_score_adapt_priors_moves_decisions_toward_the_estimated_share(trained_default, tmp_path):
    model, _ = trained_default
    corpus = posts(300, 0.1, 9)
    plain = depscreen.score(model, corpus)
    adapted = depscreen.score(model, corpus, adapt_priors=True)
    ad = adapted.adaptation
    assert ad["method"] == "em" and ad["n_items"] == 300
    assert ad["estimated_shares"]["1"] < 0.3 < ad["train_shares"]["1"] + 0.001
    assert adapted.proba[:, 1].mean() < plain.proba[:, 1].mean()
    assert (adapted.labels == 1).sum() <= (plain.labels == 1).sum()

    path = tmp_path / "corpus.jsonl"
    from depscreen.corpus import write_jsonl

    write_jsonl(corpus, path)
    summary = depscreen.score_file(model, path, tmp_path / "out.csv", adapt_priors=True)
    meta = json.loads((tmp_path / "out.csv.meta.json").read_text())
    assert meta["prior_adaptation"]["estimated_shares"] == summary["adaptation"]["estimated_shares"]
    assert meta["prior_adaptation"]["estimated_shares"]["1"] == pytest.approx(ad["estimated_shares"]["1"])
