"""One torch training loop with one callback protocol, for every network in depscreen.

:class:`Trainer` runs epochs of mini-batches: a *loader* turns the data into batches, a
*step* function turns a batch into a :class:`StepOutput` (the loss, optionally scores
for the validation metric and per-sample statistics such as attention entropy), and
the trainer keeps a ``history`` list with one record (a dict of numbers) per epoch.
Everything that is not the loop itself is a named callback (skorch style):

* :class:`EarlyStopping` -- stop when the monitored value has not improved for
  ``patience`` epochs, and restore the best weights;
* :class:`Checkpoint` -- after each epoch write the module, optimizer, random state,
  history and the other callbacks' state (safetensors + JSON, no pickle); a later
  ``fit`` with the same fingerprint resumes where it stopped;
* :class:`EpochLogger` -- log (and keep) the numbers of each epoch; optionally append
  them to a JSON Lines file;
* :class:`BestWeights` -- keep the best epoch's weights in memory and load them at the
  end; also the best epoch whose network does not predict one class for every
  validation sample (the fallback after a collapse);
* :class:`ProgressBar` -- a rich progress bar over the epochs.

For classifiers, :func:`classification_metrics` records accuracy, macro-F1, how many
classes the network predicts and whether it has collapsed onto one class
(``valid_degenerate``); :func:`validation_split` takes a stratified, seeded validation
split from the training part.

The callback protocol (one signature for every model family)::

    on_train_begin(trainer)
    on_epoch_begin(trainer, epoch)
    on_epoch_end(trainer, record)        # record["epoch"]: the epoch, counted from 0
    on_train_end(trainer)
    get_state() -> (json_dict, tensors)  # what Checkpoint saves, and set_state restores

A record holds ``epoch``, ``train_loss``, the mean of every training statistic the step
reports (``attention_entropy`` ...), ``train_dur`` (seconds of the training pass), ``dur``
(with validation) and, with validation data, ``valid_loss``, ``valid_metric``, the named
``metrics`` and the statistics prefixed ``valid_``. Epochs count from 0.

Everything is seeded: the shuffling generator and torch's global generator (dropout)
start from ``seed`` and are checkpointed, so a resumed run ends where an uninterrupted
one would.

Used by the multi-instance models (:mod:`depscreen.models.mil`, and through them MHIM),
whose loader pads bags of post vectors (:func:`depscreen.models.mil.training.iter_batches`),
and by the post-level networks (:mod:`depscreen.models.post_neural`), whose loader
densifies TF-IDF rows or pads token ids per batch
(:func:`depscreen.models.post_neural.data.batch_loader`). A new network adopts it the
same way: a loader (``loader(data, shuffle, generator) -> batches``), a step that computes
its loss, and callbacks written against the protocol above.

Example
-------
>>> import numpy as np, torch
>>> X, y = torch.randn(20, 3), torch.randint(0, 2, (20,))
>>> def loader(data, shuffle, generator):
...     order = torch.randperm(len(data[1]), generator=generator) if shuffle else torch.arange(len(data[1]))
...     return [(data[0][idx], data[1][idx]) for idx in order.split(8)]
>>> def step(module, batch, epoch):
...     out = module(batch[0])
...     return StepOutput(torch.nn.functional.cross_entropy(out, batch[1]), n=len(batch[1]))
>>> trainer = Trainer(torch.nn.Linear(3, 2), step, loader, max_epochs=3, callbacks=[EpochLogger()])
>>> [r["epoch"] for r in trainer.fit((X, y), (X, y)).history]
[0, 1, 2]
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch
from safetensors.torch import load_file, save_file

log = logging.getLogger("depscreen.training")


@dataclass
class StepOutput:
    """What a step function returns for one batch.

    Attributes
    ----------
    loss : the batch's mean loss (a tensor with gradients in training).
    score : per-sample scores ``(n,)`` or ``(n, K)`` for the validation metric.
    stats : per-sample *sums* of numbers to average over the epoch (e.g. the attention
        entropy of each bag summed over the batch); recorded by name (``valid_`` prefixed
        on validation data).
    n : samples in the batch (default: ``len(batch)``).
    y : the batch's true labels, for the validation metrics (default: ``data.y``).
    """

    loss: torch.Tensor
    score: torch.Tensor | None = None
    stats: dict[str, float] = field(default_factory=dict)
    n: int | None = None
    y: Any = None


StepFn = Callable[[torch.nn.Module, Any, int], StepOutput]
#: ``loader(data, shuffle, generator) -> iterable of batches``
LoaderFn = Callable[[Any, bool, "torch.Generator | None"], Iterable[Any]]


# --------------------------------------------------------------------------- callbacks


class Callback:
    """Base class: override the hooks you need. ``name`` keys the checkpointed state."""

    name = "callback"

    def on_train_begin(self, trainer: "Trainer") -> None: ...

    def on_epoch_begin(self, trainer: "Trainer", epoch: int) -> None: ...

    def on_epoch_end(self, trainer: "Trainer", record: dict) -> None: ...

    def on_train_end(self, trainer: "Trainer") -> None: ...

    def get_state(self) -> tuple[dict, dict[str, torch.Tensor]]:
        return {}, {}

    def set_state(self, state: dict, tensors: dict[str, torch.Tensor]) -> None: ...


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best`` the module ends with the weights of its best epoch. A record
    without ``monitor`` (no validation data) is ignored.
    """

    name = "early_stopping"

    def __init__(self, monitor: str = "valid_loss", patience: int = 5, lower_is_better: bool = True,
                 min_delta: float = 0.0, restore_best: bool = True):
        self.monitor = monitor
        self.patience = patience
        self.lower_is_better = lower_is_better
        self.min_delta = min_delta
        self.restore_best = restore_best
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.wait = 0
        self.best_state: dict[str, torch.Tensor] | None = None

    def on_train_begin(self, trainer):
        if not trainer.resumed:
            self.best, self.best_epoch, self.wait, self.best_state = None, None, 0, None

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.lower_is_better:
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer, record):
        value = record.get(self.monitor)
        if value is None or not np.isfinite(value):
            return
        epoch = record["epoch"]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = float(value), epoch, 0
            self.best_state = _snapshot(trainer.module)
            record[f"{self.monitor}_best"] = True
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True
                log.info("%s: early stop at epoch %d (best %s %.4f at epoch %d)",
                         trainer.tag, epoch, self.monitor, self.best, self.best_epoch)

    def on_train_end(self, trainer):
        if self.restore_best and self.best_state is not None:
            trainer.module.load_state_dict(self.best_state)

    def get_state(self):
        state = {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}
        tensors = {} if self.best_state is None else {f"best.{k}": v for k, v in self.best_state.items()}
        return state, tensors

    def set_state(self, state, tensors):
        self.best, self.best_epoch, self.wait = state.get("best"), state.get("best_epoch"), state.get("wait", 0)
        best = {k[len("best."):]: v for k, v in tensors.items() if k.startswith("best.")}
        self.best_state = best or None


