"""The README's Python API example runs as written (in a fresh folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

README = Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_python_api_example_runs(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", _section("Python API"), flags=re.S)
    assert blocks, "the Python API section has no python example"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, str(README), "exec"), {"__name__": "readme_example"})
    out = capsys.readouterr().out
    assert "top_features" not in out and "feature" in out  # the explanation printed its n-grams
    frame = pd.read_csv(tmp_path / "predictions.csv")
    assert list(frame.columns[:3]) == ["user_id", "true_label", "predicted"] and len(frame) == 60
    assert len(pd.read_parquet(tmp_path / "predictions.parquet")) == 60
    assert (tmp_path / "models" / "tfidf-lr" / "training.json").exists()
