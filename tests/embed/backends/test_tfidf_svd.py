"""The corpus-fitted tfidf-svd fallback: fit, embed, save / load, fingerprinted name."""

from __future__ import annotations

import json

import numpy as np
import pytest

from depscreen.embed import EmbedderNotReadyError, get_embedder
from depscreen.embed.backends.tfidf_svd import TfidfSvdEmbedder


def test_unfitted_use_is_a_clear_error():
    emb = get_embedder("tfidf-svd")
    with pytest.raises(EmbedderNotReadyError, match="corpus-fitted"):
        emb.embed(["anything"])
    with pytest.raises(EmbedderNotReadyError):
        _ = emb.name
    assert "unfitted" in repr(emb)


def test_fit_embed_shapes_norms_and_similarity(post_texts):
    emb = TfidfSvdEmbedder(n_components=6, min_df=1).fit(post_texts * 2)
    X = emb.embed(post_texts)
    assert X.shape == (len(post_texts), 6) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    # a near copy of a post is closer to it than to an unrelated post
    near = emb.embed(["i cannot sleep again, everything feels pointless"])[0]
    assert near @ X[0] > near @ X[3]


def test_dimension_is_capped_by_tiny_corpora():
    emb = TfidfSvdEmbedder(n_components=256).fit(["我很难过", "天气很好", "今天很累"])
    assert emb.dim == 2  # at most n_texts - 1 components
    assert emb.embed(["很累"]).shape == (1, 2)


def test_fit_is_seeded_and_name_fingerprints_the_fit(post_texts):
    a = TfidfSvdEmbedder(n_components=5, seed=3).fit(post_texts)
    b = TfidfSvdEmbedder(n_components=5, seed=3).fit(post_texts)
    c = TfidfSvdEmbedder(n_components=5, seed=3).fit(post_texts[:-2])
    assert a.name == b.name and a.name != c.name
    assert a.name.startswith("tfidf-svd:5:")
    np.testing.assert_allclose(a.embed(post_texts), b.embed(post_texts), atol=1e-6)


def test_save_and_load_reuse_the_same_space(tmp_path, post_texts):
    emb = TfidfSvdEmbedder(n_components=5).fit(post_texts)
    folder = emb.save(tmp_path / "space")
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "weights.safetensors"]
    loaded = get_embedder("tfidf-svd", path=str(folder))
    assert loaded.name == emb.name and loaded.dim == 5
    new_posts = ["gak bisa tidur", "a brand new post about sleep"]
    np.testing.assert_allclose(loaded.embed(new_posts), emb.embed(new_posts), atol=1e-6)
    # a config that does not match its weights is refused, naming the file and field
    cfg = json.loads((folder / "config.json").read_text())
    cfg["name"] = "tfidf-svd:5:000000000000"
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="config.json: field 'name'"):
        get_embedder("tfidf-svd", path=str(folder))
    with pytest.raises(FileNotFoundError, match="not a saved tfidf-svd"):
        get_embedder("tfidf-svd", path=str(tmp_path))


def test_fit_needs_two_texts():
    with pytest.raises(ValueError, match="at least 2"):
        TfidfSvdEmbedder().fit(["only one"])
