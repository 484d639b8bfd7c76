"""benchmarks/mil.py: peers, LMILAtt and attention measures on the same folds, the
verdict of the one named model (synthetic data only)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import _peers  # noqa: E402
import mil  # noqa: E402


class _FakeUse:
    """Deterministic stand-in for USE vectors (no model load in a unit test)."""

    def embed(self, texts):
        return np.asarray([[t.count("a") / 10, len(t) / 100, 1.0] for t in texts], dtype=np.float32)


@pytest.fixture
def bags(monkeypatch):
    from depscreen.corpus.bags import make_bag_corpus
    from depscreen.corpus.synthetic import make_sample_posts

    monkeypatch.setattr(_peers, "use_embedder", lambda cache_dir=None: _FakeUse())
    corpus = make_bag_corpus(make_sample_posts(n=600, langs=("en",), seed=1), n_users=24,
                             posts_per_user=(4, 8), positive_share=0.5, seed=3)
    X = list(corpus.users)
    classes, y = np.unique(np.asarray(corpus.labels), return_inverse=True)
    return X, y, classes


def _models():
    from depscreen.models import make_model

    return {"majority": lambda: make_model("majority"), **_peers.make_peers(),
            mil.CLAIM: lambda: make_model("lmilatt", embedder="tfidf-svd", epochs=2, ae_epochs=1, seed=13)}


def test_attention_measures_only_for_attention_models(bags):
    X, y, classes = bags
    oof, folds = mil.run_models(_models(), X, y, classes, 3, 1, ["f1_macro", "roc_auc"], lambda m: None, "t")
    assert len(folds) == 1 and len(folds[0]) == 3
    assert len(oof.per_fold[mil.CLAIM]["recall@20%"]) == 3  # instance truth of the bags
    assert len(oof.per_fold[mil.CLAIM]["attention_entropy_norm"]) == 3
    assert all("recall@20%" not in oof.per_fold[p] for p in _peers.PEER_NAMES)
    test = _peers.verdict(oof, mil.CLAIM, y, "f1_macro", True, 13)
    assert test["peer"] in _peers.PEER_NAMES and test["verdict"] in ("win", "loss", "tie")


def test_ordinal_metrics_from_the_pooled_predictions(bags):
    X, _, _ = bags
    y = np.arange(len(X)) % 3
    classes = np.asarray([0, 1, 2])
    models = {"majority": _models()["majority"], "word-lr": _peers.make_peers()["word-lr"]}
    oof, _ = mil.run_models(models, X, y, classes, 3, 1, ["mae", "rmse", "qwk"], lambda m: None, "t")
    for m in models:
        assert len(oof.per_fold[m]["rmse"]) == 3
        assert all(r >= a - 1e-12 for r, a in zip(oof.per_fold[m]["rmse"], oof.per_fold[m]["mae"]))
    assert oof.per_fold["majority"]["qwk"] == pytest.approx([0.0, 0.0, 0.0])


def test_report_names_the_claim_and_calls_bags_constructed(bags):
    X, y, classes = bags
    oof, _ = mil.run_models(_models(), X, y, classes, 3, 1, ["f1_macro", "roc_auc"], lambda m: None, "t")
    row = {"data": "id-ideation", "desc": "d", "share": 0.5, "oof": oof,
           "meta": {"positive_pool": 1, "negative_pool": 1}, "test": _peers.verdict(oof, mil.CLAIM, y, "f1_macro",
                                                                                    True, 13)}
    sections = {"bags": {"rows": [row], "n_users": 24, "ppu": (4, 8), "cv": 3}}
    text = mil.render(sections, argparse.Namespace(full=False))
    summary = text.split("## Constructed bags")[0]
    assert f"claim model is `{mil.CLAIM}`" in summary
    assert "constructed bags (proxy): id-ideation, share 0.5" in summary
    assert "Not in this file (run with `--full`" in summary
    payload = mil.payload(sections)
    assert set(payload["bags"]["rows"][0]["models"]) == set(_models())
    assert "Multiplicity: this file makes 1 comparisons" in summary and "| Holm p |" in summary


def test_rerendered_from_the_json_it_wrote_the_file_is_the_same(bags):
    import json

    X, y, classes = bags
    oof, _ = mil.run_models(_models(), X, y, classes, 3, 1, ["f1_macro", "roc_auc"], lambda m: None, "t")
    tests = [_peers.verdict(oof, mil.CLAIM, y, "f1_macro", True, 13) for _ in range(2)]
    rows = [{"data": "id-ideation", "desc": mil.POOL_DESCRIPTIONS["id-ideation"], "share": share, "oof": oof,
             "meta": {"positive_pool": 1, "negative_pool": 1}, "test": t} for share, t in zip((0.5, 0.2), tests)]
    sections = {"bags": {"rows": rows, "n_users": 24, "ppu": (4, 8), "cv": 3}}
    args = argparse.Namespace(full=False)
    first = mil.render(sections, args)
    saved = json.loads(json.dumps(mil.payload(sections), default=float))
    again = mil.render(mil.sections_from_json(saved), args)
    assert again == first
    assert "makes 2 comparisons" in again


def test_mean_embedding_lr_fits_its_backend_inside_the_fold(bags):
    from sklearn.base import clone

    X, y, _ = bags
    model = clone(mil.MeanEmbeddingLR(embedder="tfidf-svd")).fit(X[:16], y[:16])
    assert model.embedder_.is_fitted and model.get_params() == {"embedder": "tfidf-svd"}
    assert model.predict_proba(X[16:]).shape == (len(X) - 16, 2)
