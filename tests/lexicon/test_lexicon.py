import pytest

from depscreen.lexicon.lexicon import Lexicon, LexiconEntry, LexiconFormatError


def test_csv_round_trip(tmp_path):
    lex = Lexicon(
        [LexiconEntry("绝望", 1, 1.0, "seed"), LexiconEntry("开心", 0, -0.5, "expanded")]
    )
    path = lex.to_csv(tmp_path / "lex.csv")
    back = Lexicon.from_csv(path)
    assert back.as_dict() == {"绝望": 1, "开心": 0}
    assert back["开心"].score == pytest.approx(-0.5)
    assert back["绝望"].source == "seed"
    assert back.without("seed").words == ["开心"]


def test_reads_gold_format_in_gb18030_with_free_header(tmp_path):
    path = tmp_path / "gold.csv"
    path.write_bytes("抑郁词,抑郁倾向（0非抑郁；1抑郁）\n抑郁,1\n稳定,0\n".encode("gb18030"))
    gold = Lexicon.from_csv(path)
    assert gold.as_dict() == {"抑郁": 1, "稳定": 0}
    assert gold.depressive == {"抑郁"} and gold.non_depressive == {"稳定"}


def test_bad_rows_name_file_and_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("word,label\nsad,1\nhappy,maybe\n", encoding="utf-8")
    with pytest.raises(LexiconFormatError, match=r"bad.csv:3: field 'polarity'"):
        Lexicon.from_csv(path)
    path.write_text("word,polarity,score\nsad,1,high\n", encoding="utf-8")
    with pytest.raises(LexiconFormatError, match=r":2: field 'score'"):
        Lexicon.from_csv(path)
    with pytest.raises(FileNotFoundError):
        Lexicon.from_csv(tmp_path / "none.csv")
    with pytest.raises(ValueError, match="polarity"):
        Lexicon([LexiconEntry("x", 2, 0.0)])
