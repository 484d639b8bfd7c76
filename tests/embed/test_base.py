"""The shared Embedder behaviour: input checks, batching, order, normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from depscreen.embed.base import Embedder, check_texts, l2_normalize, progress_bar


class HashEmbedder(Embedder):
    """A deterministic toy backend: vectors from character codes; counts batches."""

    backend = "toy"
    default_batch_size = 3

    def __init__(self, dim: int = 4, normalize: bool = True, sort: bool = False):
        super().__init__(normalize=normalize)
        self._dim = dim
        self.sort_by_length = sort
        self.batches: list[list[str]] = []

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def name(self) -> str:
        return f"toy:{self._dim}"

    def _embed_batch(self, texts):
        self.batches.append(list(texts))
        out = np.zeros((len(texts), self._dim), dtype=np.float64)
        for i, t in enumerate(texts):
            for j, ch in enumerate(t):
                out[i, j % self._dim] += ord(ch) % 17 + 1
        return out


def test_embed_returns_float32_rows_in_input_order_for_any_batch_size():
    texts = ["a", "bbbb", "cc", "ddddddd", "e", "ffff", "gg"]
    ref = HashEmbedder().embed(texts, batch_size=100)
    assert ref.dtype == np.float32 and ref.shape == (7, 4)
    for bs in (1, 2, 3):
        np.testing.assert_allclose(HashEmbedder().embed(texts, batch_size=bs), ref, rtol=1e-6)
    sorted_emb = HashEmbedder(sort=True)
    np.testing.assert_allclose(sorted_emb.embed(texts, batch_size=2), ref, rtol=1e-6)
    # batches were formed by length, yet the rows came back in input order
    assert sorted_emb.batches[0] == ["a", "e"]


def test_normalisation_is_optional():
    texts = ["hello there", "zzz"]
    unit = HashEmbedder().embed(texts)
    raw = HashEmbedder(normalize=False).embed(texts)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, rtol=1e-6)
    assert np.linalg.norm(raw, axis=1).min() > 1.5
    np.testing.assert_allclose(unit, raw / np.linalg.norm(raw, axis=1, keepdims=True), rtol=1e-6)


def test_empty_input_gives_zero_rows():
    out = HashEmbedder().embed([])
    assert out.shape == (0, 4) and out.dtype == np.float32


@pytest.mark.parametrize(
    "bad, message",
    [("one string", "single string"), (["ok", None], "text #1 is NoneType"), (5, "expects a list of texts, got int")],
)
def test_bad_input_is_refused_with_position(bad, message):
    with pytest.raises(TypeError, match=message):
        HashEmbedder().embed(bad)
    with pytest.raises(TypeError, match=message):
        check_texts(bad)


def test_bad_batch_size_and_wrong_backend_shape():
    with pytest.raises(ValueError, match="batch_size"):
        HashEmbedder().embed(["a"], batch_size=0)

    class Broken(HashEmbedder):
        def _embed_batch(self, texts):
            return np.zeros((len(texts) + 1, self.dim))

    with pytest.raises(RuntimeError, match="returned shape"):
        Broken().embed(["a", "b"])


def test_l2_normalize_keeps_zero_rows_zero():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    l2_normalize(x)
    np.testing.assert_allclose(x, [[0.6, 0.8], [0.0, 0.0]])


def test_progress_bar_counts_and_config(capsys):
    emb = HashEmbedder()
    out = emb.embed(["a", "b", "c", "d"], batch_size=2, progress=True)
    assert out.shape == (4, 4)
    with progress_bar(3, enabled=False) as advance:
        advance(3)  # no-op when disabled
    cfg = emb.config()
    assert cfg == {"backend": "toy", "options": {"normalize": True}, "name": "toy:4", "dim": 4}
    assert "toy:4" in repr(emb)
