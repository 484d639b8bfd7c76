import csv
import json

from typer.testing import CliRunner

from depscreen.cli import _register, app
from depscreen.corpus import PostCorpus, PostRecord, write_jsonl
from depscreen.lexicon.lexicon import Lexicon

from .conftest import make_posts

_register()
runner = CliRunner()
FAST = ["--vector-size", "16", "--epochs", "30", "--min-count", "2", "--lang", "en"]


def _corpora(tmp_path):
    docs, labels = make_posts()
    records = [PostRecord(str(i), " ".join(d), y) for i, (d, y) in enumerate(zip(docs, labels))]
    both = write_jsonl(PostCorpus(records), tmp_path / "posts.jsonl")
    d1 = write_jsonl(PostCorpus([r for r in records if r.label == 1]), tmp_path / "d1.jsonl")
    d2 = write_jsonl(PostCorpus([r for r in records if r.label == 0]), tmp_path / "d2.jsonl")
    gold = Lexicon.from_pairs([("sad", 1), ("gloomy", 1), ("happy", 0), ("cheerful", 0)]).to_csv(
        tmp_path / "gold.csv"
    )
    return both, d1, d2, gold


def test_build_evaluate_and_sweep_from_the_command_line(tmp_path):
    both, d1, d2, gold = _corpora(tmp_path)
    out = tmp_path / "lex.csv"
    result = runner.invoke(app, ["lexicon", "build", "--depressed", str(d1), "--control", str(d2),
                                 "--out", str(out), "--n-seeds", "2", "--tc", "0.8",
                                 "--seeds-out", str(tmp_path / "seeds.csv"), *FAST])
    assert result.exit_code == 0, result.output
    lex = Lexicon.from_csv(out)
    assert lex.polarity("gloomy") == 1 and lex.polarity("cheerful") == 0
    assert (tmp_path / "seeds.csv").exists()
    meta = json.loads((tmp_path / "lex.csv.meta.json").read_text(encoding="utf-8"))
    assert "not a diagnos" in meta["disclaimer"] and meta["params"]["n_seeds"] == 2
    assert len(meta["lexicon"]["resources"]["function_words_en"]["sha256"]) == 64  # the stopwords, pinned by hash

    result = runner.invoke(app, ["lexicon", "evaluate", str(out), "--gold", str(gold),
                                 "--json", str(tmp_path / "scores.json")])
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert scores["correct"] == 4 and scores["recall"] == 1.0

    # one labelled corpus split by label gives the same lexicon
    out2 = tmp_path / "lex2.csv"
    result = runner.invoke(app, ["lexicon", "build", "--corpus", str(both), "--out", str(out2),
                                 "--n-seeds", "2", "--tc", "0.8", *FAST])
    assert result.exit_code == 0, result.output
    assert Lexicon.from_csv(out2).as_dict() == lex.as_dict()

    sweep_out = tmp_path / "sweep.csv"
    result = runner.invoke(app, ["lexicon", "sweep", "--corpus", str(both), "--gold", str(gold),
                                 "--out", str(sweep_out), "--method", "w2v-lpa", "--method", "w2v",
                                 "--n-seeds", "2,4", "--tc", "0.7,0.8", *FAST])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(sweep_out.open(encoding="utf-8")))
    assert len(rows) == 8 and {r["method"] for r in rows} == {"w2v-lpa", "w2v"}


def test_cli_errors_are_clear(tmp_path):
    both, d1, _, gold = _corpora(tmp_path)
    result = runner.invoke(app, ["lexicon", "build", "--depressed", str(d1), "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "--control" in result.output
    result = runner.invoke(app, ["lexicon", "build", "--corpus", str(both), "--method", "lda",
                                 "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "unknown method" in result.output
    result = runner.invoke(app, ["lexicon", "evaluate", str(tmp_path / "missing.csv"), "--gold", str(gold)])
    assert result.exit_code == 2 and "not found" in result.output


def test_a_gold_path_that_is_empty_or_a_folder_fails_before_the_build(tmp_path):
    """`--gold "$GOLD"` with GOLD unset is an empty path: a clear usage error, not a traceback."""
    both, _, _, _ = _corpora(tmp_path)
    for gold in ["", str(tmp_path)]:
        result = runner.invoke(app, ["lexicon", "build", "--corpus", str(both), "--out", str(tmp_path / "x.csv"),
                                     "--gold", gold, *FAST])
        assert result.exit_code == 2 and "--gold" in result.output and "Traceback" not in result.output
        assert not (tmp_path / "x.csv").exists()  # refused before any work
