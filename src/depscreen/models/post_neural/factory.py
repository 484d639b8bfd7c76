"""The network choice of the post-level classifiers: settings -> a :mod:`.networks` network.

:func:`network_config` turns an architecture name (``"cnn"``, ``"lstm"``,
``"cnn-lstm"``), the featuriser's input sizes and the estimator's shape settings into
the JSON-able network configuration saved under ``"network"`` in ``config.json``;
:func:`make_network` builds a fresh network from it (seeded, so the same seed gives the
same initial weights). Only the settings an architecture has are recorded: the CNN
takes every kernel size, the CNN-LSTM the first one.

Example
-------
>>> config = network_config("lstm", n_classes=2, input="tfidf", inputs={"n_features": 30},
...                         hidden_size=8)
>>> sorted(config)
['bidirectional', 'dropout', 'hidden_size', 'input', 'n_classes', 'n_features', 'seq_len']
>>> make_network("lstm", config, seed=0)(__import__("torch").rand(4, 30)).shape
torch.Size([4, 2])
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch
from torch import nn

from .networks import NETWORKS, build_network

ARCHITECTURES = tuple(NETWORKS)

__all__ = ["ARCHITECTURES", "network_config", "make_network"]


def network_config(
    arch: str,
    *,
    n_classes: int,
    input: str,
    inputs: Mapping[str, int],
    dropout: float = 0.5,
    filters: int = 32,
    kernel_sizes: Sequence[int] = (3, 4, 5),
    pool_size: int = 8,
    hidden_size: int = 64,
    seq_len: int = 1,
    bidirectional: bool = False,
) -> dict[str, Any]:
    """The configuration of network ``arch``: classes, input kind and sizes
    (``inputs``: ``n_features``, or ``vocab_size`` and ``embed_dim``, from
    :meth:`~.featurizer.PostFeaturizer.network_inputs`), dropout, and the shape
    settings of that architecture."""
    if arch not in NETWORKS:
        raise ValueError(f"unknown architecture {arch!r}; use one of {sorted(NETWORKS)}")
    common = {"n_classes": int(n_classes), "input": input, "dropout": dropout, **inputs}
    if arch == "cnn":
        extra = {
            "filters": filters,
            "kernel_sizes": [int(k) for k in kernel_sizes],
            "pool_size": pool_size,
            "hidden_size": hidden_size,
        }
    elif arch == "lstm":
        extra = {"hidden_size": hidden_size, "seq_len": seq_len, "bidirectional": bool(bidirectional)}
    else:
        extra = {"filters": filters, "kernel_size": int(list(kernel_sizes)[0]),
                 "hidden_size": hidden_size, "seq_len": seq_len, "bidirectional": bool(bidirectional)}
    return {**common, **extra}


def make_network(arch: str, config: Mapping[str, Any], *, seed: int | None = None) -> nn.Module:
    """A fresh network ``arch`` from ``config``; with ``seed``, its initial weights are
    drawn after ``torch.manual_seed(seed)``."""
    if seed is not None:
        torch.manual_seed(int(seed))
    return build_network(arch, **config)
