"""The hf:PATH backend on tiny randomly initialised models (built in ``_tiny_models``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from depscreen.embed import get_embedder
from depscreen.embed.backends.hf import DEFAULT_INSTRUCTION, inspect_folder, pool

from .._tiny_models import build_tiny_qwen3

SHORT = "so sad"
LONG = "i feel so sad and tired today we went for a walk but everything hurts again"


def test_folder_spec_of_a_qwen3_embedding_layout(tiny_qwen3_dir, tiny_bert_dir):
    spec = inspect_folder(tiny_qwen3_dir)
    assert spec.pooling == "lasttoken" and spec.has_normalize and spec.model_type == "qwen3"
    assert spec.hidden_size == 32 and spec.max_seq_length == 64
    assert spec.prompts["query"].startswith("Instruct: ")
    bert = inspect_folder(tiny_bert_dir)
    assert bert.pooling == "mean" and not bert.has_normalize and bert.hidden_size == 24


def test_qwen3_pads_left_and_appends_end_of_text(tiny_qwen3_dir):
    emb = get_embedder(f"hf:{tiny_qwen3_dir}")
    emb._load()
    batch = emb._tokenize([SHORT, LONG])
    mask, ids = batch["attention_mask"], batch["input_ids"]
    eos = emb._tokenizer.eos_token_id
    assert mask[0, 0] == 0 and mask[1, 0] == 1  # the short text is padded on the left
    assert bool(mask[:, -1].all()) and bool((ids[:, -1] == eos).all())


def test_last_token_pooling_ignores_left_padding(tiny_qwen3_dir):
    """A text's vector is the same alone and in a batch padded to a much longer text."""
    emb = get_embedder(f"hf:{tiny_qwen3_dir}")
    texts = [SHORT, LONG, "happy", "cannot sleep again"]
    alone = np.vstack([emb.embed([t]) for t in texts])
    together = emb.embed(texts, batch_size=4)
    np.testing.assert_allclose(together, alone, atol=2e-5)
    assert np.abs(alone[0] - alone[1]).max() > 1e-3  # different texts, different vectors


def test_last_token_pooling_is_the_state_of_the_last_real_token(tiny_qwen3_dir):
    emb = get_embedder(f"hf:{tiny_qwen3_dir}", normalize=False)
    emb._load()
    tok = emb._tokenizer
    ids = tok(emb.prompt + SHORT)["input_ids"] + [tok.eos_token_id]
    with torch.no_grad():
        hidden = emb._model(input_ids=torch.tensor([ids])).last_hidden_state[0]
    got = emb.embed([SHORT, LONG])[0]
    np.testing.assert_allclose(got, hidden[-1].numpy(), atol=2e-5)
    assert np.abs(got - hidden[-2].numpy()).max() > 1e-3


def test_query_instruction_prefix(tiny_qwen3_dir):
    default = get_embedder(f"hf:{tiny_qwen3_dir}")
    assert default.prompt == f"Instruct: {DEFAULT_INSTRUCTION}\nQuery:"
    task = get_embedder(f"hf:{tiny_qwen3_dir}", instruction="Classify the emotion of the post")
    assert task.prompt == "Instruct: Classify the emotion of the post\nQuery:"
    document = get_embedder(f"hf:{tiny_qwen3_dir}", input_type="document")
    assert document.prompt == ""  # the folder's "document" prompt is empty
    explicit = get_embedder(f"hf:{tiny_qwen3_dir}", prompt="")
    names = {e.name for e in (default, task, document, explicit)}
    assert len(names) == 3  # document and explicit "" embed the same way
    assert not np.allclose(default.embed([SHORT]), document.embed([SHORT]), atol=1e-4)


def test_tokenizer_that_adds_eos_itself_gets_no_second_one(tmp_path):
    folder = build_tiny_qwen3(tmp_path / "q", eos_in_tokenizer=True, st_files=False)
    emb = get_embedder(f"hf:{folder}")
    assert emb.pooling == "lasttoken"  # inferred from model_type without modules.json
    emb._load()
    ids = emb._tokenize([SHORT])["input_ids"][0].tolist()
    eos = emb._tokenizer.eos_token_id
    assert ids[-1] == eos and ids[-2] != eos


