"""Shared fixtures. Tests that need ../shared/data skip cleanly when it is absent."""

from __future__ import annotations

import os

import pytest

# Rich wraps error panels at the terminal width, splitting long tmp paths across
# lines; a wide virtual terminal keeps CLI messages on one line for assertions.
os.environ["COLUMNS"] = "400"
os.environ["TERMINAL_WIDTH"] = "400"
# embedders cache on disk by default: tests use a throw-away folder, never ~/.cache
os.environ.setdefault("DEPSCREEN_CACHE_DIR", __import__("tempfile").mkdtemp(prefix="depscreen-test-cache-"))

from depscreen.corpus.locate import shared_data_dir


@pytest.fixture(scope="session")
def shared_data():
    """The public data folder; the test is skipped when it is not present."""
    root = shared_data_dir()
    if root is None:
        pytest.skip("../shared/data not present")
    return root
