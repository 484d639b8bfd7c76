"""benchmarks/_record.py: the run record every results file carries."""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import _record  # noqa: E402


def test_record_fields_and_finish():
    rec = _record.start_record(seeds=[13, 14], argv=[str(BENCH / "x.py"), "--fast"], note="n")
    assert rec.seeds == [13, 14]
    assert rec.command == "python benchmarks/x.py --fast"
    assert rec.cores and rec.cores >= 1
    assert rec.cpu_model
    assert rec.sklearn and rec.numpy
    assert rec.wall_seconds is None
    rec.finish()
    assert rec.wall_seconds is not None and rec.date_utc_end is not None
    d = rec.to_dict()
    assert "_t0" not in d and d["extra"] == {"note": "n"}
    json.dumps(d)


def test_write_results_puts_record_on_top(tmp_path):
    import numpy as np

    rec = _record.start_record(seeds=[1], argv=["bench.py"])
    md, js = _record.write_results(
        "demo", "## Table\n\n| a |\n|---|\n| 1 |", {"value": np.float64(0.5), "n": np.int64(3)},
        rec, title="Demo", results_dir=tmp_path,
    )
    text = md.read_text()
    assert text.startswith("# Demo")
    assert text.index("- commit:") < text.index("## Table")
    assert "- seeds: 1" in text and "load average" in text
    data = json.loads(js.read_text())
    assert data["value"] == 0.5 and data["n"] == 3
    assert data["run"]["seeds"] == [1] and data["run"]["wall_seconds"] is not None


def test_busy_flag():
    rec = _record.start_record(argv=["b.py"])
    rec.cores = 2
    rec.load_average_start = [0.5, 0.5, 0.5]
    rec.load_average_end = [0.7, 0.5, 0.5]
    assert not rec.busy()
    rec.load_average_end = [8.0, 5.0, 3.0]
    assert rec.busy()
    assert "busy machine" in rec.markdown()


def test_a_rerendered_file_keeps_the_measurements_record_and_says_who_rendered_it():
    measured = _record.start_record(seeds=[13], argv=["bench.py", "--full"]).finish().to_dict()
    rec = _record.rerender_record(json.loads(json.dumps(measured)), ["bench.py", "--from-json", "x.json"])
    assert rec.date_utc == measured["date_utc"] and rec.command == "python bench.py --full"
    assert rec.seeds == [13] and rec.wall_seconds == measured["wall_seconds"]
    rendered = rec.extra["rendered"]
    assert rendered["command"] == "python bench.py --from-json x.json" and "re-rendered" in rendered["note"]
    assert "- rendered:" in rec.markdown()
