"""One training run of a post-level network on the shared loop, and its collapse check.

:func:`train_network` trains a freshly built network with
:class:`depscreen.models.training_loop.Trainer` (Adam, class-weighted cross-entropy,
seeded mini-batch order, epochs counted from 0) and the named callbacks:
:class:`~depscreen.models.training_loop.BestWeights` (the best epoch's weights on the
validation loss, else the training loss), ``EarlyStopping`` (``patience > 0``),
``EpochLogger`` (``verbose >= 1``: numbers only, never text) and ``ProgressBar``
(``verbose >= 2``). Then it checks the network for *collapse*: one predicted class for
every validation post (every training post without a validation split). The result is
a :class:`TrainingRun`; what to do about a collapse is :mod:`.collapse`'s job.

Example
-------
>>> epochs_for(None, n_train=300, batch_size=64), epochs_for(7, n_train=300, batch_size=64)
(200, 7)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
from sklearn.utils.class_weight import compute_class_weight

from ...jsonable import plain_value
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
)
from .data import batch_loader

log = logging.getLogger("depscreen.models.post_neural")

#: early stopping counts an epoch as better when the loss fell by more than this
EARLY_STOP_DELTA = 1e-4
#: what ``verbose=1`` logs per epoch (numbers only, never text)
LOGGED = ("train_loss", "valid_loss", "valid_acc", "valid_f1_macro")
#: ``max_epochs=None``: enough epochs for this many parameter updates, within the bounds
#: (small data sets otherwise stop learning long before the loss has settled)
AUTO_UPDATES = 2000
AUTO_EPOCHS = (20, 200)

__all__ = ["TrainingRun", "train_network", "class_weights", "epochs_for", "infer_batch_size"]


def infer_batch_size(batch_size: int) -> int:
    """Batch size of every inference pass (prediction, explanation, collapse check)."""
    return max(int(batch_size), 256)


def epochs_for(max_epochs: int | None, n_train: int, batch_size: int) -> int:
    """``max_epochs``, or when None enough epochs for about :data:`AUTO_UPDATES`
    updates on ``n_train`` posts, within :data:`AUTO_EPOCHS`."""
    if max_epochs is not None:
        return int(max_epochs)
    batches = max(1, -(-n_train // int(batch_size)))
    low, high = AUTO_EPOCHS
    return int(np.clip(-(-AUTO_UPDATES // batches), low, high))


def class_weights(classes: np.ndarray, y_idx: np.ndarray, spec: Any) -> np.ndarray | None:
    """Loss weights per class of ``classes`` (indices ``y_idx``): None, ``"balanced"``
    (``n_samples / (n_classes * count)`` over the classes present; absent ones 1) or a
    dict ``{label: weight}`` (labels also as strings, as JSON gives them back; missing 1)."""
    if spec is None:
        return None
    if isinstance(spec, str) and spec == "balanced":
        present = np.unique(y_idx)
        weights = np.ones(len(classes))
        weights[present] = compute_class_weight("balanced", classes=present, y=y_idx)
        return weights
    if isinstance(spec, dict):
        weights = []
        for c in classes:
            c = plain_value(c)
            if c in spec:
                weights.append(float(spec[c]))
            elif str(c) in spec:  # labels come back as strings from JSON
                weights.append(float(spec[str(c)]))
            else:
                weights.append(1.0)
        return np.asarray(weights)
    raise ValueError("class_weight must be None, 'balanced' or a dict {label: weight}")


@dataclass
class TrainingRun:
    """One trained network, its loop and callbacks, the settings it ran with and the
    collapse check's verdict."""

    network: torch.nn.Module
    trainer: Trainer
    checkpoint: BestWeights
    history: list[dict[str, Any]]
    best_epoch: int | None
    class_weight: np.ndarray | None
    class_weight_spec: Any
    lr: float
    max_epochs: int
    n_pretrained_rows: int
    degenerate: bool
    predicted_class: Any
    checked_on: str
    n_checked: int

    @property
    def still_improving(self) -> bool:
        """The kept epoch is the last one and the loop ran out of epochs (epochs count from 0)."""
        n = len(self.history)
        return n == self.max_epochs and self.best_epoch == n - 1

    def summary(self) -> dict[str, Any]:
        """The JSON-able part (for ``fallback_`` and config.json)."""
        spec = self.class_weight_spec
        return {
            "class_weight": spec if not isinstance(spec, dict) else {str(k): float(v) for k, v in spec.items()},
            "lr": self.lr,
            "max_epochs": self.max_epochs,
            "epochs_run": len(self.history),
            "best_epoch": self.best_epoch,
            "degenerate": self.degenerate,
            "predicted_class": self.predicted_class if self.degenerate else None,
            "checked_on": self.checked_on,
            "n_checked": self.n_checked,
        }


def train_network(
    network: torch.nn.Module,
    train_data,
    valid_data,
    *,
    classes: Sequence[Any],
    y_train: np.ndarray,
    class_weight: Any,
    lr: float,
    max_epochs: int,
    batch_size: int,
    weight_decay: float = 0.0,
    patience: int = 3,
    seed: int = 13,
    verbose: int = 0,
    tag: str = "",
    n_pretrained_rows: int = 0,
) -> TrainingRun:
    """Train ``network`` on ``train_data`` (batch sources of :mod:`.data`), monitoring
    ``valid_data`` when given, and check it for collapse."""
    monitor = "valid_loss" if valid_data is not None else "train_loss"
    checkpoint = BestWeights(monitor=monitor)
    callbacks = [checkpoint]
    if patience > 0:
        callbacks.append(EarlyStopping(monitor=monitor, patience=patience, min_delta=EARLY_STOP_DELTA,
                                       restore_best=False))
    if verbose >= 1:
        callbacks.append(EpochLogger(logger=log, fields=LOGGED))
    if verbose >= 2:
        callbacks.append(ProgressBar(tag))
    weights = class_weights(np.asarray(classes), y_train, class_weight)
    trainer = Trainer(
        network, classification_step(make_loss(weights)), batch_loader(int(batch_size)),
        lr=lr, weight_decay=weight_decay, max_epochs=max_epochs, seed=int(seed),
        callbacks=callbacks, metrics=classification_metrics(), tag=tag,
    )
    history = trainer.fit(train_data, valid_data).history
    # the collapse check: on the validation split, else on the training posts
    checked = valid_data if valid_data is not None else train_data
    truth, predicted = [], []
    network.eval()
    with torch.no_grad():
        for inputs, y in batch_loader(infer_batch_size(batch_size))(checked, False, None):
            predicted.append(network(*inputs).argmax(1).numpy())
            truth.append(y.numpy())
    truth, predicted = np.concatenate(truth), np.concatenate(predicted)
    return TrainingRun(
        network=network,
        trainer=trainer,
        checkpoint=checkpoint,
        history=history,
        best_epoch=checkpoint.best_epoch_,
        class_weight=weights,
        class_weight_spec=class_weight,
        lr=lr,
        max_epochs=max_epochs,
        n_pretrained_rows=n_pretrained_rows,
        degenerate=predicts_one_class(truth, predicted),
        predicted_class=plain_value(np.asarray(classes)[int(np.bincount(predicted).argmax())]),
        checked_on="validation" if valid_data is not None else "training",
        n_checked=int(len(truth)),
    )
