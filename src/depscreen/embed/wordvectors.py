"""Word vectors from gensim: trained on token lists, or loaded from a user's file.

Used by the lexicon builder (Word2Vec, paper 002) and by the post-level classifiers'
FastText feature expansion (paper 003). Everything returned is a gensim
``KeyedVectors``; loading never unpickles (only word2vec text / binary and Facebook
FastText ``.bin`` formats are read).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from gensim.models import FastText, KeyedVectors, Word2Vec


def train_word_vectors(
    sentences: Sequence[Sequence[str]],
    *,
    kind: str = "word2vec",
    vector_size: int = 100,
    window: int = 5,
    min_count: int = 2,
    epochs: int = 10,
    sg: int = 1,
    seed: int = 13,
    workers: int = 1,
) -> KeyedVectors:
    """Train Word2Vec or FastText on tokenised sentences and return the word vectors.

    ``workers=1`` keeps training reproducible for a given ``seed`` (gensim is only
    deterministic single-threaded).
    """
    sentences = [list(s) for s in sentences if s]
    if not sentences:
        raise ValueError("no tokenised sentences to train word vectors on")
    cls = {"word2vec": Word2Vec, "fasttext": FastText}.get(kind)
    if cls is None:
        raise ValueError(f"unknown word-vector kind '{kind}' (use 'word2vec' or 'fasttext')")
    model = cls(
        sentences=sentences,
        vector_size=vector_size,
        window=window,
        min_count=min_count,
        epochs=epochs,
        sg=sg,
        seed=seed,
        workers=workers,
    )
    return model.wv


def load_word_vectors(path: str | Path) -> KeyedVectors:
    """Load word vectors from ``.vec`` / ``.txt`` (word2vec text), ``.bin`` (word2vec
    binary, or Facebook FastText binary when it is one)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"word-vector file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in {".vec", ".txt"}:
        return KeyedVectors.load_word2vec_format(str(path), binary=False)
    if suffix == ".bin":
        try:
            return KeyedVectors.load_word2vec_format(str(path), binary=True)
        except (ValueError, UnicodeDecodeError):
            from gensim.models.fasttext import load_facebook_vectors

            return load_facebook_vectors(str(path))
    raise ValueError(f"{path}: unsupported word-vector format '{suffix}' (use .vec, .txt or .bin)")


def combine_word_vectors(primary: KeyedVectors, secondary: KeyedVectors) -> KeyedVectors:
    """Concatenate two vector sets on their shared vocabulary (each part L2-normalised),
    so a corpus-trained model and a user's pretrained file can be used together."""
    import numpy as np

    shared = [w for w in primary.index_to_key if w in secondary.key_to_index]
    if not shared:
        raise ValueError("the two word-vector sets share no vocabulary")
    a = primary.get_normed_vectors()[[primary.key_to_index[w] for w in shared]]
    b = secondary.get_normed_vectors()[[secondary.key_to_index[w] for w in shared]]
    combined = KeyedVectors(vector_size=a.shape[1] + b.shape[1])
    combined.add_vectors(shared, np.hstack([a, b]).astype(np.float32))
    return combined


def vocabulary(vectors: KeyedVectors) -> Iterable[str]:
    return vectors.index_to_key
