"""Writes Reports/benchmarks.csv (full precision) and Reports/benchmarks.md (rounded, with the
machine, versions, inputs, conventions and the command), each atomically."""

import csv
import io
import os
import statistics
import time

GROUPS = {
    1: "1. Eigenvector centrality of cosine-similarity neuron graphs",
    2: "2. Laplacian and betweenness centrality of the CenSET whole-network graph",
    3: "3. Effective resistances of a dense layer",
    4: "4. One FashionMNIST training epoch, MLP 784-256-128-100-10",
    5: "5. One CenSET epoch end to end",
    6: "6. One FashionMNIST training epoch against PyTorch, MLP, CNN and ResNet-20",
    7: "7. Inference latency and throughput against ONNX Runtime and PyTorch",
    8: "8. Pruning masks against torch.nn.utils.prune (correctness)",
}
# Groups that check outputs, not speed: a whole process against an in-process call, not listed as slower.
CORRECTNESS_ONLY = {8}
# Groups whose times read better in milliseconds (the CSV keeps seconds).
MILLISECONDS = {7}
# Groups whose peer rows also state toolkit / peer (the "graphprune is N× PyTorch's time").
TOOLKIT_OVER_PEER = {6, 7}

TIMED = {
    1: "Toolkit: the whole `graphprune score` process (read the .npy, build the similarity graph, "
       "eigenvector centrality, write the CSV). Peers: np.load, row normalisation, S = Ŵ Ŵᵀ and threshold in "
       "NumPy, the library's graph, its centrality, np.save (after the libraries are imported). NetworkX only where "
       "the graph has at most 600,000 edges (it keeps a dictionary per edge).",
    2: "Toolkit: the whole `graphprune centrality --measure laplacian --absolute-weights` process (read the CSV, "
       "build, score, write). Peers: np.loadtxt of the same CSV, |w|, the library's graph, its "
       "LaplacianCentrality(normalized=False) / laplacian_centrality(normalized=False), np.save. Betweenness: the "
       "whole `graphprune centrality --measure betweenness` process on the CSV of |w| against NetworKit's "
       "Betweenness(normalized=False) and NetworkX's betweenness_centrality(weight=\"weight\", normalized=False).",
    3: "Toolkit: the whole `graphprune resistance` process (default method exact-schur). Peers: np.load, the "
       "computation, np.save.",
    4: "Toolkit: the epoch's `seconds` from `train --log` (one pass over the training set plus the test-set evaluation; "
       " data loading excluded, reported as load). Keras: `model.fit(epochs=1, batch_size=100, "
       "validation_data=test)` on arrays already in memory, the model traced beforehand by a warm-up on 1,000 samples, "
       "its weights and optimiser state restored before each repetition.",
    5: "Toolkit: `train --sparse censet --epochs 2` (its defaults: undirected |w| graph, k = 2.7), from the `train:` "
       "line on stderr (printed as training starts) to the epoch-1 line (printed after that epoch's rewiring): epoch 1 "
       "(its `seconds` in the `--log` CSV) plus the rewiring (the rest; the CLI does not log it); also with the CenSET "
       "code's graph (`--centrality networkit-legacy --censet-weights signed`: directed, signed, truncated degrees). Peer: the "
       "CenSET code's steps: build and compile the masked Keras model (the code rebuilds it every epoch), fit one "
       "epoch with the test set as validation, the directed graph of the nonzero signed weights in NetworKit, "
       "LaplacianCentrality, removal below mean − 2.7·std and random regrowth in NumPy.",
    6: "Toolkit: `graphprune train --dataset fashion-mnist --arch ARCH --epochs 1` (batch 100, SGD lr 0.01 momentum 0.9, "
       "dropout 0.3 after every hidden Dense layer: in the CNN after Dense 128 only), the epoch's `seconds` from its `--log` "
       "(one pass over the training set plus the test-set evaluation; data loading excluded, as in workload 4; the whole "
       "process in the notes). The CNN is 3×3 same convolutions of 32, 32 filters, 2×2 max pooling, 64, 64, max pooling, "
       "Dense 128, Dense 10, ReLU after each but the last. ResNet-20 is the built-in `resnet20` (He et al.'s CIFAR ResNet, "
       "BatchNorm, projection shortcuts) from Kaiming-normal weights, trained on the first 10 000 training images "
       "(`--train-samples 10000`, standardised with their own statistics; the test set whole). PyTorch: the same network "
       "(an `nn.Sequential` built from the architecture graphprune records in its checkpoint; for ResNet-20 "
       "`Scripts/peers/torch_resnet20_epoch.py`'s module, named as graphprune names the nodes) loaded with graphprune's "
       "initial weights for the seed (so both sides start from the same numbers), trained in eager mode by `Scripts/peers/torch_epoch.py`'s `train_epoch`: "
       "per-pixel standardisation, the same optimiser and batch, shuffle and dropout from `torch.manual_seed(seed)`; timed "
       "from the first batch through the test-set evaluation (batches of 1000, no gradients), the training part alone in "
       "the notes. PyTorch runs in one long-lived process of its own environment (`torch_peers.py serve`: torch imported "
       "and the data loaded before the clock starts, a fresh model every repetition, no warm-up, as `graphprune train` has none).",
    7: "The same model files on every side: graphprune's initial MLP and CNN for the seed, and the MLP edge-pruned to "
       "density 0.05 (`graphprune prune --granularity edge --scorer magnitude --method greedy --density 0.05 --layers all`) "
       "and neuron-pruned to the parameter count closest to that (`--granularity neuron --scorer magnitude --layers hidden "
       "--ratio R`). Toolkit: `graphprune bench --workload inference --model FILE --repetitions ROUNDS --densities 1`, the "
       "model's own row (in-process timing through `BatchInference`; an edge-pruned Dense layer below 15 % density runs as "
       "CSR). ONNX Runtime: the `graphprune export`ed .onnx on the CPU provider, intra-op threads = the thread count, inter-op "
       "1, default graph optimisations (the exported masks are initializers no node uses: the weights are already zero, "
       "so it runs dense). PyTorch: the checkpoint loaded into `nn.Sequential`, eval mode under `torch.inference_mode()`, "
       "edge masks through `torch.nn.utils.prune.custom_from_mask` (weight · mask recomputed at every call, as a pruned "
       "PyTorch model runs until `prune.remove`). Each side as the bench times: a warm-up call at each batch size, then "
       "ROUNDS rounds (20; quick mode 5) of 20 calls at batch 1 (their mean) and one call at batch 100, the medians over "
       "the rounds; the repetitions (a bench process; a job of the PyTorch process) alternate. Batch 1: milliseconds per "
       "sample; batch 100: milliseconds per batch, the throughput in the notes. Differences: the logits of the 100 inputs "
       "of `inference-inputs.npy` (batch-100 rows) against `graphprune predict`'s.",
    8: "Correctness, not speed: the outputs must be identical (max difference 0). Toolkit: the whole `graphprune prune` "
       "process on graphprune's initial MLP checkpoint (read, score, select, rebuild or mask, write, and for edges the λ₂ of "
       "every layer before and after, which `prune` prints); the mask is read from "
       "the written checkpoint (`layers.{i}.weight_mask`), and the kept units by matching the rebuilt rows to the original "
       "ones. PyTorch: the same checkpoint loaded into `nn.Sequential`, then `prune.global_unstructured(L1Unstructured, "
       "amount=0.9)` over every Linear weight, or `prune.ln_structured(n=2, dim=0, amount=0.5)` on each hidden Linear "
       "layer, timed in-process (the masks only). Both keep the largest |w| (or row L2 norms); ties, which random float "
       "weights make unlikely, would be the only source of a difference."
}

