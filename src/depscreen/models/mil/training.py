"""A small skorch-style training loop with named callbacks.

:class:`Trainer` runs epochs of mini-batches over bags (padded per batch), calls a
*step* function that returns the loss (and, when there is one, the attention), and
keeps a ``history`` list with one record per epoch. Behaviour that is not the loop
itself lives in callbacks, each with a name:

* :class:`EarlyStopping` -- stop when the monitored validation value has not improved
  for ``patience`` epochs, and restore the best weights.
* :class:`Checkpoint` -- after each epoch write the module, optimizer, random state,
  history and the other callbacks' state to a folder (safetensors + JSON, no
  pickle); a later ``fit`` with the same fingerprint resumes where it stopped.
* :class:`EpochLogger` -- log (and keep) loss, validation metric and mean attention
  entropy per epoch; optionally append them to a JSON Lines file.

Everything is seeded: the shuffling generator and torch's global generator (dropout)
start from ``seed`` and are checkpointed, so a resumed run ends where an
uninterrupted one would.

Example
-------
>>> import numpy as np, torch
>>> from depscreen.models.mil.networks import MILNetwork, BinaryHead
>>> bags = [np.random.default_rng(i).normal(size=(4, 8)).astype("float32") for i in range(6)]
>>> data = BagData(bags, y=np.array([0, 1] * 3))
>>> net = MILNetwork(8, 4, head=BinaryHead(4))
>>> def step(module, batch, epoch):
...     out = module(batch.x, batch.mask)
...     return StepOutput(module.head.loss(out.out, batch.y), out.attention, out.keep,
...                       module.head.score(out.out))
>>> trainer = Trainer(net, step, max_epochs=2, batch_size=3, callbacks=[EpochLogger()]).fit(data)
>>> len(trainer.history)
2
"""

from __future__ import annotations

import copy
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from .bags import pad_bags
from .networks import attention_entropy

log = logging.getLogger("depscreen.mil")


# --------------------------------------------------------------------------- data


@dataclass
class BagData:
    """Bags (time-ordered ``(n_i, dim)`` arrays) with optional targets and weights.

    ``rows`` identifies each bag in the caller's data set (default ``0..n-1``); it
    reaches the step function, so per-bag state (for example a donor's attention in
    masked hard-instance mining) can be looked up.
    """

    bags: Sequence[np.ndarray]
    y: np.ndarray | None = None
    sample_weight: np.ndarray | None = None
    rows: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.bags)
        if self.rows is None:
            self.rows = np.arange(n)
        for name in ("y", "sample_weight", "rows"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"BagData: {name} has {len(value)} entries for {n} bags")

    def __len__(self) -> int:
        return len(self.bags)

    def subset(self, idx: np.ndarray) -> "BagData":
        pick = lambda a: None if a is None else np.asarray(a)[idx]  # noqa: E731
        return BagData([self.bags[i] for i in idx], pick(self.y), pick(self.sample_weight), pick(self.rows))


@dataclass
class Batch:
    x: torch.Tensor  # (n, T, dim)
    mask: torch.Tensor  # (n, T) bool
    y: torch.Tensor | None
    sample_weight: torch.Tensor | None
    rows: np.ndarray  # (n,) ids of the bags in the caller's data set


def iter_batches(
    data: BagData,
    batch_size: int,
    *,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    chunk_len: int | None = None,
    y_dtype: torch.dtype = torch.float32,
    device: str | torch.device = "cpu",
    bucket: int = 8,
):
    """Yield padded :class:`Batch` es; padding is per batch (to its longest bag).

    With ``shuffle`` the order is random but *bucketed*: the shuffled bags are cut into
    pools of ``bucket`` batches, each pool is sorted by bag length and cut into batches,
    and the batches are shuffled. Bags of similar length share a batch, so little time
    goes into padding (timelines are long-tailed), while every epoch still sees new
    batch compositions. ``bucket=1`` gives plain shuffling.
    """
    n = len(data)
    if shuffle:
        order = torch.randperm(n, generator=generator).numpy()
        batches = []
        pool = max(1, bucket) * batch_size
        lengths = np.array([len(b) for b in data.bags])
        for start in range(0, n, pool):
            part = order[start : start + pool]
            part = part[np.argsort(lengths[part], kind="stable")]
            batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
        perm = torch.randperm(len(batches), generator=generator).numpy()
        batches = [batches[i] for i in perm]
    else:
        batches = [np.arange(start, min(n, start + batch_size)) for start in range(0, n, batch_size)]
    for idx in batches:
        x, mask = pad_bags([data.bags[i] for i in idx], chunk_len=chunk_len)
        y = None if data.y is None else torch.as_tensor(np.asarray(data.y)[idx], dtype=y_dtype)
        w = (
            None
            if data.sample_weight is None
            else torch.as_tensor(np.asarray(data.sample_weight)[idx], dtype=torch.float32)
        )
        yield Batch(
            torch.from_numpy(x).to(device),
            torch.from_numpy(mask).to(device),
            None if y is None else y.to(device),
            None if w is None else w.to(device),
            np.asarray(data.rows)[idx],
        )


