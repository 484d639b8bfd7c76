"""A small synthetic corpus, a fitted tfidf-lr model saved to a folder, and its
in-memory predictions (``depscreen.score``): the reference every engine must match."""

from __future__ import annotations

import pytest

from depscreen import api
from depscreen.corpus.synthetic import make_sample_corpus


@pytest.fixture(scope="package")
def sample():
    return make_sample_corpus(n_users=48, posts_per_user=(3, 8), seed=5)


@pytest.fixture(scope="package")
def model_dir(sample, tmp_path_factory):
    model, record = api.train("tfidf-lr", sample)
    return api.save(model, tmp_path_factory.mktemp("model") / "tfidf-lr", record)


@pytest.fixture(scope="package")
def reference(sample, model_dir):
    return api.score(api.load(model_dir), sample).to_frame().set_index("user_id")
