"""Model folders (depscreen.models.folder): config types, the training record, and the
file manifest that refuses a damaged folder with one line naming the file, through the
API, ``depscreen predict`` and the service's start-up."""

from __future__ import annotations

import json
import shutil
import struct
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

import depscreen
from depscreen import api
from depscreen.corpus import write_jsonl
from depscreen.corpus.synthetic import make_sample_corpus
from depscreen.models import folder as model_folder
from depscreen.models.folder import MANIFEST_NAME, ModelFolderError, UnverifiedFolderWarning

runner = CliRunner()
WEIGHTS = "arrays.safetensors"  # tfidf-lr's weights file


@pytest.fixture(scope="module")
def sample():
    return make_sample_corpus(n_users=30, posts_per_user=(3, 6), langs=("en",), seed=3)


@pytest.fixture(scope="module")
def saved(tmp_path_factory, sample):
    """A tfidf-lr folder saved through the API (with its training record); copy it
    before damaging it."""
    model, record = depscreen.train("tfidf-lr", sample, params={"class_weight": "balanced"}, data="synthetic")
    return depscreen.save(model, tmp_path_factory.mktemp("saved") / "model", record)


@pytest.fixture
def folder(saved, tmp_path):
    return shutil.copytree(saved, tmp_path / "model")


@pytest.fixture(scope="module")
def data_file(tmp_path_factory, sample):
    return write_jsonl(sample, tmp_path_factory.mktemp("data") / "users.jsonl")


# ----------------------------------------------------------------------- the damage cases
def _truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _change_after_header(path):
    """Flip one byte of the tensor data (past the safetensors JSON header): the file
    still parses, its numbers are different."""
    data = bytearray(path.read_bytes())
    (header_len,) = struct.unpack("<Q", data[:8])
    at = 8 + header_len + (len(data) - 8 - header_len) // 2
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGE = {
    "truncated weights": (lambda f: _truncate(f / WEIGHTS), WEIGHTS, "is truncated"),
    "truncated config": (lambda f: _truncate(f / "config.json"), "config.json", "is truncated"),
    "changed after header": (lambda f: _change_after_header(f / WEIGHTS), WEIGHTS,
                             "changed since save (sha256 mismatch)"),
    "missing file": (lambda f: (f / WEIGHTS).unlink(), WEIGHTS, "is missing"),
    "changed record": (lambda f: (f / "training.json").write_text('{"model": "other"}'), "training.json",
                       "is truncated or changed since save"),
    "extra file": (lambda f: (f / "extra.safetensors").write_bytes(b"\0" * 16), "extra.safetensors",
                   "was added after save"),
}


def _one_line_naming(message: str, folder, name: str, what: str) -> None:
    assert "\n" not in message.strip(), message
    assert str(folder) in message and name in message and what in message, message
    assert "Traceback" not in message


def test_a_saved_folder_holds_a_manifest_of_every_file_and_verifies(saved):
    manifest = json.loads((saved / MANIFEST_NAME).read_text())
    on_disk = sorted(p.relative_to(saved).as_posix() for p in saved.rglob("*")
                     if p.is_file() and p.name != MANIFEST_NAME)
    assert sorted(manifest["files"]) == on_disk and "training.json" in on_disk and WEIGHTS in on_disk
    assert all(len(e["sha256"]) == 64 and e["bytes"] == (saved / n).stat().st_size
               for n, e in manifest["files"].items())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a sealed folder loads without the "cannot be verified" warning
        assert model_folder.verify(saved) is True
        depscreen.load(saved)


@pytest.mark.parametrize("case", list(DAMAGE))
def test_the_api_refuses_a_damaged_folder_with_one_line_naming_the_file(folder, case):
    damage, name, what = DAMAGE[case]
    damage(folder)
    with pytest.raises(ModelFolderError) as err:
        depscreen.load(folder)
    _one_line_naming(str(err.value), folder, name, what)