@dataclass
class StepOutput:
    """What a step function returns for one batch."""

    loss: torch.Tensor
    attention: torch.Tensor | None = None  # (n, T) weights, for entropy logging
    keep: torch.Tensor | None = None  # (n, T) posts that could get attention
    score: torch.Tensor | None = None  # (n,) or (n, K), for the validation metric


StepFn = Callable[[torch.nn.Module, Batch, int], StepOutput]


# --------------------------------------------------------------------------- callbacks


class Callback:
    """Base class: override the hooks you need. ``name`` keys the checkpointed state."""

    name = "callback"

    def on_train_begin(self, trainer: "Trainer") -> None: ...

    def on_epoch_begin(self, trainer: "Trainer", epoch: int) -> None: ...

    def on_epoch_end(self, trainer: "Trainer", epoch: int, record: dict) -> None: ...

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

    def on_epoch_end(self, trainer, epoch, record):
        value = record.get(self.monitor)
        if value is None or not np.isfinite(value):
            return
        if self._improved(value):
            self.best, self.best_epoch, self.wait = float(value), epoch, 0
            self.best_state = {k: v.detach().clone() for k, v in trainer.module.state_dict().items()}
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
    """Log each epoch's loss, validation loss / metric and attention entropy.

    Records are kept in ``records`` (the same dicts as ``trainer.history``) and, with
    ``path``, appended to a JSON Lines file. Only numbers are logged, never text.
    """

    name = "epoch_logger"
    FIELDS = ("train_loss", "valid_loss", "valid_metric", "attention_entropy",
              "attention_entropy_norm", "valid_attention_entropy_norm")

    def __init__(self, path: str | Path | None = None, level: int = logging.INFO):
        self.path = None if path is None else Path(path)
        self.level = level
        self.records: list[dict] = []

    def on_train_begin(self, trainer):
        self.records = list(trainer.history)

    def on_epoch_end(self, trainer, epoch, record):
        self.records.append(record)
        parts = [f"{k}={record[k]:.4f}" for k in self.FIELDS if record.get(k) is not None]
        log.log(self.level, "%s epoch %d: %s (%.1fs)", trainer.tag, epoch, " ".join(parts), record["dur"])
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"phase": trainer.tag, **record}) + "\n")


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

    def on_epoch_end(self, trainer, epoch, record):
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
            "epoch": epoch,
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
    """Mini-batch training of ``module`` with Adam and named callbacks.

    Parameters
    ----------
    module : the torch module; only its parameters with ``requires_grad`` are trained.
    step : ``step(module, batch, epoch) -> StepOutput``; called in train mode with
        gradients for training batches and in eval mode without for validation.
    metric : optional ``metric(y_true, scores) -> float`` on the validation set,
        recorded as ``valid_metric``.
    fingerprint : identifies the run for :class:`Checkpoint` resumption.
    tag : a name for log lines (``"autoencoder"``, ``"classifier"``).
    """

    def __init__(
        self,
        module: torch.nn.Module,
        step: StepFn,
        *,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        max_epochs: int = 10,
        batch_size: int = 32,
        seed: int = 13,
        chunk_len: int | None = None,
        callbacks: Sequence[Callback] = (),
        metric: Callable[[np.ndarray, np.ndarray], float] | None = None,
        y_dtype: torch.dtype = torch.float32,
        clip_grad: float | None = 5.0,
        fingerprint: str = "",
        tag: str = "train",
        device: str = "cpu",
    ):
        names = [cb.name for cb in callbacks]
        if len(set(names)) != len(names):
            raise ValueError(f"callback names must be unique, got {names}")
        self.module = module
        self.step = step
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.seed = seed
        self.chunk_len = chunk_len
        self.callbacks = list(callbacks)
        self.metric = metric
        self.y_dtype = y_dtype
        self.clip_grad = clip_grad
        self.fingerprint = fingerprint
        self.tag = tag
        self.device = device
        self.history: list[dict] = []

    def callback(self, name: str) -> Callback:
        for cb in self.callbacks:
            if cb.name == name:
                return cb
        raise KeyError(f"no callback named '{name}'")

    def _batches(self, data: BagData, shuffle: bool):
        return iter_batches(data, self.batch_size, shuffle=shuffle, generator=self.generator,
                            chunk_len=self.chunk_len, y_dtype=self.y_dtype, device=self.device)

    def fit(self, train: BagData, valid: BagData | None = None) -> "Trainer":
        if len(train) == 0:
            raise ValueError(f"{self.tag}: no training bags")
        torch.manual_seed(self.seed)
        self.generator = torch.Generator().manual_seed(self.seed)
        params = [p for p in self.module.parameters() if p.requires_grad]
        if not params:
            raise ValueError(f"{self.tag}: the module has no trainable parameters")
        self.optimizer = torch.optim.Adam(params, lr=self.lr, weight_decay=self.weight_decay)
        self.history, self.start_epoch, self.stop_training, self.resumed = [], 0, False, False
        for cb in self.callbacks:
            cb.on_train_begin(self)
        for epoch in range(self.start_epoch, self.max_epochs):
            if self.stop_training:
                break
            for cb in self.callbacks:
                cb.on_epoch_begin(self, epoch)
            t0 = time.perf_counter()
            record = {"epoch": epoch, **self._run_epoch(train, epoch)}
            if valid is not None and len(valid):
                record.update(self.evaluate(valid, epoch))
            record["dur"] = time.perf_counter() - t0
            self.history.append(record)
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch, record)
        for cb in self.callbacks:
            cb.on_train_end(self)
        self.module.eval()
        return self

    def _run_epoch(self, data: BagData, epoch: int) -> dict:
        self.module.train()
        total, count, ent, ent_norm, n_att = 0.0, 0, 0.0, 0.0, 0
        for batch in self._batches(data, shuffle=True):
            res = self.step(self.module, batch, epoch)
            self.optimizer.zero_grad()
            res.loss.backward()
            if self.clip_grad:
                torch.nn.utils.clip_grad_norm_(
                    [p for g in self.optimizer.param_groups for p in g["params"]], self.clip_grad
                )
            self.optimizer.step()
            n = batch.x.shape[0]
            total += float(res.loss.detach()) * n
            count += n
            if res.attention is not None:
                e, en = attention_entropy(res.attention.detach(), res.keep)
                ent += float(e.sum())
                ent_norm += float(en.sum())
                n_att += n
        out = {"train_loss": total / max(count, 1)}
        if n_att:
            out["attention_entropy"] = ent / n_att
            out["attention_entropy_norm"] = ent_norm / n_att
        return out

    @torch.no_grad()
    def evaluate(self, data: BagData, epoch: int = -1) -> dict:
        """Validation loss, metric and attention entropy on ``data`` (eval mode)."""
        self.module.eval()
        total, count, scores, ent_norm, n_att = 0.0, 0, [], 0.0, 0
        for batch in self._batches(data, shuffle=False):
            res = self.step(self.module, batch, epoch)
            n = batch.x.shape[0]
            total += float(res.loss) * n
            count += n
            if res.score is not None:
                scores.append(res.score.cpu().numpy())
            if res.attention is not None:
                ent_norm += float(attention_entropy(res.attention, res.keep)[1].sum())
                n_att += n
        out = {"valid_loss": total / max(count, 1)}
        if self.metric is not None and scores and data.y is not None:
            out["valid_metric"] = float(self.metric(np.asarray(data.y), np.concatenate(scores)))
        if n_att:
            out["valid_attention_entropy_norm"] = ent_norm / n_att
        return out


def clone_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of ``module``'s weights (for donors, best-epoch snapshots)."""
    return copy.deepcopy({k: v.detach() for k, v in module.state_dict().items()})


__all__ = [
    "BagData",
    "Batch",
    "Callback",
    "Checkpoint",
    "EarlyStopping",
    "EpochLogger",
    "StepOutput",
    "Trainer",
    "clone_state",
    "iter_batches",
]
