"""A saved feature model (and a lexicon build) pins the word tables its tokeniser used.

The Indonesian slang table comes from the public data folder when present and from a
small built-in list when not, so without pinning the same model folder would tokenise
``gak`` / ``bgt`` differently on two machines.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from depscreen.corpus import Post, User
from depscreen.features.user_features import tokenize_users
from depscreen.lexicon.builder import LexiconBuilder
from depscreen.models import load_model, make_model
from depscreen.text import pinned as pinned_module
from depscreen.text.pinned import ResourceMismatchError

SAD = ["aku gak bisa tidur", "capek bgt hidup gini", "mager mau ngapa2in", "gak ada yg peduli", "sedih bgt"]
CALM = ["makan bakso enak bgt", "jalan2 ke pantai", "nonton film sama temen", "kopi pagi yg enak"]


@pytest.fixture
def machines(slang_machines):
    return slang_machines


def _users(n: int = 30, seed: int = 0) -> tuple[list[User], np.ndarray]:
    rng = random.Random(seed)
    users, y = [], []
    for i in range(n):
        label = i % 2
        posts = [Post(f"{rng.choice(SAD if label else CALM)} {rng.choice(['hari ini', 'lagi', 'nih'])}",
                      f"2024-01-{d + 1:02d}T{rng.randrange(24):02d}:00:00", lang="id") for d in range(6)]
        users.append(User(f"u{i}", label, posts))
        y.append(label)
    return users, np.array(y)


def _copies(users: list[User]) -> list[User]:
    """Fresh objects (the tokens cache is keyed by object): what a new process reads."""
    return [User(u.user_id, u.label, [Post(p.text, p.time, lang=p.lang) for p in u.posts]) for u in users]


def test_saved_feature_model_predicts_the_same_without_the_data_folder(machines, tmp_path, monkeypatch):
    monkeypatch.setattr(pinned_module, "INLINE_MAX_ENTRIES", 10)  # the slang table travels as a file
    users, y = _users()
    machines(True)
    model = make_model("lr", lang="auto", vector_size=8, w2v_epochs=2, w2v_min_count=1).fit(users, y)
    folder = model.save(tmp_path / "lr")
    expected = model.predict_proba(users)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    pinned = config["features"]["text_resources"]
    assert set(pinned) == {"id_slang", "stopwords_id"}  # the tables of the users' language
    assert any(s.startswith("shared:") for s in pinned["id_slang"]["sources"])
    assert (folder / "resources" / "id_slang.json").exists()

    machines(False)  # the model folder alone, on a machine without the public data
    here = tokenize_users(_copies(users), "auto")
    trained = model.features_.tokenize(_copies(users))
    assert [u.tokens for u in here] != [u.tokens for u in trained]  # this machine alone would differ
    back = load_model(folder)
    assert [u.tokens for u in back.features_.tokenize(_copies(users))] == [u.tokens for u in trained]
    np.testing.assert_allclose(back.predict_proba(_copies(users)), expected)

    (folder / "resources" / "id_slang.json").unlink()
    with pytest.raises(ResourceMismatchError, match="'id_slang'.*not in"):
        load_model(folder)


def test_feature_model_on_a_machine_with_the_same_tables_needs_no_copy(machines, tmp_path, monkeypatch):
    """Pinned by hash: a table left out of the folder is accepted when this machine's matches."""
    monkeypatch.setattr(pinned_module, "INLINE_MAX_ENTRIES", 10)
    users, y = _users(20, seed=1)
    machines(False)
    model = make_model("nb", groups=("topic", "volume"), lang="id").fit(users, y)
    folder = model.save(tmp_path / "nb")
    (folder / "resources" / "id_slang.json").unlink()
    back = load_model(folder)
    np.testing.assert_allclose(back.predict_proba(_copies(users)), model.predict_proba(users))


def test_in_fold_lexicon_uses_and_records_the_pinned_function_words(machines, tmp_path):
    users, y = _users(40, seed=2)
    machines(True)
    model = make_model("l-lr", lang="id", vector_size=8, w2v_epochs=2, w2v_min_count=1,
                              lexicon_n_seeds=6, lexicon_seed_min_df=1, lexicon_tc=0.0).fit(users, y)
    tables = model.features_.text_tables_
    assert "function_words_id" in tables.records
    assert not set(model.lexicon_.words) & set(tables.get("function_words_id"))
    folder = model.save(tmp_path / "l-lr")
    back = load_model(folder)
    assert back.features_.text_tables_.key == tables.key


def test_lexicon_builder_records_the_tables_it_used(machines):
    machines(True)
    docs = [f"{random.Random(i).choice(SAD)} lagi" for i in range(30)] + [
        f"{random.Random(i).choice(CALM)} nih" for i in range(30)]
    y = [1] * 30 + [0] * 30
    builder = LexiconBuilder(n_seeds=4, tc=0.0, vector_size=8, min_count=1, seed_min_df=1, lang="id",
                             strict_seeds=False).fit(docs, y)
    found = builder.summary()["resources"]
    assert set(found) == {"function_words_id", "id_slang"}
    assert len(found["id_slang"]["sha256"]) == 64 and "data" not in found["id_slang"]
    assert "enggak" in builder.vectors_.key_to_index  # the data folder's slang, not the built-in "tidak"

    given = LexiconBuilder(n_seeds=4, tc=0.0, vector_size=8, min_count=1, seed_min_df=1, lang="id",
                           strict_seeds=False, stopword_tables={"id": ["lagi", "nih"]}).fit(docs, y)
    assert given.resources_["function_words_id"]["sources"] == ["parameter:stopword_tables"]
    assert not {"lagi", "nih"} & set(given.lexicon_.words)


def test_english_users_pin_no_indonesian_or_chinese_table_and_raise_no_notice(machines, caplog):
    """Tables are resolved for the training users' languages only: an English corpus on a
    machine without the data folder neither pins nor asks for the slang files."""
    rng = random.Random(4)
    users = [User(f"e{i}", i % 2, [Post(rng.choice(["so tired of everything", "cannot sleep again",
                                                      "great game today", "coffee with friends"]),
                                        "2024-01-02T03:00:00", lang="en") for _ in range(5)]) for i in range(20)]
    machines(False)
    with caplog.at_level("INFO", logger="depscreen.text"):
        model = make_model("nb", groups=("topic", "volume")).fit(users, [u.label for u in users])
    assert set(model.features_.text_tables_.records) == {"stopwords_en"}
    assert not [r for r in caplog.records if "kamus" in r.getMessage() or "Chinese" in r.getMessage()]