class EpochLogger(Callback):
    """Log each epoch's numbers (``fields``, or every number in the record).

    Records are kept in ``records`` (the same dicts as ``trainer.history``) and, with
    ``path``, appended to a JSON Lines file. Only numbers are logged, never text.
    """

    name = "epoch_logger"

    def __init__(self, path: str | Path | None = None, level: int = logging.INFO,
                 fields: Sequence[str] | None = None, logger: logging.Logger | None = None):
        self.path = None if path is None else Path(path)
        self.level = level
        self.fields = None if fields is None else tuple(fields)
        self.logger = logger or log
        self.records: list[dict] = []

    def on_train_begin(self, trainer):
        self.records = list(trainer.history)

    def on_epoch_end(self, trainer, record):
        self.records.append(record)
        keys = self.fields or [k for k, v in record.items() if k not in ("epoch", "dur") and isinstance(v, float)]
        parts = [f"{k}={record[k]:.4f}" for k in keys if isinstance(record.get(k), (int, float))]
        self.logger.log(self.level, "%s epoch %d: %s (%.1fs)", trainer.tag, record["epoch"], " ".join(parts),
                        record.get("dur", 0.0))
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"phase": trainer.tag, **record}) + "\n")


class BestWeights(Callback):
    """Keep a copy of the best weights (by ``monitor``) in memory; load them at the end.

    It also keeps the *alternative*: the best epoch whose record is not marked
    ``valid_degenerate`` (the network predicted more than one class on the validation
    data), for when the best epoch has collapsed onto one class. ``skip_degenerate=True``
    loads the alternative instead at the end; otherwise :meth:`restore_alternative` does
    so on request. An improvement is any strictly better value (no ``min_delta``: the
    kept epoch is the best one). ``lower_is_better=None`` follows the name (``*loss``).
    """

    name = "best_weights"

    def __init__(self, monitor: str = "valid_loss", lower_is_better: bool | None = None,
                 skip_degenerate: bool = False):
        self.monitor = monitor
        self.lower_is_better = monitor.endswith("loss") if lower_is_better is None else lower_is_better
        self.skip_degenerate = skip_degenerate
        self._reset()

    def _reset(self) -> None:
        self.best_: float | None = None
        self.best_epoch_: int | None = None
        self.best_degenerate_ = False
        self.alternative_epoch_: int | None = None
        self._state: dict[str, torch.Tensor] | None = None
        self._alt: tuple[float, int, dict[str, torch.Tensor]] | None = None  # best non-degenerate epoch

    def _improved(self, value: float, best: float | None) -> bool:
        return best is None or (value < best if self.lower_is_better else value > best)

    def on_train_begin(self, trainer):
        if not trainer.resumed:
            self._reset()

    def on_epoch_end(self, trainer, record):
        if self.monitor not in record:
            raise KeyError(
                f"{type(self).__name__}: '{self.monitor}' is not recorded (available: "
                f"{', '.join(sorted(record))}); pass validation data or monitor 'train_loss'"
            )
        value, epoch = float(record[self.monitor]), record["epoch"]
        degenerate = bool(record.get("valid_degenerate"))
        state = None
        if self._improved(value, self.best_):
            state = _snapshot(trainer.module)
            self.best_, self.best_epoch_, self.best_degenerate_, self._state = value, epoch, degenerate, state
        if not degenerate and (self._alt is None or self._improved(value, self._alt[0])):
            self._alt = (value, epoch, state if state is not None else _snapshot(trainer.module))

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

    def restore_alternative(self, module: torch.nn.Module) -> int | None:
        """Load the best non-degenerate epoch's weights into ``module`` (when it differs
        from the best epoch); returns its epoch, or None when there is none."""
        if self._alt is None:
            return None
        value, epoch, state = self._alt
        module.load_state_dict(state)
        self._alt = None
        self.best_, self.best_epoch_, self.best_degenerate_ = value, epoch, False
        self.alternative_epoch_ = None
        return epoch

    def get_state(self):
        shared = self._alt is not None and self._alt[2] is self._state  # one epoch is both: saved once
        state = {"best": self.best_, "best_epoch": self.best_epoch_, "best_degenerate": self.best_degenerate_,
                 "alt": None if self._alt is None else list(self._alt[:2]), "alt_is_best": shared}
        tensors = {} if self._state is None else {f"best.{k}": v for k, v in self._state.items()}
        if self._alt is not None and not shared:
            tensors.update({f"alt.{k}": v for k, v in self._alt[2].items()})
        return state, tensors

    def set_state(self, state, tensors):
        self.best_, self.best_epoch_ = state.get("best"), state.get("best_epoch")
        self.best_degenerate_ = bool(state.get("best_degenerate"))
        part = lambda prefix: {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}  # noqa: E731
        self._state = part("best.") or None
        alt = state.get("alt")
        alt_state = self._state if state.get("alt_is_best") else part("alt.")
        self._alt = None if alt is None else (alt[0], alt[1], alt_state)


