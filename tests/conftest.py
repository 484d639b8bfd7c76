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
# `pytest -n 2` on 2 cores: one BLAS thread per worker (and per server the tests start), since
# more oversubscribe the cores and make every solver spin (lbfgs fits ~10x slower at load 10)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
__import__("threadpoolctl").threadpool_limits(limits=1, user_api="blas")  # numpy may be imported already

from depscreen.corpus.locate import shared_data_dir


@pytest.fixture(scope="session")
def shared_data():
    """The public data folder; the test is skipped when it is not present."""
    root = shared_data_dir()
    if root is None:
        pytest.skip("../shared/data not present")
    return root


#: The public slang files, in a made-up data folder (see :func:`slang_machines`).
SLANG_KAMUS = "id/kamus-alay/colloquial-indonesian-lexicon.csv"
SLANG_ABBREVIATIONS = "id/abbreviations/kamus_singkatan.csv"


def _slang_data_folder(root):
    """A small made-up data folder: two slang files in the layout of the public ones,
    mapping ``gak`` / ``bgt`` otherwise than depscreen's built-in list."""
    (root / SLANG_KAMUS).parent.mkdir(parents=True)
    (root / SLANG_KAMUS).write_text(
        "slang,formal,In-dictionary,context,category1,category2,category3\n"
        "gak,enggak,1,ctx,abreviasi,0,0\n"
        "mager,malas gerak,1,ctx,abreviasi,0,0\n",
        encoding="utf-8",
    )
    (root / SLANG_ABBREVIATIONS).parent.mkdir(parents=True)
    (root / SLANG_ABBREVIATIONS).write_text("yg;yang\nbgt;sekali\nkaos/mug;\n", encoding="utf-8")
    return root


@pytest.fixture
def slang_machines(tmp_path, monkeypatch):
    """``use(True)``: a machine with a data folder holding slang files; ``use(False)``: one
    without it (the model folder alone). Pinned-resource tests switch between the two."""
    from depscreen.text.caches import clear_caches

    with_data = _slang_data_folder(tmp_path / "slang-data")
    without = tmp_path / "no-data"
    without.mkdir()

    def use(has_data: bool) -> None:
        monkeypatch.setenv("DEPSCREEN_DATA", str(with_data if has_data else without))
        clear_caches()

    yield use
    clear_caches()
