"""Reference tests: each measure against values worked by hand from the eRisk definitions."""

import math

import numpy as np
import pytest

from depscreen.early.metrics import (
    decision_metrics,
    erde,
    f_latency,
    latency_cost,
    latency_penalty,
    latency_weighted_precision_recall,
    ndcg_at_k,
    precision_at_k,
    ranking_metrics,
    scores_after,
    speed,
    tp_delays,
)
from depscreen.early.runner import ScoreStream


def test_latency_cost_hand_values():
    # lc_o(k) = 1 - 1/(1+e^(k-o)): 0.5 at k = o; 1 - 1/(1+e^2) = 0.880797 at k = o + 2
    assert latency_cost(5, 5) == pytest.approx(0.5)
    assert latency_cost(7, 5) == pytest.approx(1 - 1 / (1 + math.e**2))
    assert latency_cost(7, 5) == pytest.approx(0.880797, abs=1e-6)
    assert latency_cost(1, 50) == pytest.approx(math.exp(-49) / (1 + math.exp(-49)))
    assert latency_cost(10_000, 5) == pytest.approx(1.0)  # no overflow


def test_erde_hand_worked():
    # TP at k=5, FN, FP, TN; c_fp = share of positives = 2/4
    y, d, k = [1, 1, 0, 0], [1, 0, 1, 0], [5, 10, 3, 7]
    assert erde(y, d, k, o=5) == pytest.approx((0.5 + 1 + 0.5 + 0) / 4)
    # o = 50: the TP at k=5 costs ~e^-45
    assert erde(y, d, k, o=50) == pytest.approx((1 + 0.5) / 4, abs=1e-12)
    # TP at k=7, o=5: 0.880797
    assert erde([1], [1], [7], o=5) == pytest.approx(0.880797, abs=1e-6)
    # an explicit c_fp overrides the share of positives
    assert erde([0, 1], [1, 1], [1, 5], o=5, c_fp=0.1) == pytest.approx((0.1 + 0.5) / 2)


def test_f_latency_hand_worked():
    # TP at k=1 (penalty 0) and k=101 (penalty -1 + 2/(1+e^-0.78) = 0.371360), one FN, one FP
    y, d, k = [1, 1, 1, 0], [1, 1, 0, 1], [1, 101, 50, 2]
    pen = -1 + 2 / (1 + math.exp(-0.0078 * 100))
    assert latency_penalty(101) == pytest.approx(pen)
    assert pen == pytest.approx(0.371360, abs=1e-6)
    assert speed(y, d, k) == pytest.approx(1 - pen / 2)  # median of [0, pen]
    assert f_latency(y, d, k) == pytest.approx((2 / 3) * (1 - pen / 2))
    assert f_latency(y, d, k) == pytest.approx(0.542880, abs=1e-6)
    lwp, lwr = latency_weighted_precision_recall(y, d, k)
    assert lwp == pytest.approx((1 + 1 - pen) / 3)
    assert lwr == pytest.approx((1 + 1 - pen) / 3)
    assert tp_delays(y, d, k) == (51.0, 51.0)


def test_no_true_positive_gives_zero_f_latency_and_nan_delay():
    assert f_latency([1, 0], [0, 1], [3, 3]) == 0.0
    assert all(math.isnan(v) for v in tp_delays([1, 0], [0, 1], [3, 3]))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="0 or 1"):
        erde([2, 0], [1, 0], [1, 1], o=5)
    with pytest.raises(ValueError, match="delay"):
        erde([1], [1], [0], o=5)
    with pytest.raises(ValueError, match="2 labels but 1"):
        f_latency([1, 0], [1], [1, 1])


def test_precision_at_10_hand_worked():
    scores = np.arange(12, 0, -1) / 12  # already in rank order
    y = [1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1]  # 4 positives in the first 10
    assert precision_at_k(scores, y, 10) == pytest.approx(0.4)
    assert precision_at_k([0.1, 0.9], [1, 0], 10) == pytest.approx(0.1)  # divided by k, not by n


def test_ndcg_hand_worked():
    # ranks 2 and 4 relevant: DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3)
    value = ndcg_at_k([0.9, 0.8, 0.7, 0.6], [0, 1, 0, 1], 10)
    assert value == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3)))
    assert value == pytest.approx(0.650921, abs=1e-6)
    assert ndcg_at_k([0.9, 0.1], [1, 0], 1) == 1.0
    assert math.isnan(ndcg_at_k([0.5, 0.4], [0, 0], 10))


def test_ranking_uses_the_score_after_n_writings():
    a = ScoreStream("a", 1, np.array([0.1, 0.2, 0.9]), np.array([1, 2, 3]))
    b = ScoreStream("b", 0, np.array([0.5, 0.6]), np.array([1, 2]))
    assert scores_after([a, b], 1).tolist() == [0.1, 0.5]
    assert scores_after([a, b], 100).tolist() == [0.9, 0.6]  # the last score when fewer posts
    r1 = ranking_metrics([a, b], [1, 0], points=(1, 100))
    assert r1["ndcg@10_1"] == pytest.approx(1 / math.log2(3))  # the positive ranked second
    assert r1["ndcg@10_100"] == pytest.approx(1.0)
    assert r1["p@10_1"] == pytest.approx(0.1)


def test_decision_metrics_bundle():
    m = decision_metrics([1, 1, 0, 0], [1, 0, 1, 0], [5, 10, 3, 7])
    assert m["erde5"] == pytest.approx(0.5)
    assert m["precision"] == 0.5 and m["recall"] == 0.5 and m["f1"] == 0.5
    assert m["alerts"] == 2
