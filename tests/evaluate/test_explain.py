"""Tests of attention Recall@k, entropy, the HTML timelines and the diagnostic plots."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from depscreen.corpus.types import Post, User
from depscreen.evaluate.diagnostics_plots import plot_attention_entropy, plot_reconstruction_error
from depscreen.evaluate.explain import (
    bag_entropy,
    chance_recall_at_k,
    explanation_metrics,
    k_for_bag,
    recall_at_k,
    weights_by_post,
    write_timeline_html,
)


def test_k_as_share_or_count():
    assert k_for_bag(0.1, 25) == 3  # rounded up
    assert k_for_bag(0.5, 3) == 2
    assert k_for_bag(0.01, 5) == 1  # at least one
    assert k_for_bag(7, 5) == 5  # capped
    with pytest.raises(ValueError):
        k_for_bag(1.5, 10)
    with pytest.raises(ValueError):
        k_for_bag(0, 10)


def test_recall_at_k_counts_truth_in_the_top_posts():
    w = np.array([0.05, 0.4, 0.05, 0.3, 0.2])
    truth = np.array([False, True, False, False, True])
    assert recall_at_k(w, truth, 1) == 0.5
    assert recall_at_k(w, truth, 2) == 0.5
    assert recall_at_k(w, truth, 3) == 1.0
    assert recall_at_k(w, truth, 0.2) == 0.5  # 20 % of 5 = 1 post
    assert math.isnan(recall_at_k(w, np.zeros(5, bool), 2))
    assert chance_recall_at_k(10, 0.2) == 0.2
    with pytest.raises(ValueError, match="shape"):
        recall_at_k(w, truth[:3], 1)


def test_entropy_uniform_is_one_and_peaked_is_low():
    ent, norm = bag_entropy(np.full(8, 1 / 8))
    assert ent == pytest.approx(math.log(8)) and norm == pytest.approx(1.0)
    _, peaked = bag_entropy(np.array([0.97, 0.01, 0.01, 0.01]))
    assert peaked < 0.15
    assert bag_entropy(np.array([1.0])) == (0.0, 1.0)


def _users_and_explanations():
    users, exps = [], []
    rng = np.random.default_rng(0)
    for u in range(6):
        n = 10
        truth = np.zeros(n, bool)
        if u % 2:
            truth[rng.choice(n, 2, replace=False)] = True
        posts = [Post(f"secret text {u}-{i} mail me at a@b.com", f"2021-01-{i + 1:02d}", id=f"{u}-{i}",
                      label=int(t)) for i, t in enumerate(truth)]
        users.append(User(f"user/{u}", u % 2, posts))
        w = rng.random(n)
        w[truth] += 5  # attention on the truly positive posts
        w /= w.sum()
        order = np.argsort(-w)
        exps.append({
            "user_id": f"user/{u}", "prediction": u % 2, "score": float(u) / 6, "n_posts": n, "n_used": n,
            "entropy": bag_entropy(w)[0], "normalised_entropy": bag_entropy(w)[1], "max_weight": float(w.max()),
            "posts": [{"index": i, "id": f"{u}-{i}", "time": posts[i].time, "weight": float(w[i]), "used": True}
                      for i in range(n)],
            "top": [{"index": int(i), "weight": float(w[i])} for i in order[:3]],
        })
    return users, exps


def test_explanation_metrics_average_over_bags_with_truth():
    users, exps = _users_and_explanations()
    m = explanation_metrics(users, exps, ks=(0.2, 0.5, 2))
    assert m["n_bags"] == 6 and m["n_bags_with_truth"] == 3
    assert m["recall@20%"] == 1.0 and m["recall@2"] == 1.0
    assert m["chance@20%"] == pytest.approx(0.2)
    assert m["lift@20%"] == pytest.approx(5.0)
    assert 0 < m["normalised_entropy"] < 1
    with pytest.raises(ValueError, match="paired"):
        explanation_metrics(users[::-1], exps)


def test_weights_by_post_aligns_and_checks_indices():
    users, exps = _users_and_explanations()
    w = weights_by_post(exps[0], 10)
    assert w.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="outside"):
        weights_by_post(exps[0], 5)


def test_html_timeline_redacts_and_can_hide_text(tmp_path):
    users, exps = _users_and_explanations()
    index = write_timeline_html(users, exps, tmp_path / "html")
    pages = sorted(p for p in (tmp_path / "html").glob("user_*.html"))
    assert index.exists() and len(pages) == 6
    page = pages[0].read_text()
    assert "secret text" in page and "a@b.com" not in page and "&lt;email&gt;" in page
    assert "not a diagnosis" in index.read_text()
    assert page.count("class='bar'") == 10
    hidden = write_timeline_html(users, exps, tmp_path / "hidden", show_text=False)
    assert all("secret text" not in p.read_text() for p in hidden.parent.glob("*.html"))
    raw = write_timeline_html(users, exps, tmp_path / "raw", redact=False)
    assert any("a@b.com" in p.read_text() for p in raw.parent.glob("user_*.html"))


def test_diagnostic_plots_write_png(tmp_path):
    df = pd.DataFrame({"label": [0, 0, 1, 1, 1], "reconstruction_error": [0.1, 0.2, 0.3, 0.25, 0.4],
                       "normalised_entropy": [0.99, 0.97, 0.5, 0.4, 0.8]})
    for fn, name in ((plot_reconstruction_error, "recon.png"), (plot_attention_entropy, "ent.png")):
        path = fn(df, tmp_path / name)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="no autoencoder"):
        plot_reconstruction_error(df.assign(reconstruction_error=np.nan), tmp_path / "x.png")
