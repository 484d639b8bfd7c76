"""The saved folder of a post-level classifier: network weights and ``config.json`` parts.

A folder holds ``config.json`` (written by :class:`depscreen.models.base.SavableMixin`:
parameters, plus the estimator's entries: architecture, classes, network shape,
preprocessing configuration, class weights and :func:`training_record`),
``model.safetensors`` (:func:`save_network` / :func:`load_network`) and the
featuriser's own part (``features.json`` or ``vocabulary.json``, pinned word tables
under ``resources/``; see :mod:`.featurizer`). Nothing is pickled. The format is the
one of the single-module estimator before the split, so older folders load unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from .factory import make_network

WEIGHTS_NAME = "model.safetensors"

__all__ = ["WEIGHTS_NAME", "save_network", "load_network", "check_config", "training_record",
           "restore_training"]


def save_network(network: torch.nn.Module, folder: Path) -> None:
    """Write ``network``'s weights to ``folder/model.safetensors``."""
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous().cpu() for k, v in network.state_dict().items()}
    save_file(state, str(Path(folder) / WEIGHTS_NAME))


def check_config(folder: Path, config: dict[str, Any], arch: str) -> None:
    """Refuse a ``config.json`` of another architecture or without classes / network."""
    if config.get("arch") != arch:
        raise ValueError(
            f"{Path(folder) / 'config.json'}: field 'arch' is {config.get('arch')!r}, expected {arch!r}"
        )
    for key in ("classes", "network"):
        if key not in config:
            raise ValueError(f"{Path(folder) / 'config.json'}: field '{key}' is missing")


def load_network(arch: str, network_config: dict[str, Any], folder: Path) -> torch.nn.Module:
    """Network ``arch`` built from ``network_config`` with the weights of
    ``folder/model.safetensors``, in eval mode; a clear error when they do not fit."""
    from safetensors.torch import load_file

    network = make_network(arch, network_config)
    weights_path = Path(folder) / WEIGHTS_NAME
    if not weights_path.exists():
        raise FileNotFoundError(f"{weights_path}: weights file missing")
    try:
        network.load_state_dict(load_file(str(weights_path)))
    except RuntimeError as exc:
        raise ValueError(f"{weights_path}: weights do not fit the network in config.json: {exc}") from None
    network.eval()
    return network


def training_record(clf) -> dict[str, Any]:
    """The ``"training"`` entry of config.json from a fitted estimator."""
    return {
        "max_epochs": clf.max_epochs_,
        "epochs_run": len(clf.history_),
        "best_epoch": clf.best_epoch_,
        "n_valid": clf.n_valid_,
        "degenerate": bool(clf.degenerate_),
        "fallback": clf.fallback_,
        "history": clf.history_,
    }


def restore_training(config: dict[str, Any], max_epochs: int | None) -> dict[str, Any]:
    """The fitted attributes (name -> value) that config.json's ``"class_weight"`` and
    ``"training"`` entries give back; ``max_epochs`` where the record has none."""
    cw = config.get("class_weight")
    training = config.get("training", {})
    return {
        "class_weight_": None if cw is None else np.asarray(cw),
        "history_": training.get("history", []),
        "max_epochs_": training.get("max_epochs", max_epochs),
        "best_epoch_": training.get("best_epoch"),
        "n_valid_": training.get("n_valid", 0),
        "degenerate_": bool(training.get("degenerate", False)),
        "fallback_": training.get("fallback"),
    }
