"""A small skorch-style training loop with named callbacks.

:class:`Trainer` runs epochs of mini-batch training with a (class-weighted)
cross-entropy loss and, when validation data is given, a validation pass after each
epoch. What happens around the epochs is delegated to callbacks, each with one job:

* :class:`EarlyStopping` stops when the monitored value has not improved for
  ``patience`` epochs;
* :class:`Checkpoint` keeps the best weights in memory and restores them when
  training ends; it also keeps the best epoch whose network does not predict one
  class for every validation sample (a *degenerate* epoch), for when the best epoch
  has collapsed;
* :class:`EpochLogger` logs one line of numbers per epoch (never any text);
* :class:`ProgressBar` shows a rich progress bar over the epochs.

Training is seeded: the weights are initialised under ``torch.manual_seed(seed)``
by the caller, and batch order comes from a ``torch.Generator`` seeded here, so two
runs with the same seed on the same machine give the same weights.

The validation pass records the loss, the accuracy, the macro-F1, how many
distinct classes the network predicts (``valid_n_predicted``) and whether it predicts
one class for every sample although the data hold several (``valid_degenerate``).

Data sources are any object with ``__len__`` and ``batch(indices) -> (inputs, y)``
where ``inputs`` is a tuple of tensors passed to the network.

Example
-------
>>> import torch
>>> from torch import nn
>>> class Data:
...     def __init__(self, X, y): self.X, self.y = X, y
...     def __len__(self): return len(self.y)
...     def batch(self, idx): return (self.X[idx],), self.y[idx]
>>> torch.manual_seed(0) and None
>>> X = torch.randn(40, 3); y = (X[:, 0] > 0).long()
>>> trainer = Trainer(nn.Linear(3, 2), max_epochs=5, callbacks=[EarlyStopping(patience=2)])
>>> history = trainer.fit(Data(X, y), Data(X, y))
>>> sorted(history[0])
['dur', 'epoch', 'train_dur', 'train_loss', 'valid_acc', 'valid_degenerate', 'valid_f1_macro', 'valid_loss', 'valid_n_predicted']
"""

from __future__ import annotations

import copy
import logging
import time
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn

log = logging.getLogger("depscreen.models.post_neural")

__all__ = [
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "EpochLogger",
    "ProgressBar",
    "Trainer",
    "make_loss",
    "predicts_one_class",
]


def make_loss(class_weights: Sequence[float] | np.ndarray | None = None) -> nn.CrossEntropyLoss:
    """Cross-entropy, weighted per class when ``class_weights`` is given."""
    if class_weights is None:
        return nn.CrossEntropyLoss()
    w = torch.as_tensor(np.asarray(class_weights, dtype=np.float32))
    if w.ndim != 1 or torch.any(w <= 0):
        raise ValueError("class weights must be a 1-D sequence of positive numbers")
    return nn.CrossEntropyLoss(weight=w)


class Callback:
    """Hooks called by :class:`Trainer`; override the ones you need."""

    def on_train_begin(self, trainer: "Trainer") -> None:
        pass

    def on_epoch_end(self, trainer: "Trainer", record: dict[str, Any]) -> None:
        pass

    def on_train_end(self, trainer: "Trainer") -> None:
        pass


class _Monitor(Callback):
    def __init__(self, monitor: str, lower_is_better: bool | None):
        self.monitor = monitor
        self.lower_is_better = (
            monitor.endswith("loss") if lower_is_better is None else lower_is_better
        )

    def _value(self, record: dict[str, Any]) -> float:
        if self.monitor not in record:
            raise KeyError(
                f"{type(self).__name__}: '{self.monitor}' is not recorded "
                f"(available: {', '.join(sorted(record))}); pass validation data or "
                "monitor 'train_loss'"
            )
        return float(record[self.monitor])

    def _improved(self, value: float, best: float | None, min_delta: float = 0.0) -> bool:
        if best is None:
            return True
        if self.lower_is_better:
            return value < best - min_delta
        return value > best + min_delta


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    def __init__(
        self,
        monitor: str = "valid_loss",
        patience: int = 3,
        min_delta: float = 1e-4,
        lower_is_better: bool | None = None,
    ):
        super().__init__(monitor, lower_is_better)
        if patience < 1:
            raise ValueError("patience must be >= 1")
        self.patience = patience
        self.min_delta = min_delta

    def on_train_begin(self, trainer):
        self.best_ = None
        self.wait_ = 0
        self.stopped_epoch_ = None

    def on_epoch_end(self, trainer, record):
        value = self._value(record)
        if self._improved(value, self.best_, self.min_delta):
            self.best_ = value
            self.wait_ = 0
            return
        self.wait_ += 1
        if self.wait_ >= self.patience:
            self.stopped_epoch_ = record["epoch"]
            trainer.stop_training = True


