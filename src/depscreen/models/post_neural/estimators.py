"""Post-level neural classifiers (paper 003) behind the depscreen estimator API.

:class:`CNNClassifier`, :class:`LSTMClassifier` and :class:`CNNLSTMClassifier`
(registry names ``cnn``, ``lstm``, ``cnn-lstm``) share everything but the network.
This module only holds their parameters and puts the parts together, each of which
is its own module:

1. :mod:`.featurizer` (:class:`~.featurizer.PostFeaturizer`): text processing with
   :class:`depscreen.text.pipeline.Preprocessor` (every step switchable through
   ``preprocessing``; the configuration is recorded in the saved ``config.json``) and
   the features: ``input="tfidf"`` (default, as in the paper) uses TF-IDF with
   FastText feature expansion (``top_n=0`` switches expansion off); ``input="tokens"``
   feeds token ids to an embedding layer initialised from FastText vectors;
2. :mod:`.factory`: the network choice, a :mod:`.networks` CNN, LSTM or CNN-LSTM from
   the settings;
3. :mod:`.training`: one run on the loop every network in depscreen shares
   (:class:`depscreen.models.training_loop.Trainer`, epochs counted from 0) with early
   stopping on a stratified, seeded validation split taken from the training posts,
   the best epoch's weights kept, balanced class weights by default, seeded; then the
   collapse check;
4. :mod:`.collapse`: the one retry after a collapse (below);
5. :mod:`.attributions` (gradient x input) and :mod:`.persistence` (the saved folder).

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

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin

from ...jsonable import plain_value
from ..base import (
    Forward,
    ForwardPredictMixin,
    SavableMixin,
    as_documents,
    check_fitted,
    explanation_score,
    risk_scores,
)
from ..training_loop import validation_split
from ..validation import check_fit_labels
from .attributions import gradient_x_input, tfidf_reasons, token_reasons
from .collapse import DegenerateModelWarning, Plan, resolve_collapse, retry_plan
from .factory import make_network, network_config
from .featurizer import PostFeaturizer
from .networks import INPUTS
from .persistence import WEIGHTS_NAME, check_config, load_network, restore_training, save_network, training_record
from .training import TrainingRun, epochs_for, infer_batch_size, train_network

ON_DEGENERATE = ("retrain", "warn")
#: the estimator parameters that are the featuriser's (same names)
FEATURIZER_PARAMS = (
    "input", "preprocessing", "top_n", "vectors_path", "max_features", "min_df", "sublinear_tf",
    "ft_vector_size", "ft_epochs", "ft_min_count", "ft_window", "max_vocab", "max_len", "embed_dim",
    "pretrained_embeddings", "seed",
)
#: the estimator parameters that shape the network (same names as in :func:`.factory.network_config`)
NETWORK_PARAMS = ("dropout", "filters", "kernel_sizes", "pool_size", "hidden_size", "seq_len", "bidirectional")

__all__ = [
    "PostNeuralClassifier",
    "CNNClassifier",
    "LSTMClassifier",
    "CNNLSTMClassifier",
    "DegenerateModelWarning",
]


class PostNeuralClassifier(ForwardPredictMixin, SavableMixin, ClassifierMixin, BaseEstimator):
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
    featurizer_ : the fitted :class:`~.featurizer.PostFeaturizer`; ``preprocessor_``,
        ``features_`` (TF-IDF input) and ``vocabulary_`` (token input) are its parts.
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
        featurizer = PostFeaturizer(**{name: getattr(self, name) for name in FEATURIZER_PARAMS})
        tokens = featurizer.fit_tokens(texts, as_documents(unlabelled) if unlabelled is not None else None)
        self._set_featurizer(featurizer)
        self.feature_seconds_ = featurizer.fit_seconds_

        train_idx, valid_idx = self._split(y_idx)
        train_data = featurizer.dataset([tokens[i] for i in train_idx], y_idx[train_idx])
        valid_data = (featurizer.dataset([tokens[i] for i in valid_idx], y_idx[valid_idx])
                      if len(valid_idx) else None)
        self.network_config_ = network_config(
            self.arch, n_classes=len(self.classes_), input=self.input, inputs=featurizer.network_inputs(),
            **{name: getattr(self, name) for name in NETWORK_PARAMS},
        )
        self.n_valid_ = len(valid_idx)
        self.fallback_ = None

        self.max_epochs_ = self._epochs_for(len(train_idx))

        def train(plan: Plan) -> TrainingRun:
            class_weight, lr, max_epochs = plan
            network = make_network(self.arch, self.network_config_, seed=int(self.seed))
            return train_network(
                network, train_data, valid_data, classes=self.classes_, y_train=y_idx[train_idx],
                class_weight=class_weight, lr=lr, max_epochs=max_epochs, batch_size=int(self.batch_size),
                weight_decay=self.weight_decay, patience=self.patience, seed=int(self.seed),
                verbose=self.verbose, tag=f"{self.arch} ({self.input})",
                n_pretrained_rows=featurizer.init_embeddings(network),
            )

        run = train((self.class_weight, float(self.lr), self.max_epochs_))
        if run.degenerate:
            plan = self._retry_plan(run) if self.on_degenerate == "retrain" else None
            run, self.fallback_ = resolve_collapse(
                run, plan, train, who=f"{type(self).__name__} ({self.arch}, input={self.input})",
                name=type(self).__name__, stacklevel=2,
            )
        self.network_ = run.network
        self.trainer_ = run.trainer
        self.history_ = run.history
        self.best_epoch_ = run.best_epoch
        self.class_weight_ = run.class_weight
        self.n_pretrained_rows_ = run.n_pretrained_rows
        self.degenerate_ = run.degenerate
        featurizer.release_vectors()  # the vectors have done their job; keep the model light
        return self

    def _set_featurizer(self, featurizer: PostFeaturizer) -> None:
        """Keep the fitted featuriser and its parts under their usual names."""
        self.featurizer_ = featurizer
        self.preprocessor_ = featurizer.preprocessor_
        self.features_ = featurizer.features_
        self.vocabulary_ = featurizer.vocabulary_

    def _epochs_for(self, n_train: int) -> int:
        """The epoch limit for ``n_train`` training posts (see :func:`.training.epochs_for`)."""
        return epochs_for(self.max_epochs, n_train, int(self.batch_size))

    def _retry_plan(self, run: TrainingRun) -> Plan:
        """Settings of the one retry after a collapse (see :func:`.collapse.retry_plan`)."""
        return retry_plan(run)

    def _split(self, y_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return validation_split(y_idx, float(self.validation_fraction), int(self.seed))

    # --------------------------------------------------------------- predict
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
        tokens = self.featurizer_.tokenize(texts)
        data, plain = self.featurizer_.inference_inputs(tokens)
        net = self.network_
        net.eval()
        batch = infer_batch_size(self.batch_size)
        probas: list[np.ndarray] = []
        reasons: list[list[dict[str, Any]]] = []
        for start in range(0, len(data), batch):
            idx = np.arange(start, min(start + batch, len(data)))
            inputs, _ = data.batch(idx)
            if not explain:
                with torch.no_grad():
                    logits = net(*inputs)
            else:
                logits, attr = gradient_x_input(net, inputs, self.input)
                for row, i in enumerate(idx):
                    if self.input == "tfidf":
                        reasons.append(tfidf_reasons(attr[row], inputs[0][row], plain[i], self.features_, top_k))
                    else:
                        reasons.append(token_reasons(attr[row], tokens[i], self.max_len, top_k))
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

    # ------------------------------------------------------------ save / load
    def _save_weights(self, folder: Path) -> dict[str, Any]:
        check_fitted(self, "network_")
        save_network(self.network_, folder)
        preprocessing = self.featurizer_.save(folder)  # tables pinned in resources/
        return {
            "arch": self.arch,
            "input_level": self.input_level,
            "classes": [plain_value(c) for c in self.classes_],
            "network": self.network_config_,
            "preprocessing": preprocessing,
            "class_weight": None if self.class_weight_ is None else [float(w) for w in self.class_weight_],
            "training": training_record(self),
            "files": {"weights": WEIGHTS_NAME, "features": self.featurizer_.features_file},
        }

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:
        check_config(folder, config, self.arch)
        self.classes_ = np.asarray(config["classes"])
        featurizer = PostFeaturizer(**{name: getattr(self, name) for name in FEATURIZER_PARAMS})
        self._set_featurizer(featurizer.load(folder, config.get("preprocessing")))
        self.network_config_ = dict(config["network"])
        self.network_ = load_network(self.arch, self.network_config_, folder)
        for name, value in restore_training(config, self.max_epochs).items():
            setattr(self, name, value)


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