def _snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


class ProgressBar(Callback):
    """A rich progress bar over the epochs (finishes early when training stops)."""

    name = "progress_bar"

    def __init__(self, description: str = "training"):
        self.description = description

    def on_train_begin(self, trainer):
        from rich.progress import Progress

        self._progress = Progress(transient=True)
        self._progress.start()
        self._task = self._progress.add_task(self.description, total=trainer.max_epochs)

    def on_epoch_end(self, trainer, record):
        loss = record.get("valid_loss", record["train_loss"])
        self._progress.update(self._task, advance=1, description=f"{self.description} loss={loss:.3f}")

    def on_train_end(self, trainer):
        self._progress.stop()


class Checkpoint(Callback):
    """Save training state to ``dirname`` after every epoch; resume from it on ``fit``.

    Files: ``module.safetensors``, ``optimizer.safetensors`` + ``state.json`` (epoch,
    history, optimizer scalars, callbacks' state, fingerprint), ``extra.safetensors``
    (random-generator states, callbacks' tensors). A checkpoint whose ``fingerprint``
    differs from the trainer's (another configuration or other data) is not resumed:
    training starts afresh and overwrites it.
    """

    name = "checkpoint"

    def __init__(self, dirname: str | Path, resume: bool = True):
        self.dirname = Path(dirname)
        self.resume = resume

    @property
    def state_path(self) -> Path:
        return self.dirname / "state.json"

    def on_train_begin(self, trainer):
        if not (self.resume and self.state_path.exists()):
            return
        state = json.loads(self.state_path.read_text())
        if state.get("fingerprint") != trainer.fingerprint:
            log.warning("%s: checkpoint in %s is from another run; starting afresh", trainer.tag, self.dirname)
            return
        trainer.module.load_state_dict(load_file(str(self.dirname / "module.safetensors")))
        opt_tensors = load_file(str(self.dirname / "optimizer.safetensors"))
        trainer.optimizer.load_state_dict(_unflatten_optimizer(state["optimizer"], opt_tensors))
        extra = load_file(str(self.dirname / "extra.safetensors"))
        torch.set_rng_state(extra["rng.torch"])
        trainer.generator.set_state(extra["rng.shuffle"])
        trainer.history = state["history"]
        trainer.start_epoch = state["epoch"] + 1
        trainer.stop_training = bool(state.get("stopped"))
        trainer.resumed = True
        for cb in trainer.callbacks:
            if cb is self or cb.name not in state["callbacks"]:
                continue
            prefix = f"cb.{cb.name}."
            cb.set_state(state["callbacks"][cb.name],
                         {k[len(prefix):]: v for k, v in extra.items() if k.startswith(prefix)})
        log.info("%s: resumed from %s after epoch %d", trainer.tag, self.dirname, state["epoch"])

    def on_epoch_end(self, trainer, record):
        self.dirname.mkdir(parents=True, exist_ok=True)
        save_file(_contiguous(trainer.module.state_dict()), str(self.dirname / "module.safetensors"))
        opt_meta, opt_tensors = _flatten_optimizer(trainer.optimizer.state_dict())
        save_file(opt_tensors, str(self.dirname / "optimizer.safetensors"))
        extra = {"rng.torch": torch.get_rng_state(), "rng.shuffle": trainer.generator.get_state()}
        cb_state = {}
        for cb in trainer.callbacks:
            if cb is self:
                continue
            state, tensors = cb.get_state()
            cb_state[cb.name] = state
            extra.update({f"cb.{cb.name}.{k}": v for k, v in tensors.items()})
        save_file(_contiguous(extra), str(self.dirname / "extra.safetensors"))
        payload = {
            "fingerprint": trainer.fingerprint,
            "epoch": record["epoch"],
            "stopped": trainer.stop_training,
            "history": trainer.history,
            "optimizer": opt_meta,
            "callbacks": cb_state,
        }
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload))
        tmp.replace(self.state_path)  # state.json last: a torn write leaves the old state