@pytest.mark.parametrize("case", ["truncated weights", "changed after header", "truncated config", "extra file"])
def test_predict_refuses_a_damaged_folder_with_one_line(folder, data_file, tmp_path, case):
    import depscreen.cli.evaluate  # noqa: F401  (attaches the commands)
    from depscreen.cli import app

    damage, name, what = DAMAGE[case]
    damage(folder)
    r = runner.invoke(app, ["predict", str(folder), str(data_file), "--out", str(tmp_path / "p.csv")])
    assert r.exit_code == 2, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), r.output
    _one_line_naming(lines[0], folder, name, what)
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize("case", ["changed after header", "missing file"])
def test_the_service_refuses_to_start_on_a_damaged_folder(folder, tmp_path, monkeypatch, case):
    uvicorn = pytest.importorskip("uvicorn")
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)  # were the folder accepted, do not serve
    from depscreen.cli import _register, app
    from depscreen.serve import Settings, create_app

    damage, name, what = DAMAGE[case]
    damage(folder)
    with pytest.raises(ModelFolderError) as err:
        create_app(folder, Settings(allow_no_keys=True))
    _one_line_naming(str(err.value), folder, name, what)
    _register()
    r = runner.invoke(app, ["serve", str(folder), "--no-keys"])
    assert r.exit_code == 2, r.output
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), r.output
    _one_line_naming(lines[0], folder, name, what)


