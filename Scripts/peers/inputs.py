"""The seeded inputs both sides read: weight matrices (.npy), network graphs (edge-list CSV) and,
in quick mode, a small FashionMNIST subset (IDX, gzipped). Each generator states its model.
"""

import gzip
import os
import struct

import numpy as np


def similarity_layer(n, d, seed, directions=3, signal=3.0):
    """An `n × d` layer (row = one neuron's incoming weights, PyTorch orientation) whose cosine
    similarities spread over [−0.9, 0.9]: neuron i is `(signal · U z_i + g_i) · c_i` with U an
    orthonormal basis of `directions` random directions scaled to norm √d, z_i uniform on the unit
    sphere of that subspace, g_i ~ N(0, I_d) and c_i ~ U[0.5, 1.5]. So S_ij ≈ 0.9 · z_i·z_j:
    the graph `S > τ` is a random geometric graph on a sphere, connected for τ ≤ 0.8 at these
    sizes (the comparison checks it), and sparser as τ grows."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((d, directions)))[0] * np.sqrt(d)
    z = rng.standard_normal((n, directions))
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    scale = rng.uniform(0.5, 1.5, n)
    return (signal * z @ basis.T + rng.standard_normal((n, d))) * scale[:, None]


def network_edges(sizes, epsilon, seed):
    """The whole-network graph of an MLP with layer sizes `sizes` (e.g. 784-256-128-100): nodes
    numbered layer by layer, an edge from every node of layer l to every node of layer l+1
    (epsilon None: dense) or kept with the Erdős–Rényi probability ε(n_in + n_out)/(n_in·n_out)
    (SET/CenSET's ε), weight Glorot-uniform U[−a, a], a = √(6/(n_in + n_out)). Edges are listed
    source < target (the forward direction). Returns (sources, targets, signed weights)."""
    rng = np.random.default_rng(seed)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    sources, targets, weights = [], [], []
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        limit = np.sqrt(6.0 / (n_in + n_out))
        values = rng.uniform(-limit, limit, (n_in, n_out))
        if epsilon is None:
            keep = np.ones((n_in, n_out), dtype=bool)
        else:
            keep = rng.random((n_in, n_out)) < min(1.0, epsilon * (n_in + n_out) / (n_in * n_out))
        i, j = np.nonzero(keep)
        sources.append(i + offsets[layer])
        targets.append(j + offsets[layer + 1])
        weights.append(values[i, j])
    return np.concatenate(sources), np.concatenate(targets), np.concatenate(weights)


def write_edge_csv(path, sources, targets, weights):
    """`source,target,weight` with a header line, weights in %.17g."""
    with open(path, "w") as f:
        f.write("source,target,weight\n")
        for s, t, w in zip(sources.tolist(), targets.tolist(), weights.tolist()):
            f.write(f"{s},{t},{w:.17g}\n")


def read_edge_csv(path):
    """The edge list written by `write_edge_csv`: (sources, targets, weights)."""
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, 0].astype(np.int64), data[:, 1].astype(np.int64), data[:, 2]


def gaussian_magnitude_layer(rows, columns, seed):
    """`|N(0, 1)|` weights, rows × columns (out × in)."""
    return np.abs(np.random.default_rng(seed).standard_normal((rows, columns)))


FASHION_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def read_idx(path):
    """An IDX array from a gzipped (.gz) or plain file (big-endian header, unsigned bytes)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, kind, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def write_idx_gz(path, array):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def fashion_path(directory, name):
    gz = os.path.join(directory, name + ".gz")
    return gz if os.path.exists(gz) else os.path.join(directory, name)


def fashion_subset(source, destination, train, test):
    """The first `train` training and `test` test samples of FashionMNIST, as gzipped IDX files
    in `destination` (quick mode)."""
    os.makedirs(destination, exist_ok=True)
    counts = (train, train, test, test)
    for name, count in zip(FASHION_FILES, counts):
        write_idx_gz(os.path.join(destination, name + ".gz"), read_idx(fashion_path(source, name))[:count])


def read_safetensors(path):
    """{name: float32 array} of a safetensors file (an 8-byte little-endian header length, a JSON
    header of dtype, shape and data offsets, then the data); graphprune writes only F32 tensors."""
    import json

    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    data = blob[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, not F32")
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(entry["shape"])
    return tensors
