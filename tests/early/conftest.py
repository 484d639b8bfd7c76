import pytest

from depscreen.corpus.synthetic import make_sample_corpus


@pytest.fixture(scope="session")
def small_corpus():
    return make_sample_corpus(n_users=24, seed=3)


@pytest.fixture(scope="session")
def en_corpus():
    return make_sample_corpus(n_users=24, langs=("en",), seed=4)


@pytest.fixture(scope="session")
def short_corpus():
    return make_sample_corpus(n_users=12, langs=("en",), seed=5, posts_per_user=(8, 16))
