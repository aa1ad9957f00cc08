"""Workload 2 peers: Laplacian centrality (unnormalised energy drop) of a whole-network graph.

Each job reads the edge-list CSV (`source,target,weight`, source < target), takes |w|, builds the
library's graph and saves the scores (.npy). NetworKit runs on the undirected graph (the Qi et al.
definition the toolkit computes by default) or on the graph directed source → target (how the
CenSET code built it; the toolkit's `--laplacian-variant networkit-legacy` is the reference then).

Run as a script by the NetworKit 11.2 environment:
    python laplacian_peers.py CSV NODES OUTPUT.npy directed|undirected
prints one JSON line {"seconds": …, "networkit": version}, the seconds of that in-process job.
"""

import json
import sys

import networkit as nk
import numpy as np

from common import timed
from inputs import read_edge_csv


def networkit_laplacian(csv_path, node_count, output_path, directed):
    """NetworKit `LaplacianCentrality(G, normalized=False)` on |w|."""
    sources, targets, weights = read_edge_csv(csv_path)
    g = nk.Graph(node_count, weighted=True, directed=directed)
    g.addEdges((np.abs(weights), (sources, targets)))
    centrality = nk.centrality.LaplacianCentrality(g, normalized=False)
    centrality.run()
    x = np.asarray(centrality.scores(), dtype=np.float64)
    np.save(output_path, x)
    return x


def networkx_laplacian(csv_path, node_count, output_path):
    """`networkx.laplacian_centrality(G, normalized=False)` on the undirected |w| graph."""
    import networkx as nx

    sources, targets, weights = read_edge_csv(csv_path)
    g = nx.Graph()
    g.add_nodes_from(range(node_count))
    g.add_weighted_edges_from(zip(sources.tolist(), targets.tolist(), np.abs(weights).tolist()))
    scores = nx.laplacian_centrality(g, normalized=False, weight="weight")
    x = np.array([scores[k] for k in range(node_count)], dtype=np.float64)
    np.save(output_path, x)
    return x


def main(arguments):
    if len(arguments) != 4 or arguments[3] not in ("directed", "undirected"):
        sys.exit("usage: laplacian_peers.py CSV NODES OUTPUT.npy directed|undirected")
    nk.setNumberOfThreads(int(__import__("os").environ.get("COMPARE_PEERS_THREADS", "1")))
    csv_path, nodes, output, mode = arguments
    seconds, _ = timed(lambda: networkit_laplacian(csv_path, int(nodes), output, mode == "directed"))
    print(json.dumps({"seconds": seconds, "networkit": nk.__version__}))


if __name__ == "__main__":
    main(sys.argv[1:])
