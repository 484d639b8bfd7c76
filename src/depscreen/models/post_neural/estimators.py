"""Post-level neural classifiers (paper 003) behind the depscreen estimator API.

:class:`CNNClassifier`, :class:`LSTMClassifier` and :class:`CNNLSTMClassifier`
(registry names ``cnn``, ``lstm``, ``cnn-lstm``) share everything but the network:

1. text processing with :class:`depscreen.text.pipeline.Preprocessor` (every step
   switchable through ``preprocessing``; the resulting configuration is recorded in
   the saved ``config.json``);
2. features: ``input="tfidf"`` (default, as in the paper) uses TF-IDF with FastText
   feature expansion (:class:`~depscreen.features.tfidf_expansion.FastTextExpandedTfidf`,
   ``top_n=0`` switches expansion off); ``input="tokens"`` feeds token ids to an
   embedding layer initialised from FastText vectors;
3. a torch network (:mod:`.networks`) trained by :class:`.training.Trainer` with
   early stopping on a stratified validation split, best-weight checkpointing,
   optional class weights, seeded.

A saved model folder holds ``config.json`` (parameters, classes, network shape,
preprocessing configuration, training history), ``features.json`` (TF-IDF vocabulary,
idf, expansion map) or ``vocabulary.json`` (token input), and ``model.safetensors``.
Nothing is pickled.

Example
-------
>>> texts = ["i feel sad and empty", "so tired of everything", "great game today",
...          "lunch with friends was fun"] * 10
>>> y = [1, 1, 0, 0] * 10
>>> clf = CNNClassifier(top_n=1, max_epochs=3, ft_epochs=2, ft_min_count=1,
...                     preprocessing={"lang": "en"})
>>> clf.fit(texts, y).predict(["sad and tired"]).shape
(1,)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight

from ...features.tfidf_expansion import FastTextExpandedTfidf
from ..base import SavableMixin, as_documents, check_fitted
from .data import SparseRows, TokenSequences, build_vocabulary, encode
from .networks import INPUTS, build_network
from .training import Checkpoint, EarlyStopping, EpochLogger, ProgressBar, Trainer
from .training import predict_proba as _net_proba

WEIGHTS_NAME = "model.safetensors"
FEATURES_NAME = "features.json"
VOCAB_NAME = "vocabulary.json"

__all__ = ["PostNeuralClassifier", "CNNClassifier", "LSTMClassifier", "CNNLSTMClassifier"]


def _make_preprocessor(config: dict[str, Any] | None):
    """A :class:`~depscreen.text.pipeline.Preprocessor` from the ``preprocessing`` dict.

    ``{"preset": "paper003", ...}`` starts from :meth:`Preprocessor.paper003` (the
    paper's cleaning: links, mentions, hashtags, numbers, emoji and punctuation
    removed, stopwords removed); any other key is a ``Preprocessor`` parameter.
    Output is always token lists (``join`` is forced off).
    """
    from ...text.pipeline import Preprocessor

    params = dict(config or {})
    if not isinstance(config, (dict, type(None))):
        raise TypeError("preprocessing must be a dict of Preprocessor parameters or None")
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


def _tokenize(pre, texts: Sequence[str]) -> list[list[str]]:
    return pre.transform(list(texts))


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


class PostNeuralClassifier(SavableMixin, ClassifierMixin, BaseEstimator):
    """Shared implementation; use :class:`CNNClassifier`, :class:`LSTMClassifier` or
    :class:`CNNLSTMClassifier` (the subclasses only fix ``arch``).

    Parameters
    ----------
    input : {"tfidf", "tokens"}, default "tfidf"
        Expanded TF-IDF vectors (the paper) or embedded token sequences.
    preprocessing : dict, optional
        Keyword arguments of :class:`depscreen.text.pipeline.Preprocessor` (language,
        which steps run), optionally with ``"preset": "paper003"`` for the paper's
        cleaning. ``None`` uses the Preprocessor's defaults (language detected per
        post, signal-keeping cleaning).
    top_n : int, default 10
        FastText similar words per vocabulary word for feature expansion (1, 5, 10, 15
        in the paper); ``0`` = plain TF-IDF. Only for ``input="tfidf"``.
    vectors_path : str, optional
        A user's ``.vec`` / ``.bin`` word vectors instead of training FastText.
    max_features, min_df, sublinear_tf :
        TF-IDF vocabulary settings.
    ft_vector_size, ft_epochs, ft_min_count, ft_window :
        FastText training settings (trained on the training posts plus ``unlabelled``).
    max_vocab, max_len, embed_dim, pretrained_embeddings :
        Token input: vocabulary size cap, truncation length, embedding size, and
        whether the embedding starts from the FastText vectors (``embed_dim`` is then
        the vectors' size).
    filters, kernel_sizes, pool_size, hidden_size, seq_len, bidirectional, dropout :
        Network shape (see :mod:`depscreen.models.post_neural.networks`).
    lr, weight_decay, batch_size, max_epochs :
        Adam and loop settings.
    patience : int, default 3
        Early stopping on the validation loss (``0`` disables early stopping).
    validation_fraction : float, default 0.1
        Stratified validation split taken from the training posts; ``0`` trains on
        everything and monitors the training loss.
    class_weight : None, "balanced" or dict
        Cross-entropy class weights.
    seed : int, default 13
    verbose : int, default 0
        1 logs one line per epoch; 2 also shows a progress bar.
    """

    arch: str | None = None
    input_level = "post"

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
        filters: int = 32,
        kernel_sizes: Sequence[int] = (3, 4, 5),
        pool_size: int = 8,
        hidden_size: int = 64,
        seq_len: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.5,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        batch_size: int = 64,
        max_epochs: int = 20,
        patience: int = 3,
        validation_fraction: float = 0.1,
        class_weight: str | dict | None = None,
        seed: int = 13,
        verbose: int = 0,
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
        self.filters = filters
        self.kernel_sizes = kernel_sizes
        self.pool_size = pool_size
        self.hidden_size = hidden_size
        self.seq_len = seq_len
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.seed = seed
        self.verbose = verbose

    # ----------------------------------------------------------------- checks
    def _validate(self) -> None:
        if self.arch is None:
            raise TypeError(
                "PostNeuralClassifier is the shared base: use CNNClassifier, LSTMClassifier "
                "or CNNLSTMClassifier (registry names cnn, lstm, cnn-lstm)"
            )
        if self.input not in INPUTS:
            raise ValueError(f"input must be one of {INPUTS} (got {self.input!r})")
        if not 0.0 <= float(self.validation_fraction) < 1.0:
            raise ValueError("validation_fraction must be in [0, 1)")
        if self.patience < 0:
            raise ValueError("patience must be >= 0 (0 disables early stopping)")

    # -------------------------------------------------------------- features
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

    def _fit_features(self, tokens, unlabelled_tokens) -> None:
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
            ).fit(tokens, unlabelled=unlabelled_tokens)
            self.vocabulary_ = None
            self._vectors = None
        else:
            self.features_ = None
            self.vocabulary_ = build_vocabulary(tokens, max_size=self.max_vocab)
            self._vectors = (
                self._train_vectors(tokens, unlabelled_tokens) if self.pretrained_embeddings else None
            )

    def _data(self, tokens, y=None):
        if self.input == "tfidf":
            return SparseRows(self.features_.transform(tokens), y)
        return TokenSequences(encode(tokens, self.vocabulary_, self.max_len), y)

    def _network_kwargs(self) -> dict[str, Any]:
        common = {"n_classes": len(self.classes_), "input": self.input, "dropout": self.dropout}
        if self.input == "tfidf":
            common["n_features"] = len(self.features_.vocabulary_)
        else:
            common["vocab_size"] = len(self.vocabulary_)
            common["embed_dim"] = (
                self._vectors.vector_size if self._vectors is not None else self.embed_dim
            )
        if self.arch == "cnn":
            extra = {
                "filters": self.filters,
                "kernel_sizes": [int(k) for k in self.kernel_sizes],
                "pool_size": self.pool_size,
                "hidden_size": self.hidden_size,
            }
        elif self.arch == "lstm":
            extra = {"hidden_size": self.hidden_size, "seq_len": self.seq_len,
                     "bidirectional": bool(self.bidirectional)}
        else:
            extra = {"filters": self.filters, "kernel_size": int(list(self.kernel_sizes)[0]),
                     "hidden_size": self.hidden_size, "seq_len": self.seq_len,
                     "bidirectional": bool(self.bidirectional)}
        return {**common, **extra}

    def _init_embeddings(self, net) -> int:
        """Copy FastText vectors into the embedding table; returns how many rows."""
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

    def _class_weights(self, y_idx: np.ndarray) -> np.ndarray | None:
        if self.class_weight is None:
            return None
        if self.class_weight == "balanced":
            return compute_class_weight("balanced", classes=np.arange(len(self.classes_)), y=y_idx)
        if isinstance(self.class_weight, dict):
            weights = []
            for c in self.classes_:
                c = _plain(c)
                if c in self.class_weight:
                    weights.append(float(self.class_weight[c]))
                elif str(c) in self.class_weight:  # labels come back as strings from JSON
                    weights.append(float(self.class_weight[str(c)]))
                else:
                    weights.append(1.0)
            return np.asarray(weights)
        raise ValueError("class_weight must be None, 'balanced' or a dict {label: weight}")

    # ------------------------------------------------------------------- fit
    def fit(self, X, y, *, unlabelled: Sequence[str] | None = None):
        """Train on posts ``X`` (list of str) with labels ``y``.

        ``unlabelled`` posts (optional) only help train the FastText vectors.
        """
        self._validate()
        texts = as_documents(X)
        y = np.asarray(y)
        if len(texts) != len(y):
            raise ValueError(f"X has {len(texts)} posts but y has {len(y)} labels")
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("need at least two classes in y")
        torch.manual_seed(int(self.seed))
        self.preprocessor_ = _make_preprocessor(self.preprocessing)
        tokens = _tokenize(self.preprocessor_, texts)
        unl = _tokenize(self.preprocessor_, as_documents(unlabelled)) if unlabelled is not None else None

        start = time.perf_counter()
        self._fit_features(tokens, unl)
        self.feature_seconds_ = time.perf_counter() - start

        train_idx, valid_idx = self._split(y_idx)
        train_data = self._data([tokens[i] for i in train_idx], y_idx[train_idx])
        valid_data = self._data([tokens[i] for i in valid_idx], y_idx[valid_idx]) if len(valid_idx) else None

        self.network_config_ = self._network_kwargs()
        torch.manual_seed(int(self.seed))
        self.network_ = build_network(self.arch, **self.network_config_)
        self.n_pretrained_rows_ = self._init_embeddings(self.network_)

        monitor = "valid_loss" if valid_data is not None else "train_loss"
        callbacks = [Checkpoint(monitor=monitor)]
        if self.patience > 0:
            callbacks.append(EarlyStopping(monitor=monitor, patience=self.patience))
        if self.verbose >= 1:
            callbacks.append(EpochLogger())
        if self.verbose >= 2:
            callbacks.append(ProgressBar(f"{self.arch} ({self.input})"))
        self.class_weight_ = self._class_weights(y_idx)
        self.trainer_ = Trainer(
            self.network_,
            class_weights=self.class_weight_,
            lr=self.lr,
            weight_decay=self.weight_decay,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            callbacks=callbacks,
            seed=self.seed,
        )
        self.history_ = self.trainer_.fit(train_data, valid_data)
        self.best_epoch_ = callbacks[0].best_epoch_
        self.n_valid_ = len(valid_idx)
        self._vectors = None  # the vectors have done their job; keep the model light
        return self

    def _split(self, y_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.arange(len(y_idx))
        frac = float(self.validation_fraction)
        n_valid = int(round(frac * len(idx)))
        counts = np.bincount(y_idx)
        if frac <= 0 or n_valid < len(counts) or counts.min() < 2 or len(idx) - n_valid < len(counts):
            return idx, idx[:0]
        train, valid = train_test_split(
            idx, test_size=n_valid, stratify=y_idx, random_state=int(self.seed)
        )
        return np.sort(train), np.sort(valid)

    # --------------------------------------------------------------- predict
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(n_posts, n_classes)`` in the order of ``classes_``."""
        check_fitted(self, "network_")
        texts = as_documents(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        data = self._data(_tokenize(self.preprocessor_, texts))
        return _net_proba(self.network_, data, max(self.batch_size, 256))

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)] if len(proba) else self.classes_[:0]

    # --------------------------------------------------------------- explain
    def explain(self, X, top_k: int = 10) -> list[dict[str, Any]]:
        """Why each post got its label: gradient x input toward the predicted class.

        Returns one dict per post: ``predicted``, ``score`` (its probability) and
        ``top_features``, the words that pushed most toward the predicted class
        (``feature``, ``contribution`` > 0). With ``input="tfidf"`` a feature filled in
        by FastText expansion says so (``expanded: True``) and names the word of the
        post it was copied from (``via``). Words are the post's own tokens; nothing
        is logged.
        """
        check_fitted(self, "network_")
        texts = as_documents(X)
        tokens = _tokenize(self.preprocessor_, texts)
        data = self._data(tokens)
        plain = self.features_.transform_plain(tokens) if self.input == "tfidf" else None
        out: list[dict[str, Any]] = []
        net = self.network_
        net.eval()
        for start in range(0, len(data), self.batch_size):
            idx = np.arange(start, min(start + self.batch_size, len(data)))
            inputs, _ = data.batch(idx)
            captured: dict[str, torch.Tensor] = {}
            hook = None
            if self.input == "tfidf":
                inputs = (inputs[0].clone().requires_grad_(True),)
            else:
                def keep(_module, _inp, output):
                    output.retain_grad()
                    captured["emb"] = output

                hook = net.embed.embedding.register_forward_hook(keep)
            try:
                with torch.enable_grad():
                    logits = net(*inputs)
                    pred = logits.argmax(dim=1)
                    logits.gather(1, pred[:, None]).sum().backward()
            finally:
                if hook is not None:
                    hook.remove()
            proba = torch.softmax(logits.detach(), dim=1)
            if self.input == "tfidf":
                attr = (inputs[0].grad * inputs[0]).detach().numpy()
            else:
                emb = captured["emb"]
                attr = (emb.grad * emb).sum(dim=2).detach().numpy()
            for row, i in enumerate(idx):
                item = {
                    "predicted": _plain(self.classes_[int(pred[row])]),
                    "score": float(proba[row, pred[row]]),
                }
                if self.input == "tfidf":
                    item["top_features"] = self._tfidf_reasons(attr[row], inputs[0][row], plain[i], top_k)
                else:
                    item["top_features"] = self._token_reasons(attr[row], tokens[i], top_k)
                out.append(item)
        return out

    def _tfidf_reasons(self, attr, x, plain_row, top_k) -> list[dict[str, Any]]:
        present = np.flatnonzero(x.detach().numpy())
        order = present[np.argsort(-attr[present], kind="stable")]
        original = set(plain_row.indices)
        vocab = self.features_.vocabulary_
        reasons = []
        for j in order[:top_k]:
            if attr[j] <= 0:
                break
            reason: dict[str, Any] = {"feature": vocab[j], "contribution": float(attr[j])}
            if j not in original:
                via = next((s for s in self.features_.neighbours_[j] if s >= 0 and s in original), None)
                reason["expanded"] = True
                reason["via"] = vocab[via] if via is not None else None
            reasons.append(reason)
        return reasons

    def _token_reasons(self, attr, tokens, top_k) -> list[dict[str, Any]]:
        totals: dict[str, float] = {}
        for pos, tok in enumerate(tokens[: self.max_len]):
            totals[tok] = totals.get(tok, 0.0) + float(attr[pos])
        ranked = sorted(totals.items(), key=lambda kv: -kv[1])
        return [{"feature": w, "contribution": v} for w, v in ranked[:top_k] if v > 0]

    # ------------------------------------------------------------ save / load
    def _save_weights(self, folder: Path) -> dict[str, Any]:
        from safetensors.torch import save_file

        check_fitted(self, "network_")
        state = {k: v.detach().contiguous().cpu() for k, v in self.network_.state_dict().items()}
        save_file(state, str(folder / WEIGHTS_NAME))
        if self.input == "tfidf":
            self.features_.save(folder / FEATURES_NAME)
        else:
            (folder / VOCAB_NAME).write_text(json.dumps(self.vocabulary_, ensure_ascii=False))
        return {
            "arch": self.arch,
            "input_level": self.input_level,
            "classes": [_plain(c) for c in self.classes_],
            "network": self.network_config_,
            "preprocessing": self.preprocessor_.get_config(),
            "class_weight": None if self.class_weight_ is None else [float(w) for w in self.class_weight_],
            "training": {
                "epochs_run": len(self.history_),
                "best_epoch": self.best_epoch_,
                "n_valid": self.n_valid_,
                "history": self.history_,
            },
            "files": {
                "weights": WEIGHTS_NAME,
                "features": FEATURES_NAME if self.input == "tfidf" else VOCAB_NAME,
            },
        }

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:
        from safetensors.torch import load_file

        if config.get("arch") != self.arch:
            raise ValueError(
                f"{folder / 'config.json'}: field 'arch' is {config.get('arch')!r}, "
                f"expected {self.arch!r}"
            )
        for key in ("classes", "network"):
            if key not in config:
                raise ValueError(f"{folder / 'config.json'}: field '{key}' is missing")
        self.classes_ = np.asarray(config["classes"])
        self.preprocessor_ = _make_preprocessor(self.preprocessing)
        if self.input == "tfidf":
            self.features_ = FastTextExpandedTfidf.load(folder / FEATURES_NAME)
            self.vocabulary_ = None
        else:
            self.features_ = None
            self.vocabulary_ = json.loads((folder / VOCAB_NAME).read_text(encoding="utf-8"))
        self.network_config_ = dict(config["network"])
        self.network_ = build_network(self.arch, **self.network_config_)
        weights_path = folder / WEIGHTS_NAME
        if not weights_path.exists():
            raise FileNotFoundError(f"{weights_path}: weights file missing")
        try:
            self.network_.load_state_dict(load_file(str(weights_path)))
        except RuntimeError as exc:
            raise ValueError(f"{weights_path}: weights do not fit the network in config.json: {exc}") from None
        self.network_.eval()
        cw = config.get("class_weight")
        self.class_weight_ = None if cw is None else np.asarray(cw)
        training = config.get("training", {})
        self.history_ = training.get("history", [])
        self.best_epoch_ = training.get("best_epoch")
        self.n_valid_ = training.get("n_valid", 0)


class CNNClassifier(PostNeuralClassifier):
    """1-D CNN post classifier (registry name ``cnn``). See :class:`PostNeuralClassifier`."""

    arch = "cnn"


class LSTMClassifier(PostNeuralClassifier):
    """LSTM post classifier (registry name ``lstm``). See :class:`PostNeuralClassifier`."""

    arch = "lstm"


class CNNLSTMClassifier(PostNeuralClassifier):
    """CNN-LSTM hybrid post classifier (registry name ``cnn-lstm``). See
    :class:`PostNeuralClassifier`."""

    arch = "cnn-lstm"
