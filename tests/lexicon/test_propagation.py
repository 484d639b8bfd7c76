import numpy as np
import pytest
import scipy.sparse as sp

from depscreen.lexicon.propagation import harmonic_solution, propagate_labels, transition_matrix


def _graph(edges, n):
    rows, cols, vals = [], [], []
    for i, j, w in edges:
        rows += [i, j]
        cols += [j, i]
        vals += [w, w]
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


def test_transition_matrix_rows_sum_to_one_and_isolated_rows_stay_zero():
    W = _graph([(0, 1, 0.8), (1, 2, 0.6)], 4)  # node 3 isolated
    P = transition_matrix(W).toarray()
    assert np.allclose(P[:3].sum(axis=1), 1.0)
    assert np.allclose(P[3], 0.0)
    assert P[1, 0] == pytest.approx(0.8 / 1.4)


def test_node_inside_positive_cluster_gets_positive_and_seeds_stay_clamped():
    # 0, 1 positive seeds; 2 negative seed; 3 joined strongly to both positives and
    # weakly to the negative; 4 hangs off 3 only; 5 joined to the negative only.
    W = _graph([(0, 3, 0.9), (1, 3, 0.8), (2, 3, 0.55), (3, 4, 0.7), (2, 5, 0.9)], 6)
    initial = np.array([1.0, 1.0, -1.0, 0, 0, 0])
    clamped = np.array([True, True, True, False, False, False])
    res = propagate_labels(W, initial, clamped, tol=1e-9, max_iter=5000)
    assert res.converged
    assert 1 < res.n_iter < 5000
    assert res.max_change < 1e-9
    assert np.array_equal(res.scores[:3], [1.0, 1.0, -1.0])  # clamped exactly
    assert res.scores[3] > 0.3
    assert res.scores[4] == pytest.approx(res.scores[3], abs=1e-6)  # only neighbour is 3
    assert res.scores[5] == pytest.approx(-1.0)
    # the iteration reaches the closed-form harmonic solution
    assert np.allclose(res.scores, harmonic_solution(W, initial, clamped), atol=1e-6)
    # hand check: f3 = (0.9 + 0.8 - 0.55 + 0.7 f4) / 2.95 and f4 = f3  =>  f3 = 1.15 / 2.25
    assert res.scores[3] == pytest.approx(1.15 / 2.25, abs=1e-6)


def test_chain_between_opposite_seeds_is_linear():
    n = 6
    W = _graph([(i, i + 1, 1.0) for i in range(n - 1)], n)
    initial = np.zeros(n)
    initial[0], initial[-1] = 1.0, -1.0
    clamped = np.zeros(n, dtype=bool)
    clamped[[0, -1]] = True
    res = propagate_labels(W, initial, clamped, tol=1e-10, max_iter=10000)
    assert res.converged
    assert np.allclose(res.scores, np.linspace(1, -1, n), atol=1e-6)


def test_unconnected_candidate_keeps_zero_and_max_iter_reports_not_converged():
    W = _graph([(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0)], 5)
    initial = np.array([1.0, 0, 0, -1.0, 0])
    clamped = np.array([True, False, False, True, False])
    res = propagate_labels(W, initial, clamped, tol=1e-12, max_iter=2)
    assert not res.converged and res.n_iter == 2
    full = propagate_labels(W, initial, clamped, tol=1e-12, max_iter=10000)
    assert full.scores[4] == 0.0


def test_bad_input_is_refused():
    W = _graph([(0, 1, 1.0)], 2)
    with pytest.raises(ValueError, match="shape"):
        propagate_labels(W, np.zeros(3), np.zeros(3, dtype=bool))
    with pytest.raises(ValueError, match="non-negative"):
        propagate_labels(-W, np.zeros(2), np.zeros(2, dtype=bool))
