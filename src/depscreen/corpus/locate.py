"""Where the public data sets live: ``$DEPSCREEN_DATA`` or a ``shared/data`` folder nearby.

depscreen never ships these data sets (no licence is stated for most of them); a user
downloads them and points ``DEPSCREEN_DATA`` at the folder, laid out as
``en/...``, ``zh/...``, ``id/...`` (see docs/data.md).
"""

from __future__ import annotations

import os
from pathlib import Path


def shared_data_dir() -> Path | None:
    """The data folder, or None when none is found."""
    env = os.environ.get("DEPSCREEN_DATA")
    if env:
        path = Path(env)
        return path if path.is_dir() else None
    candidates = [Path.cwd() / ".." / "shared" / "data", Path.cwd() / "shared" / "data"]
    here = Path(__file__).resolve()
    candidates += [parent / ".." / "shared" / "data" for parent in here.parents]
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    return None


def shared_data_file(relative: str) -> Path:
    """A file of the data folder, with a clear error when it is not there."""
    root = shared_data_dir()
    if root is None:
        raise FileNotFoundError(
            "public data folder not found: set DEPSCREEN_DATA to the folder holding "
            f"en/, zh/ and id/ (needed for {relative})"
        )
    path = root / relative
    if not path.exists():
        raise FileNotFoundError(f"{path} not found (DEPSCREEN_DATA={root})")
    return path
