"""Issue 16's effective-resistance targets in one run: the whole `graphprune resistance` process on a
4608 × 512 layer against NumPy's Schur formula in-process (`resistance_peers.numpy_schur`), and on
2304 × 256 against the paper's pseudo-inverse route (`numpy_pinv`). Alternating, medians of 5 (2 of
the pseudo-inverse), the BLAS libraries' default threads. Weights: seeded Gaussian float32 layers
(out × in), written to a temporary directory. A second graphprune binary, if given, is timed
alongside (before/after a change).

    python Scripts/peers/resistance_timing.py GRAPHPRUNE [GRAPHPRUNE_BEFORE]
"""
import os, statistics, subprocess, sys, tempfile, time
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resistance_peers import numpy_pinv, numpy_schur

binaries = sys.argv[1:]
tmp = tempfile.mkdtemp()
rng = np.random.default_rng(0)
large, small = os.path.join(tmp, "w4608.npy"), os.path.join(tmp, "w2304.npy")
np.save(large, rng.standard_normal((512, 4608)).astype(np.float32))
np.save(small, rng.standard_normal((256, 2304)).astype(np.float32))

def process(binary, weights):
    t = time.perf_counter()
    subprocess.run([binary, "resistance", "--weights", weights, "--output", os.path.join(tmp, "r.npy")],
                   check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t

def in_process(peer, weights):
    t = time.perf_counter()
    peer(weights, os.path.join(tmp, "n.npy"))
    return time.perf_counter() - t

times = {name: [] for name in ["numpy Schur"] + binaries}
for _ in range(5):
    times["numpy Schur"].append(in_process(numpy_schur, large))
    for b in binaries:
        times[b].append(process(b, large))
numpy_median = statistics.median(times["numpy Schur"])
for name, values in times.items():
    m = statistics.median(values)
    print(f"4608x512 {name}: median {m:.3f} s (range {min(values):.3f}-{max(values):.3f}), {m / numpy_median:.2f}x NumPy")
pinv = statistics.median([in_process(numpy_pinv, small) for _ in range(2)])
for b in binaries:
    m = statistics.median([process(b, small) for _ in range(5)])
    print(f"2304x256 {b}: {m:.4f} s, {pinv / m:.0f}x the pseudo-inverse ({pinv:.2f} s)")
