"""How LMILAtt trains: labels to a head, the network, the two phases, their callbacks.

:class:`FittingMixin` holds the parts of :meth:`LMILAttClassifier.fit` that are not the
estimator's interface: reading the labels into a head (the task rule of
:mod:`depscreen.task`), class weights, the validation split, building the
:class:`~depscreen.models.mil.networks.MILNetwork`, and the two training phases on the
shared loop (:mod:`depscreen.models.training_loop`): phase A trains the LSTM autoencoder
by reconstruction, phase B the attention and the head with the labels (with the
``attention_mask_fn`` hook masked hard-instance mining plugs into). Callbacks: early
stopping on the validation loss, a checkpoint per phase when ``checkpoint_dir`` is set,
the epoch logger.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ...task import infer_task
from ..training_loop import validation_split
from .networks import LSTMAutoencoder, MILNetwork, make_head
from .training import (
    BagData,
    Batch,
    Checkpoint,
    EarlyStopping,
    EpochLogger,
    StepOutput,
    Trainer,
    attention_stats,
    iter_batches,
)

log = logging.getLogger("depscreen.mil")

#: ``attention_mask_fn(batch, epoch) -> attention_mask`` supplies an extra mask per
#: training batch in phase B (the hook masked hard-instance mining plugs into).
AttentionMaskFn = Callable[[Batch, int], "torch.Tensor | None"]


class FittingMixin:
    """Labels, network and the two training phases of LMILAtt (see the module docstring)."""

    # ------------------------------------------------------------------ labels
    def _resolve_head(self, y: np.ndarray) -> str:
        """The head for labels ``y``: ``head`` itself, or for ``"auto"`` the task the shared
        rule infers (:func:`depscreen.task.infer_task`, the harness's rule too)."""
        if self.head != "auto":
            return self.head
        return infer_task(y)

    def _encode_y(self, y: np.ndarray) -> np.ndarray:
        if self.head_ == "regression":
            return (y.astype(np.float64) - self.y_mean_) / self.y_std_
        lookup = {c: i for i, c in enumerate(self.classes_.tolist())}
        try:
            return np.array([lookup[v] for v in y.tolist()], dtype=np.int64)
        except KeyError as exc:
            raise ValueError(f"label {exc.args[0]!r} is not among the classes {self.classes_.tolist()}") from None

    def _class_weights(self, y_idx: np.ndarray) -> torch.Tensor | None:
        if self.class_weight is None or self.head_ == "regression":
            return None
        k = len(self.classes_)
        if self.class_weight == "balanced":
            counts = np.bincount(y_idx, minlength=k).astype(np.float64)
            w = len(y_idx) / (k * np.maximum(counts, 1))
        elif isinstance(self.class_weight, dict):
            w = np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_.tolist()])
        else:
            raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {self.class_weight!r}")
        return torch.tensor(w, dtype=torch.float32)

    # ------------------------------------------------------------------ fit
    def _build_network(self, input_dim: int) -> MILNetwork:
        n_classes = 0 if self.head_ == "regression" else len(self.classes_)
        feat_dim = input_dim if self.encoder == "none" else self.hidden_size * (2 if self.bidirectional else 1)
        if self.encoder == "lstm" and self.skip_embedding:
            feat_dim += input_dim
        if self.pooling == "attention+mean":
            feat_dim *= 2
        return MILNetwork(
            input_dim,
            self.hidden_size,
            head=make_head(self.head_, feat_dim, n_classes),
            encoder=self.encoder,
            pooling=self.pooling,
            attention_size=self.attention_size,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            ae_noise=self.ae_noise,
            chunk_len=self._chunk_len,
            skip_embedding=self.skip_embedding,
        ).to(self.device)

    def _fingerprint(self, phase: str, data: BagData) -> str:
        h = hashlib.sha256(phase.encode())
        params = {k: v for k, v in self.get_params(deep=False).items() if k not in ("checkpoint_dir",)}
        params["embedder"] = self.embedder_name_
        h.update(json.dumps(params, sort_keys=True, default=str).encode())
        for b in data.bags:
            h.update(np.int64(len(b)).tobytes())
            h.update(np.float32(b.sum()).tobytes())
        if data.y is not None:
            h.update(np.asarray(data.y, dtype=np.float64).tobytes())
        return h.hexdigest()[:16]

    def _callbacks(self, phase: str, with_valid: bool) -> list:
        cbs: list = []
        if with_valid:
            cbs.append(EarlyStopping(monitor="valid_loss", patience=self.patience))
        log_path = None
        if self.checkpoint_dir:
            cbs.append(Checkpoint(Path(self.checkpoint_dir) / phase))
            log_path = Path(self.checkpoint_dir) / "epochs.jsonl"
        cbs.append(EpochLogger(path=log_path, logger=log))
        return cbs

    def _split(self, y_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The validation split from the training users (stratified for classes, at least
        4 users of every class, else none), the shared loop's rule."""
        stratify = None if self.head_ == "regression" else y_idx
        return validation_split(stratify, self.validation_split, self.seed, n=len(y_idx), min_class_count=4)

    def _train_autoencoder(self, train: BagData, valid: BagData | None) -> None:
        ae = self.network_.autoencoder

        def step(module, batch, epoch):
            _, recon = module(batch.x, batch.mask)
            return StepOutput(LSTMAutoencoder.reconstruction_loss(batch.x, recon, batch.mask))

        trainer = Trainer(
            ae, step, lr=self.ae_lr, max_epochs=self.ae_epochs, batch_size=self.batch_size,
            seed=self.seed, chunk_len=self._chunk_len, callbacks=self._callbacks("autoencoder", valid is not None),
            fingerprint=self._fingerprint("autoencoder", train), tag="autoencoder", device=self.device,
        )
        trainer.fit(train, valid)
        self.history_["autoencoder"] = trainer.history

    def forward_batch(self, x: torch.Tensor, mask: torch.Tensor, attention_mask=None):
        """Phase-B forward of a training batch: ``x`` holds post *features* when the
        encoder is frozen (``precomputed_features_``, computed once) and post embeddings
        otherwise. Masked hard-instance mining calls this for donor and receiver."""
        if self.precomputed_features_:
            return self.network_.pool(x, mask, attention_mask)
        return self.network_(x, mask, attention_mask)

    def _train_classifier(self, train, valid, class_weight, *, attention_mask_fn=None, callbacks=()) -> None:
        head = self.network_.head
        net = self.network_
        precomputed = self.precomputed_features_

        def step(module, batch, epoch):
            amask = attention_mask_fn(batch, epoch) if (attention_mask_fn and module.training) else None
            if module.training and self.instance_dropout > 0:
                amask = drop_instances(batch.mask, amask, self.instance_dropout)
            out = self.forward_batch(batch.x, batch.mask, amask)
            loss = head.loss(out.out, batch.y, class_weight)
            return StepOutput(loss, head.score(out.out), attention_stats(out.attention, out.keep))

        self._classifier_trainer = Trainer(
            net, step, lr=self.lr, weight_decay=self.weight_decay, max_epochs=self.epochs,
            batch_size=self.batch_size, seed=self.seed + 1,
            chunk_len=None if precomputed else self._chunk_len,
            callbacks=[*callbacks, *self._callbacks("classifier", valid is not None)],
            metric=metric_for(self.head_),
            y_dtype=torch.float32 if self.head_ == "regression" else torch.long,
            fingerprint=self._fingerprint("classifier", train), tag="classifier", device=self.device,
        )
        self._classifier_trainer.fit(train, valid)
        self.history_["classifier"] = self._classifier_trainer.history

    @torch.no_grad()
    def _features(self, bags: list[np.ndarray]) -> list[np.ndarray]:
        """Post features from the (frozen) encoder, one array per bag."""
        net = self.network_.eval()
        out: list[np.ndarray] = [None] * len(bags)  # type: ignore[list-item]
        data = BagData(bags)
        for batch in iter_batches(data, max(self.batch_size, 64), chunk_len=self._chunk_len, device=self.device):
            h = net.features(batch.x, batch.mask).cpu().numpy()
            for j, row in enumerate(batch.rows):
                out[row] = h[j, : len(bags[row])]
        return out


def drop_instances(mask: torch.Tensor, amask, rate: float) -> torch.Tensor:
    """Hide a random share ``rate`` of each bag's posts from attention (training-time
    augmentation), keeping at least one post per bag; combined with ``amask``."""
    keep = torch.rand(mask.shape) >= rate
    base = mask if amask is None else (mask & (amask > 0) if amask.dtype != torch.bool else mask & amask)
    kept = keep & base
    empty = ~kept.any(dim=1) & base.any(dim=1)
    if empty.any():  # give an emptied bag back one of its posts
        first = torch.argmax(base[empty].to(torch.int8), dim=1)
        kept[empty.nonzero(as_tuple=True)[0], first] = True
    if amask is None or amask.dtype == torch.bool:
        return kept
    return torch.where(kept, amask, torch.zeros_like(amask))


def metric_for(head: str):
    from sklearn.metrics import f1_score, mean_absolute_error

    if head == "binary":
        return lambda y, s: f1_score(y, (s > 0.5).astype(int), average="macro", zero_division=0)
    if head == "regression":
        return lambda y, s: mean_absolute_error(y, s)
    if head == "ordinal":
        return lambda y, s: mean_absolute_error(y, np.rint(s))
    return None


# ---------------------------------------------------------------------- ablation variants