class Checkpoint(_Monitor):
    """Keep a copy of the best weights (by ``monitor``) and restore them at the end.

    It also keeps the best epoch whose record is not ``valid_degenerate`` (the network
    predicted more than one class on the validation data), the *alternative*, for when
    the best epoch has collapsed onto one class: ``skip_degenerate=True`` restores it
    instead at the end; otherwise :meth:`restore_alternative` does so on request.
    """

    def __init__(
        self,
        monitor: str = "valid_loss",
        lower_is_better: bool | None = None,
        skip_degenerate: bool = False,
    ):
        super().__init__(monitor, lower_is_better)
        self.skip_degenerate = skip_degenerate

    def on_train_begin(self, trainer):
        self.best_ = None
        self.best_epoch_ = None
        self.best_degenerate_ = False
        self.alternative_epoch_ = None
        self._state = None
        self._alt = None  # (value, epoch, state) of the best non-degenerate epoch

    def on_epoch_end(self, trainer, record):
        value = self._value(record)
        degenerate = bool(record.get("valid_degenerate"))
        state = None
        if self._improved(value, self.best_):
            state = copy.deepcopy(trainer.module.state_dict())
            self.best_, self.best_epoch_, self.best_degenerate_ = value, record["epoch"], degenerate
            self._state = state
            record["checkpoint"] = True
        if not degenerate and (self._alt is None or self._improved(value, self._alt[0])):
            state = state if state is not None else copy.deepcopy(trainer.module.state_dict())
            self._alt = (value, record["epoch"], state)

    def on_train_end(self, trainer):
        if self._alt is not None and self._alt[1] != self.best_epoch_:
            self.alternative_epoch_ = self._alt[1]
        else:
            self._alt = None  # the best epoch is its own alternative
        if self.skip_degenerate and self.best_degenerate_ and self._alt is not None:
            self.restore_alternative(trainer.module)
        elif self._state is not None:
            trainer.module.load_state_dict(self._state)
        self._state = None

    def restore_alternative(self, module: nn.Module) -> int | None:
        """Load the best non-degenerate epoch's weights into ``module`` (when it differs
        from the best epoch); returns its epoch number, or None when there is none."""
        if self._alt is None:
            return None
        value, epoch, state = self._alt
        module.load_state_dict(state)
        self._alt = None
        self.best_, self.best_epoch_, self.best_degenerate_ = value, epoch, False
        self.alternative_epoch_ = None
        return epoch


class EpochLogger(Callback):
    """One log line of numbers per epoch on the ``depscreen.models.post_neural`` logger."""

    def __init__(self, level: int = logging.INFO):
        self.level = level

    def on_epoch_end(self, trainer, record):
        parts = [f"epoch {record['epoch']}"]
        for key in ("train_loss", "valid_loss", "valid_acc", "valid_f1_macro"):
            if key in record:
                parts.append(f"{key}={record[key]:.4f}")
        parts.append(f"dur={record['dur']:.2f}s")
        log.log(self.level, " ".join(parts))


class ProgressBar(Callback):
    """A rich progress bar over the epochs (finishes early when training stops)."""

    def __init__(self, description: str = "training"):
        self.description = description

    def on_train_begin(self, trainer):
        from rich.progress import Progress

        self._progress = Progress(transient=True)
        self._progress.start()
        self._task = self._progress.add_task(self.description, total=trainer.max_epochs)

    def on_epoch_end(self, trainer, record):
        loss = record.get("valid_loss", record["train_loss"])
        self._progress.update(
            self._task, advance=1, description=f"{self.description} loss={loss:.3f}"
        )

    def on_train_end(self, trainer):
        self._progress.stop()


