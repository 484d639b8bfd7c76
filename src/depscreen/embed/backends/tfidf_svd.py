"""``tfidf-svd``: a dependency-free fallback (scikit-learn only), fitted on a corpus.

Character n-grams (``char_wb``, 2-4; they work for Chinese, which has no spaces,
and for misspelt or slang Indonesian) and word uni/bigrams, each TF-IDF weighted
(sublinear tf), stacked, then reduced by a seeded TruncatedSVD (LSA) and
L2-normalised.

Unlike the other backends this one is **corpus-fitted**: its vector space is learnt
from the texts passed to :meth:`TfidfSvdEmbedder.fit`, so it must be fitted once (on
training texts), saved, and the saved space reused at predict time. Its
:attr:`~TfidfSvdEmbedder.name` carries a fingerprint of the fitted state, so two fits
on different texts never share cache entries or pass for the same space.

Saved as ``config.json`` (parameters and both vocabularies) plus ``weights.safetensors``
(idf vectors and SVD components): no pickle.

Example
-------
>>> from depscreen.embed.backends.tfidf_svd import TfidfSvdEmbedder
>>> texts = ["i feel empty", "so tired of everything", "lovely walk today", "我很难过"]
>>> emb = TfidfSvdEmbedder(n_components=3).fit(texts)
>>> emb.embed(texts).shape
(4, 3)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from ..base import Embedder, EmbedderNotReadyError, check_texts

_FORMAT = 1
_CONFIG = "config.json"
_WEIGHTS = "weights.safetensors"


def _vectorizers(params: dict[str, Any]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        min_df=params["min_df"],
        max_features=params["max_word_features"],
        sublinear_tf=True,
        lowercase=True,
        dtype=np.float32,
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        min_df=params["min_df"],
        max_features=params["max_char_features"],
        sublinear_tf=True,
        lowercase=True,
        dtype=np.float32,
    )
    return word, char


class TfidfSvdEmbedder(Embedder):
    """TF-IDF (word + character n-grams) followed by truncated SVD.

    Parameters
    ----------
    n_components : int
        Target dimension; capped by what the fitted vocabulary allows (``dim`` tells
        the dimension actually fitted).
    min_df : int
        Minimum document frequency of an n-gram.
    max_word_features, max_char_features : int
        Vocabulary caps (most frequent n-grams kept).
    seed : int
        Seed of the randomised SVD.
    path : str, optional
        Folder of a saved, fitted embedder to load (see :meth:`save`).
    normalize : bool
        L2-normalise the output rows.
    """

    backend = "tfidf-svd"
    default_batch_size = 2048
    corpus_fitted = True

    def __init__(
        self,
        *,
        n_components: int = 256,
        min_df: int = 2,
        max_word_features: int = 50_000,
        max_char_features: int = 100_000,
        seed: int = 13,
        path: str | None = None,
        normalize: bool = True,
    ):
        super().__init__(normalize=normalize)
        self.n_components = n_components
        self.min_df = min_df
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.seed = seed
        self.path = path
        self._state: dict[str, Any] | None = None
        if path is not None:
            self._load(Path(path))

    # -- fitting ------------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        return self._state is not None

    def _params(self) -> dict[str, Any]:
        return {
            "n_components": self.n_components,
            "min_df": self.min_df,
            "max_word_features": self.max_word_features,
            "max_char_features": self.max_char_features,
            "seed": self.seed,
        }

    def fit(self, texts: Sequence[str]) -> "TfidfSvdEmbedder":
        """Learn the vocabularies, idf weights and SVD basis from ``texts``; return self."""
        from sklearn.decomposition import TruncatedSVD

        texts = check_texts(texts)
        if len(texts) < 2:
            raise ValueError(f"tfidf-svd needs at least 2 texts to fit, got {len(texts)}")
        params = self._params()
        # min_df above the number of texts would leave nothing: fall back to 1 on tiny corpora
        params_fit = dict(params, min_df=min(self.min_df, max(1, len(texts) // 2)))
        word, char = _vectorizers(params_fit)
        try:
            xw = word.fit_transform(texts)
        except ValueError:  # no word tokens at all (e.g. only Chinese / emoji texts)
            word, xw = None, None
        xc = char.fit_transform(texts)
        x = xc if xw is None else sp.hstack([xw, xc]).tocsr()
        k = min(self.n_components, x.shape[1] - 1, len(texts) - 1)
        if k < 1:
            raise ValueError("tfidf-svd: the texts give too few n-grams to fit any component")
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=7, random_state=self.seed)
        svd.fit(x)
        self._state = {
            "params": params,
            "min_df_used": params_fit["min_df"],
            "word_vocab": None if word is None else {t: int(i) for t, i in word.vocabulary_.items()},
            "char_vocab": {t: int(i) for t, i in char.vocabulary_.items()},
            "word_idf": None if word is None else word.idf_.astype(np.float32),
            "char_idf": char.idf_.astype(np.float32),
            "components": svd.components_.astype(np.float32),
            "n_fit_texts": len(texts),
        }
        self._build_transformers()
        self.path = None
        return self

    def _build_transformers(self) -> None:
        """Recreate the scikit-learn vectorizers from the stored vocabularies and idf."""
        state = self._state
        word, char = _vectorizers(dict(state["params"], min_df=1))
        if state["word_vocab"] is not None:
            word.vocabulary_ = dict(state["word_vocab"])
            word.idf_ = state["word_idf"].astype(np.float64)
        else:
            word = None
        char.vocabulary_ = dict(state["char_vocab"])
        char.idf_ = state["char_idf"].astype(np.float64)
        self._word, self._char = word, char
        digest = hashlib.sha256()
        digest.update(json.dumps(state["params"], sort_keys=True).encode())
        for key in ("word_vocab", "char_vocab"):
            digest.update(json.dumps(state[key], sort_keys=True, ensure_ascii=False).encode())
        for key in ("word_idf", "char_idf", "components"):
            if state[key] is not None:
                digest.update(np.ascontiguousarray(state[key]).tobytes())
        self._fingerprint = digest.hexdigest()[:12]

    # -- Embedder API ---------------------------------------------------------------
    def _require_fitted(self) -> dict[str, Any]:
        if self._state is None:
            raise EmbedderNotReadyError(
                "the tfidf-svd embedder is corpus-fitted: call .fit(texts) on training texts "
                "first, or load a saved one with get_embedder('tfidf-svd', path=FOLDER)"
            )
        return self._state

    @property
    def dim(self) -> int:
        return int(self._require_fitted()["components"].shape[0])

    @property
    def name(self) -> str:
        self._require_fitted()
        return f"tfidf-svd:{self.dim}:{self._fingerprint}"

    def options(self) -> dict[str, Any]:
        opts = dict(self._params(), normalize=self.normalize)
        if self.path is not None:
            opts["path"] = str(self.path)
        return opts

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        state = self._require_fitted()
        xc = self._char.transform(texts)
        x = xc if self._word is None else sp.hstack([self._word.transform(texts), xc]).tocsr()
        return np.asarray(x @ state["components"].T, dtype=np.float32)

    # -- persistence ----------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write ``config.json`` + ``weights.safetensors`` to ``folder``; return it."""
        from safetensors.numpy import save_file

        state = self._require_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "format": _FORMAT,
            "backend": self.backend,
            "name": self.name,
            "params": state["params"],
            "min_df_used": state["min_df_used"],
            "n_fit_texts": state["n_fit_texts"],
            "normalize": self.normalize,
            "word_vocab": state["word_vocab"],
            "char_vocab": state["char_vocab"],
        }
        tensors = {"char_idf": state["char_idf"], "components": state["components"]}
        if state["word_idf"] is not None:
            tensors["word_idf"] = state["word_idf"]
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(folder / _WEIGHTS))
        (folder / _CONFIG).write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        self.path = str(folder.resolve())
        return folder

    def _load(self, folder: Path) -> None:
        from safetensors.numpy import load_file

        cfg_path = folder / _CONFIG
        if not cfg_path.exists() or not (folder / _WEIGHTS).exists():
            raise FileNotFoundError(
                f"{folder}: not a saved tfidf-svd embedder (needs {_CONFIG} and {_WEIGHTS})"
            )
        try:
            config = json.loads(cfg_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{cfg_path}: invalid JSON ({exc.msg})") from exc
        if config.get("backend") != self.backend:
            raise ValueError(f"{cfg_path}: field 'backend' is {config.get('backend')!r}, expected 'tfidf-svd'")
        for key in ("params", "char_vocab", "word_vocab"):
            if key not in config:
                raise ValueError(f"{cfg_path}: missing field '{key}'")
        tensors = load_file(str(folder / _WEIGHTS))
        params = config["params"]
        for key, value in params.items():
            setattr(self, key, value)
        self.normalize = bool(config.get("normalize", True))
        self._state = {
            "params": params,
            "min_df_used": config.get("min_df_used"),
            "word_vocab": config["word_vocab"],
            "char_vocab": config["char_vocab"],
            "word_idf": tensors.get("word_idf"),
            "char_idf": tensors["char_idf"],
            "components": tensors["components"],
            "n_fit_texts": config.get("n_fit_texts"),
        }
        self._build_transformers()
        if config.get("name") and config["name"] != self.name:
            raise ValueError(
                f"{cfg_path}: field 'name' is {config['name']!r} but the stored weights give "
                f"{self.name!r} (files from two different fits?)"
            )
        self.path = str(folder.resolve())
