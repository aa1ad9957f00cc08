"""Workload 3 peers: effective resistance of every edge of a dense layer's bipartite graph.

Input: the layer's weights (.npy, out × in); edge weights |w|. Output: an out × in array,
entry (u, v) = Reff between output neuron u and input neuron v (0 where w = 0), saved as .npy.
"""

import numpy as np
import scipy.linalg


def bipartite_laplacian(b):
    """L = [[diag(B 1), −B], [−Bᵀ, diag(Bᵀ 1)]] with the out-neurons (rows of B) first."""
    rows, columns = b.shape
    lap = np.zeros((rows + columns, rows + columns))
    lap[:rows, rows:] = -b
    lap[rows:, :rows] = -b.T
    lap[np.diag_indices(rows + columns)] = np.concatenate([b.sum(axis=1), b.sum(axis=0)])
    return lap


def numpy_pinv(weights_path, output_path):
    """The dense route (paper 004): P = np.linalg.pinv(L, hermitian=True) (an eigendecomposition
    of the symmetric Laplacian), Reff(u, v) = P_uu + P_vv − 2 P_uv."""
    b = np.abs(np.load(weights_path))
    rows = b.shape[0]
    p = np.linalg.pinv(bipartite_laplacian(b), hermitian=True)
    diagonal = np.diag(p)
    r = diagonal[:rows, None] + diagonal[None, rows:] - 2 * p[:rows, rows:]
    r[b == 0] = 0
    np.save(output_path, r)
    return r


def numpy_schur(weights_path, output_path):
    """The toolkit's Schur-complement formula in NumPy/SciPy (connected layer): with B oriented
    n₁ × n₂, n₁ ≥ n₂, a = B 1, d = Bᵀ 1, S = diag(d) − Bᵀ diag(1/a) B, α = mean(d)/n₂,
    S⁺ = (S + α 11ᵀ)⁻¹ − 11ᵀ/(α n₂²) by a Cholesky inverse, M = B S⁺ and
    Reff(u, v) = 1/a_u + (Σ_v M_uv B_uv)/a_u² − 2 M_uv/a_u + S⁺_vv."""
    w = np.abs(np.load(weights_path))
    transposed = w.shape[0] < w.shape[1]
    b = w.T if transposed else w
    n2 = b.shape[1]
    a = b.sum(axis=1)
    d = b.sum(axis=0)
    c = b / np.sqrt(a)[:, None]
    s = np.diag(d) - c.T @ c
    alpha = d.mean() / n2
    factor = scipy.linalg.cho_factor(s + alpha, lower=False)
    s_plus = scipy.linalg.cho_solve(factor, np.eye(n2)) - 1.0 / (alpha * n2 * n2)
    m = b @ s_plus
    quadratic = np.einsum("uv,uv->u", m, b)
    r = (1 / a + quadratic / (a * a))[:, None] - 2 * m / a[:, None] + np.diag(s_plus)[None, :]
    r[b == 0] = 0
    if transposed:
        r = r.T
    np.save(output_path, r)
    return r


PEERS = {
    "numpy pinv(L, hermitian)": numpy_pinv,
    "numpy Schur formula": numpy_schur,
}