class Trainer:
    """Mini-batch training of ``module`` with named callbacks.

    Parameters
    ----------
    module : nn.Module
        Returns logits ``(batch, n_classes)`` from ``module(*inputs)``.
    class_weights : sequence of float, optional
        Per-class weights of the cross-entropy loss (class index order).
    lr, weight_decay : float
        Adam settings.
    max_epochs, batch_size : int
    callbacks : list of Callback
    seed : int
        Seeds the batch order.
    grad_clip : float, optional
        Clip the gradient norm (helps the LSTMs).
    """

    def __init__(
        self,
        module: nn.Module,
        *,
        class_weights: Sequence[float] | None = None,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        max_epochs: int = 10,
        batch_size: int = 64,
        callbacks: Sequence[Callback] = (),
        seed: int = 13,
        grad_clip: float | None = 5.0,
        loss_fn: Callable | None = None,
    ):
        if max_epochs < 1:
            raise ValueError("max_epochs must be >= 1")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.module = module
        self.loss_fn = loss_fn if loss_fn is not None else make_loss(class_weights)
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.callbacks = list(callbacks)
        self.seed = seed
        self.grad_clip = grad_clip
        self.history: list[dict[str, Any]] = []
        self.stop_training = False

    def _batches(self, n: int, shuffle: bool, generator: torch.Generator | None):
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            yield order[start : start + self.batch_size].numpy()

    def fit(self, train_data, valid_data=None) -> list[dict[str, Any]]:
        """Train; returns the history (one dict of numbers per epoch)."""
        if len(train_data) == 0:
            raise ValueError("no training samples")
        generator = torch.Generator().manual_seed(int(self.seed))
        optimizer = torch.optim.Adam(
            self.module.parameters(), lr=self.lr, weight_decay=self.weight_decay
        )
        self.history = []
        self.stop_training = False
        for cb in self.callbacks:
            cb.on_train_begin(self)
        try:
            for epoch in range(1, self.max_epochs + 1):
                start = time.perf_counter()
                self.module.train()
                total, count = 0.0, 0
                for idx in self._batches(len(train_data), True, generator):
                    inputs, y = train_data.batch(idx)
                    optimizer.zero_grad()
                    loss = self.loss_fn(self.module(*inputs), y)
                    loss.backward()
                    if self.grad_clip:
                        nn.utils.clip_grad_norm_(self.module.parameters(), self.grad_clip)
                    optimizer.step()
                    total += float(loss.detach()) * len(idx)
                    count += len(idx)
                record: dict[str, Any] = {"epoch": epoch, "train_loss": total / count}
                record["train_dur"] = time.perf_counter() - start
                if valid_data is not None and len(valid_data):
                    record.update(self.evaluate(valid_data))
                record["dur"] = time.perf_counter() - start
                self.history.append(record)
                for cb in self.callbacks:
                    cb.on_epoch_end(self, record)
                if self.stop_training:
                    break
        finally:
            for cb in self.callbacks:
                cb.on_train_end(self)
        return self.history

    @torch.no_grad()
    def evaluate(self, data) -> dict[str, Any]:
        """Validation loss, accuracy, macro-F1 and collapse check on ``data``."""
        self.module.eval()
        total, count = 0.0, 0
        truth, predicted = [], []
        for idx in self._batches(len(data), False, None):
            inputs, y = data.batch(idx)
            logits = self.module(*inputs)
            total += float(self.loss_fn(logits, y)) * len(idx)
            count += len(idx)
            truth.append(y.numpy())
            predicted.append(logits.argmax(1).numpy())
        truth, predicted = np.concatenate(truth), np.concatenate(predicted)
        return {
            "valid_loss": total / count,
            "valid_acc": float((truth == predicted).mean()),
            "valid_f1_macro": macro_f1(truth, predicted),
            "valid_n_predicted": int(len(np.unique(predicted))),
            "valid_degenerate": predicts_one_class(truth, predicted),
        }

    @torch.no_grad()
    def predict_proba(self, data) -> np.ndarray:
        """Softmax probabilities ``(n_samples, n_classes)``."""
        return predict_proba(self.module, data, self.batch_size)


@torch.no_grad()
def predict_proba(module: nn.Module, data, batch_size: int = 256) -> np.ndarray:
    """Softmax probabilities of ``module`` over ``data`` in eval mode."""
    module.eval()
    out = []
    for start in range(0, len(data), batch_size):
        idx = np.arange(start, min(start + batch_size, len(data)))
        inputs, _ = data.batch(idx)
        out.append(torch.softmax(module(*inputs), dim=1).double().numpy())
    if not out:
        return np.zeros((0, 0))
    return np.concatenate(out)


def predicts_one_class(truth: np.ndarray, predicted: np.ndarray) -> bool:
    """True when ``predicted`` is one class for every sample although ``truth`` holds
    several: the network has collapsed (usually onto the majority class)."""
    truth, predicted = np.asarray(truth), np.asarray(predicted)
    return bool(len(predicted) and len(np.unique(truth)) > 1 and len(np.unique(predicted)) == 1)


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-averaged F1 over the classes present in ``truth`` (0 for an absent prediction)."""
    from sklearn.metrics import f1_score

    labels = np.unique(truth)
    return float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0))