def _contiguous(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().contiguous().cpu() for k, v in tensors.items()}


def _flatten_optimizer(state_dict: dict) -> tuple[dict, dict[str, torch.Tensor]]:
    """Split an optimizer state dict into JSON (scalars, groups) and tensors."""
    tensors, scalars = {}, {}
    for pid, pstate in state_dict["state"].items():
        for key, value in pstate.items():
            if torch.is_tensor(value):
                tensors[f"{pid}.{key}"] = value
            else:
                scalars[f"{pid}.{key}"] = value
    return {"param_groups": state_dict["param_groups"], "scalars": scalars}, _contiguous(tensors)


def _unflatten_optimizer(meta: dict, tensors: dict[str, torch.Tensor]) -> dict:
    state: dict[int, dict[str, Any]] = {}
    for flat, value in list(tensors.items()) + list(meta["scalars"].items()):
        pid, _, key = flat.partition(".")
        state.setdefault(int(pid), {})[key] = value
    return {"state": state, "param_groups": meta["param_groups"]}


# --------------------------------------------------------------------------- trainer


class Trainer:
    """Mini-batch training of ``module`` with Adam (or ``optimizer``) and named callbacks.

    Parameters
    ----------
    module : the torch module; only its parameters with ``requires_grad`` are trained.
    step : ``step(module, batch, epoch) -> StepOutput``; called in train mode with
        gradients for training batches and in eval mode without for validation.
    loader : ``loader(data, shuffle, generator) -> batches``; ``generator`` is the
        trainer's seeded (and checkpointed) shuffling generator.
    metric : optional ``metric(y_true, scores) -> float`` on the validation set
        (labels from the steps' ``y``, else ``data.y``), recorded as ``valid_metric``.
    metrics : optional named metrics ``{name: metric(y_true, scores) -> number}`` on the
        validation set, recorded as ``valid_<name>`` (e.g. macro-F1 of the argmax, or a
        check that the network does not predict one class for everything).
    optimizer : optional ``optimizer(params) -> torch.optim.Optimizer`` (default Adam
        with ``lr`` and ``weight_decay``).
    fingerprint : identifies the run for :class:`Checkpoint` resumption.
    tag : a name for log lines (``"autoencoder"``, ``"classifier"``).
    """

    def __init__(
        self,
        module: torch.nn.Module,
        step: StepFn,
        loader: LoaderFn,
        *,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        max_epochs: int = 10,
        seed: int = 13,
        callbacks: Sequence[Callback] = (),
        metric: Callable[[np.ndarray, np.ndarray], float] | None = None,
        metrics: dict[str, Callable[[np.ndarray, np.ndarray], Any]] | None = None,
        optimizer: Callable[[list], torch.optim.Optimizer] | None = None,
        clip_grad: float | None = 5.0,
        fingerprint: str = "",
        tag: str = "train",
    ):
        names = [cb.name for cb in callbacks]
        if len(set(names)) != len(names):
            raise ValueError(f"callback names must be unique, got {names}")
        self.module = module
        self.step = step
        self.loader = loader
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.seed = seed
        self.callbacks = list(callbacks)
        self.metric = metric
        self.metrics = dict(metrics or {})
        self.make_optimizer = optimizer
        self.clip_grad = clip_grad
        self.fingerprint = fingerprint
        self.tag = tag
        self.history: list[dict] = []
        self.generator = torch.Generator().manual_seed(seed)

    def callback(self, name: str) -> Callback:
        for cb in self.callbacks:
            if cb.name == name:
                return cb
        raise KeyError(f"no callback named '{name}'")

    def fit(self, train: Any, valid: Any | None = None) -> "Trainer":
        """Train on ``train`` (validating on ``valid`` after each epoch); returns self."""
        if len(train) == 0:
            raise ValueError(f"{self.tag}: no training data")
        torch.manual_seed(self.seed)
        self.generator = torch.Generator().manual_seed(self.seed)
        params = [p for p in self.module.parameters() if p.requires_grad]
        if not params:
            raise ValueError(f"{self.tag}: the module has no trainable parameters")
        self.optimizer = (self.make_optimizer(params) if self.make_optimizer is not None
                          else torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay))
        self.history, self.start_epoch, self.stop_training, self.resumed = [], 0, False, False
        for cb in self.callbacks:
            cb.on_train_begin(self)
        try:
            for epoch in range(self.start_epoch, self.max_epochs):
                if self.stop_training:
                    break
                for cb in self.callbacks:
                    cb.on_epoch_begin(self, epoch)
                t0 = time.perf_counter()
                record = {"epoch": epoch, **self._run_epoch(train, epoch)}
                record["train_dur"] = time.perf_counter() - t0
                if valid is not None and len(valid):
                    record.update(self.evaluate(valid, epoch))
                record["dur"] = time.perf_counter() - t0
                self.history.append(record)
                for cb in self.callbacks:
                    cb.on_epoch_end(self, record)
        finally:  # a progress bar stops, the best weights come back, even after an error
            for cb in self.callbacks:
                cb.on_train_end(self)
            self.module.eval()
        return self

    @staticmethod
    def _size(batch: Any, out: StepOutput) -> int:
        return int(out.n) if out.n is not None else len(batch)

    def _run_epoch(self, data: Any, epoch: int) -> dict:
        self.module.train()
        total, count, stats = 0.0, 0, {}
        for batch in self.loader(data, True, self.generator):
            res = self.step(self.module, batch, epoch)
            self.optimizer.zero_grad()
            res.loss.backward()
            if self.clip_grad:
                torch.nn.utils.clip_grad_norm_(
                    [p for g in self.optimizer.param_groups for p in g["params"]], self.clip_grad
                )
            self.optimizer.step()
            n = self._size(batch, res)
            total += float(res.loss.detach()) * n
            count += n
            _add(stats, res.stats, n)
        return {"train_loss": total / max(count, 1), **_means(stats)}

    @torch.no_grad()
    def evaluate(self, data: Any, epoch: int = -1) -> dict:
        """Validation loss, metric and statistics on ``data`` (eval mode, no shuffling)."""
        self.module.eval()
        total, count, scores, ys, stats = 0.0, 0, [], [], {}
        for batch in self.loader(data, False, None):
            res = self.step(self.module, batch, epoch)
            n = self._size(batch, res)
            total += float(res.loss) * n
            count += n
            if res.score is not None:
                scores.append(res.score.cpu().numpy())
            if res.y is not None:
                ys.append(res.y.cpu().numpy() if torch.is_tensor(res.y) else np.asarray(res.y))
            _add(stats, res.stats, n)
        out = {"valid_loss": total / max(count, 1)}
        y = np.concatenate(ys) if ys else getattr(data, "y", None)
        if scores and y is not None:
            y, s = np.asarray(y), np.concatenate(scores)
            if self.metric is not None:
                out["valid_metric"] = float(self.metric(y, s))
            for name, fn in self.metrics.items():
                out[f"valid_{name}"] = fn(y, s)
        out.update({f"valid_{k}": v for k, v in _means(stats).items()})
        return out


