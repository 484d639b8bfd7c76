"""Donors: whose attention decides what the receiver may not look at in phase 2.

Two strategies, one interface (:class:`Donor`):

* :class:`FrozenDonor` -- the phase-1 model itself (the paper). Its weights are never
  updated in phase 2 (no gradients, eval mode, checked by the tests); its attention over
  each training bag is computed once and reused every epoch (the *draw* from it changes
  with the epoch).
* :class:`MomentumDonor` -- an exponential moving average (EMA) of the receiver's own
  weights, as in MHIM-MIL (Tang et al., ICCV 2023): ``theta_d <- m * theta_d + (1 - m) *
  theta_r`` before every training step, starting from the phase-1 weights. The donor then
  follows the receiver slowly, so masking keeps up with what the receiver has learned to
  rely on.

A donor answers :meth:`Donor.batch_attention` for a training batch of the receiver:
attention ``(n, T)`` over the batch's bags (zero at padding), without gradients.

Example
-------
>>> import torch
>>> from depscreen.models.mil.networks import MILNetwork, BinaryHead
>>> net = MILNetwork(8, 4, head=BinaryHead(4), encoder="none")
>>> ema = MomentumDonor(momentum=0.5)
>>> ema.attach(net)
>>> before = ema.network.pooling.context.clone()
>>> with torch.no_grad():
...     _ = net.pooling.context.zero_()
>>> ema.update(net)                      # halfway from the old weights to the receiver's
>>> bool(torch.allclose(ema.network.pooling.context, 0.5 * before))
True
"""

from __future__ import annotations

import copy
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

DONORS = ("frozen", "momentum")

#: ``forward(network, x, mask) -> attention (n, T)``: how a network reads a batch (the
#: receiver's phase-2 batches hold post features when its encoder is frozen).
ForwardFn = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


class Donor:
    """Interface: ``batch_attention(batch) -> (n, T)`` and ``update(receiver_network)``."""

    name = "donor"

    def batch_attention(self, batch) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def update(self, receiver: nn.Module) -> None:
        """Called before each training step of the receiver (no-op for a frozen donor)."""

    def describe(self) -> dict:
        return {"donor": self.name}


class FrozenDonor(Donor):
    """The phase-1 model, fixed: attention per training bag, looked up by row.

    Parameters
    ----------
    attention : sequence of arrays
        ``attention[row]`` is the donor's attention over bag ``row`` (the rows a
        receiver's training batch carries in ``batch.rows``), real instances only.
    network : nn.Module, optional
        The donor's network, kept only so callers can check it is untouched; it is put
        in eval mode with gradients off.
    """

    name = "frozen"

    def __init__(self, attention: Sequence[np.ndarray], network: nn.Module | None = None):
        self.attention = [np.asarray(a, dtype=np.float32) for a in attention]
        self.network = network
        if network is not None:
            network.eval()
            for p in network.parameters():
                p.requires_grad_(False)

    def batch_attention(self, batch) -> torch.Tensor:
        n, T = batch.mask.shape
        out = np.zeros((n, T), dtype=np.float32)
        lengths = batch.mask.sum(dim=1).cpu().numpy()
        for j, row in enumerate(batch.rows):
            a = self.attention[int(row)]
            if len(a) != int(lengths[j]):
                raise ValueError(
                    f"donor attention for bag {int(row)} covers {len(a)} instances, the batch "
                    f"holds {int(lengths[j])}: donor and receiver must see the same bags"
                )
            pos = np.flatnonzero(batch.mask[j].cpu().numpy())
            out[j, pos] = a
        return torch.from_numpy(out).to(batch.mask.device)


class MomentumDonor(Donor):
    """An EMA copy of the receiver's network (MHIM-MIL's momentum teacher).

    Parameters
    ----------
    momentum : float
        ``m`` in ``theta_d <- m * theta_d + (1 - m) * theta_r``; 0.99 as in MHIM-MIL.
    forward : callable, optional
        ``forward(network, x, mask) -> attention``; default ``network(x, mask).attention``.
    """

    name = "momentum"

    def __init__(self, momentum: float = 0.99, forward: ForwardFn | None = None):
        if not 0.0 <= float(momentum) < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.forward = forward or (lambda net, x, mask: net(x, mask).attention)
        self.network: nn.Module | None = None
        self.steps = 0

    def attach(self, receiver: nn.Module, init_state: dict | None = None) -> None:
        """Make the EMA copy of ``receiver`` (starting from ``init_state`` when given,
        e.g. the phase-1 donor's weights, else from the receiver's current weights)."""
        net = copy.deepcopy(receiver)
        if init_state is not None:
            net.load_state_dict(init_state)
        net.eval()
        for p in net.parameters():
            p.requires_grad_(False)
        self.network = net
        self.steps = 0

    @torch.no_grad()
    def update(self, receiver: nn.Module) -> None:
        if self.network is None:
            raise RuntimeError("MomentumDonor.update before attach()")
        m = self.momentum
        ema_params = dict(self.network.named_parameters())
        for name, p in receiver.named_parameters():
            ema_params[name].mul_(m).add_(p.detach(), alpha=1.0 - m)
        ema_buffers = dict(self.network.named_buffers())
        for name, buf in receiver.named_buffers():
            ema_buffers[name].copy_(buf)
        self.steps += 1

    @torch.no_grad()
    def batch_attention(self, batch) -> torch.Tensor:
        if self.network is None:
            raise RuntimeError("MomentumDonor used before attach()")
        self.network.eval()
        with torch.random.fork_rng(devices=[]):  # never disturb the receiver's dropout stream
            return self.forward(self.network, batch.x, batch.mask).detach()

    def describe(self) -> dict:
        return {"donor": self.name, "momentum": self.momentum, "ema_steps": self.steps}
