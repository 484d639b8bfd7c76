"""The stacked ``depscreen-default`` stepper (``depscreen.models.default_stepper``): a
running mean of post vectors beside the TF-IDF sums, the model's own score on every
prefix."""

import numpy as np
import pytest

from depscreen.corpus.synthetic import make_sample_corpus
from depscreen.early.runner import make_stepper, run_streams
from depscreen.models.default import DefaultClassifier
from depscreen.models.default_stepper import DefaultStepper


@pytest.fixture(scope="module")
def en_corpus():
    return make_sample_corpus(n_users=24, langs=("en",), seed=4)


class _HashEmbedder:
    """A deterministic stand-in for a sentence embedder (no model download)."""

    dim = 16

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, hash(w) % self.dim] += 1.0
        return out


def test_stacked_default_model_keeps_a_running_mean_of_post_vectors(en_corpus):
    model = DefaultClassifier(embedder="use", Cs=(3.0,), embed_Cs=(1.0,))
    model._embedder_obj = _HashEmbedder()
    model.fit(en_corpus.users, en_corpus.labels)
    assert model.stacked_
    assert isinstance(model.stepper(), DefaultStepper)
    stepper = make_stepper(model)
    assert stepper.name == "tfidf-incremental+embedding-mean"
    a = run_streams(model, en_corpus.users[:4])
    b = run_streams(model, en_corpus.users[:4], mode="recompute")
    assert max(float(np.abs(x.scores - y.scores).max()) for x, y in zip(a.streams, b.streams)) < 1e-4