def test_scale_refuses_a_damaged_folder_before_any_worker_starts(folder, tmp_path, sample):
    from depscreen.scale import run as scale_run
    from depscreen.scale.shards import write_shards

    _change_after_header(folder / WEIGHTS)
    shards = write_shards(sample, tmp_path / "shards", users_per_shard=10)
    with pytest.raises(ModelFolderError, match=f"{WEIGHTS} changed since save"):
        scale_run.screen(folder, shards, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_hidden_files_are_not_listed_and_do_not_stop_a_load(folder):
    (folder / ".DS_Store").write_bytes(b"finder litter")
    assert model_folder.verify(folder) is True


def test_a_broken_manifest_is_named(folder):
    _truncate(folder / MANIFEST_NAME)
    with pytest.raises(ModelFolderError, match=f"{MANIFEST_NAME} is not valid JSON"):
        depscreen.load(folder)


# ----------------------------------------------------------------------- folders saved before manifests
def test_a_folder_without_a_manifest_loads_with_a_warning(folder, sample):
    (folder / MANIFEST_NAME).unlink()
    with pytest.warns(UnverifiedFolderWarning, match="cannot be verified"):
        model = depscreen.load(folder)
    assert len(depscreen.score(model, sample.users[:3])) == 3


def test_predict_shows_the_unverified_warning_as_one_line(folder, data_file, tmp_path):
    import depscreen.cli.evaluate  # noqa: F401
    from depscreen.cli import app

    (folder / MANIFEST_NAME).unlink()
    r = runner.invoke(app, ["predict", str(folder), str(data_file), "--out", str(tmp_path / "p.csv")])
    assert r.exit_code == 0, r.output
    warned = [line for line in r.output.splitlines() if "cannot be verified" in line]
    assert len(warned) == 1 and warned[0].startswith("warning: model folder") and "warnings.warn" not in r.output


def test_an_unverifiable_damaged_folder_is_still_one_line_naming_the_folder(folder):
    (folder / MANIFEST_NAME).unlink()
    _truncate(folder / WEIGHTS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnverifiedFolderWarning)
        with pytest.raises(ModelFolderError) as err:
            depscreen.load(folder)
    message = str(err.value)
    assert "\n" not in message and str(folder) in message and "cannot be loaded" in message
    _truncate(folder / "config.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnverifiedFolderWarning)
        with pytest.raises(ModelFolderError, match="config.json is not valid JSON .*truncated or damaged"):
            depscreen.load(folder)


def test_a_folder_without_config_is_not_a_model_folder(tmp_path):
    assert not model_folder.has_config(tmp_path)
    with pytest.raises(FileNotFoundError, match="not a depscreen model folder"):
        depscreen.load(tmp_path)


# ----------------------------------------------------------------------- config, record, re-saving
def test_parameters_come_back_with_the_types_the_model_gives_them(tmp_path, sample):
    from depscreen.models.default import DefaultClassifier

    model = DefaultClassifier(embedder=None, cache_dir=None, Cs=(1.0, 10.0), inner_cv=2, min_df=1)
    model.fit(sample.users, sample.labels)
    folder = model.save(tmp_path / "default")
    assert json.loads((folder / "config.json").read_text())["params"]["Cs"] == [1.0, 10.0]  # JSON: a list
    loaded = depscreen.load(folder)
    assert loaded.get_params() == model.get_params()  # tuples again, restored by the class's own defaults
    assert isinstance(loaded.char_ngram_range, tuple) and isinstance(loaded.Cs, tuple)
    np.testing.assert_allclose(loaded.predict_proba(sample.users), model.predict_proba(sample.users))

    class Declared(DefaultClassifier):
        param_types = {"min_df": float}

    assert model_folder.restore_params(Declared, {"min_df": 2, "Cs": [1, 2], "embedder": None}) == \
        {"min_df": 2.0, "Cs": (1, 2), "embedder": None}


def test_a_parameter_json_cannot_hold_is_refused_by_name():
    with pytest.raises(TypeError, match="parameter 'vectorizer' of type object cannot be saved"):
        model_folder.config_params({"C": 1.0, "vectorizer": object()})


def test_the_training_record_round_trips_and_saving_again_reseals(folder, sample):
    record = api.training_record(folder)
    assert record.model == "tfidf-lr" and record.data == "synthetic" and record.n_items == len(sample)
    model = depscreen.load(folder)
    (folder / "notes.txt").write_text("added by hand")  # refused until the model is saved again
    with pytest.raises(ModelFolderError, match="notes.txt was added after save"):
        depscreen.load(folder)
    depscreen.save(model, folder, record)
    assert "notes.txt" in json.loads((folder / MANIFEST_NAME).read_text())["files"]
    depscreen.load(folder)
    (folder / "training.json").write_text("{")
    (folder / MANIFEST_NAME).unlink()
    with pytest.raises(ModelFolderError, match="training.json is not valid JSON"):
        api.training_record(folder)


# ----------------------------------------------------------------------- readiness
def test_check_ready_refuses_a_model_whose_scores_are_not_numbers(saved, sample):
    model = depscreen.load(saved)
    api.check_ready(model)  # a sound model passes
    model.classifier_.coef_ = np.full_like(model.classifier_.coef_, np.nan)
    with pytest.raises(api.ModelNotReady, match="not finite"):
        api.check_ready(model)


def test_readyz_never_says_ready_for_a_model_that_cannot_score(saved):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from depscreen.serve import Settings, create_app

    sound = depscreen.load(saved)
    assert TestClient(create_app(sound, Settings(allow_no_keys=True))).get("/readyz").status_code == 200
    broken = depscreen.load(saved)
    broken.classifier_.coef_ = np.full_like(broken.classifier_.coef_, np.nan)  # loads, then scores NaN
    r = TestClient(create_app(broken, Settings(allow_no_keys=True))).get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "not ready" and "ModelNotReady" in r.json()["detail"]


def test_a_pinned_table_copy_may_be_left_out_but_not_changed(tmp_path):
    folder = tmp_path / "m"
    (folder / "resources").mkdir(parents=True)
    (folder / "config.json").write_text('{"model": "x", "params": {}}', encoding="utf-8")
    table = folder / "resources" / "id_slang.json"
    table.write_text('{"gak": "tidak"}', encoding="utf-8")
    model_folder.seal(folder)
    table.write_text('{"gak": "bukan"}', encoding="utf-8")  # same size, other bytes
    with pytest.raises(ModelFolderError, match="resources/id_slang.json changed since save"):
        model_folder.verify(folder)
    table.unlink()  # left out: the config pins the table by hash, the loader checks this machine's copy
    assert model_folder.verify(folder) is True
    (folder / "weights.safetensors").write_bytes(b"x")
    model_folder.seal(folder)
    (folder / "weights.safetensors").unlink()
    with pytest.raises(ModelFolderError, match="weights.safetensors is missing"):
        model_folder.verify(folder)
