"""Fixtures of the embedding tests: tiny model folders and short multilingual posts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._tiny_models import build_tiny_bert, build_tiny_qwen3


@pytest.fixture(scope="session")
def tiny_qwen3_dir(tmp_path_factory) -> Path:
    return build_tiny_qwen3(tmp_path_factory.mktemp("qwen3") / "Qwen3-Embedding-tiny")


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("bert") / "tiny-bert-st")


@pytest.fixture(scope="session")
def post_texts() -> list[str]:
    """Realistic-shaped short posts in en / zh / id, generated here (no real data)."""
    en = [
        "i cannot sleep again and everything feels pointless",
        "went for a long walk with friends, the sun was nice",
        "so tired of pretending i am fine every single day",
        "dinner with my family tonight, really happy",
        "nobody would notice if i just disappeared",
        "new running shoes arrived, first 5k tomorrow",
    ]
    zh = ["今天又失眠了，觉得活着没有意思", "和朋友去吃火锅，很开心", "好累，什么都不想做", "周末去爬山，天气很好"]
    idn = ["aku capek banget, pengen hilang aja", "jalan-jalan ke pantai sama keluarga, seru", "gak bisa tidur lagi, pikiran kacau"]
    return en + zh + idn
