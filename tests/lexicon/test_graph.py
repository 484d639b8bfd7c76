import math

import numpy as np
import pytest
from gensim.models import KeyedVectors

from depscreen.lexicon.graph import build_graph, candidate_words
from depscreen.lexicon.seeds import SeedSet


def _kv(angles):
    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(list(angles), np.array([[math.cos(a), math.sin(a)] for a in angles.values()], dtype=np.float32))
    return kv


ANGLES = {"sad": 0.0, "blue": 0.3, "bluer": 0.6, "happy": 1.57, "glad": 1.3, "far": 3.0, "2019": 0.05}


def test_candidates_edges_and_weights():
    kv = _kv(ANGLES)
    seeds = SeedSet(["sad", "missing"], ["happy"])
    g = build_graph(kv, seeds, tc=0.9)
    assert g.words[:2] == ["sad", "happy"] and g.n_seeds == 2
    assert g.missing_seeds == ["missing"]
    # cos(0.3)=0.955 > 0.9 -> blue; bluer (cos 0.6 = 0.825 to sad) is not reached in one hop;
    # "2019" is not word-like; "far" is too far.
    assert set(g.candidates) == {"blue", "glad"}
    A = g.adjacency.toarray()
    assert np.allclose(A, A.T) and np.all(np.diag(A) == 0)
    i, j = g.words.index("sad"), g.words.index("blue")
    assert A[i, j] == pytest.approx(math.cos(0.3), abs=1e-6)
    assert A[0, 1] == 0  # no seed-seed edge
    assert g.labels.tolist() == [1, -1, 0, 0]
    assert g.clamped.tolist() == [True, True, False, False]


def test_two_hops_expansion_edges_and_candidate_edges_switch():
    from depscreen.lexicon.propagation import propagate_labels

    kv = _kv({**ANGLES, "teal": 0.35})
    seeds = SeedSet(["sad"], ["happy"])
    _, cands, _ = candidate_words(kv, seeds, 0.9, hops=2)
    assert "bluer" in cands  # blue -> bluer: cos(0.3) > 0.9, but sad -> bluer is not
    paper = build_graph(kv, seeds, tc=0.9, hops=2)  # expansion edges only
    full = build_graph(kv, seeds, tc=0.9, hops=2, candidate_edges=True)
    w = paper.words
    A, F = paper.adjacency.toarray(), full.adjacency.toarray()
    assert A[w.index("sad"), w.index("blue")] > 0 and A[w.index("blue"), w.index("bluer")] > 0
    assert A[w.index("blue"), w.index("teal")] == 0  # two hop-1 words: no expansion edge
    assert F[w.index("blue"), w.index("teal")] > 0
    assert paper.n_edges < full.n_edges
    res = propagate_labels(paper.adjacency, paper.labels, paper.clamped)
    assert res.converged and res.scores[w.index("bluer")] == pytest.approx(1.0, abs=1e-4)


def test_no_usable_seed_is_a_clear_error():
    kv = _kv(ANGLES)
    with pytest.raises(ValueError, match="vocabulary"):
        build_graph(kv, SeedSet(["nope"], ["happy"]), tc=0.5)
    with pytest.raises(ValueError, match="tc"):
        build_graph(kv, SeedSet(["sad"], ["happy"]), tc=1.5)


def test_max_neighbors_keeps_strongest_edges_and_stays_symmetric():
    kv = _kv({"sad": 0.0, "a": 0.05, "b": 0.1, "c": 0.15, "d": 0.2, "happy": 1.57})
    full = build_graph(kv, SeedSet(["sad"], ["happy"]), tc=0.5, candidate_edges=True)
    knn = build_graph(kv, SeedSet(["sad"], ["happy"]), tc=0.5, candidate_edges=True, max_neighbors=1)
    A = knn.adjacency.toarray()
    assert np.allclose(A, A.T)
    assert knn.n_edges < full.n_edges
    # every candidate keeps its single strongest link
    w = knn.words
    assert A[w.index("a"), w.index("sad")] > 0 or A[w.index("a"), w.index("b")] > 0
    assert A[w.index("d"), w.index("c")] > 0


def test_postprocess_vectors_centers_and_removes_top_direction():
    from depscreen.lexicon.graph import postprocess_vectors

    rng = np.random.default_rng(0)
    common = np.array([5.0, 0, 0, 0])
    X = (rng.normal(size=(50, 4)) + common).astype(np.float32)
    kv = KeyedVectors(vector_size=4)
    kv.add_vectors([f"w{i}" for i in range(50)], X)
    raw_mean_cos = float(np.mean(kv.get_normed_vectors() @ kv.get_normed_vectors().T))
    centered = postprocess_vectors(kv, "center")
    assert np.allclose(centered.vectors.mean(axis=0), 0, atol=1e-5)
    cen_mean_cos = float(np.mean(centered.get_normed_vectors() @ centered.get_normed_vectors().T))
    assert raw_mean_cos > 0.8 and abs(cen_mean_cos) < 0.1
    abtt = postprocess_vectors(kv, "abtt", n_components=1)
    _, _, vt = np.linalg.svd(centered.vectors - centered.vectors.mean(0), full_matrices=False)
    assert np.allclose(abtt.vectors @ vt[0], 0, atol=1e-4)
    assert postprocess_vectors(kv, "none") is kv
    with pytest.raises(ValueError, match="postprocess"):
        postprocess_vectors(kv, "whiten")
