"""Writes Reports/benchmarks.csv (full precision) and Reports/benchmarks.md (rounded, with the
machine, versions, inputs, conventions and the command), each atomically."""

import csv
import io
import os
import statistics
import time

GROUPS = {
    1: "1. Eigenvector centrality of cosine-similarity neuron graphs",
    2: "2. Laplacian centrality of the CenSET whole-network graph",
    3: "3. Effective resistances of a dense layer",
    4: "4. One FashionMNIST training epoch, MLP 784-256-128-100-10",
    5: "5. One CenSET epoch end to end",
}

TIMED = {
    1: "Toolkit: the whole `graphprune score` process (read the .npy, build the similarity graph, "
       "eigenvector centrality, write the CSV). Peers: np.load, row normalisation, S = Ŵ Ŵᵀ and threshold in "
       "NumPy, the library's graph, its centrality, np.save (after the libraries are imported). NetworkX only where "
       "the graph has at most 600,000 edges (it keeps a dictionary per edge).",
    2: "Toolkit: the whole `graphprune centrality --measure laplacian --absolute-weights` process (read the CSV, "
       "build, score, write). Peers: np.loadtxt of the same CSV, |w|, the library's graph, its "
       "LaplacianCentrality(normalized=False) / laplacian_centrality(normalized=False), np.save.",
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
    "Effective resistance: an out × in array of Reff between the two ends of every edge.",
    "Training: no output is compared (different random streams); the test accuracy after the epoch is in the notes.",
    "`× toolkit` = the implementation's median seconds / the toolkit's median seconds in the same workload: above 1 "
    "the toolkit is faster.",
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
    lines = ["# GraphPrune against NetworkX, NetworKit, SciPy/NumPy and Keras", "",
             f"Written by `Scripts/compare-peers` on {time.strftime('%Y-%m-%d %H:%M %Z')}; regenerate it, do not edit it. "
             f"Full-precision numbers: `benchmarks.csv`."]
    if facts["quick"]:
        lines += ["", "**QUICK MODE: tiny inputs and few repetitions, a check that the script works. These numbers are not results.**"]
    lines += ["", "## How it was run", "", f"- Command: `{facts['command']}`",
              f"- Machine: {facts['cpu']}, {facts['cores']} cores ({facts['usable cores']} usable), {facts['memory']}, "
              f"{facts['os']}, Linux {facts['kernel']}",
              f"- Threads: {facts['threads']} on both sides: " + ", ".join(f"{k}={v}" for k, v in facts["environment"].items())
              + "; TensorFlow intra-op = inter-op = that count, NetworKit `setNumberOfThreads` likewise; the toolkit's "
              "OpenBLAS reads OPENBLAS_NUM_THREADS and its own parallel loops use the usable cores (both sides run "
              "under the same CPU affinity).",
              f"- Toolkit: git {facts['toolkit']}, release build; {facts['swift']}; {facts['toolkit BLAS']}",
              f"- Python {facts['python']}: " + ", ".join(f"{k} {v}" for k, v in facts["versions"].items())
              + f"; NumPy's BLAS {facts['numpy BLAS']}, SciPy's {facts['scipy BLAS']}"
              + (f"; Keras compiled with XLA: {facts['keras xla']}" if facts["keras xla"] is not None else ""),
              f"- Repetitions: {facts['reps']} per implementation, alternating (even repetitions toolkit first, odd ones "
              f"peers first); median and min–max reported. Load average before {facts['load average before']}, after "
              f"{facts['load average after']}; {facts['minutes']} minutes."]
    lines += ["", "## Results", ""]
    slower = []
    for group in sorted({r.group for r in rows}):
        lines += [f"### {GROUPS[group]}", "", f"Timed: {TIMED[group]}", "",
                  "| workload | implementation | version | median s | min–max s | × toolkit | max abs diff | max rel diff | notes |",
                  "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        for workload, block in _by_workload([r for r in rows if r.group == group]).items():
            toolkit = block[0]
            for row in block:
                median, low, high = row.stats()
                ratio = _ratio(row, toolkit)
                if not row.implementation.startswith("toolkit") and ratio < 1:
                    slower.append(f"- {workload}: {row.implementation} {median:.3g} s vs toolkit {toolkit.stats()[0]:.3g} s (× {ratio:.2f})")
                lines.append(f"| {_escape(workload)} | {_escape(row.implementation)} | {row.version} | {median:.3g} | {low:.3g}–{high:.3g} | "
                             f"{ratio:.2f} | {_cell(row.max_abs)} | {_cell(row.max_rel)} | {_notes(row)} |")
        lines.append("")
    lines += ["## Where the toolkit is slower", ""] + (slower or ["- none in this run"]) + [""]
    lines += ["## Inputs", "", "All generated by `Scripts/peers/inputs.py` from seed 1 (NumPy `default_rng`), written once, "
              "read by both sides; FashionMNIST from the Debian package `dataset-fashion-mnist` "
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