# --------------------------------------------------------------------------- classifiers


def make_loss(class_weights: Sequence[float] | np.ndarray | None = None) -> torch.nn.CrossEntropyLoss:
    """Cross-entropy, weighted per class (class index order) when ``class_weights`` is given."""
    if class_weights is None:
        return torch.nn.CrossEntropyLoss()
    w = torch.as_tensor(np.asarray(class_weights, dtype=np.float32))
    if w.ndim != 1 or torch.any(w <= 0):
        raise ValueError("class weights must be a 1-D sequence of positive numbers")
    return torch.nn.CrossEntropyLoss(weight=w)


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


def classification_step(loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> StepFn:
    """The step of a classifier whose batches are ``(inputs, y)`` and whose module returns
    logits from ``module(*inputs)``: the loss, and on validation the probabilities (for
    :func:`classification_metrics`)."""

    def step(module: torch.nn.Module, batch: Any, epoch: int) -> StepOutput:
        inputs, y = batch
        logits = module(*inputs)
        scores = None if module.training else torch.softmax(logits, dim=1)
        return StepOutput(loss_fn(logits, y), scores, n=len(y), y=y)

    return step


def classification_metrics() -> dict[str, Callable[[np.ndarray, np.ndarray], Any]]:
    """Named validation metrics of a classifier whose step scores are probabilities
    ``(n, K)``: ``valid_acc``, ``valid_f1_macro``, ``valid_n_predicted`` (distinct classes
    predicted) and ``valid_degenerate`` (:func:`predicts_one_class`)."""
    return {
        "acc": lambda y, p: float((np.asarray(y) == p.argmax(1)).mean()),
        "f1_macro": lambda y, p: macro_f1(y, p.argmax(1)),
        "n_predicted": lambda y, p: int(len(np.unique(p.argmax(1)))),
        "degenerate": lambda y, p: predicts_one_class(y, p.argmax(1)),
    }


def validation_split(y: np.ndarray | None, fraction: float, seed: int, *, n: int | None = None,
                     min_class_count: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train, valid) indices: a seeded validation split taken from the training part.

    Stratified by the class indices ``y`` (None: a plain split of ``n`` samples, as for
    regression). No split (every index trains, ``valid`` empty) when ``fraction`` is 0,
    or the split would leave fewer than 2 samples on a side, a class with fewer than
    ``min_class_count`` samples, or a side too small to hold every class.
    """
    size = len(y) if y is not None else int(n or 0)
    idx = np.arange(size)
    n_valid = int(round(float(fraction) * size))
    none = (idx, idx[:0])
    if fraction <= 0 or n_valid < 2 or size - n_valid < 2:
        return none
    if y is not None:
        counts = np.bincount(np.asarray(y))
        counts = counts[counts > 0]
        if counts.min() < min_class_count or n_valid < len(counts) or size - n_valid < len(counts):
            return none
    from sklearn.model_selection import train_test_split

    train, valid = train_test_split(idx, test_size=n_valid, stratify=y, random_state=int(seed))
    return np.sort(train), np.sort(valid)


def _add(acc: dict[str, list[float]], stats: dict[str, float], n: int) -> None:
    for key, value in stats.items():
        slot = acc.setdefault(key, [0.0, 0])
        slot[0] += float(value)
        slot[1] += n


def _means(acc: dict[str, list[float]]) -> dict[str, float]:
    return {k: s / c for k, (s, c) in acc.items() if c}


__all__ = [
    "BestWeights",
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "EpochLogger",
    "LoaderFn",
    "ProgressBar",
    "StepFn",
    "StepOutput",
    "Trainer",
    "classification_metrics",
    "classification_step",
    "macro_f1",
    "make_loss",
    "predicts_one_class",
    "validation_split",
]
