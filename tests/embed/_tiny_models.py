"""Builders of tiny, randomly initialised transformer folders (no downloads).

``tiny_qwen3_dir`` mimics a Qwen3-Embedding-0.6B folder (sentence-transformers
files, last-token pooling) at toy size; ``tiny_bert_dir`` a mean-pooling
sentence-transformers folder. The tokenizers are word-level, built with
``tokenizers`` and wrapped in ``PreTrainedTokenizerFast``.
"""

from __future__ import annotations

import json
from pathlib import Path

WORDS = (
    "i feel so sad and tired today the sun is nice we went for a walk "
    "cannot sleep again everything hurts happy friends dinner"
).split()


def _word_tokenizer(special: list[str], *, eos_post: str | None = None, bert: bool = False):
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(special + sorted(set(WORDS)) + ["instruct:", "query:"])}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>" if "<unk>" in vocab else "[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    if eos_post:
        tok.post_processor = processors.TemplateProcessing(
            single=f"$A {eos_post}", special_tokens=[(eos_post, vocab[eos_post])]
        )
    if bert:
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
        )
    return tok


def _write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def build_tiny_qwen3(folder: Path, *, eos_in_tokenizer: bool = False, st_files: bool = True) -> Path:
    """A Qwen3 model of a few thousand weights, saved like Qwen3-Embedding."""
    import torch
    from transformers import PreTrainedTokenizerFast, Qwen3Config, Qwen3Model

    torch.manual_seed(0)
    special = ["<pad>", "<unk>", "<|endoftext|>"]
    tok = _word_tokenizer(special, eos_post="<|endoftext|>" if eos_in_tokenizer else None)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>", eos_token="<|endoftext|>"
    )
    config = Qwen3Config(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=8,
        max_position_embeddings=128,
        pad_token_id=0,
        eos_token_id=2,
    )
    model = Qwen3Model(config).eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    if st_files:
        _write(folder / "modules.json", [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ])
        _write(folder / "1_Pooling" / "config.json", {
            "word_embedding_dimension": 32, "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": False, "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": True, "include_prompt": True,
        })
        _write(folder / "config_sentence_transformers.json", {
            "prompts": {"query": "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:", "document": ""},
            "default_prompt_name": None, "similarity_fn_name": "cosine",
        })
        _write(folder / "sentence_bert_config.json", {"max_seq_length": 64, "do_lower_case": False})
    return folder


def build_tiny_bert(folder: Path) -> Path:
    """A BERT model with a sentence-transformers mean-pooling head."""
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    torch.manual_seed(0)
    tok = _word_tokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]"], bert=True)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]"
    )
    config = BertConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=24, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=48, max_position_embeddings=64, pad_token_id=0,
    )
    BertModel(config).eval().save_pretrained(folder)
    fast.save_pretrained(folder)
    _write(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ])
    _write(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": 24, "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_lasttoken": False,
    })
    return folder


