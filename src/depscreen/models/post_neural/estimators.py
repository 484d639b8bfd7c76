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
3. a torch network (:mod:`.networks`) trained by the loop every network in depscreen
   shares (:class:`depscreen.models.training_loop.Trainer`, epochs counted from 0) with
   early stopping on a stratified, seeded validation split taken from the training
   posts, the best epoch's weights kept, balanced class weights by default, seeded.

Robust defaults for data nobody tuned on
----------------------------------------
Real label sets are imbalanced (a rare "severe" level, a minority positive class),
and an unweighted network readily learns to predict the majority class for every
post. So by default the loss is class-weighted (``class_weight="balanced"``), the
number of epochs follows the data size (small sets get more epochs, so they are not
stopped long before the loss settles), the best epoch on the validation split is
kept, and after training the network is checked: if it predicts one class for every
validation post (every training post when there is no validation split) it is
*degenerate*. Then a :class:`DegenerateModelWarning` names the likely cause and the
fix, and with ``on_degenerate="retrain"`` (default) the network is trained once more
from scratch with balanced class weights and, if it was still improving when
``max_epochs`` ran out, three times the epochs, else a third of the learning rate and
twice the epochs; the retrained network is kept if it is not degenerate. If it is,
the best epoch of either run that predicts more than one class on the validation
posts is kept, when there is one. ``degenerate_`` says whether the final network
still predicts one class; ``fallback_`` records what was tried and what was kept.

One forward pass
----------------
``_forward(X, explain=..., top_k=...)`` preprocesses the posts, builds the features and
runs the network once, returning predictions, probabilities, risk scores and (when
asked) gradient x input explanations; ``predict``, ``predict_proba`` and ``explain``
read from it, so they agree exactly.

A saved model folder holds ``config.json`` (parameters, classes, network shape,
preprocessing configuration, training history), ``features.json`` (TF-IDF vocabulary,
idf, expansion map) or ``vocabulary.json`` (token input), and ``model.safetensors``.
Nothing is pickled.

Example
-------
>>> texts = ["i feel sad and empty", "so tired of everything", "great game today",
...          "lunch with friends was fun"] * 10
>>> y = [1, 1, 0, 0] * 10
>>> clf = CNNClassifier(top_n=1, max_epochs=3, ft_epochs=2, ft_min_count=1, lr=0.01,
...                     validation_fraction=0, preprocessing={"lang": "en"})
>>> clf.fit(texts, y).predict(["sad and tired"]).shape
(1,)
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight

from ...features.tfidf_expansion import FastTextExpandedTfidf
from ...jsonable import plain_value
from ..base import (
    Forward,
    SavableMixin,
    as_documents,
    check_fitted,
    explanation_score,
    risk_scores,
)
from ..training_loop import (
    BestWeights,
    EarlyStopping,
    EpochLogger,
    ProgressBar,
    Trainer,
    classification_metrics,
    classification_step,
    make_loss,
    predicts_one_class,
    validation_split,
)
from ..validation import check_fit_labels
from .data import SparseRows, TokenSequences, batch_loader, build_vocabulary, encode
from .networks import INPUTS, build_network

log = logging.getLogger("depscreen.models.post_neural")

WEIGHTS_NAME = "model.safetensors"
FEATURES_NAME = "features.json"
VOCAB_NAME = "vocabulary.json"

ON_DEGENERATE = ("retrain", "warn")
#: the one retry after a collapse (see :meth:`PostNeuralClassifier._retry_plan`): a
#: network still improving when ``max_epochs`` ran out gets this many times the epochs;
#: one that stopped improving gets a lower learning rate and more epochs
RETRY_MORE_EPOCHS = 3
RETRY_LR_FACTOR = 1 / 3
RETRY_EPOCH_FACTOR = 2
#: early stopping counts an epoch as better when the loss fell by more than this
EARLY_STOP_DELTA = 1e-4
#: what ``verbose=1`` logs per epoch (numbers only, never text)
LOGGED = ("train_loss", "valid_loss", "valid_acc", "valid_f1_macro")
#: ``max_epochs=None``: enough epochs for this many parameter updates, within the bounds
#: (small data sets otherwise stop learning long before the loss has settled)
AUTO_UPDATES = 2000
AUTO_EPOCHS = (20, 200)

