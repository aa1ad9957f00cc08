"""Workload 2 peers, betweenness: shortest-path betweenness of a whole-network graph whose edge
lengths are |w| (paper 003's Table 1 compares it with Laplacian centrality).

Each job reads the edge-list CSV (`source,target,weight`, source < target, weight already |w|),
builds the library's undirected weighted graph and saves the unnormalised scores (.npy): the
number of shortest paths between other pairs through each node, each unordered pair once
(NetworkX's `normalized=False` on an undirected graph, the toolkit's `BetweennessCentrality`).
NetworKit counts every pair from both ends, so its scores are halved here.
"""

import networkit as nk
import numpy as np

from inputs import read_edge_csv


def networkx_betweenness(csv_path, node_count, output_path):
    """`networkx.betweenness_centrality(G, weight="weight", normalized=False)` (Brandes, Dijkstra)."""
    import networkx as nx

    sources, targets, lengths = read_edge_csv(csv_path)
    g = nx.Graph()
    g.add_nodes_from(range(node_count))
    g.add_weighted_edges_from(zip(sources.tolist(), targets.tolist(), lengths.tolist()))
    scores = nx.betweenness_centrality(g, weight="weight", normalized=False)
    x = np.array([scores[k] for k in range(node_count)], dtype=np.float64)
    np.save(output_path, x)
    return x


def networkit_betweenness(csv_path, node_count, output_path):
    """NetworKit `Betweenness(G, normalized=False)` on the weighted undirected graph, halved."""
    sources, targets, lengths = read_edge_csv(csv_path)
    g = nk.Graph(node_count, weighted=True, directed=False)
    g.addEdges((lengths, (sources, targets)))
    centrality = nk.centrality.Betweenness(g, normalized=False)
    centrality.run()
    x = np.asarray(centrality.scores(), dtype=np.float64) / 2
    np.save(output_path, x)
    return x
