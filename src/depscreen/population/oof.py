"""The training data's out-of-fold scores, stored in the model folder.

Every choice made after fitting -- a calibration map, a decision rule, an operating
point ("sensitivity 0.90"), a prevalence estimate's misclassification rates -- must be
made on scores the model gave to items it was *not* fitted on, or it is made on
memorised, over-confident scores. A model that computes such scores during ``fit`` (an
inner cross-validation) keeps them as ``oof_``, an :class:`OutOfFold`, and writes them
beside its weights so that a choice can be remade later (``predict --operating-point``)
without the training data.

Labels are stored as indices into ``classes`` (never as text) and the classes as a
small JSON file; the arrays go to one safetensors file: nothing is unpickled on load.

Example
-------
>>> import numpy as np, tempfile
>>> oof = OutOfFold(classes=[0, 1], y=np.array([0, 1, 1]),
...                 proba=np.array([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6]]))
>>> folder = tempfile.mkdtemp()
>>> sorted(oof.save(folder))
['out_of_fold.json', 'out_of_fold.safetensors']
>>> OutOfFold.load(folder).y.tolist()
[0, 1, 1]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..jsonable import plain_value

OOF_ARRAYS = "out_of_fold.safetensors"
OOF_META = "out_of_fold.json"
FORMAT_VERSION = 1


@dataclass(frozen=True, eq=False)
class OutOfFold:
    """Out-of-fold scores of a model's training items.

    Attributes
    ----------
    classes : list
        The model's classes (``classes_``), in column order.
    y : ndarray of int, shape (n,)
        Each training item's true class as an index into ``classes``.
    proba : ndarray of float, shape (n, K)
        Out-of-fold probabilities as the model's ``predict_proba`` gives them (calibrated
        when the model calibrates), each row from a fit that did not see that item.
    raw_proba : ndarray of float, shape (n, K), or None
        The same before calibration (None when the model does not calibrate).
    """

    classes: list
    y: np.ndarray
    proba: np.ndarray
    raw_proba: np.ndarray | None = None

    def __post_init__(self) -> None:
        classes = [plain_value(c) for c in self.classes]
        y = np.asarray(self.y, dtype=np.int64)
        proba = np.asarray(self.proba, dtype=np.float64)
        raw = None if self.raw_proba is None else np.asarray(self.raw_proba, dtype=np.float64)
        K = len(classes)
        if K < 2:
            raise ValueError(f"OutOfFold needs at least two classes, got {classes}")
        if y.ndim != 1:
            raise ValueError(f"OutOfFold.y must be one label index per item, got shape {y.shape}")
        for name, arr in (("proba", proba), ("raw_proba", raw)):
            if arr is not None and arr.shape != (len(y), K):
                raise ValueError(f"OutOfFold.{name} has shape {arr.shape}, expected {(len(y), K)}")
        if len(y) and (y.min() < 0 or y.max() >= K):
            raise ValueError(f"OutOfFold.y holds indices outside 0..{K - 1}")
        object.__setattr__(self, "classes", classes)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "proba", proba)
        object.__setattr__(self, "raw_proba", raw)

    def __len__(self) -> int:
        return len(self.y)

    def save(self, folder: str | Path) -> list[str]:
        """Write ``out_of_fold.safetensors`` (arrays) and ``out_of_fold.json`` (classes)
        into ``folder``; returns the file names written."""
        from safetensors.numpy import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"y": np.ascontiguousarray(self.y), "proba": np.ascontiguousarray(self.proba)}
        if self.raw_proba is not None:
            arrays["raw_proba"] = np.ascontiguousarray(self.raw_proba)
        save_file(arrays, str(folder / OOF_ARRAYS))
        meta = {"format_version": FORMAT_VERSION, "classes": self.classes, "n": len(self.y),
                "calibrated": self.raw_proba is not None}
        (folder / OOF_META).write_text(json.dumps(meta, indent=2, ensure_ascii=False))
        return [OOF_META, OOF_ARRAYS]

    @classmethod
    def load(cls, folder: str | Path) -> "OutOfFold | None":
        """The scores saved in ``folder``, or None when it has none (a folder saved before
        out-of-fold scores were stored, or by a model that computes none)."""
        from safetensors.numpy import load_file

        folder = Path(folder)
        meta_path, arrays_path = folder / OOF_META, folder / OOF_ARRAYS
        if not meta_path.exists() or not arrays_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            classes = meta["classes"]
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{meta_path}: not a valid out-of-fold record ({exc})") from None
        arrays = load_file(str(arrays_path))
        missing = {"y", "proba"} - set(arrays)
        if missing:
            raise ValueError(f"{arrays_path}: missing array(s) {', '.join(sorted(missing))}")
        return cls(classes=classes, y=arrays["y"], proba=arrays["proba"], raw_proba=arrays.get("raw_proba"))
