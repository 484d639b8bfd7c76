"""Canonical corpus types, readers per source format, splits and synthetic corpora."""

from .io import CorpusFormatError, read_jsonl, write_jsonl
from .types import Corpus, Post, PostCorpus, PostRecord, ReadReport, User, UserCorpus

__all__ = [
    "Corpus",
    "CorpusFormatError",
    "Post",
    "PostCorpus",
    "PostRecord",
    "ReadReport",
    "User",
    "UserCorpus",
    "read_jsonl",
    "write_jsonl",
]