def test_truncate_dim_keeps_leading_dimensions(tiny_qwen3_dir):
    full = get_embedder(f"hf:{tiny_qwen3_dir}", normalize=False).embed([LONG])[0]
    short = get_embedder(f"hf:{tiny_qwen3_dir}", truncate_dim=8).embed([LONG])[0]
    assert short.shape == (8,)
    np.testing.assert_allclose(short, full[:8] / np.linalg.norm(full[:8]), atol=1e-5)
    with pytest.raises(ValueError, match="truncate_dim"):
        get_embedder(f"hf:{tiny_qwen3_dir}", truncate_dim=33)


def test_max_length_truncates(tiny_qwen3_dir):
    emb = get_embedder(f"hf:{tiny_qwen3_dir}", max_length=6, prompt="")
    emb._load()
    ids = emb._tokenize([LONG])["input_ids"][0].tolist()
    assert len(ids) == 6 and ids[-1] == emb._tokenizer.eos_token_id
    assert emb.embed([LONG]).shape == (1, 32)


def test_mean_pooling_folder_with_right_padding(tiny_bert_dir):
    emb = get_embedder(f"hf:{tiny_bert_dir}", normalize=False)
    assert emb.dim == 24 and emb.prompt == ""
    texts = [SHORT, LONG]
    alone = np.vstack([emb.embed([t]) for t in texts])
    np.testing.assert_allclose(emb.embed(texts), alone, atol=2e-5)
    emb._load()
    assert emb._tokenizer.padding_side == "right"
    enc = emb._tokenizer([SHORT], return_tensors="pt")
    with torch.no_grad():
        hidden = emb._model(**enc).last_hidden_state[0]
    np.testing.assert_allclose(alone[0], hidden.mean(dim=0).numpy(), atol=2e-5)


def test_pool_modes_ignore_padding_values():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [1e6, -1e6]], [[1e6, 1e6], [5.0, 6.0], [7.0, 8.0]]])
    mask = torch.tensor([[1, 1, 0], [0, 1, 1]])  # row 0 right-padded, row 1 left-padded
    np.testing.assert_allclose(pool(hidden, mask, "lasttoken").numpy(), [[3, 4], [7, 8]])
    np.testing.assert_allclose(pool(hidden, mask, "mean").numpy(), [[2, 3], [6, 7]])
    np.testing.assert_allclose(pool(hidden, mask, "max").numpy(), [[3, 4], [7, 8]])
    np.testing.assert_allclose(pool(hidden, mask, "cls").numpy(), [[1, 2], [1e6, 1e6]])
    np.testing.assert_allclose(pool(hidden, mask, "mean_sqrt_len").numpy(), np.array([[4, 6], [12, 14]]) / np.sqrt(2))


def test_dense_layer_from_safetensors(tmp_path, tiny_bert_dir):
    import shutil

    from safetensors.torch import save_file

    folder = tmp_path / "dense"
    shutil.copytree(tiny_bert_dir, folder)
    modules = json.loads((folder / "modules.json").read_text())
    modules.append({"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "2_Dense").mkdir()
    (folder / "2_Dense" / "config.json").write_text(json.dumps(
        {"in_features": 24, "out_features": 5, "bias": True, "activation_function": "torch.nn.modules.activation.Tanh"}
    ))
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        get_embedder(f"hf:{folder}").embed([SHORT])
    torch.manual_seed(1)
    weight, bias = torch.randn(5, 24), torch.randn(5)
    save_file({"linear.weight": weight, "linear.bias": bias}, str(folder / "2_Dense" / "model.safetensors"))
    emb = get_embedder(f"hf:{folder}", normalize=False)
    assert emb.dim == 5
    base = get_embedder(f"hf:{tiny_bert_dir}", normalize=False).embed([SHORT])
    expected = torch.tanh(torch.from_numpy(base) @ weight.T + bias).numpy()
    np.testing.assert_allclose(emb.embed([SHORT]), expected, atol=2e-5)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda f: (f / "modules.json").write_text(json.dumps([{"path": "", "type": "x.models.Magic"}])), "unsupported type"),
        (lambda f: (f / "1_Pooling" / "config.json").write_text(json.dumps(
            {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": True})), "exactly one"),
        (lambda f: (f / "config.json").unlink(), "config.json not found"),
        (lambda f: (f / "1_Pooling" / "config.json").write_text("{oops"), "invalid JSON"),
    ],
)
def test_bad_folders_give_errors_naming_the_file(tmp_path, tiny_bert_dir, edit, message):
    import shutil

    folder = tmp_path / "bad"
    shutil.copytree(tiny_bert_dir, folder)
    edit(folder)
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        get_embedder(f"hf:{folder}")
