"""Workload 1 peers: eigenvector centrality of a layer's cosine-similarity neuron graph.

Each job is the whole task as its library's user would write it: read the weights (.npy, one row
per neuron), normalise the rows (w / (‖w‖ + 1e-8)), S = Ŵ Ŵᵀ in NumPy, keep the pairs i < j with
S_ij > τ as weighted undirected edges, build the library's graph, compute the centrality, and save
the vector (.npy). Results are brought to the toolkit's convention (unit L2 norm, positive sum).
"""

import networkit as nk
import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import eigsh

from common import eigenvector_convention


def similarity_edges(weights_path, tau):
    """(n, i, j, S_ij) for the pairs i < j with S_ij > τ."""
    w = np.load(weights_path)
    normalized = w / (np.linalg.norm(w, axis=1, keepdims=True) + 1e-8)
    s = normalized @ normalized.T
    i, j = np.nonzero(np.triu(s > tau, 1))
    return w.shape[0], i, j, s[i, j]


def scipy_eigsh(weights_path, tau, output_path):
    """`scipy.sparse.linalg.eigsh(A, k=1, which='LA')` on the symmetric CSR adjacency."""
    n, i, j, v = similarity_edges(weights_path, tau)
    a = sp.csr_array((np.concatenate([v, v]), (np.concatenate([i, j]), np.concatenate([j, i]))), shape=(n, n))
    _, vectors = eigsh(a, k=1, which="LA")
    x = eigenvector_convention(vectors[:, 0])
    np.save(output_path, x)
    return x


def networkx_numpy(weights_path, tau, output_path):
    """`networkx.eigenvector_centrality_numpy` (SciPy ARPACK on the graph's adjacency)."""
    n, i, j, v = similarity_edges(weights_path, tau)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(i.tolist(), j.tolist(), v.tolist()))
    scores = nx.eigenvector_centrality_numpy(g, weight="weight")
    x = eigenvector_convention([scores[k] for k in range(n)])
    np.save(output_path, x)
    return x


def networkit_power(weights_path, tau, output_path):
    """NetworKit `EigenvectorCentrality(G)` (power iteration, default tol 1e-9)."""
    n, i, j, v = similarity_edges(weights_path, tau)
    g = nk.Graph(n, weighted=True)
    g.addEdges((v, (i, j)))
    centrality = nk.centrality.EigenvectorCentrality(g)
    centrality.run()
    x = eigenvector_convention(centrality.scores())
    np.save(output_path, x)
    return x


PEERS = {
    "scipy eigsh": scipy_eigsh,
    "networkx eigenvector_centrality_numpy": networkx_numpy,
    "networkit EigenvectorCentrality": networkit_power,
}
