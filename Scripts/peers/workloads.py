"""The five workloads: inputs, the toolkit's command, the peers, repeated and alternated.

A case runs every implementation `reps` times; even repetitions run the toolkit first and the
peers after it, odd ones the reverse order, so drift in the machine's load falls on both sides.
The toolkit is timed as a whole process (wall clock); its own reported seconds are kept too.
The peers are timed in-process (after the libraries are imported), reading the same input file
and writing their output, as the toolkit does.
"""

import csv
import json
import os
import re
import subprocess
import sys

import numpy as np

from common import ComparisonError, differences, summarize, thread_count
import inputs


class Row:
    """One implementation of one workload case."""

    def __init__(self, group, workload, implementation, version):
        self.group, self.workload, self.implementation, self.version = group, workload, implementation, version
        self.seconds, self.toolkit_seconds, self.extras = [], [], []
        self.output = None
        self.max_abs = self.max_rel = None
        self.reference = None
        self.notes = ""

    def stats(self):
        return summarize(self.seconds)


def log(message):
    print(message, file=sys.stderr, flush=True)


def run_case(group, workload, runners, reps, compare=True):
    """`runners`: [(implementation, version, run)], the toolkit first; `run()` returns
    (seconds, output array or None, extras dict). Returns the rows, differences filled in
    against the first runner's output."""
    rows = [Row(group, workload, name, version) for name, version, _ in runners]
    for rep in range(reps):
        order = list(range(len(runners))) if rep % 2 == 0 else list(reversed(range(len(runners))))
        for index in order:
            seconds, output, extras = runners[index][2]()
            row = rows[index]
            row.seconds.append(seconds)
            row.extras.append(extras)
            if "toolkit_seconds" in extras:
                row.toolkit_seconds.append(extras["toolkit_seconds"])
            if row.output is None:
                row.output = output
    reference = rows[0]
    for row in rows[1:]:
        row.reference = reference.implementation
        if compare and reference.output is not None and row.output is not None:
            row.max_abs, row.max_rel = differences(reference.output, row.output)
    log(f"  {workload}: " + ", ".join(f"{r.implementation} {r.stats()[0]:.3f} s" for r in rows))
    for row in rows:
        row.output = None  # free the arrays
    return rows


# ---- Workload 1: eigenvector centrality of cosine-similarity neuron graphs -------------------

def eigenvector(ctx):
    import eigenvector_peers as peers
    from scipy.sparse.csgraph import connected_components
    import scipy.sparse as sp

    rows, described = [], []
    for n, d in ctx.config["eigen_sizes"]:
        weights = os.path.join(ctx.work, f"similarity-{n}x{d}.npy")
        np.save(weights, inputs.similarity_layer(n, d, seed=ctx.seed))
        for tau in ctx.config["eigen_taus"]:
            n_, i, j, v = peers.similarity_edges(weights, tau)
            components = connected_components(sp.coo_array((v, (i, j)), shape=(n, n)), directed=False)[0]
            if components != 1:
                raise ComparisonError(f"similarity graph n={n} τ={tau} has {components} components; the peers need a connected graph")
            edges = len(v)
            described.append(f"| similarity layer {n} × {d}, τ = {tau} | seeded model below, seed {ctx.seed} | {edges} edges (density {edges / (n * (n - 1) / 2):.3f}), connected | `{os.path.basename(weights)}` |")
            out = os.path.join(ctx.work, f"eig-{n}-{tau}")
            runners = [("toolkit", ctx.toolkit_version, lambda: ctx.toolkit_scores(
                ["score", "--weights", weights, "--scorer", "eigenvector", "--tau", str(tau), "--output", out + ".csv"],
                out + ".csv"))]
            for name, job in peers.PEERS.items():
                if name.startswith("networkx") and edges > ctx.config["networkx_max_edges"]:
                    continue
                runners.append((name, ctx.version_of(name), ctx.in_process(
                    lambda job=job: job(weights, tau, out + ".npy"))))
            rows += run_case(1, f"eigenvector n={n} d={d} τ={tau}", runners, ctx.reps)
    ctx.inputs["1"] = described
    return rows


# ---- Workload 2: Laplacian centrality of the whole-network graph ----------------------------

