"""``depscreen train --mhim t=..,b=..`` and the ``depscreen mhim`` commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from depscreen.cli import _register, app
from depscreen.cli.mhim import mhim_route
from depscreen.corpus import read_jsonl, write_jsonl
from depscreen.corpus.dialogue import make_sample_interviews, write_dialogue_jsonl
from depscreen.corpus.synthetic import make_sample_corpus

_register()
runner = CliRunner()
# LMILAtt parameters of the model MHIM wraps: nested under base__ (MHIMClassifier(base=...))
TINY = ["base__embedder=tfidf-svd", 'base__embedder_options={"n_components": 16}', "base__encoder=none",
        "base__autoencoder=false", "base__skip_embedding=false", "base__hidden_size=8", "base__attention_size=8",
        "base__epochs=3", "base__validation_split=0"]


def params(items):
    return [a for p in items for a in ("--param", p)]


def test_route_maps_the_spec_to_parameters():
    assert mhim_route("lmilatt", "t=2,b=1") == ("lmilatt-mhim", ["mhim_t=2", "mhim_b=1"])
    assert mhim_route("dual-mhim", "t=0.1") == ("dual-mhim", ["base__mhim_t=0.1"])
    with pytest.raises(ValueError, match="attention models"):
        mhim_route("tfidf-lr", "t=2,b=1")
    with pytest.raises(ValueError):
        mhim_route("lmilatt", "t=2,q=1")


def test_train_with_mhim_predict_explain_and_entropy(tmp_path):
    data = write_jsonl(make_sample_corpus(n_users=30, langs=("en",), seed=2, posts_per_user=(8, 12)),
                       tmp_path / "users.jsonl")
    out = tmp_path / "model"
    res = runner.invoke(app, ["train", "--model", "lmilatt", "--mhim", "t=1,b=1", "--data", str(data),
                              "--out", str(out), *params(TINY)])
    assert res.exit_code == 0, res.output
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "lmilatt-mhim"
    assert config["params"]["mhim_t"] == 1 and config["params"]["mhim_b"] == 1
    assert config["base"]["model"] == "lmilatt" and config["base"]["params"]["epochs"] == 3
    res = runner.invoke(app, ["predict", str(out), str(data), "--out", str(tmp_path / "p.csv"), "--explain"])
    assert res.exit_code == 0, res.output
    first = json.loads((tmp_path / "p.explanations.jsonl").read_text().splitlines()[0])
    assert first["explanation"]["model"] == "mhim-receiver"
    res = runner.invoke(app, ["mhim", "entropy", str(out), "--json", str(tmp_path / "ent.json")])
    assert res.exit_code == 0, res.output
    rows = json.loads((tmp_path / "ent.json").read_text())
    assert {r["phase"] for r in rows} == {"donor", "receiver"} and "receiver" in res.output


def test_flat_lmilatt_parameters_get_a_hint_to_nest_them(tmp_path):
    data = write_jsonl(make_sample_corpus(n_users=10, langs=("en",), seed=2), tmp_path / "users.jsonl")
    res = runner.invoke(app, ["train", "--model", "lmilatt", "--mhim", "t=1,b=1", "--data", str(data),
                              "--out", str(tmp_path / "m"), "--param", "epochs=3"])
    assert res.exit_code == 2 and "--param base__epochs=3" in res.output


def test_mhim_flag_refuses_models_without_attention(tmp_path):
    data = write_jsonl(make_sample_corpus(n_users=10, langs=("en",), seed=2), tmp_path / "users.jsonl")
    res = runner.invoke(app, ["train", "--model", "tfidf-lr", "--mhim", "t=2,b=1", "--data", str(data),
                              "--out", str(tmp_path / "m")])
    assert res.exit_code == 2 and "attention models" in res.output


def test_dialogue_to_corpus_then_train_the_dual_encoder(tmp_path):
    src = write_dialogue_jsonl(make_sample_interviews(24, seed=3), tmp_path / "interviews.jsonl")
    corpus_path = tmp_path / "corpus.jsonl"
    res = runner.invoke(app, ["mhim", "dialogue-to-corpus", str(src), str(corpus_path)])
    assert res.exit_code == 0, res.output
    users = read_jsonl(corpus_path)
    assert len(users) == 24 and all("prefix" in p.meta for u in users for p in u.posts)
    out = tmp_path / "dual"
    res = runner.invoke(app, ["train", "--model", "dual-mhim", "--mhim", "t=1,b=0", "--data", str(corpus_path),
                              "--out", str(out), "--no-dedup", *params(
                                  ["embedder=tfidf-svd", 'embedder_options={"n_components": 8}', "base__base__epochs=2",
                                   "base__base__hidden_size=4", "base__base__attention_size=4",
                                   "base__base__validation_split=0", "base__base__head=regression"])])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "config.json").read_text())["model"] == "dual-mhim"
    # a regression head has no class probabilities: predict writes scores only
    res = runner.invoke(app, ["predict", str(out), str(corpus_path), "--out", str(tmp_path / "s.csv"), "--explain"])
    assert res.exit_code == 0, res.output
    header = [line for line in (tmp_path / "s.csv").read_text().splitlines() if not line.startswith("#")][0]
    assert "predicted" in header and "proba" not in header
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"interview_id": "a", "turns": []}\n')
    res = runner.invoke(app, ["mhim", "dialogue-to-corpus", str(bad), str(tmp_path / "x.jsonl")])
    assert res.exit_code == 2 and "bad.jsonl:1" in res.output


def test_a_flat_parameter_of_a_wrapper_is_refused_with_its_nested_name():
    """``epochs`` belongs to dual-mhim's base's base (LMILAtt): the message names the
    parameter as the wrapper takes it, and the nested name is accepted."""
    from depscreen.cli._common import CliError, parse_params

    with pytest.raises(CliError, match=r"--param base__base__epochs=2"):
        parse_params(["epochs=2"], ["dual-mhim"])
    with pytest.raises(CliError, match=r"--param base__epochs=2"):
        parse_params(["epochs=2"], ["lmilatt-mhim"])
    assert parse_params(["base__base__epochs=2"], ["dual-mhim"]) == {"dual-mhim": {"base__base__epochs": 2}}
