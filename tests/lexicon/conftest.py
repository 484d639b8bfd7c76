"""A generated two-corpus sample with planted synonyms of the seeds.

D1 posts use "sad" (frequent, becomes the depressive seed) or its planted synonym
"gloomy" (rarer) in identical contexts; D2 posts do the same with "happy" / "cheerful".
Shared filler words appear in both corpora.
"""

from __future__ import annotations

import random

import pytest

DEP_CONTEXTS = [
    ["i", "feel", "{w}", "tonight"],
    ["so", "{w}", "and", "tired"],
    ["crying", "because", "i", "am", "{w}"],
    ["always", "{w}", "never", "okay"],
    ["{w}", "empty", "room", "again"],
]
CTL_CONTEXTS = [
    ["what", "a", "{w}", "sunny", "day"],
    ["feeling", "{w}", "with", "friends"],
    ["such", "a", "{w}", "weekend"],
    ["{w}", "trip", "to", "the", "beach"],
    ["party", "was", "{w}", "fun"],
]
FILLER = ["today", "the", "it", "is", "me", "you", "we", "this", "that", "lol"]


def make_posts(n: int = 240, seed: int = 0) -> tuple[list[list[str]], list[int]]:
    rng = random.Random(seed)
    docs, labels = [], []
    for label, contexts, (main, planted) in (
        (1, DEP_CONTEXTS, ("sad", "gloomy")),
        (0, CTL_CONTEXTS, ("happy", "cheerful")),
    ):
        for _ in range(n):
            word = main if rng.random() < 0.7 else planted
            doc = [word if t == "{w}" else t for t in rng.choice(contexts)]
            doc += rng.sample(FILLER, 2)
            docs.append(doc)
            labels.append(label)
    return docs, labels


@pytest.fixture(scope="session")
def planted_posts():
    return make_posts()
