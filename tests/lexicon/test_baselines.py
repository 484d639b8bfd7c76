import math

import numpy as np
import pytest
from gensim.models import KeyedVectors

from depscreen.lexicon.baselines import (
    pmi_with_seeds,
    so_pmi_scores,
    so_w2v_scores,
    unit_matrix,
    w2v_scores,
)
from depscreen.lexicon.seeds import SeedSet


def test_so_pmi_document_units_match_hand_computation():
    docs = [
        ["sad", "cry", "alone"],
        ["sad", "cry"],
        ["happy", "smile"],
        ["sad", "smile"],
        ["happy", "cry", "sun"],
        ["sun"],
    ]
    seeds = SeedSet(["sad"], ["happy"])
    # N = 6 documents; n(sad)=3, n(happy)=2, n(cry)=3, n(smile)=2
    # PMI(cry, sad)   = log2(2*6 / (3*3)); PMI(cry, happy)   = log2(1*6 / (3*2)) = 0
    # PMI(smile, sad) = log2(1*6 / (2*3)) = 0; PMI(smile, happy) = log2(1*6 / (2*2))
    # alone: PMI(alone, sad) = log2(1*6 / (1*3)) = 1; never with happy -> adds 0
    scores = so_pmi_scores(docs, seeds, ["cry", "smile", "alone", "sun"])
    assert scores["cry"] == pytest.approx(math.log2(12 / 9))
    assert scores["smile"] == pytest.approx(-math.log2(6 / 4))
    assert scores["alone"] == pytest.approx(1.0)
    # sun co-occurs with happy once: PMI = log2(1*6/(2*2)); never with sad
    assert scores["sun"] == pytest.approx(-math.log2(1.5))


def test_pmi_smoothing_defines_unseen_pairs():
    docs = [["a", "x"], ["b", "y"], ["a", "b"]]
    raw = pmi_with_seeds(docs, ["a"], ["y"])
    assert np.isnan(raw[0, 0])
    smoothed = pmi_with_seeds(docs, ["a"], ["y"], smoothing=0.01)
    # N=3, n(a)=2, n(y)=1: log2(0.01*3 / 2)
    assert smoothed[0, 0] == pytest.approx(math.log2(0.03 / 2))


def test_window_units_slide_over_tokens():
    vocab = {"a": 0, "b": 1, "c": 2}
    X = unit_matrix([["a", "b", "q", "c"], ["c"]], vocab, unit="window", window=2).toarray()
    # windows: [a b], [b q], [q c] from doc 1; [c] from doc 2 (shorter than the window)
    assert X.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]]
    pmi = pmi_with_seeds([["a", "b", "q", "c"], ["c"]], ["a"], ["b", "c"], unit="window", window=2)
    # N=4, n(a)=1, n(b)=2, joint(a,b)=1 -> log2(4/2) = 1; (a, c) never -> NaN
    assert pmi[0, 0] == pytest.approx(1.0)
    assert np.isnan(pmi[1, 0])
    with pytest.raises(ValueError, match="unit"):
        unit_matrix([["a"]], vocab, unit="sentence")


def _vectors():
    kv = KeyedVectors(vector_size=2)
    angles = {"sad": 0.0, "gloomy": 0.2, "happy": 1.5, "cheerful": 1.3, "middle": 0.75}
    words = list(angles)
    kv.add_vectors(words, np.array([[math.cos(a), math.sin(a)] for a in angles.values()], dtype=np.float32))
    return kv


def test_w2v_takes_label_of_first_seed_in_order_reaching_tc():
    kv = _vectors()
    seeds = SeedSet(["sad"], ["happy"])  # order: sad, happy
    scores = w2v_scores(kv, seeds, ["gloomy", "cheerful", "middle"], tc=0.5)
    assert scores["gloomy"] == pytest.approx(math.cos(0.2), abs=1e-6)
    assert scores["cheerful"] == pytest.approx(-math.cos(0.2), abs=1e-6)
    # "middle" (cos 0.75 to both) reaches Tc with both: the first seed, "sad", wins
    assert scores["middle"] > 0
    reordered = SeedSet(["sad"], ["happy"], order=["happy", "sad"])
    assert w2v_scores(kv, reordered, ["middle"], tc=0.5)["middle"] < 0
    # nothing reaches a high threshold -> undecided (0)
    assert w2v_scores(kv, seeds, ["middle"], tc=0.9)["middle"] == 0.0


def test_so_w2v_is_sum_difference():
    kv = _vectors()
    seeds = SeedSet(["sad", "gloomy"], ["happy"])
    s = so_w2v_scores(kv, seeds, ["cheerful"])["cheerful"]
    expected = math.cos(1.3) + math.cos(1.1) - math.cos(0.2)
    assert s == pytest.approx(expected, abs=1e-6)
