"""The model folder: the one module that reads and writes its config, its training
record and its file manifest.

A saved model is a folder (sentence-transformers style, never a pickle)::

    model/
      config.json       registry name, class, parameters, depscreen version, fitted
                        state the model needs to rebuild itself (written by the model)
      ...               weights (safetensors / skops), vocabularies, sub-folders
      training.json     what the model was trained on and how (:func:`depscreen.save`)
      manifest.json     every other file's size and sha256, written last

Why a manifest: a model folder travels (copied between machines, unpacked from an
archive, edited by hand). A truncated or changed weights file can load without a
complaint and then score garbage, or fail on the first request with a traceback that
names no file. :func:`seal` records each file's size and sha256 when the folder is
saved; :func:`checked` compares them at load and refuses a missing, truncated, changed
or added file with one line that names it. Folders saved before the manifest existed
load with a warning that they cannot be verified.

Parameters come back with the types the model's own schema gives them
(:func:`restore_params`): JSON has no tuples, so a parameter whose default is a tuple
(``ngram_range=(1, 2)``) is read back as one, and a model may declare more in a
``param_types`` class attribute (name -> callable applied to the JSON value).

>>> import tempfile
>>> from depscreen import api
>>> from depscreen.corpus.synthetic import make_sample_corpus
>>> folder = api.save(api.train("tfidf-lr", make_sample_corpus(n_users=20, langs=("en",)))[0],
...                   Path(tempfile.mkdtemp()) / "model")
>>> has_config(folder), verify(folder)
(True, True)
>>> read_config(folder)["model"]
'tfidf-lr'
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import inspect
import json
import os
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from ..jsonable import utc_timestamp

CONFIG_NAME = "config.json"
TRAINING_RECORD_NAME = "training.json"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "depscreen model folder"
MANIFEST_VERSION = 1

__all__ = [
    "CONFIG_NAME",
    "MANIFEST_NAME",
    "TRAINING_RECORD_NAME",
    "ModelFolderError",
    "NotAModelFolder",
    "UnverifiedFolderWarning",
    "checked",
    "config_digest",
    "config_params",
    "has_config",
    "read_config",
    "read_json",
    "read_training_record",
    "require_model_folder",
    "restore_params",
    "seal",
    "verify",
    "write_config",
    "write_json",
    "write_training_record",
]


class ModelFolderError(ValueError):
    """A model folder that cannot be used: the message is one line naming the folder
    and the file (``model folder X: weights.safetensors changed since save ...``)."""


class NotAModelFolder(ModelFolderError, FileNotFoundError):
    """The path holds no ``config.json`` (or is not a folder at all)."""


class UnverifiedFolderWarning(UserWarning):
    """A model folder saved before depscreen wrote a manifest: its files cannot be checked."""


# ----------------------------------------------------------------------- the folder
def has_config(folder: str | Path) -> bool:
    """Does ``folder`` hold a ``config.json`` (a model folder, or a model's saved
    embedder / receiver sub-folder)? The one place that asks."""
    try:
        return (Path(folder) / CONFIG_NAME).is_file()
    except OSError:
        return False


def require_model_folder(folder: str | Path) -> Path:
    """``folder`` as a Path, or :class:`NotAModelFolder` naming it."""
    folder = Path(folder)
    if not has_config(folder):
        raise NotAModelFolder(f"{folder}: not a depscreen model folder (no {CONFIG_NAME})")
    return folder


# ----------------------------------------------------------------------- config.json
def config_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Estimator parameters for ``config.json``: each must be a JSON value (a model
    rebuilt from its folder gets exactly these), else ``TypeError`` naming it."""
    out = {}
    for key, value in params.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"parameter '{key}' of type {type(value).__name__} cannot be saved in {CONFIG_NAME}"
            ) from None
        out[key] = value
    return out


def write_config(folder: str | Path, model: Any, params: Mapping[str, Any],
                 extra: Mapping[str, Any] | None = None) -> Path:
    """Write ``folder/config.json``: registry name, class, ``params`` (JSON values only),
    depscreen version and the model's ``extra`` entries (fitted state, file names).

    Written atomically (a temporary file renamed over the old one), so an interrupted
    save never leaves half a config. Returns the path written.
    """
    from .. import __version__
    from .registry import registered_name

    config = {
        "model": registered_name(model),
        "class": f"{type(model).__module__}:{type(model).__name__}",
        "params": config_params(params),
        "depscreen_version": __version__,
        **dict(extra or {}),
    }
    return _write_json(Path(folder) / CONFIG_NAME, config)


