"""Messages written for the shell: did-you-mean, plain lists, plurals, one disclaimer."""

from __future__ import annotations

import pytest

import depscreen
from depscreen.wording import label_text, plain_list, plural, suggest, unknown_name


def test_unknown_model_suggests_the_closest_name():
    from depscreen.models.registry import model_class

    with pytest.raises(ValueError) as err:
        model_class("tfid-lr")
    msg = str(err.value)
    assert msg.startswith("unknown model 'tfid-lr'; did you mean 'tfidf-lr'? Available: ")
    assert "[" not in msg and "'majority'" not in msg  # a plain list, not a Python repr
    assert "majority, " in msg


def test_unknown_format_suggests_the_closest_name(tmp_path):
    from depscreen.corpus.readers import read_source

    path = tmp_path / "x.csv"
    path.write_text("text,label\na,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown format 'cvs'; did you mean 'csv'\? Available: "):
        read_source(path, "cvs")
    with pytest.raises(ValueError, match=r"unknown format 'zzz'; available: "):
        read_source(path, "zzz")


def test_wrong_encoding_names_the_flag(tmp_path):
    from depscreen.corpus.io import CorpusFormatError
    from depscreen.corpus.readers import read_source

    path = tmp_path / "gbk.csv"
    path.write_bytes("text,label\n抑郁的一天,1\n".encode("gb18030"))
    with pytest.raises(CorpusFormatError, match="--encoding gb18030") as err:
        read_source(path, "csv")
    assert "encoding='" not in str(err.value)


def test_plurals_labels_and_lists():
    assert plural(1, "duplicate copy", "duplicate copies") == "1 duplicate copy"
    assert plural(0, "sample") == "0 samples"
    assert label_text(0.0) == "0" and label_text(1.5) == "1.5" and label_text("sad") == "'sad'"
    assert plain_list(["a", "b", "c"], "or") == "a, b or c" and plain_list(["a"]) == "a"
    assert suggest("LSTM", ["lstm", "cnn"]) == ["lstm"] and suggest("xyz", ["lstm"]) == []
    assert unknown_name("method", "lda", ["w2v"], flag="--method").startswith("unknown method 'lda' (--method)")


def test_one_disclaimer_text():
    from depscreen.evaluate import cv

    assert cv.DISCLAIMER is depscreen.DISCLAIMER


def test_cli_format_typo_gets_did_you_mean(tmp_path):
    from typer.testing import CliRunner

    from depscreen.cli import _register, app

    _register()
    result = CliRunner().invoke(app, ["data", "convert", str(tmp_path), "--format", "cvs", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "did you mean 'csv'?" in result.output and "Value error" not in result.output