CONVENTIONS = [
    "Differences are `max |peer − toolkit|` and `max |peer − toolkit| / |toolkit|` over the entries where the "
    "toolkit's value is non-zero, between the outputs of the first repetition.",
    "Eigenvector centrality: every vector (toolkit and peers) is scaled to unit L2 norm and signed so its entries "
    "sum to a positive number (the toolkit's convention; NetworkX and NetworKit differ at most by this). The graphs "
    "are connected (checked), where the Perron vector is unique. NetworKit's power iteration stops at its default "
    "tol = 1e-9, SciPy/NetworkX's ARPACK at machine precision, the toolkit's Lanczos at 1e-12 relative.",
    "Laplacian centrality: unnormalised energy drops (`normalized=False`) on |w|. Undirected graph: the toolkit's "
    "default (Qi et al. 2012). Directed graph source → target (as the CenSET code built it): compared with the "
    "toolkit's `--laplacian-variant networkit-legacy`, which reproduces NetworKit ≤ 11.2 (out-degrees truncated to "
    "integers before squaring); NetworKit 11.3 keeps the fractional degrees, so the difference in that row is the "
    "truncation's effect.",
    "Betweenness centrality: Brandes' algorithm with edge lengths |w| on the undirected graph, unnormalised, each "
    "unordered pair of other nodes counted once (NetworkX's convention and the toolkit's); NetworKit counts every "
    "pair from both ends, so its scores are halved before the comparison.",
    "Effective resistance: an out × in array of Reff between the two ends of every edge.",
    "Training: no output is compared (different random streams); the test accuracy after the epoch is in the notes. "
    "Against PyTorch (workload 6) both sides start from the same weights; only the shuffle and dropout streams differ.",
    "Threads in workloads 6 and 7: PyTorch `torch.set_num_threads` and ONNX Runtime's intra-op pool at the thread count; "
    "graphprune's OpenBLAS and oneDNN at OPENBLAS_NUM_THREADS (its `train:` and `bench` lines state it, checked).",
    "`× toolkit` = the implementation's median seconds / the toolkit's median seconds in the same workload: above 1 "
    "the toolkit is faster. In workloads 6 and 7 the notes also give `toolkit / this`, its inverse (graphprune's time as "
    "a multiple of the peer's).",
]


