"""The masking rule of masked hard instance mining (MHIM, paper 001).

For every bag and every epoch of phase 2, the donor's attention over the bag's *real*
instances decides which instances the receiver may not attend to:

1. ``t`` instances drawn at random (seeded) from the donor's top ``r = 2t`` (the
   "easy", most salient instances; drawing from a pool twice as large keeps some of
   the very top visible now and then, as in MHIM-MIL);
2. plus the ``b`` least-attended of the instances left.

``t`` and ``b`` are counts (``int``) or shares of the bag (``float`` in ``(0, 1)``,
rounded half up: ``t=0.1`` on a bag of 25 masks 3). At least ``min_keep`` instances
always stay visible: when ``t + b`` would leave fewer, ``b`` shrinks first, then ``t``.

The result is an *attention mask* over the bag, never a deletion: ``True`` / ``1.0`` =
visible, ``False`` (``mode="hard"``: zero attention) or ``soft_weight`` (``mode="soft"``:
the instance's unnormalised attention is multiplied by it) = masked. The receiver's
network (:class:`depscreen.models.mil.networks.MILNetwork`) applies it inside the
softmax, so padding and the encoder's input are untouched.

The draw for a bag depends only on ``(seed, epoch, row)``, not on batch order, so a run
is reproducible and a resumed run draws the same masks.

Example
-------
>>> import numpy as np
>>> rule = MaskingRule(t=1, b=1, seed=0)
>>> att = np.array([0.05, 0.5, 0.3, 0.1, 0.05])
>>> keep = rule.mask_for(att, epoch=0, row=0)
>>> keep.dtype, int((~keep).sum()), bool(keep[1] and keep[2])   # one of the top-2 is masked
(dtype('bool'), 2, False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

MODES = ("hard", "soft")


def resolve_count(value: int | float, n: int, name: str = "count") -> int:
    """Turn ``value`` (a count or a share of the bag) into a count for a bag of ``n``.

    ``int`` (or an integral ``float`` >= 1) is a count; a ``float`` in ``(0, 1)`` is a
    share of ``n`` rounded half up; the result never exceeds ``n``.

    >>> resolve_count(2, 10), resolve_count(0.25, 10), resolve_count(0.1, 4), resolve_count(5, 3)
    (2, 3, 0, 3)
    """
    check_count(value, name)
    if isinstance(value, (float, np.floating)) and 0.0 < float(value) < 1.0:
        count = int(math.floor(float(value) * n + 0.5))
    else:
        count = int(value)
    return max(0, min(count, n))


def check_count(value, name: str) -> None:
    """Raise a clear error unless ``value`` is a count >= 0 or a share in ``(0, 1)``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a count (int >= 0) or a share of the bag (float in (0, 1)), got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    if v >= 1.0 and not v.is_integer():
        raise ValueError(f"{name}={value!r}: a share of the bag must be below 1, a count must be whole")


