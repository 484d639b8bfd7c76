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
    assert "mean ± std over folds" in text


def test_html_report_is_self_contained(comparison, tmp_path):
    path = comparison.to_html(tmp_path / "out" / "report.html", title="Generated <corpus>")
    page = path.read_text()
    assert "Generated &lt;corpus&gt;" in page  # escaped
    assert "not a diagnosis" in page
    assert "seed 13" in page and "RepeatedStratifiedKFold" in page
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert len(images) == 3  # metric chart + reliability diagram + confusion matrices
    assert "reliability diagram" in page and "ece (10 equal-width bins)" in page
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


# -- tables that fit the terminal --------------------------------------------------------
from depscreen.evaluate.fit_table import Cell, FitTable  # noqa: E402
from depscreen.evaluate.report import compact_summary  # noqa: E402

LONG = "tfidf-lr-with-a-rather-long-label"


@pytest.fixture
def three_models(post_corpus):
    return compare(["majority", "tfidf-lr", (LONG, "tfidf-lr")], post_corpus, cv=3, seed=13, progress=False)


def _render(renderable, width: int) -> str:
    console = Console(record=True, width=width, color_system=None)
    console.print(renderable)
    return console.export_text()


def _words(text: str) -> set[str]:
    # cells are separated by box characters or runs of spaces
    return {w for w in re.split(r"[│┃║|]|\s{2,}|^\s+|\s+$", text, flags=re.M) for w in [w.strip()] if w}


@pytest.mark.parametrize("width", [80, 120])
def test_rich_table_never_cuts_a_name_or_a_number(three_models, width):
    text = _render(three_models.to_rich(), width)
    assert "…" not in text
    assert all(len(line) <= width for line in text.splitlines())
    cells = _words(text)
    for r in three_models.results:
        assert r.model in cells, f"{r.model} cut at width {width}"
        for metric in metric_columns(three_models.results):
            s = r.summary[metric]
            assert {s.format(3), compact_summary(s, 2)} & cells, f"{r.model} {metric} cut at width {width}"


def test_rich_table_uses_the_room_it_has(three_models):
    table = three_models.to_rich()
    wide = Console(width=400)
    assert table.choose(wide)[0] == "wide"  # full precision when there is room
    name, _ = table.choose(Console(width=80))
    assert name != "wide"


def test_fit_table_splits_then_stacks_without_dropping_cells():
    models = [f"model-number-{i}" for i in range(8)]
    cols = ["model"] + [f"metric_{j}" for j in range(9)]
    rows = [[m] + [Cell(f"0.{i}{j}0 ± 0.011", f"0.{i}{j}±0.01") for j in range(9)] for i, m in enumerate(models)]
    table = FitTable(cols, rows, title="t", caption="c")
    console = Console(width=80)
    assert table.choose(console)[0] == "split"
    text = _render(table, 80)
    cells = _words(text)
    assert set(models) <= cells and "…" not in text
    assert {f"0.{i}{j}±0.01" for i in range(8) for j in range(9)} <= cells
    parts = text.count("metric_0") + text.count("metric_8")
    assert parts == 2 and all(text.count(m) == 2 for m in models)  # key column repeated per part
    # narrower than one key + one value column: a plain list, still whole
    narrow = _render(table, 24)
    assert table.choose(Console(width=24))[0] == "stacked"
    assert all(m in narrow for m in models) and "…" not in narrow


def test_fit_table_rejects_ragged_rows():
    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 columns"):
        FitTable(["a", "b"], [["x"]])


def test_one_row_of_scores_transposes_when_narrow():
    keys = ["size", "gold_size", "matched", "correct", "precision", "recall", "f1", "coverage",
            "dep_precision", "dep_recall", "dep_f1"]
    table = FitTable(keys, [[f"{0.1 + i / 100:.3f}" for i in range(len(keys))]], key_columns=0)
    assert table.choose(Console(width=80))[0] == "transposed"
    text = _render(table, 80)
    assert all(k in _words(text) for k in keys) and "0.200" in text


# -- pages -------------------------------------------------------------------------------
def test_comparison_page_chart_fits_the_page(comparison, tmp_path):
    page = comparison.to_html(tmp_path / "comparison.html").read_text()
    assert "img{max-width:100%" in page.replace(" ", "")


def test_timeline_pages_link_to_the_index_and_show_the_true_label(tmp_path):
    from depscreen.corpus import Post, User
    from depscreen.evaluate.explain import write_timeline_html

    users = [User("a", 1, [Post("x", id="a0"), Post("y", id="a1")]), User("b", None, [Post("z", id="b0")])]
    exps = [
        {"user_id": u.user_id, "prediction": 1, "score": 0.7 - i / 10,
         "posts": [{"index": j, "id": p.id, "time": None, "weight": 0.5, "used": True} for j, p in enumerate(u.posts)]}
        for i, u in enumerate(users)
    ]
    index = write_timeline_html(users, exps, tmp_path / "html")
    pages = {p.name: p.read_text() for p in (tmp_path / "html").glob("user_*.html")}
    assert len(pages) == 2 and all("href='index.html'" in page for page in pages.values())
    labelled = next(page for page in pages.values() if "User a" in page)
    unlabelled = next(page for page in pages.values() if "User b" in page)
    assert "true label <b>1</b>" in labelled and "true label" not in unlabelled
    assert "<th>true label</th>" in index.read_text()


# -- degenerate models -------------------------------------------------------------------
def test_single_class_models_are_flagged_with_the_likely_cause(tmp_path, make_posts):
    from depscreen.evaluate.report import degenerate_warnings

    corpus = make_posts(n=90, seed=1, pos_share=0.2)
    comp = compare(["majority", "tfidf-lr"], corpus, cv=3, seed=13, progress=False, params={"tfidf-lr": {"C": 1e-4}})
    assert comp["tfidf-lr"].single_class_folds == 3
    found = dict(degenerate_warnings(comp.results))
    assert list(found) == ["tfidf-lr"]  # the majority baseline predicts one class by design
    msg = found["tfidf-lr"]
    assert "single class on 3 of 3 folds" in msg and "class imbalance" in msg
    assert "--param tfidf-lr:class_weight=balanced" in msg
    md = comp.to_markdown()
    assert "> **warning:** tfidf-lr predicted a single class" in md
    page = comp.to_html(tmp_path / "c.html").read_text()
    assert "class='warn'" in page and "class_weight=balanced" in page
    # balanced, the same model learns: no warning
    fixed = compare(["tfidf-lr"], corpus, cv=3, seed=13, progress=False,
                    params={"tfidf-lr": {"class_weight": "balanced"}})
    assert degenerate_warnings(fixed.results) == [] and "warning" not in fixed.to_markdown()


def _png_width(b64: str) -> int:
    raw = base64.b64decode(b64)
    return int.from_bytes(raw[16:20], "big")


def test_charts_stay_within_the_page_for_many_models(comparison):
    from depscreen.evaluate.report import confusion_chart, metric_chart

    many = comparison.results * 5  # ten models
    assert _png_width(metric_chart(many)) <= 1150
    assert _png_width(confusion_chart(many)) <= 1150