def laplacian(ctx):
    import laplacian_peers as peers

    rows, described = [], []
    for sizes, epsilon, with_networkx in ctx.config["laplacian_nets"]:
        name = "-".join(map(str, sizes)) + (" dense" if epsilon is None else f" ε={epsilon:g}")
        path = os.path.join(ctx.work, "net-" + name.replace(" ", "-").replace("ε=", "eps") + ".csv")
        s, t, w = inputs.network_edges(sizes, epsilon, seed=ctx.seed)
        inputs.write_edge_csv(path, s, t, w)
        nodes = int(sum(sizes))
        if int(max(s.max(), t.max())) + 1 != nodes:
            raise ComparisonError(f"{path}: the last node has no edge")
        described.append(f"| network graph {name} | Glorot-uniform weights, seed {ctx.seed} | {nodes} nodes, {len(w)} edges | `{os.path.basename(path)}` |")
        out = path[:-4]
        base = ["centrality", "--input", path, "--measure", "laplacian", "--absolute-weights"]
        for directed in (False, True):
            variant = ["--laplacian-variant", "networkit-legacy"] if directed else []
            label = ("toolkit --laplacian-variant networkit-legacy" if directed else "toolkit")
            runners = [(label, ctx.toolkit_version, lambda variant=variant: ctx.toolkit_scores(
                base + variant + ["--output", out + "-tk.csv"], out + "-tk.csv"))]
            kind = "directed" if directed else "undirected"
            runners.append((f"networkit {ctx.version_of('networkit')} LaplacianCentrality ({kind})", ctx.version_of("networkit"), ctx.in_process(
                lambda directed=directed: peers.networkit_laplacian(path, nodes, out + "-nk.npy", directed))))
            if ctx.legacy_python:
                runners.append((f"networkit {ctx.legacy_version} LaplacianCentrality ({kind})", ctx.legacy_version,
                                lambda kind=kind: ctx.legacy_laplacian(path, nodes, out + "-nk112.npy", kind)))
            if with_networkx and not directed:
                runners.append(("networkx laplacian_centrality", ctx.version_of("networkx"), ctx.in_process(
                    lambda: peers.networkx_laplacian(path, nodes, out + "-nx.npy"))))
            title = f"laplacian {name}, |w|, " + ("directed source → target (CenSET code)" if directed else "undirected")
            rows += run_case(2, title, runners, ctx.reps)
    ctx.inputs["2"] = described
    return rows


# ---- Workload 3: effective resistances of a dense layer -------------------------------------

def resistance(ctx):
    import resistance_peers as peers

    rows, described = [], []
    for out_size, in_size in ctx.config["resistance_layers"]:
        weights = os.path.join(ctx.work, f"layer-{out_size}x{in_size}.npy")
        np.save(weights, inputs.gaussian_magnitude_layer(out_size, in_size, seed=ctx.seed))
        described.append(f"| dense layer {in_size} → {out_size} | \\|N(0, 1)\\| weights, out × in = {out_size} × {in_size}, seed {ctx.seed} | {out_size + in_size} nodes, {out_size * in_size} edges | `{os.path.basename(weights)}` |")
        out = weights[:-4]
        runners = [("toolkit", ctx.toolkit_version, lambda: ctx.toolkit_npy(
            ["resistance", "--weights", weights, "--output", out + "-tk.npy"], out + "-tk.npy"))]
        for name, job in peers.PEERS.items():
            runners.append((name, ctx.version_of("numpy"), ctx.in_process(lambda job=job: job(weights, out + "-peer.npy"))))
        rows += run_case(3, f"resistance {in_size} × {out_size}", runners, ctx.reps)
    ctx.inputs["3"] = described
    return rows


# ---- Workloads 4 and 5: training ------------------------------------------------------------

TRAIN_OPTIONS = ["--dataset", "fashion-mnist", "--arch", "784-256-128-100-10", "--batch", "100",
                 "--optimizer", "sgd", "--lr", "0.01", "--momentum", "0.9", "--dropout", "0.3"]
SIZES = [784, 256, 128, 100, 10]


