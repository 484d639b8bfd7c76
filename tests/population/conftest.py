"""A small trained depscreen-default (TF-IDF part only: no embedder to download) shared
by the prevalence API, CLI and service tests, saved once per session."""

from __future__ import annotations

import pytest

from depscreen.corpus import PostCorpus
from depscreen.corpus.synthetic import make_sample_posts


def posts(n: int, share: float, seed: int) -> PostCorpus:
    return make_sample_posts(n=n, langs=("en",), seed=seed, positive_share=share)


@pytest.fixture(scope="session")
def trained_default():
    import depscreen

    model, record = depscreen.train("depscreen-default", posts(300, 0.5, 1), params={"embedder": None})
    return model, record


@pytest.fixture(scope="session")
def default_folder(trained_default, tmp_path_factory):
    import depscreen

    model, record = trained_default
    return depscreen.save(model, tmp_path_factory.mktemp("model") / "default", record)
