"""LMILAtt: score a user from all their posts with user labels only (paper 000).

Pipeline: each post is embedded by a sentence-embedding backend (``embedder``), a
user's embeddings form a time-ordered bag (:mod:`.bags`), an LSTM autoencoder trained
by reconstruction (phase A, no labels; unlabelled users help) turns each post into a
feature in the context of its neighbours, attention pooling weighs the posts into one
user vector, and a head trained with the user labels (phase B, Adam, binary or
categorical cross-entropy, a cumulative-link loss for ordinal labels, squared error
for scores) makes the prediction. The attention weights say which posts drove it.

Ablations are options of the same model: ``autoencoder=False`` (the LSTM is trained
from scratch with the labels), ``encoder="none"`` (pool the embeddings themselves),
``pooling="mean" | "max"`` (no attention), ``pooling="gated"`` (Ilse et al.).

This is a screening and research tool, not a diagnosis.

Example
-------
>>> from depscreen.corpus.synthetic import make_sample_corpus
>>> corpus = make_sample_corpus(n_users=40, langs=("en",), seed=1)
>>> model = LMILAttClassifier(embedder="tfidf-svd", ae_epochs=2, epochs=3)  # doctest: +SKIP
>>> model.fit(corpus.users, corpus.labels).predict(corpus.users[:3])       # doctest: +SKIP
array([...])
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if

from ...corpus.types import User
from ..base import SavableMixin, check_fitted
from ..validation import check_fit_labels
from .bags import POLICIES, EmbeddedUsers
from .embedding import EmbeddingMixin, check_users
from .fitting import AttentionMaskFn, FittingMixin
from .inference import InferenceMixin, with_threads
from .persistence import PersistenceMixin
from .training import BagData

log = logging.getLogger("depscreen.mil")


class LMILAttClassifier(EmbeddingMixin, FittingMixin, InferenceMixin, PersistenceMixin, SavableMixin,
                        ClassifierMixin, BaseEstimator):
    """User-level multi-instance model with an LSTM autoencoder and attention (LMILAtt).

    Parameters
    ----------
    embedder : str or Embedder
        Sentence-embedding spec for :func:`depscreen.embed.get_embedder` (``"use"``,
        ``"e5"``, ``"tfidf-svd"``, ``"hf:PATH"`` or a saved embedder folder) or an
        embedder object (``.name``, ``.dim``, ``.embed(texts)``). The embedder owns its
        on-disk cache (``DEPSCREEN_CACHE_DIR``, else ``~/.cache/depscreen/embeddings``).
        A corpus-fitted backend (``tfidf-svd``) is fitted on the training posts; the
        embedder is saved with the model (``embedder/config.json``).
    embedder_options : dict, optional
        Keyword options of the backend (e.g. ``{"n_components": 64}`` for tfidf-svd).
    center : {"auto", True, False}
        Subtract the mean post vector of the training posts from every post vector (and
        L2-normalise again) before the network sees it. Some embedders put every text
        in a narrow cone (e5: any two posts have cosine ~0.86), so the differences that
        matter are small next to a shared offset and the network does not train (its
        score then follows bag length alone). ``"auto"`` centres when the training
        vectors' mean pairwise cosine (the squared norm of their mean) exceeds
        ``CENTER_AUTO_COSINE`` (0.5; USE is ~0.23, e5 ~0.86). The mean is learnt state
        (``embedding_mean_``, saved with the model).
    max_posts : int
        Posts per bag (``"recent"``) or per LSTM chunk (``"chunks"``); see
        :mod:`depscreen.models.mil.bags`.
    long_timeline : {"recent", "chunks"}
        What happens to timelines longer than ``max_posts``.
    autoencoder : bool
        Pretrain the LSTM encoder by reconstruction (phase A). ``False`` is the
        ablation where the encoder is trained from scratch with the labels.
    encoder : {"lstm", "none"}
        ``"none"`` pools the post embeddings directly (no temporal context, no
        autoencoder): an ablation.
    pooling : {"attention", "gated", "attention+mean", "mean", "max"}
        ``"attention+mean"`` concatenates the attention-pooled and the mean vector.
    skip_embedding : bool
        Post feature = ``[encoder state, post embedding]`` (default) rather than the
        encoder state alone (the paper's form, ``False``). The reconstruction
        bottleneck keeps what varies most between posts (topic, style) and can drop a
        rare depressive signal; the skip keeps it while adding temporal context.
    freeze_encoder : bool
        Keep the pretrained encoder fixed in phase B (its features are then computed
        once, which makes phase B fast) or fine-tune it with the labels.
    ae_epochs, epochs : int
        Maximum epochs of phase A and phase B (early stopping may end them sooner).
    hidden_size, attention_size : int
        LSTM size (post feature size) and attention projection size.
    bidirectional : bool
        Bidirectional encoder LSTM.
    dropout : float
        Dropout on the user vector before the head.
    ae_noise : float
        Input dropout while training the autoencoder (denoising).
    lr, ae_lr : float
        Adam learning rates of phase B and phase A.
    weight_decay : float
        Adam weight decay in phase B.
    batch_size : int
    head : {"auto", "binary", "multiclass", "ordinal", "regression"}
        ``"auto"``: the task :func:`depscreen.task.infer_task` reads from the labels
        (the harness's rule): non-integer numbers -> regression (even two of them, e.g.
        0.3 / 0.7); two classes -> binary; integer labels with more than two values ->
        ordinal (severity levels); more than two names -> multiclass.
    label_order : list, optional
        The order of the classes (for ordinal string labels); default sorted.
    class_weight : None, "balanced" or dict
        Per-class loss weights.
    instance_dropout : float
        Share of each bag's posts hidden from attention at random in every training
        batch (an augmentation for small data sets; never at prediction).
    validation_split : float
        Share of training users held out (stratified) for early stopping; no
        validation when too few users (fewer than 2 per class in it).
    patience : int
        Early-stopping patience in epochs.
    checkpoint_dir : str, optional
        Save training state there each epoch and resume an interrupted ``fit``.
    unlabelled : str, optional
        Path of a user-level JSONL corpus of extra users for phase A only (their
        labels are ignored); ``fit(..., unlabelled=users)`` does the same in memory.
    seed : int
    device : str
        Torch device (``"cpu"`` or ``"cuda"``).
    n_threads : int, optional
        Torch CPU threads while fitting / predicting (restored afterwards). The
        default 1 suits these small recurrent models on a shared machine, where extra
        threads mostly wait on each other; ``None`` leaves torch's setting alone.
    progress : bool
        Show a progress bar while embedding.
    """

    input_level = "user"
    #: explain() gives per-post attention weights, so the harness reports entropy and Recall@k
    explains_posts = True

    #: fast settings used by ``depscreen demo`` and quick checks
    demo_params = {
        "embedder": "tfidf-svd",
        "embedder_options": {"n_components": 128, "max_char_features": 20000, "max_word_features": 20000},
        "max_posts": 64,
        "ae_epochs": 3,
        "epochs": 30,
        "lr": 1e-2,
        "hidden_size": 64,
        "attention_size": 32,
        "batch_size": 16,
        "patience": 6,
    }

    def __init__(
        self,
        embedder: Any = "use",
        embedder_options: dict | None = None,
        center: Any = "auto",
        max_posts: int = 100,
        long_timeline: str = "recent",
        autoencoder: bool = True,
        encoder: str = "lstm",
        pooling: str = "attention",
        skip_embedding: bool = True,
        freeze_encoder: bool = True,
        ae_epochs: int = 20,
        epochs: int = 40,
        hidden_size: int = 128,
        attention_size: int = 64,
        bidirectional: bool = False,
        dropout: float = 0.1,
        ae_noise: float = 0.1,
        lr: float = 3e-3,
        ae_lr: float = 3e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 32,
        head: str = "auto",
        label_order: list | None = None,
        class_weight: Any = None,
        instance_dropout: float = 0.0,
        validation_split: float = 0.15,
        patience: int = 6,
        checkpoint_dir: str | None = None,
        unlabelled: str | None = None,
        seed: int = 13,
        device: str = "cpu",
        n_threads: int | None = 1,
        progress: bool = False,
    ):
        self.embedder = embedder
        self.embedder_options = embedder_options
        self.center = center
        self.max_posts = max_posts
        self.long_timeline = long_timeline
        self.autoencoder = autoencoder
        self.encoder = encoder
        self.pooling = pooling
        self.skip_embedding = skip_embedding
        self.freeze_encoder = freeze_encoder
        self.ae_epochs = ae_epochs
        self.epochs = epochs
        self.hidden_size = hidden_size
        self.attention_size = attention_size
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.ae_noise = ae_noise
        self.lr = lr
        self.ae_lr = ae_lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.head = head
        self.label_order = label_order
        self.class_weight = class_weight
        self.instance_dropout = instance_dropout
        self.validation_split = validation_split
        self.patience = patience
        self.checkpoint_dir = checkpoint_dir
        self.unlabelled = unlabelled
        self.seed = seed
        self.device = device
        self.n_threads = n_threads
        self.progress = progress

    # ------------------------------------------------------------------ validation
    def _check_params(self) -> None:
        if self.long_timeline not in POLICIES:
            raise ValueError(f"long_timeline must be one of {POLICIES}, got {self.long_timeline!r}")
        if self.encoder not in ("lstm", "none"):
            raise ValueError(f"encoder must be 'lstm' or 'none', got {self.encoder!r}")
        if self.encoder == "none" and self.autoencoder:
            raise ValueError("encoder='none' has no autoencoder: set autoencoder=False")
        if self.pooling not in ("attention", "gated", "attention+mean", "mean", "max"):
            raise ValueError(f"pooling must be attention, gated, attention+mean, mean or max, got {self.pooling!r}")
        if self.head not in ("auto", "binary", "multiclass", "ordinal", "regression"):
            raise ValueError(f"unknown head {self.head!r}")
        if not (isinstance(self.max_posts, int) and self.max_posts >= 1):
            raise ValueError(f"max_posts must be a positive integer, got {self.max_posts!r}")
        if self.center not in ("auto", True, False):
            raise ValueError(f"center must be 'auto', True or False, got {self.center!r}")
        if not 0.0 <= self.validation_split < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), got {self.validation_split}")

    @property
    def _chunk_len(self) -> int | None:
        return self.max_posts if self.long_timeline == "chunks" else None

    # ------------------------------------------------------------------ fit
    @with_threads
    def fit(self, X, y=None, *, unlabelled: Sequence[User] | None = None,
            attention_mask_fn: AttentionMaskFn | None = None, callbacks: Sequence[Any] = ()):
        """Train on users ``X`` with user labels ``y`` (taken from ``User.label`` if omitted).

        Parameters
        ----------
        X : list of User, UserCorpus or EmbeddedUsers
        y : array-like, optional
        unlabelled : list of User, optional
            Extra users for the autoencoder only (added to the ``unlabelled`` path's).
        attention_mask_fn : callable, optional
            ``fn(batch, epoch) -> attention_mask`` applied to each phase-B training batch
            (``batch.rows`` index ``X``); see :data:`AttentionMaskFn`.
        callbacks : list of Callback, optional
            Extra callbacks of phase B's training loop
            (:class:`depscreen.models.training_loop.Callback`), run before the built-in ones.
        """
        self._check_params()
        torch.manual_seed(self.seed)
        users_src = check_users(X.users if isinstance(X, EmbeddedUsers) else X)
        if y is None:
            y = [u.label for u in users_src]
        y = np.asarray(y, dtype=object if any(isinstance(v, str) for v in y) else None)
        if any(v is None for v in y.tolist()):
            raise ValueError("some users have no label (None); pass them as `unlabelled` instead")
        self.embedder_ = None
        self._embedder_folder_ = None
        # what was asked for: the spec, or the name of an embedder object's space (once fitted)
        self.embedder_request_ = self.embedder if isinstance(self.embedder, str) else None

        # labels and head (the task rule first: it words a mix of strings and numbers, which
        # cannot be sorted into classes)
        self.head_ = self._resolve_head(y)
        labels = check_fit_labels(self, len(users_src), y, unit="users")
        if self.head_ == "regression":
            yf = y.astype(np.float64)
            self.y_mean_, self.y_std_ = float(yf.mean()), float(yf.std() or 1.0)
        else:
            if self.label_order is not None:
                missing = set(y.tolist()) - set(self.label_order)
                if missing:
                    raise ValueError(f"labels {sorted(missing, key=str)} are not in label_order")
                self.classes_ = np.asarray(self.label_order)
            else:
                self.classes_ = labels.classes
        y_idx = self._encode_y(y)

        # embeddings (a corpus-fitted embedder is fitted on labelled + unlabelled posts)
        extra = list(unlabelled or [])
        if self.unlabelled:
            from ...corpus.io import read_jsonl

            extra += list(read_jsonl(self.unlabelled))
        extra_embs: list[np.ndarray] = []
        if isinstance(X, EmbeddedUsers):
            users, embs = list(X.users), list(X.embeddings)
            self.embedder_name_ = X.embedder
            if self.embedder_request_ is None:
                self.embedder_request_ = X.embedder
            if extra:
                self.embedder_ = self._load_embedder()
                extra_embs = self._embed_users(extra, self.embedder_)
        else:
            users = users_src
            self._fit_embedder(users + extra)
            self.embedder_name_ = self.embedder_.name
            if self.embedder_request_ is None:
                self.embedder_request_ = self.embedder_name_
            embs = self._embed_users(users, self.embedder_)
            extra_embs = self._embed_users(extra, self.embedder_) if extra else []
        self.embedding_mean_ = self._fit_center(list(embs) + list(extra_embs))
        bags = self._bags(users, embs)
        self.input_dim_ = int(bags[0].embeddings.shape[1]) if bags else 0
        self.embedder_dim_ = self.input_dim_
        feats = [b.embeddings for b in bags]

        tr, va = self._split(y_idx)
        self.network_ = self._build_network(self.input_dim_)
        self.history_ = {}
        cw = self._class_weights(y_idx[tr])

        # phase A: the autoencoder, by reconstruction only
        if self.autoencoder and self.encoder == "lstm":
            ae_train = BagData([feats[i] for i in tr] + [b.embeddings for b in self._bags(extra, extra_embs)])
            ae_valid = BagData([feats[i] for i in va]) if len(va) else None
            self._train_autoencoder(ae_train, ae_valid)

        # phase B: attention + head with the labels
        precompute = bool(self.encoder == "lstm" and self.autoencoder and self.freeze_encoder)
        self.network_.freeze_encoder(precompute)
        self.precomputed_features_ = precompute
        if precompute:  # frozen encoder: compute each bag's post features once
            feats = self._features(feats)
        y_train = y_idx.astype(np.float32 if self.head_ == "regression" else np.int64)
        train = BagData([feats[i] for i in tr], y_train[tr], rows=tr)
        valid = BagData([feats[i] for i in va], y_train[va], rows=va) if len(va) else None
        self._train_classifier(train, valid, cw, attention_mask_fn=attention_mask_fn, callbacks=callbacks)
        self.n_train_, self.n_valid_ = int(len(tr)), int(len(va))
        return self


    # ------------------------------------------------------------------ inference
    # (one pass per call: InferenceMixin._forward; these read from it)
    @available_if(lambda self: getattr(self, "head_", None) != "regression")
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(n_users, n_classes)`` in the order of ``classes_``."""
        proba = self._forward(X).proba
        if proba is None:
            raise ValueError("a regression head has no class probabilities; use predict()")
        return proba

    def predict(self, X) -> np.ndarray:
        """Labels (classification heads) or scores in label units (regression head)."""
        return self._forward(X).predictions

    def score_users(self, X) -> np.ndarray:
        """One number per user that grows with risk: P(positive), expected level or score."""
        return self._forward(X).scores

    def explain(self, X, top_k: int = 5) -> list[dict[str, Any]]:
        """Why each user got their score: the attention weight of every post, the top posts.

        Returns one dict per user in the shared explanation schema: ``prediction``,
        ``score``, ``top_posts`` (the ``top_k`` posts by weight: ``index``, ``weight``),
        ``posts`` (every post in time order: ``index`` into ``user.posts``, ``id``,
        ``time``, ``weight``, ``used`` -- False for posts the long-timeline policy left
        out, weight 0), plus ``user_id``, ``n_posts``, ``n_used``, ``entropy``,
        ``normalised_entropy``, ``max_weight`` and ``pooling``. Post text is never included.
        """
        return self._forward(X, explain=True, top_k=top_k).explanations

    def stepper(self):
        """Scores a user's growing post prefix incrementally (:mod:`.stepper`: carried LSTM
        state, running attention pooling), with the model's own score on every prefix.

        None where it cannot step: max pooling, a bidirectional encoder, or a loaded model
        that has not read its embedder back yet (it does on the first users it scores)."""
        check_fitted(self, "network_")
        if getattr(self, "embedder_", None) is None:
            return None
        from .stepper import MILStepper

        try:
            return MILStepper(self)
        except TypeError:
            return None



def _variant(name: str, doc: str, **defaults: Any) -> type:
    """A subclass of :class:`LMILAttClassifier` whose parameters default differently.

    Registered as its own model name (``mil-mean`` ...), so an ablation can be asked
    for by name in the command line and saved / loaded like the full model.
    """
    import inspect

    base_sig = inspect.signature(LMILAttClassifier.__init__)
    params = [p.replace(default=defaults[p.name]) if p.name in defaults else p
              for p in base_sig.parameters.values()]

    def __init__(self, **kwargs):
        LMILAttClassifier.__init__(self, **{**defaults, **kwargs})

    __init__.__signature__ = base_sig.replace(parameters=params)  # what get_params reads
    # ablations stay out of ``depscreen demo`` (it runs every model with demo_params)
    cls = type(name, (LMILAttClassifier,), {"__init__": __init__, "__doc__": doc, "__module__": __name__,
                                              "demo_params": None})
    return cls


MILMeanClassifier = _variant(
    "MILMeanClassifier", "LMILAtt ablation: mean pooling instead of attention.", pooling="mean")
MILMaxClassifier = _variant(
    "MILMaxClassifier", "LMILAtt ablation: max pooling instead of attention.", pooling="max")
MILNoAEClassifier = _variant(
    "MILNoAEClassifier",
    "LMILAtt ablation: no autoencoder pretraining (the LSTM is trained with the labels).",
    autoencoder=False)
MILAttentionOnlyClassifier = _variant(
    "MILAttentionOnlyClassifier",
    "LMILAtt ablation: attention over the post embeddings, no LSTM and no autoencoder.",
    encoder="none", autoencoder=False)