__all__ = [
    "PostNeuralClassifier",
    "CNNClassifier",
    "LSTMClassifier",
    "CNNLSTMClassifier",
    "DegenerateModelWarning",
]


class DegenerateModelWarning(UserWarning):
    """A trained network predicts one class for every validation (or training) post."""


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


def _restore_preprocessor(params: dict[str, Any] | None, saved: dict[str, Any] | None, folder: Path):
    """The training-time preprocessor of a saved model: its pinned word tables from
    ``folder/resources/`` (:mod:`depscreen.text.pinned`), else rebuilt from ``params``."""
    from ...text.pipeline import Preprocessor

    if saved and saved.get("version", 1) >= 2:
        return Preprocessor.from_config(saved, folder=folder)
    return _make_preprocessor(params)


def _tokenize(pre, texts: Sequence[str]) -> list[list[str]]:
    return pre.transform(list(texts))


def _run_summary(run: dict[str, Any]) -> dict[str, Any]:
    """The JSON-able part of one training run (for ``fallback_`` and config.json)."""
    return {
        "class_weight": run["class_weight_spec"] if not isinstance(run["class_weight_spec"], dict)
        else {str(k): float(v) for k, v in run["class_weight_spec"].items()},
        "lr": run["lr"],
        "max_epochs": run["max_epochs"],
        "epochs_run": len(run["history"]),
        "best_epoch": run["best_epoch"],
        "degenerate": run["degenerate"],
        "predicted_class": run["predicted_class"] if run["degenerate"] else None,
        "checked_on": run["checked_on"],
        "n_checked": run["n_checked"],
    }


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
    lr : float, default 3e-3
        Adam's learning rate.
    weight_decay, batch_size :
        Adam and loop settings.
    max_epochs : int or None, default None
        Most epochs to train (early stopping usually ends sooner). None: enough epochs
        for about 2,000 updates, at least 20 and at most 200 (so 500 posts get more
        epochs than 50,000); the number used is ``max_epochs_``.
    patience : int, default 3
        Early stopping on the validation loss (``0`` disables early stopping).
    validation_fraction : float, default 0.1
        Stratified, seeded validation split taken from the training posts only; the
        weights of the best validation epoch are kept. ``0`` trains on everything and
        monitors the training loss.
    class_weight : "balanced" (default), None or dict
        Cross-entropy class weights; "balanced" weighs each class by
        ``n_samples / (n_classes * count)`` on the training part, so a rare class
        counts as much as a common one (what macro-F1 and a rare positive class ask
        for). None is the plain loss.
    on_degenerate : {"retrain", "warn"}, default "retrain"
        What to do when the trained network predicts one class for every validation
        post: always warn (:class:`DegenerateModelWarning`); ``"retrain"`` also trains
        once more (balanced weights; more epochs, or a lower ``lr`` when the first run
        had stopped improving) and keeps that network if it is not degenerate.
    seed : int, default 13
    verbose : int, default 0
        1 logs one line per epoch; 2 also shows a progress bar.

    Attributes
    ----------
    classes_ : the labels, sorted.
    network_ : the trained torch network (best epoch).
    history_ : one dict of numbers per epoch of the kept training run.
    max_epochs_ : the epoch limit used (``max_epochs``, or the one chosen for the data).
    best_epoch_ : the epoch whose weights were kept (epochs count from 0, as in ``history_``).
    n_valid_ : size of the validation split (0: none).
    class_weight_ : the loss weights used (None: unweighted).
    degenerate_ : True when the kept network predicts one class for every validation
        post (every training post without a validation split).
    fallback_ : None, or what happened after a collapse (first run's settings and
        predicted class, the retry's settings, which network was kept).
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
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        batch_size: int = 64,
        max_epochs: int | None = None,
        patience: int = 3,
        validation_fraction: float = 0.1,
        class_weight: str | dict | None = "balanced",
        on_degenerate: str = "retrain",
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
        self.on_degenerate = on_degenerate
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
        if int(self.batch_size) < 1:
            raise ValueError("batch_size must be >= 1")
        if self.max_epochs is not None and int(self.max_epochs) < 1:
            raise ValueError("max_epochs must be >= 1, or None (chosen from the data size)")
        if self.on_degenerate not in ON_DEGENERATE:
            raise ValueError(f"on_degenerate must be one of {ON_DEGENERATE} (got {self.on_degenerate!r})")
        if not (self.class_weight is None or self.class_weight == "balanced"
                or isinstance(self.class_weight, dict)):
            raise ValueError("class_weight must be None, 'balanced' or a dict {label: weight}")

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

    def _class_weights(self, y_idx: np.ndarray, spec: Any) -> np.ndarray | None:
        if spec is None:
            return None
        if isinstance(spec, str) and spec == "balanced":
            present = np.unique(y_idx)
            weights = np.ones(len(self.classes_))
            weights[present] = compute_class_weight("balanced", classes=present, y=y_idx)
            return weights
        if isinstance(spec, dict):
            weights = []
            for c in self.classes_:
                c = plain_value(c)
                if c in spec:
                    weights.append(float(spec[c]))
                elif str(c) in spec:  # labels come back as strings from JSON
                    weights.append(float(spec[str(c)]))
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
        labels = check_fit_labels(self, len(texts), y, unit="posts")
        self.classes_, y_idx = labels.classes, labels.index
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
        self.n_valid_ = len(valid_idx)
        self.fallback_ = None

        self.max_epochs_ = self._epochs_for(len(train_idx))
        run = self._train(train_data, valid_data, y_idx[train_idx],
                          self.class_weight, float(self.lr), self.max_epochs_)
        if run["degenerate"]:
            run = self._after_collapse(run, train_data, valid_data, y_idx[train_idx])
        self.network_ = run["network"]
        self.trainer_ = run["trainer"]
        self.history_ = run["history"]
        self.best_epoch_ = run["best_epoch"]
        self.class_weight_ = run["class_weight"]
        self.n_pretrained_rows_ = run["n_pretrained_rows"]
        self.degenerate_ = run["degenerate"]
        self._vectors = None  # the vectors have done their job; keep the model light
        return self

    def _after_collapse(self, first, train_data, valid_data, y_train) -> dict[str, Any]:
        """Warn about a collapsed run and, with ``on_degenerate="retrain"``, retrain once;
        as a last resort keep the best epoch (of either run) that predicts more than one
        class. Sets ``fallback_``; returns the run to keep."""
        plan = self._retry_plan(first) if self.on_degenerate == "retrain" else None
        warnings.warn(self._collapse_message(first, plan), DegenerateModelWarning, stacklevel=3)
        self.fallback_ = {"first": _run_summary(first), "kept": "first"}
        if plan is None:
            return first
        second = self._train(train_data, valid_data, y_train, *plan)
        self.fallback_["retry"] = _run_summary(second)
        if not second["degenerate"]:
            self.fallback_["kept"] = "retry"
            return second
        for name, candidate in (("first", first), ("retry", second)):
            epoch = candidate["checkpoint"].restore_alternative(candidate["network"])
            if epoch is not None:
                self.fallback_["kept"] = f"{name}, epoch {epoch}"
                tail = (f"keeping epoch {epoch} of the {name} run, the best one that predicts "
                        "more than one class on the validation posts")
                kept = {**candidate, "best_epoch": epoch, "degenerate": False}
                break
        else:
            tail, kept = "keeping the first network, which predicts one class", first
        warnings.warn(
            f"{type(self).__name__}: the retrained network predicts one class too; {tail}. "
            "This data may be too small or too noisy for this network: compare with tfidf-lr.",
            DegenerateModelWarning, stacklevel=3,
        )
        return kept

    def _train(self, train_data, valid_data, y_train, class_weight, lr, max_epochs) -> dict[str, Any]:
        """Build a fresh network (seeded) and train it; also checks it for collapse."""
        torch.manual_seed(int(self.seed))
        network = build_network(self.arch, **self.network_config_)
        n_pretrained = self._init_embeddings(network)
        monitor = "valid_loss" if valid_data is not None else "train_loss"
        checkpoint = BestWeights(monitor=monitor)
        callbacks = [checkpoint]
        if self.patience > 0:
            callbacks.append(EarlyStopping(monitor=monitor, patience=self.patience, min_delta=EARLY_STOP_DELTA,
                                           restore_best=False))
        if self.verbose >= 1:
            callbacks.append(EpochLogger(logger=log, fields=LOGGED))
        if self.verbose >= 2:
            callbacks.append(ProgressBar(f"{self.arch} ({self.input})"))
        weights = self._class_weights(y_train, class_weight)
        trainer = Trainer(
            network, classification_step(make_loss(weights)), batch_loader(int(self.batch_size)),
            lr=lr, weight_decay=self.weight_decay, max_epochs=max_epochs, seed=int(self.seed),
            callbacks=callbacks, metrics=classification_metrics(), tag=f"{self.arch} ({self.input})",
        )
        history = trainer.fit(train_data, valid_data).history
        # the collapse check: on the validation split, else on the training posts
        checked = valid_data if valid_data is not None else train_data
        truth, predicted = [], []
        network.eval()
        with torch.no_grad():
            for inputs, y in batch_loader(self._infer_batch)(checked, False, None):
                predicted.append(network(*inputs).argmax(1).numpy())
                truth.append(y.numpy())
        truth, predicted = np.concatenate(truth), np.concatenate(predicted)
        return {
            "network": network,
            "trainer": trainer,
            "checkpoint": checkpoint,
            "history": history,
            "best_epoch": checkpoint.best_epoch_,
            "class_weight": weights,
            "class_weight_spec": class_weight,
            "lr": lr,
            "max_epochs": max_epochs,
            "n_pretrained_rows": n_pretrained,
            "degenerate": predicts_one_class(truth, predicted),
            "predicted_class": plain_value(self.classes_[int(np.bincount(predicted).argmax())]),
            "checked_on": "validation" if valid_data is not None else "training",
            "n_checked": int(len(truth)),
        }

    def _epochs_for(self, n_train: int) -> int:
        if self.max_epochs is not None:
            return int(self.max_epochs)
        batches = max(1, -(-n_train // int(self.batch_size)))
        low, high = AUTO_EPOCHS
        return int(np.clip(-(-AUTO_UPDATES // batches), low, high))

    @staticmethod
    def _still_improving(run: dict[str, Any]) -> bool:
        """The kept epoch is the last one and the loop ran out of epochs (epochs count from 0)."""
        n = len(run["history"])
        return n == run["max_epochs"] and run["best_epoch"] == n - 1

    def _retry_plan(self, run: dict[str, Any]) -> tuple[Any, float, int]:
        """Settings of the one retry after a collapse: (class_weight, lr, max_epochs).

        Balanced class weights unless other weights were given; if the collapsed run was
        still improving when it ran out of epochs it gets more epochs at the same rate,
        otherwise it stopped improving on one class and gets a lower rate (and more
        epochs to make up for it)."""
        weights = "balanced" if run["class_weight_spec"] is None else run["class_weight_spec"]
        if self._still_improving(run):
            return weights, run["lr"], run["max_epochs"] * RETRY_MORE_EPOCHS
        return weights, run["lr"] * RETRY_LR_FACTOR, run["max_epochs"] * RETRY_EPOCH_FACTOR

    def _collapse_message(self, run: dict[str, Any], plan: tuple[Any, float, int] | None) -> str:
        causes = []
        if run["class_weight_spec"] is None:
            causes.append("an unweighted loss on imbalanced classes (use class_weight='balanced')")
        if self._still_improving(run):
            causes.append(f"too few updates: the loss was still falling when max_epochs="
                          f"{run['max_epochs']} ran out (raise max_epochs or lr)")
        else:
            causes.append(f"a learning rate too high for this data (lr={run['lr']:g}; try a "
                          "third of it with more max_epochs)")
        if plan is None:
            then = "keeping it (on_degenerate='warn')"
        else:
            then = (f"retraining once with class_weight={plan[0]!r}, lr={plan[1]:g}, "
                    f"max_epochs={plan[2]}")
        return (
            f"{type(self).__name__} ({self.arch}, input={self.input}) predicts one class "
            f"({run['predicted_class']!r}) for all {run['n_checked']} {run['checked_on']} posts: "
            f"the network has collapsed. Likely cause: {'; or '.join(causes)}. "
            f"Compare with tfidf-lr. Now {then}."
        )

    def _split(self, y_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return validation_split(y_idx, float(self.validation_fraction), int(self.seed))

    # --------------------------------------------------------------- predict
    @property
    def _infer_batch(self) -> int:
        """Batch size of every inference pass (prediction, explanation, collapse check)."""
        return max(int(self.batch_size), 256)

    def _forward(self, X, *, explain: bool = False, top_k: int = 5) -> Forward:
        """One pass over posts ``X``: predictions, probabilities, risk scores and, with
        ``explain``, gradient x input reasons (see :meth:`explain`)."""
        check_fitted(self, "network_")
        texts = as_documents(X)
        n_classes = len(self.classes_)
        if not texts:
            empty = np.zeros((0, n_classes))
            return Forward(self.classes_[:0], empty, risk_scores(empty, self.classes_),
                           [] if explain else None)
        tokens = _tokenize(self.preprocessor_, texts)
        plain = None
        if self.input == "tfidf":
            expanded, plain = self.features_.transform_both(tokens)
            data = SparseRows(expanded)
        else:
            data = self._data(tokens)
        net = self.network_
        net.eval()
        probas: list[np.ndarray] = []
        reasons: list[list[dict[str, Any]]] = []
        for start in range(0, len(data), self._infer_batch):
            idx = np.arange(start, min(start + self._infer_batch, len(data)))
            inputs, _ = data.batch(idx)
            if not explain:
                with torch.no_grad():
                    logits = net(*inputs)
            else:
                logits, attr = self._attributions(net, inputs)
                for row, i in enumerate(idx):
                    if self.input == "tfidf":
                        reasons.append(self._tfidf_reasons(attr[row], inputs[0][row], plain[i], top_k))
                    else:
                        reasons.append(self._token_reasons(attr[row], tokens[i], top_k))
            probas.append(torch.softmax(logits.detach(), dim=1).double().numpy())
        proba = np.concatenate(probas)
        predictions = self.classes_[proba.argmax(axis=1)]
        scores = risk_scores(proba, self.classes_)
        explanations = None
        if explain:
            explanations = [
                {"prediction": plain_value(p), "score": explanation_score(scores, proba, i),
                 "top_features": r}
                for i, (p, r) in enumerate(zip(predictions, reasons))
            ]
        return Forward(predictions, proba, scores, explanations)

    def _attributions(self, net, inputs) -> tuple[torch.Tensor, np.ndarray]:
        """Logits and gradient x input toward each post's predicted class: per TF-IDF
        feature (``input="tfidf"``) or per token position (summed over the embedding)."""
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
            net.zero_grad(set_to_none=True)
        if self.input == "tfidf":
            attr = (inputs[0].grad * inputs[0]).detach().numpy()
        else:
            emb = captured["emb"]
            attr = (emb.grad * emb).sum(dim=2).detach().numpy()
        return logits, attr

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(n_posts, n_classes)`` in the order of ``classes_``."""
        return self._forward(X).proba

    def predict(self, X) -> np.ndarray:
        return self._forward(X).predictions

    # --------------------------------------------------------------- explain
    def explain(self, X, top_k: int = 5) -> list[dict[str, Any]]:
        """Why each post got its label: gradient x input toward the predicted class.

        Returns one dict per post (the shared explanation schema): ``prediction``,
        ``score`` (the risk score: P(positive) for two classes, the expected level for
        numeric levels, else the predicted class's probability) and ``top_features``, the words that pushed most toward the
        predicted class (``feature``, ``contribution`` > 0). With ``input="tfidf"`` a
        feature filled in by FastText expansion says so (``expanded: True``) and names
        the word of the post it was copied from (``via``). Words are the post's own
        tokens; nothing is logged.
        """
        return self._forward(X, explain=True, top_k=top_k).explanations

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
            "classes": [plain_value(c) for c in self.classes_],
            "network": self.network_config_,
            "preprocessing": self.preprocessor_.get_config(folder=folder),  # tables pinned in resources/
            "class_weight": None if self.class_weight_ is None else [float(w) for w in self.class_weight_],
            "training": {
                "max_epochs": self.max_epochs_,
                "epochs_run": len(self.history_),
                "best_epoch": self.best_epoch_,
                "n_valid": self.n_valid_,
                "degenerate": bool(self.degenerate_),
                "fallback": self.fallback_,
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
        self.preprocessor_ = _restore_preprocessor(self.preprocessing, config.get("preprocessing"), folder)
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
        self.max_epochs_ = training.get("max_epochs", self.max_epochs)
        self.best_epoch_ = training.get("best_epoch")
        self.n_valid_ = training.get("n_valid", 0)
        self.degenerate_ = bool(training.get("degenerate", False))
        self.fallback_ = training.get("fallback")


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
