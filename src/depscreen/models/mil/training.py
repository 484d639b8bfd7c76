"""Training data for the multi-instance models: bags, padded batches, the bag loader.

The loop itself and its callbacks are shared by every network in depscreen
(:mod:`depscreen.models.training_loop`: :class:`Trainer`, :class:`EarlyStopping`,
:class:`Checkpoint`, :class:`EpochLogger`, one callback protocol). This module adds
what is particular to bags of post vectors: :class:`BagData`, :func:`iter_batches`
(padding per batch, length-bucketed shuffling), :func:`bag_loader`,
:func:`attention_stats` (attention entropy as a per-epoch statistic) and
:class:`Trainer`, the shared trainer with the bag loader built in.

Example
-------
>>> import numpy as np, torch
>>> from depscreen.models.mil.networks import MILNetwork, BinaryHead
>>> bags = [np.random.default_rng(i).normal(size=(4, 8)).astype("float32") for i in range(6)]
>>> data = BagData(bags, y=np.array([0, 1] * 3))
>>> net = MILNetwork(8, 4, head=BinaryHead(4))
>>> def step(module, batch, epoch):
...     out = module(batch.x, batch.mask)
...     return StepOutput(module.head.loss(out.out, batch.y), module.head.score(out.out),
...                       attention_stats(out.attention, out.keep))
>>> trainer = Trainer(net, step, max_epochs=2, batch_size=3, callbacks=[EpochLogger()]).fit(data)
>>> len(trainer.history), "attention_entropy" in trainer.history[0]
(2, True)
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch

from ..training_loop import Callback, Checkpoint, EarlyStopping, EpochLogger, StepFn, StepOutput
from ..training_loop import Trainer as _LoopTrainer
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

    def __len__(self) -> int:
        return int(self.x.shape[0])


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


def attention_stats(attention: torch.Tensor | None, keep: torch.Tensor | None) -> dict[str, float]:
    """Per-batch sums of the attention entropy (nats, and normalised by ``log n``) of each
    bag, for :attr:`StepOutput.stats`; the trainer averages them over the epoch."""
    if attention is None:
        return {}
    ent, norm = attention_entropy(attention.detach(), keep)
    return {"attention_entropy": float(ent.sum()), "attention_entropy_norm": float(norm.sum())}


def bag_loader(batch_size: int, *, chunk_len: int | None = None, y_dtype: torch.dtype = torch.float32,
               device: str | torch.device = "cpu"):
    """The :class:`~depscreen.models.training_loop.Trainer` loader over :class:`BagData`:
    padded, length-bucketed batches (see :func:`iter_batches`)."""

    def loader(data: BagData, shuffle: bool, generator: torch.Generator | None):
        return iter_batches(data, batch_size, shuffle=shuffle, generator=generator, chunk_len=chunk_len,
                            y_dtype=y_dtype, device=device)

    return loader


class Trainer(_LoopTrainer):
    """:class:`depscreen.models.training_loop.Trainer` over bags: the shared loop with the
    bag loader built from ``batch_size``, ``chunk_len``, ``y_dtype`` and ``device``."""

    def __init__(
        self,
        module: torch.nn.Module,
        step: StepFn,
        *,
        batch_size: int = 32,
        chunk_len: int | None = None,
        y_dtype: torch.dtype = torch.float32,
        device: str = "cpu",
        **kwargs: Any,
    ):
        super().__init__(module, step, bag_loader(batch_size, chunk_len=chunk_len, y_dtype=y_dtype, device=device),
                         **kwargs)
        self.batch_size = batch_size
        self.chunk_len = chunk_len
        self.device = device


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
    "attention_stats",
    "bag_loader",
    "clone_state",
    "iter_batches",
]
