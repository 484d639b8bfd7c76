"""Label propagation on a weighted word graph (Zhu & Ghahramani 2002; paper 002, step 4).

Every node carries a signed label ``f`` in [-1, 1]: +1 for a depressive seed, -1 for
a non-depressive seed, 0 to start for a candidate. Each iteration replaces ``f`` by
``P f`` where ``P = D^-1 W`` is the row-normalised transition matrix of the weighted
adjacency ``W`` (a node's new label is the similarity-weighted mean of its
neighbours' labels), then resets the seeds to their labels (clamping). Iteration stops
when no label moves by more than ``tol`` or after ``max_iter`` iterations. The fixed
point is the harmonic solution ``f_u = (I - P_uu)^-1 P_ul f_l``; nodes with no path to
a seed keep 0.

The signed scalar is the two-class form of the algorithm: ``f = p(depressive) -
p(non-depressive)`` of the usual two-column label matrix.

Example
-------
>>> import numpy as np, scipy.sparse as sp
>>> W = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
>>> result = propagate_labels(W, np.array([1.0, 0.0, -1.0]), np.array([True, False, True]))
>>> round(float(result.scores[1]), 3), result.converged
(0.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class PropagationResult:
    """Final labels, the number of iterations run, and whether ``tol`` was reached."""

    scores: np.ndarray
    n_iter: int
    converged: bool
    max_change: float


def transition_matrix(adjacency: sp.spmatrix) -> sp.csr_matrix:
    """Row-normalised ``D^-1 W``; rows of isolated nodes stay zero."""
    W = sp.csr_matrix(adjacency, dtype=np.float64)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"adjacency must be square, got shape {W.shape}")
    if W.nnz and W.data.min() < 0:
        raise ValueError("adjacency weights must be non-negative (similarities above Tc)")
    degree = np.asarray(W.sum(axis=1)).ravel()
    inv = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    return sp.diags(inv) @ W


def propagate_labels(
    adjacency: sp.spmatrix,
    initial: np.ndarray,
    clamped: np.ndarray,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
) -> PropagationResult:
    """Propagate signed labels over ``adjacency`` with the ``clamped`` nodes fixed.

    Parameters
    ----------
    adjacency : (n, n) non-negative sparse weights (similarities); symmetric in practice.
    initial : (n,) starting labels; the clamped entries are the seed labels (+-1).
    clamped : (n,) bool mask of seed nodes.
    tol : stop when ``max |f_new - f_old| < tol``.
    max_iter : iteration cap; ``converged`` is False when it was reached first.
    """
    initial = np.asarray(initial, dtype=np.float64)
    clamped = np.asarray(clamped, dtype=bool)
    n = adjacency.shape[0]
    if initial.shape != (n,) or clamped.shape != (n,):
        raise ValueError(
            f"initial and clamped must have shape ({n},), got {initial.shape} and {clamped.shape}"
        )
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    P = transition_matrix(adjacency)
    seeds = initial[clamped]
    f = initial.copy()
    f[~clamped] = 0.0
    change = np.inf
    for it in range(1, max_iter + 1):
        new = P @ f
        new[clamped] = seeds
        change = float(np.max(np.abs(new - f))) if n else 0.0
        f = new
        if change < tol:
            return PropagationResult(f, it, True, change)
    return PropagationResult(f, max_iter, False, change)


def harmonic_solution(adjacency: sp.spmatrix, initial: np.ndarray, clamped: np.ndarray) -> np.ndarray:
    """The closed-form fixed point of :func:`propagate_labels` (small graphs; for checks).

    Unlabelled nodes without a path to a seed get 0.
    """
    P = transition_matrix(adjacency).toarray()
    clamped = np.asarray(clamped, dtype=bool)
    f = np.asarray(initial, dtype=np.float64).copy()
    u = ~clamped
    if not u.any():
        return f
    A = np.eye(int(u.sum())) - P[np.ix_(u, u)]
    b = P[np.ix_(u, clamped)] @ f[clamped]
    f[u] = np.linalg.lstsq(A, b, rcond=None)[0]
    return f
