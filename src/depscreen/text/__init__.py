"""Multilingual text processing: normalisation and PII redaction (more to come)."""

from .normalise import PLACEHOLDERS, normalise, redact

__all__ = ["PLACEHOLDERS", "normalise", "redact"]
