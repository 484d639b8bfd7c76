"""Saving and loading a fitted LMILAtt: a folder, never a pickle.

Layout::

    model/
      config.json          registry name, parameters, the embedder's name / dim / folder,
                           the fitted state (head, classes, label scaling, input size)
      model.safetensors    the network's weights (and the training mean post vector
                           when the model centres its inputs)
      history.json         the training history
      embedder/            the embedder's own folder (its config.json, and the fitted
                           space of a corpus-fitted backend such as tfidf-svd)
      manifest.json        every file's size and sha256, written last
                           (:mod:`depscreen.models.folder`, checked at load)

The embedder saves itself (:meth:`depscreen.embed.Embedder.save`), so ``save`` never
touches the model's parameters; an embedder given as an object is recorded in
``config.json`` by the name of its space. A loaded model reads the embedder back from
``embedder/`` (lazily, on the first raw users it scores) and refuses one whose name
differs from the space it was trained on. Folders saved before the embedder saved
itself (no ``embedder/config.json``) rebuild it from the ``embedder`` parameter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...jsonable import plain_value
from .. import folder as model_folder
from ..base import check_fitted
from ..folder import CONFIG_NAME

WEIGHTS_NAME = "model.safetensors"
HISTORY_NAME = "history.json"
EMBEDDER_FOLDER = "embedder"
#: the training mean post vector (``center``), stored beside the network's weights
MEAN_KEY = "depscreen.embedding_mean"


class PersistenceMixin:
    """``save`` / ``load`` of LMILAtt (see the module docstring)."""

    def save(self, folder) -> Path:
        """Write ``model.safetensors``, ``history.json``, ``embedder/``, ``config.json`` and,
        last, ``manifest.json``."""
        check_fitted(self, "network_")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        extra = self._save_weights(folder)
        model_folder.write_config(folder, self, self._config_params(), extra)
        model_folder.seal(folder)
        return folder

    def _config_params(self) -> dict[str, Any]:
        """The parameters as written to ``config.json``: an embedder object is recorded by
        the spec it was asked for (its space's name); the embedder itself is in ``embedder/``."""
        params = self.get_params(deep=False)
        if not isinstance(params.get("embedder"), str):
            params["embedder"] = self.embedder_request_
        return params

    def _save_weights(self, folder: Path) -> dict[str, Any]:
        from safetensors.torch import save_file

        state = {k: v.detach().contiguous().cpu() for k, v in self.network_.state_dict().items()}
        if getattr(self, "embedding_mean_", None) is not None:
            state[MEAN_KEY] = torch.from_numpy(np.ascontiguousarray(self.embedding_mean_, dtype=np.float32))
        save_file(state, str(folder / WEIGHTS_NAME))
        embedder_cfg: dict[str, Any] = {"request": self.embedder_request_, "name": self.embedder_name_,
                                        "dim": self.embedder_dim_, "folder": None}
        emb = getattr(self, "embedder_", None)
        if emb is None and getattr(self, "_embedder_folder_", None) is not None:
            emb = self._load_embedder()  # a loaded model saved again keeps its embedder
        if emb is not None and callable(getattr(emb, "save", None)):
            emb.save(folder / EMBEDDER_FOLDER)
            embedder_cfg["folder"] = EMBEDDER_FOLDER
        state_cfg = {
            "head": self.head_,
            "classes": None if self.head_ == "regression" else [plain_value(c) for c in self.classes_.tolist()],
            "y_mean": getattr(self, "y_mean_", None),
            "y_std": getattr(self, "y_std_", None),
            "input_dim": self.input_dim_,
            "n_train": self.n_train_,
            "n_valid": self.n_valid_,
        }
        model_folder.write_json(folder, HISTORY_NAME, self.history_)
        return {"embedder": embedder_cfg, "state": state_cfg}

    def _load_weights(self, folder: Path, config: dict[str, Any]) -> None:
        from safetensors.torch import load_file

        for key in ("embedder", "state"):
            if key not in config:
                raise ValueError(f"{folder / CONFIG_NAME}: missing field '{key}'")
        st, emb = config["state"], config["embedder"]
        for key in ("request", "name"):
            if key not in emb:
                raise ValueError(f"{folder / CONFIG_NAME}: field 'embedder' lacks '{key}'")
        self.head_ = st["head"]
        if st["classes"] is not None:
            self.classes_ = np.asarray(st["classes"])
        if st.get("y_mean") is not None:
            self.y_mean_, self.y_std_ = float(st["y_mean"]), float(st["y_std"])
        self.input_dim_ = self.embedder_dim_ = int(st["input_dim"])
        self.n_train_, self.n_valid_ = st.get("n_train"), st.get("n_valid")
        self.embedder_request_ = emb["request"]
        self.embedder_name_ = emb["name"]
        sub = folder / (emb.get("folder") or EMBEDDER_FOLDER)
        self._embedder_folder_ = sub if model_folder.has_config(sub) else None
        self.embedder_ = None  # read back on the first raw users it scores
        self.network_ = self._build_network(self.input_dim_)
        weights = load_file(str(folder / WEIGHTS_NAME))
        mean = weights.pop(MEAN_KEY, None)  # absent in folders saved before centring existed
        self.embedding_mean_ = None if mean is None else mean.numpy().astype(np.float32)
        self.network_.load_state_dict(weights)
        self.network_.eval()
        self.history_ = model_folder.read_json(folder, HISTORY_NAME, default={})

    def _load_embedder(self):
        """The embedder saved with the model (or, when none was saved or another one is
        asked for, the one the ``embedder`` parameter names), checked to be the same space."""
        folder = getattr(self, "_embedder_folder_", None)
        asked_saved = isinstance(self.embedder, str) and self.embedder == self.embedder_request_
        if folder is not None and asked_saved:
            from ...embed.registry import load_embedder

            embedder = load_embedder(folder)
        else:
            embedder = self._resolve_embedder()
        if embedder.name != self.embedder_name_:
            raise ValueError(
                f"the model was trained on '{self.embedder_name_}' but the embedder available now is "
                f"'{embedder.name}' (another version or options); refusing to mix vector spaces"
            )
        return embedder
