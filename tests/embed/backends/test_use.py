"""The default ``use`` backend, run for real on three short posts (en / zh / id)."""

from __future__ import annotations

import numpy as np

from depscreen.embed import get_embedder


def test_use_embeds_multilingual_posts_by_meaning():
    emb = get_embedder("use", threads=1)
    sad = ["I feel so sad and hopeless", "我感到非常难过和绝望", "Saya merasa sangat sedih dan putus asa"]
    unrelated = ["The train to the airport leaves at nine"]
    X = emb.embed(sad + unrelated)
    assert X.shape == (4, emb.dim) == (4, 512) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    sims = X @ X.T
    for i in range(3):
        for j in range(3):
            if i != j:  # the same meaning across languages beats an unrelated sentence
                assert sims[i, j] > sims[i, 3] + 0.2
