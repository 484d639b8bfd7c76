"""Saving and loading a fitted LMILAtt: ``config.json`` + ``model.safetensors``.

A model folder holds ``config.json`` (registry name, parameters, the embedder that made
the vectors and the fitted state: head, classes, label scaling, input size),
``model.safetensors`` (the network's weights), ``history.json`` (the training history)
and, for a corpus-fitted embedder (``tfidf-svd``), ``embedder/`` (its own folder). Nothing
is pickled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..base import check_fitted
from .inference import jsonable

WEIGHTS_NAME = "model.safetensors"
EMBEDDER_FOLDER = "embedder"


class PersistenceMixin:
    """``save`` / ``_save_weights`` / ``_load_weights`` of LMILAtt (with :class:`SavableMixin`)."""

    def save(self, folder):
        """Write ``config.json`` + ``model.safetensors`` (and a fitted embedder's files)."""
        check_fitted(self, "network_")
        original = self.embedder
        if not isinstance(original, str):
            self.embedder = self.embedder_request_
        try:
            return super().save(folder)
        finally:
            self.embedder = original

    def _save_weights(self, folder: Path) -> dict[str, Any]:
        from safetensors.torch import save_file

        state = {k: v.detach().contiguous().cpu() for k, v in self.network_.state_dict().items()}
        save_file(state, str(folder / WEIGHTS_NAME))
        embedder_cfg: dict[str, Any] = {"request": self.embedder_request_, "name": self.embedder_name_,
                                        "dim": self.embedder_dim_, "folder": None, "config": None}
        emb = getattr(self, "embedder_", None)
        if emb is not None and hasattr(emb, "config"):
            try:
                embedder_cfg["config"] = emb.config()
            except Exception:  # noqa: BLE001 - a config is a convenience, the name is the check
                embedder_cfg["config"] = None
        if emb is not None and hasattr(emb, "fit") and hasattr(emb, "save"):
            emb.save(folder / EMBEDDER_FOLDER)  # corpus-fitted: the vector space travels with the model
            embedder_cfg["folder"] = EMBEDDER_FOLDER
        state_cfg = {
            "head": self.head_,
            "classes": None if self.head_ == "regression" else [jsonable(c) for c in self.classes_.tolist()],
            "y_mean": getattr(self, "y_mean_", None),
            "y_std": getattr(self, "y_std_", None),
            "input_dim": self.input_dim_,
            "n_train": self.n_train_,
            "n_valid": self.n_valid_,
        }
        (folder / "history.json").write_text(json.dumps(self.history_, indent=1))
        return {"embedder": embedder_cfg, "state": state_cfg}

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:
        from safetensors.torch import load_file

        for key in ("embedder", "state"):
            if key not in config:
                raise ValueError(f"{folder / 'config.json'}: missing field '{key}'")
        st, emb = config["state"], config["embedder"]
        self.head_ = st["head"]
        if st["classes"] is not None:
            self.classes_ = np.asarray(st["classes"])
        if st.get("y_mean") is not None:
            self.y_mean_, self.y_std_ = float(st["y_mean"]), float(st["y_std"])
        self.input_dim_ = self.embedder_dim_ = int(st["input_dim"])
        self.n_train_, self.n_valid_ = st.get("n_train"), st.get("n_valid")
        self.embedder_request_ = emb["request"]
        self.embedder_name_ = emb["name"]
        self._embedder_saved_ = (folder, emb)
        self.embedder_ = None
        self.network_ = self._build_network(self.input_dim_)
        self.network_.load_state_dict(load_file(str(folder / WEIGHTS_NAME)))
        self.network_.eval()
        hist = folder / "history.json"
        self.history_ = json.loads(hist.read_text()) if hist.exists() else {}

    def _load_embedder(self):
        """Rebuild the embedder recorded at save time and check it is the same space."""
        folder, emb = getattr(self, "_embedder_saved_", (None, None))
        if emb is None or not isinstance(self.embedder, str):
            embedder = self._resolve_embedder()
        else:
            from ...embed import registry

            cfg = emb.get("config") or {}
            if emb.get("folder"):
                backend = cfg.get("backend") or emb["request"]
                embedder = registry.get_embedder(backend, path=str(Path(folder) / emb["folder"]))
            elif cfg.get("backend"):
                embedder = registry.embedder_from_config(cfg, check_name=False)
            else:
                embedder = registry.get_embedder(emb["request"], **(self.embedder_options or {}))
        if embedder.name != self.embedder_name_:
            raise ValueError(
                f"the model was trained on '{self.embedder_name_}' but the embedder available now is "
                f"'{embedder.name}' (another version or options); refusing to mix vector spaces"
            )
        return embedder


# ---------------------------------------------------------------------- helpers
