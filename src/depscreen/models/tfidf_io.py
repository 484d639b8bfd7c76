"""Save and load fitted TF-IDF vectorisers and linear classifiers as plain data.

A fitted :class:`~sklearn.feature_extraction.text.TfidfVectorizer` is three things: its
parameters, its vocabulary and its idf vector. This module writes them as
``<prefix>.vocab.json`` (the vocabulary as a list of strings ordered by column) and
arrays in one safetensors file, and never writes the ``stop_words_`` set (every n-gram
cut by ``max_features``: hundreds of thousands of strings that transform never reads).
A fitted :class:`~sklearn.linear_model.LogisticRegression` (or any linear model with
``coef_`` / ``intercept_`` / ``classes_``) is saved the same way.

Why not skops: skops walks a 100k-entry vocabulary one Python object at a time (minutes
for LT-EDI dev) and, like any object format, needs a trust check on load. Plain data is
fast to write, fast to read, and cannot run code.

Example
-------
>>> import tempfile
>>> from sklearn.feature_extraction.text import TfidfVectorizer
>>> v = TfidfVectorizer().fit(["so tired", "tired of it all"])
>>> folder = tempfile.mkdtemp()
>>> arrays = {}
>>> config = save_tfidf(v, folder, "word", arrays)
>>> write_arrays(arrays, folder)
'arrays.safetensors'
>>> w = load_tfidf(folder, config, read_arrays(folder))
>>> (w.transform(["tired"]) != v.transform(["tired"])).nnz
0
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

ARRAYS_NAME = "arrays.safetensors"

# Vectoriser parameters that are plain data and rebuild the same transform. Callables
# (tokenizer, preprocessor, analyzer functions) cannot travel in a config: depscreen
# models pre-tokenise text themselves and give the vectoriser a token pattern.
_TFIDF_PARAMS = (
    "analyzer", "binary", "decode_error", "dtype", "encoding", "input", "lowercase",
    "max_df", "max_features", "min_df", "ngram_range", "norm", "smooth_idf",
    "strip_accents", "sublinear_tf", "token_pattern", "use_idf",
)


def save_tfidf(vectorizer: Any, folder: str | Path, prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Write ``vectorizer``'s vocabulary to ``<prefix>.vocab.json``, put its idf into
    ``arrays`` (written later by :func:`write_arrays`) and return its config entry."""
    params = vectorizer.get_params(deep=False)
    for key in ("tokenizer", "preprocessor", "vocabulary", "stop_words"):
        if params.get(key) is not None:
            raise ValueError(f"vectoriser '{prefix}': parameter '{key}' cannot be saved as data")
    if callable(params["analyzer"]):
        raise ValueError(f"vectoriser '{prefix}': a callable analyzer cannot be saved as data")
    config = {k: params[k] for k in _TFIDF_PARAMS}
    config["dtype"] = np.dtype(params["dtype"]).name
    config["ngram_range"] = list(params["ngram_range"])
    vocab = vectorizer.vocabulary_
    terms = [""] * len(vocab)
    for term, column in vocab.items():
        terms[column] = term
    name = f"{prefix}.vocab.json"
    Path(folder, name).write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
    if params["use_idf"]:
        arrays[f"{prefix}.idf"] = np.asarray(vectorizer.idf_)  # its own dtype: identical transforms
    return {"params": config, "vocabulary": name}


def load_tfidf(folder: str | Path, config: dict[str, Any], arrays: dict[str, np.ndarray], prefix: str | None = None):
    """Rebuild a fitted vectoriser from :func:`save_tfidf`'s config entry and arrays."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    params = dict(config["params"])
    params["dtype"] = np.dtype(params["dtype"]).type
    params["ngram_range"] = tuple(params["ngram_range"])
    vectorizer = TfidfVectorizer(**params)
    path = Path(folder, config["vocabulary"])
    if not path.exists():
        raise FileNotFoundError(f"model folder {folder}: vocabulary file {config['vocabulary']} is missing")
    terms = json.loads(path.read_text(encoding="utf-8"))
    vectorizer.vocabulary_ = {term: column for column, term in enumerate(terms)}
    vectorizer.fixed_vocabulary_ = False
    if params["use_idf"]:
        prefix = prefix or config["vocabulary"].removesuffix(".vocab.json")
        idf = _array(arrays, f"{prefix}.idf", folder)
        if len(idf) != len(terms):
            raise ValueError(f"model folder {folder}: '{prefix}' has {len(terms)} terms but {len(idf)} idf values")
        vectorizer.idf_ = idf
    return vectorizer


def save_linear(model: Any, prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Put a fitted linear classifier's ``coef_`` / ``intercept_`` into ``arrays``; return
    its config entry (class labels as JSON, parameters)."""
    arrays[f"{prefix}.coef"] = np.asarray(model.coef_)
    arrays[f"{prefix}.intercept"] = np.atleast_1d(np.asarray(model.intercept_))
    classes = [c.item() if isinstance(c, np.generic) else c for c in model.classes_]
    params = {k: v for k, v in model.get_params(deep=False).items() if _is_json(v)}
    return {"class": type(model).__name__, "classes": classes, "params": params}


def load_linear(config: dict[str, Any], arrays: dict[str, np.ndarray], prefix: str, folder: str | Path = "."):
    """Rebuild the classifier saved by :func:`save_linear` (LogisticRegression only)."""
    from sklearn.linear_model import LogisticRegression

    if config.get("class") != "LogisticRegression":
        raise ValueError(f"model folder {folder}: cannot rebuild a linear model of class {config.get('class')!r}")
    model = LogisticRegression(**config["params"])
    model.coef_ = _array(arrays, f"{prefix}.coef", folder)
    model.intercept_ = _array(arrays, f"{prefix}.intercept", folder)
    model.classes_ = np.asarray(config["classes"])
    model.n_features_in_ = model.coef_.shape[1]
    model.n_iter_ = np.zeros(1, dtype=np.int32)
    return model


def write_arrays(arrays: dict[str, np.ndarray], folder: str | Path, name: str = ARRAYS_NAME) -> str:
    """Write every array to one safetensors file (readable by anyone, 0644)."""
    from safetensors.numpy import save_file

    path = Path(folder, name)
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(path))
    path.chmod(0o644)
    return name


def read_arrays(folder: str | Path, name: str = ARRAYS_NAME) -> dict[str, np.ndarray]:
    """Read the arrays written by :func:`write_arrays`."""
    from safetensors.numpy import load_file

    path = Path(folder, name)
    if not path.exists():
        raise FileNotFoundError(f"model folder {folder}: weights file {name} is missing")
    return load_file(str(path))


def _array(arrays: dict[str, np.ndarray], key: str, folder: str | Path) -> np.ndarray:
    try:
        return arrays[key]
    except KeyError:
        raise ValueError(f"model folder {folder}: array '{key}' is missing from {ARRAYS_NAME}") from None


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True
