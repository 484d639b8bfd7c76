"""Small generated corpora for the evaluation tests (seeded, realistic in shape)."""

from __future__ import annotations

import random

import pytest

from depscreen.corpus import Post, PostCorpus, PostRecord, User, UserCorpus

SAD = ["tired", "empty", "hopeless", "alone", "crying", "worthless", "numb", "sleepless", "dark", "pointless"]
NEUTRAL = ["coffee", "match", "weekend", "recipe", "train", "movie", "garden", "meeting", "music", "holiday",
           "dinner", "friends", "city", "weather", "book", "game", "photo", "beach", "office", "running"]


def make_post(rng: random.Random, signal: bool) -> str:
    words = rng.sample(NEUTRAL, 5)
    if signal:
        words[rng.randrange(5)] = rng.choice(SAD)
        words.insert(rng.randrange(6), rng.choice(SAD))
    elif rng.random() < 0.1:  # some noise: a sad word in a control text
        words[0] = rng.choice(SAD)
    return " ".join(words) + f" {rng.randrange(10**6)}"


def make_post_corpus(n: int = 120, seed: int = 0, pos_share: float = 0.4) -> PostCorpus:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        y = int(rng.random() < pos_share)
        # a few labels are flipped so the task is not perfectly separable
        text = make_post(rng, signal=bool(y) != (rng.random() < 0.05))
        records.append(PostRecord(id=f"p{i}", text=text, label=y))
    return PostCorpus(records, name="generated-posts")


def make_user_corpus(n_users: int = 60, seed: int = 0, labels=(0, 1)) -> UserCorpus:
    rng = random.Random(seed)
    users = []
    for u in range(n_users):
        y = labels[u % len(labels)]
        level = labels.index(y) / max(1, len(labels) - 1)
        posts = []
        for j in range(rng.randint(3, 9)):
            signal = rng.random() < 0.1 + 0.6 * level
            posts.append(Post(text=make_post(rng, signal), time=f"2020-01-{j + 1:02d}T10:00:00"))
        users.append(User(user_id=f"u{u}", label=y, posts=posts))
    return UserCorpus(users, name="generated-users")


@pytest.fixture
def post_corpus() -> PostCorpus:
    return make_post_corpus()


@pytest.fixture
def user_corpus() -> UserCorpus:
    return make_user_corpus()


@pytest.fixture
def make_posts():
    """Factory: ``make_posts(n=120, seed=0, pos_share=0.4)``."""
    return make_post_corpus


@pytest.fixture
def make_users():
    """Factory: ``make_users(n_users=60, seed=0, labels=(0, 1))``."""
    return make_user_corpus