@dataclass(frozen=True)
class MaskingRule:
    """Which instances of a bag the receiver may not attend to, given donor attention.

    Parameters
    ----------
    t : int or float
        Instances masked from the top of the donor's attention (count or share).
    b : int or float
        Least-attended instances masked (count or share).
    r_factor : float
        Size of the pool the ``t`` are drawn from, ``r = ceil(r_factor * t)``; the paper
        uses ``r = 2t``. ``1`` masks exactly the top ``t``.
    mode : {"hard", "soft"}
        Hard masking gives masked instances zero attention; soft masking multiplies
        their unnormalised attention by ``soft_weight``.
    soft_weight : float
        Weight of masked instances in soft mode, in ``[0, 1)``.
    min_keep : int
        Instances that always stay visible (at least 1).
    seed : int
        Seed of the draws; a bag's draw depends on ``(seed, epoch, row)`` only.
    """

    t: int | float = 2
    b: int | float = 1
    r_factor: float = 2.0
    mode: str = "hard"
    soft_weight: float = 0.1
    min_keep: int = 1
    seed: int = 13

    def __post_init__(self) -> None:
        check_count(self.t, "t")
        check_count(self.b, "b")
        if self.mode not in MODES:
            raise ValueError(f"masking mode must be one of {MODES}, got {self.mode!r}")
        if not (isinstance(self.r_factor, (int, float)) and self.r_factor >= 1.0):
            raise ValueError(f"r_factor must be >= 1 (r = r_factor * t >= t), got {self.r_factor!r}")
        if not 0.0 <= float(self.soft_weight) < 1.0:
            raise ValueError(f"soft_weight must be in [0, 1), got {self.soft_weight!r}")
        if not (isinstance(self.min_keep, (int, np.integer)) and self.min_keep >= 1):
            raise ValueError(f"min_keep must be an integer >= 1, got {self.min_keep!r}")

    @property
    def active(self) -> bool:
        """False when the rule never masks anything (``t = b = 0``)."""
        return float(self.t) > 0 or float(self.b) > 0

    def counts(self, n: int) -> tuple[int, int, int]:
        """``(t, r, b)`` for a bag of ``n`` real instances, after the ``min_keep`` budget."""
        budget = max(0, n - self.min_keep)
        t = resolve_count(self.t, n, "t")
        b = resolve_count(self.b, n, "b")
        t = min(t, budget)
        b = min(b, budget - t)
        r = min(n, max(t, int(math.ceil(self.r_factor * t))))
        return t, r, b

    def rng(self, epoch: int, row: int) -> np.random.Generator:
        return np.random.default_rng([int(self.seed), int(epoch), int(row)])

    def select(self, attention: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Positions to mask: ``(top, bottom)`` index arrays into ``attention``.

        ``top`` holds ``t`` positions drawn without replacement from the ``r`` highest
        weights (ties broken by position); ``bottom`` the ``b`` lowest of the rest.
        """
        a = np.asarray(attention, dtype=np.float64).ravel()
        if not np.all(np.isfinite(a)):
            raise ValueError("donor attention holds NaN or infinite values")
        t, r, b = self.counts(len(a))
        order = np.argsort(-a, kind="stable")
        top = np.sort(rng.choice(order[:r], size=t, replace=False)) if t else np.zeros(0, dtype=np.int64)
        rest = np.setdiff1d(np.arange(len(a)), top)
        bottom = np.sort(rest[np.argsort(a[rest], kind="stable")[:b]]) if b else np.zeros(0, dtype=np.int64)
        return top.astype(np.int64), bottom.astype(np.int64)

    def mask_for(self, attention: np.ndarray, *, epoch: int, row: int) -> np.ndarray:
        """The attention mask of one bag: bool (hard) or float32 weights (soft)."""
        a = np.asarray(attention).ravel()
        top, bottom = self.select(a, self.rng(epoch, row))
        masked = np.concatenate([top, bottom])
        if self.mode == "hard":
            keep = np.ones(len(a), dtype=bool)
            keep[masked] = False
            return keep
        weights = np.ones(len(a), dtype=np.float32)
        weights[masked] = np.float32(self.soft_weight)
        return weights

    def masks(self, attentions: Sequence[np.ndarray], *, epoch: int, rows: Sequence[int]) -> list[np.ndarray]:
        """:meth:`mask_for` of every bag; ``rows`` identify the bags (seeding)."""
        if len(attentions) != len(rows):
            raise ValueError(f"{len(attentions)} attention arrays but {len(rows)} rows")
        return [self.mask_for(a, epoch=epoch, row=r) for a, r in zip(attentions, rows)]

    def batch_mask(self, attention, valid, *, epoch: int, rows: Sequence[int]):
        """The attention mask of a padded batch (torch tensors ``(n, T)``).

        ``valid`` marks the real instances; masks are drawn over those only, and padded
        slots get ``False`` / ``0`` (the network excludes them anyway).
        """
        import torch

        att = attention.detach().cpu().numpy()
        ok = valid.detach().cpu().numpy().astype(bool)
        dtype = bool if self.mode == "hard" else np.float32
        out = np.zeros(att.shape, dtype=dtype)
        for j, row in enumerate(rows):
            pos = np.flatnonzero(ok[j])
            if len(pos):
                out[j, pos] = self.mask_for(att[j, pos], epoch=epoch, row=int(row))
        return torch.from_numpy(out).to(attention.device)

    def to_dict(self) -> dict:
        return {"t": self.t, "b": self.b, "r_factor": self.r_factor, "mode": self.mode,
                "soft_weight": self.soft_weight, "min_keep": self.min_keep, "seed": self.seed}


def parse_spec(spec: str) -> dict[str, float | int]:
    """Parse a command-line spec such as ``"t=2,b=1"`` or ``"t=0.1,b=0.05"``.

    >>> parse_spec("t=2,b=1")
    {'t': 2, 'b': 1}
    """
    out: dict[str, float | int] = {}
    for part in (p.strip() for p in str(spec).split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in ("t", "b"):
            raise ValueError(f"MHIM spec '{spec}': expected items t=VALUE,b=VALUE, got '{part}'")
        try:
            num = float(value)
        except ValueError:
            raise ValueError(f"MHIM spec '{spec}': {key}={value!r} is not a number") from None
        out[key] = int(num) if num.is_integer() and "." not in value else num
        check_count(out[key], key)
    if not out:
        raise ValueError(f"MHIM spec '{spec}' is empty; use e.g. t=2,b=1")
    return out