def _toolkit_training(ctx, extra, epochs):
    """Runs `graphprune train`; returns (wall, per-epoch log rows, stamped stderr lines)."""
    log_path = os.path.join(ctx.work, "train-log.csv")
    wall, _, lines = ctx.toolkit.run(
        ["train", *TRAIN_OPTIONS, "--data-dir", ctx.data_dir, "--seed", str(ctx.seed), "--epochs", str(epochs),
         "--log", log_path, *extra], stamp_lines=True)
    with open(log_path) as f:
        history = list(csv.DictReader(f))
    header = next((line for _, line in lines if line.startswith("train:")), "")
    threads = re.search(r"BLAS threads (\d+)", header)
    if not threads or int(threads.group(1)) != thread_count():
        raise ComparisonError(f"graphprune train did not run with {thread_count()} BLAS threads: {header}")
    return wall, history, lines


def training(ctx):
    import keras_peers as kp

    data = ctx.fashion()
    rows = []
    for sparse in (False, True):
        extra = ["--sparse-epsilon", "20"] if sparse else []

        def toolkit(extra=extra):
            wall, history, lines = _toolkit_training(ctx, extra, 1)
            loaded = next(stamp for stamp, line in lines if line.startswith("train:"))
            return float(history[0]["seconds"]), None, {
                "process_seconds": wall, "load_seconds": loaded, "test_accuracy": float(history[0]["test_accuracy"])}

        masks = kp.erdos_renyi_masks(SIZES, 20, ctx.seed) if sparse else None
        trainer = kp.EpochTrainer(data, SIZES, 0.3, masks, ctx.seed)
        ctx.keras_xla = kp.uses_xla(trainer.model)

        def keras_epoch(trainer=trainer):
            seconds, accuracy = trainer.epoch()
            return seconds, None, {"test_accuracy": accuracy}

        peer = "keras masked Dense (ε = 20 mask)" if sparse else "keras Dense"
        title = "train 1 epoch 784-256-128-100-10 " + ("ε = 20 sparse" if sparse else "dense")
        rows += run_case(4, title, [("toolkit", ctx.toolkit_version, toolkit),
                                    (peer, ctx.version_of("tensorflow-cpu"), keras_epoch)], ctx.reps, compare=False)
        del trainer
    return rows


def censet(ctx):
    import keras_peers as kp

    data = ctx.fashion()

    def toolkit(extra=()):
        wall, history, lines = _toolkit_training(ctx, ["--sparse", "censet", *extra], 2)
        # `train:` is printed when training starts; the epoch-1 line after that epoch's rewiring.
        start = next((stamp for stamp, line in lines if line.startswith("train:")), None)
        ends = [stamp for stamp, line in lines if line.startswith("epoch ")]
        if start is None or len(ends) != 2:
            raise ComparisonError("graphprune train --sparse censet --epochs 2 printed no train: line and two epoch lines: "
                                  + " | ".join(line for _, line in lines))
        epoch = float(history[0]["seconds"])
        total = ends[0] - start
        return total, None, {"epoch": epoch, "rewiring": total - epoch, "process_seconds": wall,
                                        "test_accuracy": float(history[0]["test_accuracy"]),
                                        "removed": float(history[0]["removed"] or 0)}

    def peer():
        steps, accuracy, removed = kp.censet_epoch(data, SIZES, 0.3, 20, 2.7, ctx.seed)
        return sum(steps.values()), None, {**steps, "test_accuracy": accuracy, "removed": removed}

    return run_case(5, "CenSET epoch (train + centrality + rewiring) 784-256-128-100-10 ε = 20",
                    [("toolkit", ctx.toolkit_version, toolkit),
                     ("toolkit --centrality networkit-legacy --censet-weights signed", ctx.toolkit_version,
                      lambda: toolkit(["--centrality", "networkit-legacy", "--censet-weights", "signed"])),
                     ("keras masked + networkit LaplacianCentrality + numpy rewiring",
                      ctx.version_of("tensorflow-cpu") + ", networkit " + ctx.version_of("networkit"), peer)],
                    ctx.reps, compare=False)


def legacy_laplacian(python, script, csv_path, nodes, output, kind):
    """NetworKit 11.2 job in its own environment; returns (its in-process seconds, scores)."""
    done = subprocess.run([python, script, csv_path, str(nodes), output, kind], capture_output=True, text=True)
    if done.returncode != 0:
        raise ComparisonError(f"NetworKit 11.2 job failed: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"], np.load(output)
