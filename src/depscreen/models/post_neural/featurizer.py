"""Posts -> network inputs for the post-level classifiers (paper 003): the featuriser.

:class:`PostFeaturizer` owns everything between the raw posts and the tensors a
network reads, and nothing about networks or training:

1. text processing with :class:`depscreen.text.pipeline.Preprocessor` (every step
   switchable through ``preprocessing``; ``{"preset": "paper003"}`` starts from the
   paper's cleaning);
2. ``input="tfidf"`` (the paper): TF-IDF with FastText feature expansion
   (:class:`~depscreen.features.tfidf_expansion.FastTextExpandedTfidf`, ``top_n=0``
   switches expansion off), batches of :class:`~.data.SparseRows`;
   ``input="tokens"``: a token vocabulary (id 0 padding, 1 unknown), batches of
   :class:`~.data.TokenSequences`, and FastText vectors to initialise an embedding
   table with (:meth:`PostFeaturizer.init_embeddings`).

Its saved part is the preprocessing configuration (pinned word tables under
``resources/``) and ``features.json`` (TF-IDF vocabulary, idf, expansion map) or
``vocabulary.json`` (token input); nothing is pickled.

Example
-------
>>> texts = ["i feel sad and empty", "so tired of everything", "great game today",
...          "lunch with friends was fun"] * 3
>>> feat = PostFeaturizer(input="tokens", preprocessing={"lang": "en"},
...                       pretrained_embeddings=False)
>>> tokens = feat.fit_tokens(texts)
>>> feat.network_inputs()["vocab_size"] == len(feat.vocabulary_)
True
>>> len(feat.transform(["sad game"]))
1
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp
import torch

from ...features.tfidf_expansion import FastTextExpandedTfidf
from .data import SparseRows, TokenSequences, build_vocabulary, encode
from .networks import INPUTS

FEATURES_NAME = "features.json"
VOCAB_NAME = "vocabulary.json"

__all__ = ["PostFeaturizer", "make_preprocessor", "FEATURES_NAME", "VOCAB_NAME"]


def make_preprocessor(config: dict[str, Any] | None):
    """A :class:`~depscreen.text.pipeline.Preprocessor` from the ``preprocessing`` dict.

    ``{"preset": "paper003", ...}`` starts from :meth:`Preprocessor.paper003` (the
    paper's cleaning: links, mentions, hashtags, numbers, emoji and punctuation
    removed, stopwords removed); any other key is a ``Preprocessor`` parameter.
    Output is always token lists (``join`` is forced off).
    """
    from ...text.pipeline import Preprocessor

    if not isinstance(config, (dict, type(None))):
        raise TypeError("preprocessing must be a dict of Preprocessor parameters or None")
    params = dict(config or {})
    preset = params.pop("preset", None)
    params["join"] = False
    if preset is None:
        pre = Preprocessor(**params)
    elif preset == "paper003":
        pre = Preprocessor.paper003(**params)
    else:
        raise ValueError(f"unknown preprocessing preset {preset!r} (use 'paper003' or none)")
    pre._check_params()
    return pre


def _restore_preprocessor(params: dict[str, Any] | None, saved: dict[str, Any] | None, folder: Path):
    """The training-time preprocessor of a saved model: its pinned word tables from
    ``folder/resources/`` (:mod:`depscreen.text.pinned`), else rebuilt from ``params``."""
    from ...text.pipeline import Preprocessor

    if saved and saved.get("version", 1) >= 2:
        return Preprocessor.from_config(saved, folder=folder)
    return make_preprocessor(params)


class PostFeaturizer:
    """Posts -> token lists -> TF-IDF rows (expanded) or token-id sequences.

    Parameters are those of the post-level estimators with the same names (see
    :class:`depscreen.models.post_neural.PostNeuralClassifier`): ``input``,
    ``preprocessing``, ``top_n``, ``vectors_path``, ``max_features``, ``min_df``,
    ``sublinear_tf``, ``ft_vector_size``, ``ft_epochs``, ``ft_min_count``,
    ``ft_window``, ``max_vocab``, ``max_len``, ``embed_dim``,
    ``pretrained_embeddings``, ``seed``.

    Attributes
    ----------
    preprocessor_ : the fitted (or restored) Preprocessor.
    features_ : the fitted :class:`FastTextExpandedTfidf` (``input="tfidf"``), else None.
    vocabulary_ : the token vocabulary (``input="tokens"``), else None.
    fit_seconds_ : seconds spent fitting the features (tokenisation not counted).
    """

    def __init__(
        self,
        *,
        input: str = "tfidf",
        preprocessing: dict | None = None,
        top_n: int = 10,
        vectors_path: str | None = None,
        max_features: int | None = 5000,
        min_df: int = 2,
        sublinear_tf: bool = True,
        ft_vector_size: int = 100,
        ft_epochs: int = 10,
        ft_min_count: int = 2,
        ft_window: int = 5,
        max_vocab: int = 20000,
        max_len: int = 64,
        embed_dim: int = 100,
        pretrained_embeddings: bool = True,
        seed: int = 13,
    ):
        self.input = input
        self.preprocessing = preprocessing
        self.top_n = top_n
        self.vectors_path = vectors_path
        self.max_features = max_features
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.ft_vector_size = ft_vector_size
        self.ft_epochs = ft_epochs
        self.ft_min_count = ft_min_count
        self.ft_window = ft_window
        self.max_vocab = max_vocab
        self.max_len = max_len
        self.embed_dim = embed_dim
        self.pretrained_embeddings = pretrained_embeddings
        self.seed = seed
        self._vectors = None

    # -------------------------------------------------------------------- fit
    def fit(self, texts: Sequence[str], unlabelled: Sequence[str] | None = None) -> "PostFeaturizer":
        """Fit the preprocessing and the features on ``texts`` (and ``unlabelled``,
        which only trains the FastText vectors)."""
        self.fit_tokens(texts, unlabelled)
        return self

    def fit_tokens(self, texts: Sequence[str], unlabelled: Sequence[str] | None = None) -> list[list[str]]:
        """:meth:`fit`, returning the token lists of ``texts`` (so they are not made twice)."""
        if self.input not in INPUTS:
            raise ValueError(f"input must be one of {INPUTS} (got {self.input!r})")
        self.preprocessor_ = make_preprocessor(self.preprocessing)
        tokens = self.tokenize(texts)
        unl = self.tokenize(unlabelled) if unlabelled is not None else None
        start = time.perf_counter()
        if self.input == "tfidf":
            self.features_ = FastTextExpandedTfidf(
                top_n=self.top_n,
                vectors_path=self.vectors_path,
                max_features=self.max_features,
                min_df=self.min_df if len(tokens) > 1 else 1,
                sublinear_tf=self.sublinear_tf,
                ft_vector_size=self.ft_vector_size,
                ft_window=self.ft_window,
                ft_min_count=self.ft_min_count,
                ft_epochs=self.ft_epochs,
                seed=self.seed,
            ).fit(tokens, unlabelled=unl)
            self.vocabulary_ = None
            self._vectors = None
        else:
            self.features_ = None
            self.vocabulary_ = build_vocabulary(tokens, max_size=self.max_vocab)
            self._vectors = self._train_vectors(tokens, unl) if self.pretrained_embeddings else None
        self.fit_seconds_ = time.perf_counter() - start
        return tokens

    def _train_vectors(self, tokens, unlabelled_tokens):
        from ...embed.wordvectors import load_word_vectors, train_word_vectors

        if self.vectors_path is not None:
            return load_word_vectors(self.vectors_path)
        return train_word_vectors(
            tokens + (unlabelled_tokens or []),
            kind="fasttext",
            vector_size=self.embed_dim,
            window=self.ft_window,
            min_count=self.ft_min_count,
            epochs=self.ft_epochs,
            seed=self.seed,
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "preprocessor_"):
            raise RuntimeError("PostFeaturizer is not fitted: call fit() or load() first")

    # -------------------------------------------------------------- transform
    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """The fitted preprocessing's token lists of ``texts``."""
        self._check_fitted()
        return self.preprocessor_.transform(list(texts))

    def dataset(self, tokens: Sequence[Sequence[str]], y: np.ndarray | None = None):
        """The training loop's batch source over token lists, with optional class indices."""
        self._check_fitted()
        if self.input == "tfidf":
            return SparseRows(self.features_.transform(tokens), y)
        return TokenSequences(encode(tokens, self.vocabulary_, self.max_len), y)

    def inference_inputs(self, tokens: Sequence[Sequence[str]]) -> tuple[Any, sp.csr_matrix | None]:
        """The batch source for prediction and, with ``input="tfidf"``, the plain
        (unexpanded) TF-IDF rows that tell an expanded feature from a post's own word."""
        self._check_fitted()
        if self.input == "tfidf":
            expanded, plain = self.features_.transform_both(tokens)
            return SparseRows(expanded), plain
        return self.dataset(tokens), None

    def transform(self, texts: Sequence[str]):
        """Posts -> batch source (:class:`SparseRows` or :class:`TokenSequences`)."""
        return self.dataset(self.tokenize(texts))

    # -------------------------------------------------------------- networks
    def network_inputs(self) -> dict[str, int]:
        """What a network needs to know of its input: ``n_features`` (TF-IDF) or
        ``vocab_size`` and ``embed_dim`` (tokens; the vectors' size when pretrained)."""
        self._check_fitted()
        if self.input == "tfidf":
            return {"n_features": len(self.features_.vocabulary_)}
        return {
            "vocab_size": len(self.vocabulary_),
            "embed_dim": self._vectors.vector_size if self._vectors is not None else self.embed_dim,
        }

    def init_embeddings(self, net: torch.nn.Module) -> int:
        """Copy the FastText vectors into ``net``'s embedding table (rows of known
        words; padding and unknown stay); returns how many rows were copied."""
        if self._vectors is None or not hasattr(net, "embed"):
            return 0
        weight = net.embed.embedding.weight
        hits = 0
        with torch.no_grad():
            for i, word in enumerate(self.vocabulary_[2:], start=2):
                try:
                    weight[i] = torch.from_numpy(np.array(self._vectors[word], dtype=np.float32))
                    hits += 1
                except KeyError:
                    continue
        return hits

    def release_vectors(self) -> None:
        """Drop the word vectors once every network is initialised (keeps a model light)."""
        self._vectors = None

    # ------------------------------------------------------------ save / load
    @property
    def features_file(self) -> str:
        return FEATURES_NAME if self.input == "tfidf" else VOCAB_NAME

    def save(self, folder: Path) -> dict[str, Any]:
        """Write ``features.json`` / ``vocabulary.json`` (and pinned word tables under
        ``resources/``) into ``folder``; returns the preprocessing configuration for
        ``config.json``."""
        self._check_fitted()
        folder = Path(folder)
        if self.input == "tfidf":
            self.features_.save(folder / FEATURES_NAME)
        else:
            (folder / VOCAB_NAME).write_text(json.dumps(self.vocabulary_, ensure_ascii=False))
        return self.preprocessor_.get_config(folder=folder)

    def load(self, folder: Path, preprocessing: dict[str, Any] | None = None) -> "PostFeaturizer":
        """Restore the fitted state saved in ``folder``; ``preprocessing`` is the saved
        preprocessing configuration (None or an old one: rebuilt from the parameters)."""
        folder = Path(folder)
        self.preprocessor_ = _restore_preprocessor(self.preprocessing, preprocessing, folder)
        if self.input == "tfidf":
            self.features_ = FastTextExpandedTfidf.load(folder / FEATURES_NAME)
            self.vocabulary_ = None
        else:
            self.features_ = None
            self.vocabulary_ = json.loads((folder / VOCAB_NAME).read_text(encoding="utf-8"))
        self._vectors = None
        return self
