"""The scikit-learn Preprocessor: switchable steps, three languages, JSON config."""

import json

import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from depscreen.text.pipeline import Preprocessor

SLANG = {"gw": "saya", "bgt": "banget", "gak": "tidak"}


def test_default_keeps_signal_and_redacts():
    out = Preprocessor(lang="en").fit_transform(["I'm NOT okay!!!!! https://t.co/x @bob #sad 😭"])
    assert out == [["i'm", "not", "okay", "!!", "<url>", "<user>", "sad", "😭"]]


def test_each_step_can_be_switched():
    text = ["Gw sedihhh bgt, gak bisa tidur 2 malam #capek @ani 😭"]
    full = Preprocessor(lang="id", slang_table=SLANG, stopwords=True, punctuation=False)
    assert full.transform(text) == [["saya", "sedih", "banget", "tidak", "tidur", "2", "malam", "capek", "<user>", "😭"]]
    no_slang = Preprocessor(lang="id", slang=False, punctuation=False).transform(text)[0]
    assert "gw" in no_slang and "bgt" in no_slang
    no_case = Preprocessor(lang="id", slang=False, casefold=False).transform(text)[0]
    assert no_case[0] == "Gw"
    raw = Preprocessor(lang="id", clean=False, slang=False).transform(text)[0]
    assert "@ani" in raw and "#capek" in raw
    cleaned = Preprocessor(lang="id", slang_table=SLANG, pii="remove", hashtags="remove",
                           numbers="placeholder", emoji="describe").transform(text)[0]
    assert "<user>" not in cleaned and "capek" not in cleaned and "<num>" in cleaned
    assert ":loudly_crying_face:" in cleaned
    stemmed = Preprocessor(lang="id", slang_table=SLANG, stem=True).transform(["kesepian"])
    assert stemmed == [["sepi"]]
    whitespace = Preprocessor(lang="id", slang_table=SLANG, tokenize=False).transform(["gw,sedih"])
    assert whitespace == [["gw,sedih"]]  # whitespace split: the comma stays attached


def test_paper003_preset_removes_what_the_paper_removes():
    pre = Preprocessor.paper003(slang_table=SLANG)
    out = pre.transform(["Gw gak bisa tidur!!! 3 hari 😭 #capek @ani https://t.co/x"])
    assert out == [["tidur", "hari"]]  # 'saya' and 'tidak' are Sastrawi stopwords when signal is not kept
    assert pre.get_config()["steps"] == ["clean", "casefold", "slang", "stopwords", "tokenize"]


def test_chinese_and_auto_language():
    pre = Preprocessor(lang="auto", stopwords=True, punctuation=False, slang_table=SLANG, join=True)
    out = pre.transform(["我真的不想活了，你们都不懂我", "I don't want to wake up", "gw gak bisa tidur"])
    assert out[0].split()[:3] == ["我", "真的", "不想"] and "了" not in out[0].split()
    assert out[1] == "i don't want wake"
    assert out[2] == "saya tidak tidur"
    zh = Preprocessor(lang="zh", user_dict=["蓝瘦香菇"]).transform(["今天蓝瘦香菇"])
    assert zh == [["今天", "蓝瘦香菇"]]


def test_config_is_json_and_round_trips():
    pre = Preprocessor(lang="id", stopwords=True, stem=True, slang_table=SLANG, languages=("id", "en"))
    config = pre.get_config()
    again = Preprocessor.from_config(json.loads(json.dumps(config)))
    params = again.get_params()
    assert sorted(params.pop("resources")) == ["id_slang", "stopwords_id"]  # the pinned tables
    assert params == {k: v for k, v in pre.get_params().items() if k != "resources"}
    assert again.transform(["gw gak bisa tidur"]) == pre.transform(["gw gak bisa tidur"])
    assert config["type"] == "depscreen.text.pipeline.Preprocessor"
    assert config["resources"]["id_slang"]["entries"] == 3
    assert config["resources"]["id_slang"]["sources"] == ["parameter:slang_table"]
    assert config["resources"]["stopwords_id"]["entries"] > 100
    assert "Sastrawi" in config["packages"]
    with pytest.raises(ValueError, match="unknown parameter"):
        Preprocessor.from_config({"params": {"lowercase": True}})


def test_sklearn_compatibility_and_validation():
    pre = Preprocessor(lang="en", join=True)
    assert clone(pre).get_params() == pre.get_params()
    pipe = make_pipeline(pre, TfidfVectorizer(analyzer=str.split), LogisticRegression())
    texts = ["i am not okay", "i feel empty", "great day", "lovely walk"]
    pipe.fit(texts, [1, 1, 0, 0])
    assert list(pipe.predict(["i am not okay"])) == [1]
    with pytest.raises(TypeError, match="item 1"):
        pre.fit(["ok", None])
    with pytest.raises(TypeError, match="list of texts"):
        pre.transform("one string")
    with pytest.raises(ValueError, match="emoji"):
        Preprocessor(emoji="drop").fit(["x"])
    with pytest.raises(ValueError, match="lang"):
        Preprocessor(lang="fr").transform(["x"])
