"""The self-contained viewer page and the demo's screening page."""

from __future__ import annotations

import json
import re

import depscreen
from depscreen.corpus.synthetic import make_sample_corpus
from depscreen.serve.screening import write_screening_page
from depscreen.serve.viewer import user_view, view_from_predictions, view_html


def _embedded(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="depscreen-view">(.*?)</script>', page, re.S)
    assert m, "no embedded view"
    return json.loads(m.group(1))


def test_view_page_is_self_contained_and_cannot_be_broken_out_of(sample, model_dir):
    model = depscreen.load(model_dir)
    users = [sample.users[0]]
    users[0].posts[0].text = "</script><script>alert(1)</script> <!-- x"
    preds = depscreen.score(model, users, explain=True, top_k=50)
    page = view_html(view_from_predictions(users, preds))
    assert "/static/" not in page and "http://" not in page and "https://" not in page
    assert page.count("</script>") == 2  # the data block and the viewer, nothing injected
    view = _embedded(page)
    assert view["users"][0]["posts"][0]["text"] == users[0].posts[0].text
    assert view["users"][0]["score"] == float(preds.scores[0])
    assert sum(p["top"] for p in view["users"][0]["posts"]) == 3


def test_user_view_takes_weights_from_posts_or_top_posts_and_can_leave_text_out(sample):
    user = sample.users[0]
    exp = {"prediction": 1, "score": 0.7, "top_posts": [{"index": 2, "weight": 0.9}, {"index": 0, "weight": 0.4}]}
    v = user_view(user, exp, show_text=False)
    assert [p["weight"] for p in v["posts"][:3]] == [0.4, None, 0.9]
    assert all(p["text"] is None for p in v["posts"])
    assert {p["index"] for p in v["posts"] if p["top"]} == {0, 2}


def test_screening_page_shows_the_highest_scored_held_out_users(tmp_path):
    corpus = make_sample_corpus(n_users=50, posts_per_user=(6, 10), seed=4)
    info = write_screening_page(corpus, tmp_path / "screening.html", model="tfidf-lr",
                                params={"class_weight": "balanced"}, n_top=4, seed=4)
    assert info["n_train"] == 40 and info["n_screened"] == 10 and len(info["shown"]) == 4
    view = _embedded(info["path"].read_text(encoding="utf-8"))
    scores = [u["score"] for u in view["users"]]
    assert scores == sorted(scores, reverse=True)
    assert [u["id"] for u in view["users"]] == info["shown"]
    assert len(info["trained_on"]) == 40
    assert not set(info["shown"]) & set(info["trained_on"])  # the shown users were not trained on
    langs = {p["lang"] for u in view["users"] for p in u["posts"]}
    assert langs <= {"en", "zh", "id", "unknown"} and len(langs - {"unknown"}) >= 1


def test_demo_links_the_screening_page(tmp_path, monkeypatch):
    import depscreen.models.registry as registry
    from depscreen.demo import run_demo

    monkeypatch.setattr(registry, "default_model_name", lambda: "tfidf-lr")  # fast stand-in for the test
    out = run_demo(tmp_path, n_users=40, seed=5, cv=2, models=["majority"], progress=False, screening=True)
    assert out["files"]["screening.html"].exists()
    report = out["files"]["report.html"].read_text(encoding="utf-8")
    assert "href='screening.html'" in report
    page = out["files"]["screening.html"].read_text(encoding="utf-8")
    assert _embedded(page)["model"]["name"] == "tfidf-lr"