def _median(values):
    return statistics.median(values) if values else None


def _notes(row):
    keys = [k for k in (row.extras[0] if row.extras else {}) if k != "toolkit_seconds"]
    parts = []
    for key in keys:
        values = [e[key] for e in row.extras if isinstance(e.get(key), (int, float))]
        if values:
            m = statistics.median(values)
            if key == "samples_per_s":
                parts.append(f"{m:.0f} samples/s")
            elif key == "kept":
                parts.append(f"kept {m:.0f}")
            elif key == "train_samples":
                parts.append(f"{m:.0f} training images")
            else:
                parts.append(f"{key} {m:.4g}" + (" s" if key not in ("test_accuracy", "removed") else ""))
    if row.toolkit_seconds:
        parts.append(f"toolkit's own seconds {statistics.median(row.toolkit_seconds):.3f}")
    return "; ".join(parts)


def _ratio(row, toolkit):
    return row.stats()[0] / toolkit.stats()[0] if toolkit.stats()[0] > 0 else float("nan")


def _by_workload(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(row.workload, []).append(row)
    return grouped


def _atomic_write(path, text):
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        f.write(text)
    os.replace(temporary, path)


def csv_text(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["group", "workload", "implementation", "version", "repetitions", "median_s", "min_s", "max_s",
                     "ratio_to_toolkit", "max_abs_diff", "max_rel_diff", "compared_with", "toolkit_reported_median_s", "notes"])
    full = lambda x: "" if x is None else f"{x:.17g}"  # noqa: E731
    for workload, group in _by_workload(rows).items():
        toolkit = group[0]
        for row in group:
            median, low, high = row.stats()
            writer.writerow([row.group, workload, row.implementation, row.version, len(row.seconds), full(median), full(low),
                             full(high), full(_ratio(row, toolkit)), full(row.max_abs), full(row.max_rel),
                             row.reference or "", full(_median(row.toolkit_seconds)), _notes(row)])
    return out.getvalue()


def _escape(text):
    """A Markdown table cell: `|` would end it."""
    return text.replace("|", "\\|")


def _cell(x, digits=3):
    return "—" if x is None else f"{x:.{digits}g}"


def markdown_text(rows, facts, described, config):
    groups = {r.group for r in rows}
    peers = "NetworkX, NetworKit, SciPy/NumPy, Keras, PyTorch and ONNX Runtime" if groups & TOOLKIT_OVER_PEER else "NetworkX, NetworKit, SciPy/NumPy and Keras"
    lines = [f"# GraphPrune against {peers}", "",
             f"Written by `Scripts/compare-peers` on {time.strftime('%Y-%m-%d %H:%M %Z')}; regenerate it, do not edit it. "
             f"Full-precision numbers: `benchmarks.csv`."]
    if facts["quick"]:
        lines += ["", "**QUICK MODE: tiny inputs and few repetitions, a check that the script works. These numbers are not results.**"]
    lines += ["", "## How it was run", "", f"- Command: `{facts['command']}`",
              f"- Machine: {facts['cpu']}, {facts['cores']} cores ({facts['usable cores']} usable), {facts['memory']}, "
              f"{facts['os']}, Linux {facts['kernel']}",
              f"- Threads: {facts['threads']} on both sides: " + ", ".join(f"{k}={v}" for k, v in facts["environment"].items())
              + "; TensorFlow intra-op = inter-op = that count, NetworKit `setNumberOfThreads` likewise"
              + ("; PyTorch `torch.set_num_threads` and ONNX Runtime intra-op threads likewise (inter-op 1)" if facts.get("torch") else "")
              + "; the toolkit's OpenBLAS (and oneDNN) reads OPENBLAS_NUM_THREADS and its own parallel loops use the usable "
              "cores (both sides run under the same CPU affinity).",
              f"- Toolkit: git {facts['toolkit']}, release build; {facts['swift']}; {facts['toolkit BLAS']}",
              f"- Python {facts['python']}: " + ", ".join(f"{k} {v}" for k, v in facts["versions"].items())
              + f"; NumPy's BLAS {facts['numpy BLAS']}, SciPy's {facts['scipy BLAS']}"
              + (f"; Keras compiled with XLA: {facts['keras xla']}" if facts["keras xla"] is not None else "")
              + (f"; {facts['torch']}" if facts.get("torch") else ""),
              f"- Repetitions: {facts['reps']} per implementation, alternating (even repetitions toolkit first, odd ones "
              f"peers first); median and min–max reported. Load average before {facts['load average before']}, after "
              f"{facts['load average after']}; {facts['minutes']} minutes."]
    lines += ["", "## Results", ""]
    slower = []
    for group in sorted(groups):
        unit, scale = ("ms", 1000) if group in MILLISECONDS else ("s", 1)
        lines += [f"### {GROUPS[group]}", "", f"Timed: {TIMED[group]}", "",
                  f"| workload | implementation | version | median {unit} | min–max {unit} | × toolkit | max abs diff | max rel diff | notes |",
                  "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        for workload, block in _by_workload([r for r in rows if r.group == group]).items():
            toolkit = block[0]
            for row in block:
                median, low, high = (x * scale for x in row.stats())
                ratio = _ratio(row, toolkit)
                peer = not row.implementation.startswith("toolkit")
                if peer and ratio < 1 and group not in CORRECTNESS_ONLY:
                    slower.append(f"- {workload}: {row.implementation} {median:.3g} {unit} vs toolkit {toolkit.stats()[0] * scale:.3g} {unit} (× {ratio:.2f})")
                notes = "; ".join(part for part in ((f"toolkit / this {1 / ratio:.3g}" if peer and group in TOOLKIT_OVER_PEER and ratio > 0 else ""),
                                                    _notes(row)) if part)
                lines.append(f"| {_escape(workload)} | {_escape(row.implementation)} | {row.version} | {median:.3g} | {low:.3g}–{high:.3g} | "
                             f"{ratio:.2f} | {_cell(row.max_abs)} | {_cell(row.max_rel)} | {notes} |")
        lines.append("")
    lines += ["## Where the toolkit is slower", ""] + (slower or ["- none in this run"]) + [""]
    lines += ["## Inputs", "", "All generated by `Scripts/peers/inputs.py` from seed 1 (NumPy `default_rng`), written once, "
              + ("the model files of workloads 6 and 7 by `graphprune train --epochs 0 --save` and `graphprune prune`, "
                 if {"6", "7"} & set(described) else "")
              + "read by both sides; FashionMNIST from the Debian package `dataset-fashion-mnist` "
              + ("(quick mode: the first %d training and %d test images)" % config["fashion_subset"] if config["fashion_subset"] else "(all 60,000 / 10,000 images)")
              + ", standardised per pixel with the training mean and std.", "",
              "| input | model | size | file |", "| --- | --- | --- | --- |"]
    for key in sorted(described):
        lines += described[key]
    lines += ["", "Similarity layers: neuron i = (3 · U z_i + g_i) · c_i, U three orthonormal directions scaled to √d, z_i "
              "uniform on their unit sphere, g_i ~ N(0, I), c_i ~ U[0.5, 1.5] (so cosine similarities spread over ±0.9 and "
              "the graphs are connected). Network graphs: layers connected densely or with SET's Erdős–Rényi probability "
              "ε(n_in + n_out)/(n_in·n_out), edges listed source < target.", "",
              "## Conventions", ""] + [f"- {c}" for c in CONVENTIONS] + [""]
    return "\n".join(lines)


def write(out_dir, rows, facts, described, config):
    _atomic_write(os.path.join(out_dir, "benchmarks.csv"), csv_text(rows))
    _atomic_write(os.path.join(out_dir, "benchmarks.md"), markdown_text(rows, facts, described, config))
