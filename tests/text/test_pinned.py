"""A saved preprocessing step tokenises the same on a machine without the data folder."""

from __future__ import annotations

import json
import logging

import pytest

from depscreen.text import pinned
from depscreen.text.pinned import ResourceMismatchError, content_hash
from depscreen.text.pipeline import Preprocessor, restore_preprocessor

TEXTS = ["aku gak bisa tidur, mager bgt", "yg penting gw baik2 aja"]
KAMUS = "id/kamus-alay/colloquial-indonesian-lexicon.csv"  # the files of the slang_machines fixture
ABBREVIATIONS = "id/abbreviations/kamus_singkatan.csv"


@pytest.fixture
def machines(slang_machines):
    return slang_machines


def _trained(machines, folder):
    machines(True)
    pre = Preprocessor(lang="id", stopwords=True)
    tokens = pre.transform(TEXTS)
    config = json.loads(json.dumps(pre.get_config(folder=folder)))  # as config.json holds it
    return pre, tokens, config


def test_pinned_model_tokenises_the_same_without_the_data_folder(machines, tmp_path, monkeypatch):
    monkeypatch.setattr(pinned, "INLINE_MAX_ENTRIES", 10)  # the slang table goes to a file
    model = tmp_path / "model"
    _, tokens, config = _trained(machines, model)
    slang = config["resources"]["id_slang"]
    assert f"shared:{KAMUS}" in slang["sources"] and f"shared:{ABBREVIATIONS}" in slang["sources"]
    assert (model / slang["file"]).exists() and "data" not in slang
    assert oct((model / slang["file"]).stat().st_mode & 0o777) == "0o644"

    machines(False)
    assert Preprocessor(lang="id", stopwords=True).transform(TEXTS) != tokens  # the problem
    restored = restore_preprocessor(config, model)
    assert restored.transform(TEXTS) == tokens
    assert "enggak" in restored.transform(TEXTS)[0]


def test_small_tables_travel_inside_the_config(machines, tmp_path):
    _, tokens, config = _trained(machines, None)
    assert "data" in config["resources"]["id_slang"]  # 80-odd entries: carried inline
    machines(False)
    assert Preprocessor.from_config(config).transform(TEXTS) == tokens


def test_missing_pinned_table_names_it_and_its_hash(machines, tmp_path, monkeypatch):
    monkeypatch.setattr(pinned, "INLINE_MAX_ENTRIES", 10)
    model = tmp_path / "model"
    _, _, config = _trained(machines, model)
    want = config["resources"]["id_slang"]["sha256"]
    (model / config["resources"]["id_slang"]["file"]).unlink()
    # on the training machine the table resolves to the same hash: accepted
    assert Preprocessor.from_config(config, folder=model).transform(TEXTS)
    machines(False)
    with pytest.raises(ResourceMismatchError) as err:
        Preprocessor.from_config(config, folder=model)
    msg = str(err.value)
    assert "'id_slang'" in msg and want[:12] in msg and KAMUS in msg and "DEPSCREEN_DATA" in msg


def test_changed_pinned_file_is_refused(machines, tmp_path, monkeypatch):
    monkeypatch.setattr(pinned, "INLINE_MAX_ENTRIES", 10)
    model = tmp_path / "model"
    _, _, config = _trained(machines, model)
    path = model / config["resources"]["id_slang"]["file"]
    table = json.loads(path.read_text(encoding="utf-8"))
    table["gak"] = "tidak"
    path.write_text(json.dumps(table), encoding="utf-8")
    with pytest.raises(ResourceMismatchError, match="was changed"):
        Preprocessor.from_config(config, folder=model)


def test_zh_user_dictionary_file_is_pinned(tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("蓝瘦香菇\n", encoding="utf-8")
    pre = Preprocessor(lang="zh", user_dict=str(words))
    model = tmp_path / "model"
    config = pre.get_config(folder=model)
    assert config["resources"]["zh_user_dict"]["sha256"] == content_hash(words.read_bytes())
    words.unlink()  # the original file is gone; the model folder has its copy
    again = Preprocessor.from_config(config, folder=model)
    assert again.transform(["今天蓝瘦香菇"]) == [["今天", "蓝瘦香菇"]]


def test_skipped_line_counts_are_not_printed_on_unrelated_work(machines, caplog):
    machines(True)
    caplog.set_level(logging.INFO)
    Preprocessor(lang="id").transform(TEXTS)
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING and "skipped" in r.getMessage()]
    assert not loud
    assert any("skipped 1" in r.getMessage() for r in caplog.records)  # still counted, at INFO


def test_old_configs_still_load():
    config = {"type": "depscreen.text.pipeline.Preprocessor", "version": 1,
              "params": {"lang": "en", "stopwords": True}, "resources": {"stopwords": {"en": 300}}}
    assert Preprocessor.from_config(config).transform(["i am not ok"]) == [["i", "not", "ok"]]


# -- a saved model moved to a machine without the data folder ------------------------------
def _id_posts(n: int = 40, seed: int = 0):
    rng = __import__("random").Random(seed)
    sad = ["aku gak bisa tidur", "capek bgt hidup gini", "mager mau ngapa2in", "gak ada yg peduli"]
    calm = ["makan bakso enak bgt", "jalan2 ke pantai", "nonton film sama temen", "kopi pagi yg enak"]
    texts, y = [], []
    for i in range(n):
        label = i % 2
        texts.append(f"{rng.choice(sad if label else calm)} {rng.choice(['hari ini', 'lagi', 'nih'])}")
        y.append(label)
    return texts, __import__("numpy").array(y)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_saved_post_model_predicts_the_same_without_the_data_folder(machines, tmp_path, monkeypatch):
    import numpy as np
    import torch

    from depscreen.models import load_model
    from depscreen.models.post_neural.estimators import CNNClassifier

    monkeypatch.setattr(pinned, "INLINE_MAX_ENTRIES", 10)  # the slang table travels as a file
    torch.manual_seed(0)
    texts, y = _id_posts()
    machines(True)
    clf = CNNClassifier(top_n=0, preprocessing={"lang": "id"}, ft_epochs=1, ft_min_count=1, ft_vector_size=8,
                        min_df=1, filters=4, hidden_size=8, batch_size=16, validation_fraction=0.0,
                        patience=0, max_epochs=2, on_degenerate="warn").fit(texts, y)
    folder = clf.save(tmp_path / "cnn")
    assert (folder / "resources" / "id_slang.json").exists()
    expected = clf.predict_proba(texts)

    machines(False)  # the model folder alone, on a machine without the public data
    back = load_model(folder)
    assert back.preprocessor_.transform(texts) == clf.preprocessor_.transform(texts)
    np.testing.assert_array_equal(back.predict_proba(texts), expected)

    (folder / "resources" / "id_slang.json").unlink()
    with pytest.raises(ResourceMismatchError, match="'id_slang'"):
        load_model(folder)