def read_config(folder: str | Path) -> dict[str, Any]:
    """``folder/config.json`` as a dict, or a one-line error naming the file: missing
    (:class:`NotAModelFolder`), not JSON (truncated or damaged), not an object."""
    folder = require_model_folder(folder)
    return _read_json_object(folder, CONFIG_NAME)


def config_digest(folder: str | Path) -> str:
    """The sha256 (hex) of ``folder/config.json``'s bytes: which model this is (the
    service's model version shows its first 12 characters)."""
    return _sha256(require_model_folder(folder) / CONFIG_NAME)


def param_types(cls: type) -> dict[str, Callable[[Any], Any]]:
    """How each parameter of ``cls`` comes back from JSON: a parameter whose default is
    a tuple is read back as a tuple (nested lists too); a model's own ``param_types``
    class attribute (name -> callable) adds to or overrides these."""
    out: dict[str, Callable[[Any], Any]] = {}
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        for name, p in signature.parameters.items():
            if isinstance(p.default, tuple):
                out[name] = _tuples
    out.update(getattr(cls, "param_types", None) or {})
    return out


def restore_params(cls: type, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` read from ``config.json`` with the types ``cls`` gives them
    (:func:`param_types`); None and values of other parameters pass as they are."""
    types = param_types(cls)
    return {k: (types[k](v) if k in types and v is not None else v) for k, v in params.items()}


def _tuples(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value


# ----------------------------------------------------------------------- training record
def write_training_record(folder: str | Path, record: Mapping[str, Any]) -> Path:
    """Write ``folder/training.json`` (numpy values and paths as JSON); the caller seals
    the folder afterwards (:func:`seal`) so the manifest covers it."""
    return _write_json(Path(folder) / TRAINING_RECORD_NAME, dict(record))


def read_training_record(folder: str | Path) -> dict[str, Any] | None:
    """``folder/training.json`` as a dict, None when the folder has none; a damaged one
    is a one-line error naming it."""
    folder = Path(folder)
    if not (folder / TRAINING_RECORD_NAME).is_file():
        return None
    return _read_json_object(folder, TRAINING_RECORD_NAME)


def write_json(folder: str | Path, name: str, data: Any) -> Path:
    """Write another JSON file of a model folder (a training history, a log), atomically."""
    return _write_json(Path(folder) / name, data)


def read_json(folder: str | Path, name: str, default: Any = None) -> Any:
    """Another JSON file of a model folder (any JSON value), ``default`` when absent; a
    damaged one is a one-line error naming it."""
    folder = Path(folder)
    if not (folder / name).is_file():
        return default
    return _read_json(folder, name)


# ----------------------------------------------------------------------- the manifest
def _optional(rel: str) -> bool:
    """Copies of text tables under ``resources/`` may be left out of a folder: each is
    pinned by its content hash in ``config.json``, and the loader takes this machine's
    table only when that hash matches (:mod:`depscreen.text.pinned`), so a missing copy
    cannot change what the model does. A copy that is there must still match."""
    from ..text.pinned import RESOURCE_DIR

    return rel.startswith(f"{RESOURCE_DIR}/")


def seal(folder: str | Path) -> Path:
    """Write ``folder/manifest.json``: the size and sha256 of every file in the folder
    and its sub-folders (hidden files aside), whoever wrote them. Call it last, after
    every file of a save is written; returns the manifest's path."""
    folder = Path(folder)
    files = {rel: {"bytes": path.stat().st_size, "sha256": _sha256(path),
                   **({"optional": True} if _optional(rel) else {})} for rel, path in _files(folder)}
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "algorithm": "sha256",
        "created": utc_timestamp(),
        "files": files,
    }
    return _write_json(folder / MANIFEST_NAME, manifest)


def verify(folder: str | Path) -> bool:
    """Check every file of ``folder`` against its manifest.

    Returns True when all files match, False (with an :class:`UnverifiedFolderWarning`)
    for a folder saved before manifests existed. Raises :class:`ModelFolderError` with
    one line naming the first file that is missing, truncated, changed since save, or
    was added after save (hidden files such as ``.DS_Store`` are ignored; anything else
    unlisted is refused, since a loader might read it: remove it, or save the model
    again).
    """
    folder = require_model_folder(folder)
    if not (folder / MANIFEST_NAME).is_file():
        warnings.warn(
            f"model folder {folder}: saved without a file manifest ({MANIFEST_NAME}, added in depscreen "
            "0.1.0); its files cannot be verified. Save the model again to add one",
            UnverifiedFolderWarning,
            stacklevel=2,
        )
        return False
    manifest = _read_json_object(folder, MANIFEST_NAME)
    listed = manifest.get("files")
    if manifest.get("format") != MANIFEST_FORMAT or not isinstance(listed, dict):
        raise ModelFolderError(f"model folder {folder}: {MANIFEST_NAME} is not a depscreen file manifest")
    for rel, entry in sorted(listed.items()):
        path = folder / rel
        if not isinstance(entry, dict) or "sha256" not in entry or "bytes" not in entry:
            raise ModelFolderError(f"model folder {folder}: {MANIFEST_NAME} entry for {rel} lacks 'bytes' / 'sha256'")
        if not path.is_file():
            if entry.get("optional"):
                continue
            raise ModelFolderError(f"model folder {folder}: {rel} is missing (listed in {MANIFEST_NAME} at save)")
        size = path.stat().st_size
        if size < entry["bytes"]:
            raise ModelFolderError(
                f"model folder {folder}: {rel} is truncated or changed since save ({size:,} of {entry['bytes']:,} bytes)")
        if size != entry["bytes"] or _sha256(path) != entry["sha256"]:
            raise ModelFolderError(f"model folder {folder}: {rel} changed since save (sha256 mismatch)")
    for rel, _path in _files(folder):
        if rel not in listed:
            raise ModelFolderError(
                f"model folder {folder}: {rel} was added after save (not in {MANIFEST_NAME}); "
                "remove it, or save the model again")
    return True


_TRUSTED: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("depscreen_checked_folders",
                                                                          default=())


@contextlib.contextmanager
def checked(folder: str | Path) -> Iterator[Path]:
    """Verify ``folder`` (:func:`verify`) and load inside the block.

    Folders inside one already verified in the enclosing block (a receiver's or an
    embedder's sub-folder) are covered by its manifest and are not hashed again.
    """
    folder = Path(folder)
    key = os.path.abspath(folder)
    if any(key == root or key.startswith(root + os.sep) for root in _TRUSTED.get()):
        yield folder
        return
    verify(folder)
    token = _TRUSTED.set(_TRUSTED.get() + (key,))
    try:
        yield folder
    finally:
        _TRUSTED.reset(token)


def load_error(folder: str | Path, exc: BaseException) -> ModelFolderError:
    """A one-line :class:`ModelFolderError` for an error raised while a model read its
    folder (a damaged weights file in a folder that could not be verified, a missing
    key): the folder, the error's type and the first line of its message."""
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return ModelFolderError(f"model folder {folder}: cannot be loaded ({type(exc).__name__}: {first})")


# ----------------------------------------------------------------------- helpers
def _files(folder: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under ``folder`` (relative POSIX name, path), sorted, skipping
    the manifest and hidden files / folders."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.as_posix() == MANIFEST_NAME or any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file():
            yield rel.as_posix(), path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_json(path: Path, data: Any) -> Path:
    from ..jsonable import json_default

    text = json.dumps(data, indent=2, ensure_ascii=False, default=json_default)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _read_json_object(folder: Path, name: str) -> dict[str, Any]:
    data = _read_json(folder, name)
    if not isinstance(data, dict):
        raise ModelFolderError(f"model folder {folder}: {name} holds {type(data).__name__}, expected an object")
    return data


def _read_json(folder: Path, name: str) -> Any:
    path = folder / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelFolderError(f"model folder {folder}: {name} is missing") from None
    except UnicodeDecodeError:
        raise ModelFolderError(f"model folder {folder}: {name} is not UTF-8 text (damaged)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFolderError(
            f"model folder {folder}: {name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "truncated or damaged"
        ) from None
    return data
