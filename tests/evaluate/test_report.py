from __future__ import annotations

import base64
import re

import pytest
from rich.console import Console

from depscreen.evaluate import compare
from depscreen.evaluate.report import markdown_table, metric_columns


@pytest.fixture
def comparison(post_corpus):
    return compare(["majority", "tfidf-lr"], post_corpus, cv=3, seed=13, progress=False)


def test_markdown_table(comparison):
    md = comparison.to_markdown()
    lines = md.splitlines()
    assert lines[0].startswith("| model | accuracy | precision | recall | f1 |")
    assert len(lines) == 4
    row = next(line for line in lines if line.startswith("| tfidf-lr"))
    f1 = comparison["tfidf-lr"].summary["f1"]
    assert f"{f1.mean:.3f} ± {f1.std:.3f}" in row
    assert "| 3 / 3 |" in next(line for line in lines if line.startswith("| majority"))
    one = markdown_table(comparison.results, ["f1", "roc_auc"])
    assert one.splitlines()[0].startswith("| model | f1 | roc_auc |")
    with pytest.raises(KeyError, match="not measured"):
        metric_columns(comparison.results, ["mae"])


def test_rich_table_renders(comparison):
    console = Console(record=True, width=200)
    console.print(comparison.to_rich())
    text = console.export_text()
    assert "tfidf-lr" in text and "majority" in text and "seed 13" in text
    assert "not a diagnosis" in text


def test_html_report_is_self_contained(comparison, tmp_path):
    path = comparison.to_html(tmp_path / "out" / "report.html", title="Generated <corpus>")
    page = path.read_text()
    assert "Generated &lt;corpus&gt;" in page  # escaped
    assert "not a diagnosis" in page
    assert "seed 13" in page and "RepeatedStratifiedKFold" in page
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert len(images) == 2  # metric chart + confusion matrices
    for img in images:
        assert base64.b64decode(img)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "src='http" not in page and "<script" not in page
    # fold sizes listed
    assert page.count("<tr><td>1</td>") == 3


def test_single_result_html(post_corpus, tmp_path):
    from depscreen.evaluate import cross_validate

    res = cross_validate("majority", post_corpus, cv=2, progress=False)
    page = res.to_html(tmp_path / "r.html").read_text()
    assert "majority" in page and "predicted a single class" in page
