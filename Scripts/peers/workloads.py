"""The seven workloads: inputs, the toolkit's command, the peers, repeated and alternated.

A case runs every implementation `reps` times; even repetitions run the toolkit first and the
peers after it, odd ones the reverse order, so drift in the machine's load falls on both sides.
The toolkit is timed as a whole process (wall clock); its own reported seconds are kept too.
The peers are timed in-process (after the libraries are imported), reading the same input file
and writing their output, as the toolkit does. PyTorch and ONNX Runtime (workloads 6 and 7) run in
their own environment, in one long-lived process (`TorchWorker`) that times each job itself.
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
    log(f"  {workload}: " + ", ".join(f"{r.implementation} {r.stats()[0]:.4g} s" for r in rows))
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
        if with_networkx:
            rows += _betweenness(ctx, name, s, t, np.abs(w), nodes, out)
    ctx.inputs["2"] = described
    return rows


def _betweenness(ctx, name, sources, targets, lengths, nodes, out):
    """Betweenness of the same network graph with edge lengths |w| (the toolkit's
    `centrality --measure betweenness` against NetworkX and NetworKit)."""
    import betweenness_peers as peers

    path = out + "-abs.csv"
    inputs.write_edge_csv(path, sources, targets, lengths)
    runners = [("toolkit", ctx.toolkit_version, lambda: ctx.toolkit_scores(
        ["centrality", "--input", path, "--measure", "betweenness", "--output", out + "-bc-tk.csv"], out + "-bc-tk.csv"))]
    runners.append((f"networkit {ctx.version_of('networkit')} Betweenness (halved)", ctx.version_of("networkit"), ctx.in_process(
        lambda: peers.networkit_betweenness(path, nodes, out + "-bc-nk.npy"))))
    runners.append(("networkx betweenness_centrality", ctx.version_of("networkx"), ctx.in_process(
        lambda: peers.networkx_betweenness(path, nodes, out + "-bc-nx.npy"))))
    return run_case(2, f"betweenness {name}, lengths |w|, undirected, unnormalised", runners, ctx.reps)


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

MLP = "784-256-128-100-10"
CNN = "c32-c32-p-c64-c64-p-128-10"
TRAIN_OPTIONS = ["--dataset", "fashion-mnist", "--batch", "100",
                 "--optimizer", "sgd", "--lr", "0.01", "--momentum", "0.9", "--dropout", "0.3"]
SIZES = [784, 256, 128, 100, 10]


def _toolkit_training(ctx, extra, epochs, arch=MLP):
    """Runs `graphprune train`; returns (wall, per-epoch log rows, stamped stderr lines)."""
    log_path = os.path.join(ctx.work, "train-log.csv")
    wall, _, lines = ctx.toolkit.run(
        ["train", *TRAIN_OPTIONS, "--arch", arch, "--data-dir", ctx.data_dir, "--seed", str(ctx.seed),
         "--epochs", str(epochs), "--log", log_path, *extra], stamp_lines=True)
    with open(log_path) as f:
        history = list(csv.DictReader(f))
    header = next((line for _, line in lines if line.startswith("train:")), "")
    threads = re.search(r"BLAS threads (\d+)", header)
    if not threads or int(threads.group(1)) != thread_count():
        raise ComparisonError(f"graphprune train did not run with {thread_count()} BLAS threads: {header}")
    return wall, history, lines


def _toolkit_epoch(ctx, extra=(), arch=MLP):
    """One `graphprune train --epochs 1`: (the epoch's `seconds` from its --log, None, extras)."""
    wall, history, lines = _toolkit_training(ctx, list(extra), 1, arch)
    loaded = next(stamp for stamp, line in lines if line.startswith("train:"))
    return float(history[0]["seconds"]), None, {
        "process_seconds": wall, "load_seconds": loaded, "test_accuracy": float(history[0]["test_accuracy"])}


def training(ctx):
    import keras_peers as kp

    data = ctx.fashion()
    rows = []
    for sparse in (False, True):
        extra = ["--sparse-epsilon", "20"] if sparse else []

        def toolkit(extra=extra):
            return _toolkit_epoch(ctx, extra)

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


# ---- Workloads 6 and 7: PyTorch and ONNX Runtime ---------------------------------------------

class TorchWorker:
    """`torch_peers.py serve` in the PyTorch environment: jobs go in as JSON lines, each answered by
    one JSON line; torch and onnxruntime are imported once, each job builds its own model. The
    process inherits the thread variables and CPU affinity compare-peers set; its stderr is ours."""

    def __init__(self, python):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_peers.py")
        self.python = python
        try:
            self.process = subprocess.Popen([python, script, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        except OSError as error:
            raise ComparisonError(f"cannot start the PyTorch worker {python}: {error}")

    def job(self, command, **options):
        """The result of one job (a dict); ComparisonError with the worker's one-line message on failure."""
        try:
            self.process.stdin.write(json.dumps({"command": command, **options}) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # it ended: readline below says so
        line = self.process.stdout.readline()
        if not line:
            raise ComparisonError(f"the PyTorch worker ({self.python}) ended with status {self.process.wait()} during job {command}")
        try:
            answer = json.loads(line)
        except ValueError:
            raise ComparisonError(f"the PyTorch worker answered job {command} with something that is not JSON: {line.strip()[:200]}")
        if "error" in answer:
            raise ComparisonError(f"PyTorch job {command} ({', '.join(f'{k} {v}' for k, v in options.items())}): {answer['error']}")
        return answer["result"]

    def close(self):
        self.process.stdin.close()
        self.process.wait()


RESNET = "resnet20"
# ResNet-20 trains on the first RESNET_SAMPLES training images (the test set stays whole): a full epoch takes minutes
# a side on 2 cores, and every repetition alternates the two.
RESNET_SAMPLES = 10_000
SHORT = {MLP: "mlp", CNN: "cnn", RESNET: "resnet20"}  # file names: `bench` prints a model's name in 44 columns


def _architecture_options(arch):
    """`graphprune train` options of `arch` besides TRAIN_OPTIONS: ResNet-20 as the baselines study trains it
    (Kaiming-normal weights, OpenLTH's default) on the first RESNET_SAMPLES images."""
    return ["--initializer", "kaiming-normal", "--train-samples", str(RESNET_SAMPLES)] if arch == RESNET else []


def _initial_model(ctx, arch):
    """graphprune's initial weights of `arch` for the seed (`train --epochs 0 --save`): the ones
    `train --seed` starts from, written once per run. Returns (path, parameters)."""
    path = os.path.join(ctx.work, f"{SHORT[arch]}.safetensors")
    if path not in ctx.written:
        _, _, lines = ctx.toolkit.run(["train", *TRAIN_OPTIONS, "--arch", arch, "--data-dir", ctx.data_dir, "--seed", str(ctx.seed),
                                       "--epochs", "0", "--save", path, *_architecture_options(arch)])
        found = next((re.search(r"(\d+) parameters", line) for line in lines if line.startswith("train:")), None)
        if not found:
            raise ComparisonError(f"graphprune train --epochs 0 printed no 'train: … N parameters' line: {' | '.join(lines)}")
        ctx.written[path] = int(found.group(1))
    return path, ctx.written[path]


def torch_training(ctx):
    """Workload 6: a FashionMNIST epoch of the MLP, the CNN and ResNet-20 (on its first RESNET_SAMPLES images),
    `graphprune train` against PyTorch, both from graphprune's initial weights for the seed."""
    torch_version = ctx.torch_versions()["torch"]
    rows = []
    described = []
    for arch in (MLP, CNN, RESNET):
        init, parameters = _initial_model(ctx, arch)
        initializer = "kaiming-normal" if arch == RESNET else "glorot-uniform"
        described.append(f"| {arch} initial weights | graphprune's {initializer}, seed {ctx.seed} (`train --epochs 0 --save`) | "
                         f"{parameters} parameters | `{os.path.basename(init)}` |")
        samples = RESNET_SAMPLES if arch == RESNET else 0

        def pytorch(init=init, samples=samples):
            result = ctx.torch_job("train", model=init, data_dir=ctx.data_dir, threads=thread_count(), seed=ctx.seed,
                                   train_samples=samples)
            if result["threads"] != thread_count():
                raise ComparisonError(f"PyTorch trained with {result['threads']} threads, not {thread_count()}")
            return result["seconds"], None, {"train_seconds": result["train_seconds"], "test_accuracy": result["test_accuracy"],
                                             "train_samples": result["train_samples"]}

        title = f"train 1 epoch {arch} dense" + (f" (first {RESNET_SAMPLES} training images)" if samples else "")
        module = "nn.Module (eager)" if arch == RESNET else "nn.Sequential (eager)"
        rows += run_case(6, title, [
            ("toolkit", ctx.toolkit_version, lambda arch=arch: _toolkit_epoch(ctx, _architecture_options(arch), arch=arch)),
            (f"pytorch {module}", torch_version, pytorch)], ctx.reps, compare=False)
    ctx.inputs["6"] = described
    return rows


_BENCH_ROW = re.compile(r"^(\S.*?) dense\s+(\d+)\s+([0-9.]+)\s+[0-9.]+\s+([0-9.]+)\s+[0-9.]+\s*$")


def _toolkit_inference(ctx, model, rounds):
    """`graphprune bench --workload inference --model MODEL`: the model's own row (batch-1 ms and
    batch-100 samples/s, medians of its rounds). `--densities 1` keeps its pruned variants trivial."""
    _, stdout, _ = ctx.toolkit.run(["bench", "--workload", "inference", "--model", model, "--repetitions", str(rounds),
                                       "--threads", str(thread_count()), "--densities", "1", "--seed", str(ctx.seed)])
    header = next((line for line in stdout.splitlines() if line.startswith("# graphprune bench inference")), "")
    threads = re.search(r"threads (\d+)", header)
    if not threads or int(threads.group(1)) != thread_count():
        raise ComparisonError(f"graphprune bench did not run with {thread_count()} threads: {header or stdout.strip()}")
    name = os.path.basename(model)
    row = next((m for m in map(_BENCH_ROW.match, stdout.splitlines()) if m and m.group(1) == name), None)
    if row is None:
        raise ComparisonError(f"graphprune bench --workload inference printed no row for {name}:\n{stdout.strip()}")
    milliseconds, throughput = float(row.group(3)), float(row.group(4))
    return milliseconds / 1000, {"batch100_s": 100 / throughput, "samples_per_s": throughput}


def _pruned_models(ctx, dense):
    """The MLP edge-pruned to density 0.05 (magnitude, layerwise top-|w|: CSR in graphprune, masks
    in PyTorch and ONNX) and neuron-pruned (hidden units of lowest L2 norm) to the parameter count
    closest to it. Returns [(label, path, parameters)]."""
    edge = os.path.join(ctx.work, "mlp-edge-0.05.safetensors")
    _, stdout, _ = ctx.toolkit.run(["prune", "--model", dense, "--granularity", "edge", "--scorer", "magnitude", "--method", "greedy",
                                    "--density", "0.05", "--layers", "all", "--output", edge])
    budget = _parameters_after(stdout, "prune --granularity edge")
    # `prune` removes floor(ratio · n) neurons of each hidden layer: the ratio in steps of 0.001 whose
    # rebuilt MLP has the parameter count closest to the edge-pruned one.
    def parameters(ratio):
        kept = [SIZES[0]] + [n - int(np.floor(ratio * n + 1e-9)) for n in SIZES[1:-1]] + [SIZES[-1]]
        return sum(a * b + b for a, b in zip(kept[:-1], kept[1:]))
    ratio = min((k / 1000 for k in range(1000)), key=lambda r: (abs(parameters(r) - budget), r))
    neuron = os.path.join(ctx.work, "mlp-neuron.safetensors")
    _, stdout, _ = ctx.toolkit.run(["prune", "--model", dense, "--granularity", "neuron", "--scorer", "magnitude", "--layers", "hidden",
                                    "--ratio", f"{ratio:g}", "--output", neuron])
    return [("edge-pruned q = 0.05", edge, budget),
            (f"neuron-pruned ratio {ratio:g}", neuron, _parameters_after(stdout, "prune --granularity neuron"))]


def _parameters_after(stdout, command):
    found = re.search(r"model parameters (\d+) → (\d+)", stdout)
    if not found:
        raise ComparisonError(f"graphprune {command} printed no 'model parameters A → B' line:\n{stdout.strip()}")
    return int(found.group(2))


def inference(ctx):
    """Workload 7: latency at batch 1 and throughput at batch 100 of the same model files in
    graphprune (`bench --workload inference --model`), ONNX Runtime (the `graphprune export`ed
    ONNX) and PyTorch (the checkpoint loaded into nn.Sequential); outputs compared on 100 inputs."""
    versions = ctx.torch_versions()
    rounds = ctx.config["inference_rounds"]
    samples = os.path.join(ctx.work, "inference-inputs.npy")
    np.save(samples, np.random.default_rng(ctx.seed).standard_normal((100, 1, 28, 28)).astype(np.float32))
    mlp, mlp_parameters = _initial_model(ctx, MLP)
    models = ([(f"{MLP} dense", mlp, mlp_parameters)]
              + [(f"{MLP} {label}", path, parameters) for label, path, parameters in _pruned_models(ctx, mlp)]
              + [(f"{CNN} dense", *_initial_model(ctx, CNN))])
    rows, described = [], []
    for title, model, parameters in models:
        stem = model[:-len(".safetensors")]
        ctx.toolkit.run(["export", "--model", model, "--output", stem + ".onnx"])
        ctx.toolkit.run(["predict", "--model", model, "--inputs", samples, "--output", stem + "-toolkit.npy"])
        reference = np.load(stem + "-toolkit.npy")
        described.append(f"| {title} | graphprune's initial weights, seed {ctx.seed}" + (", pruned by `graphprune prune` (see Timed)" if "pruned" in title else "")
                         + f" | {parameters} parameters | `{os.path.basename(model)}`, `{os.path.basename(stem)}.onnx` |")

        def toolkit(model=model, reference=reference):
            seconds, extras = _toolkit_inference(ctx, model, rounds)
            return seconds, reference, extras

        def peer(runtime, path, stem=stem):
            output = f"{stem}-{runtime}.npy"
            result = ctx.torch_job("infer", runtime=runtime, model=path, inputs=samples, rounds=rounds,
                                   threads=thread_count(), output=output)
            if result["threads"] != thread_count():
                raise ComparisonError(f"{runtime} ran with {result['threads']} threads, not {thread_count()}")
            throughput = result["batch100_samples_per_s"]
            return result["batch1_ms"] / 1000, np.load(output), {"batch100_s": 100 / throughput, "samples_per_s": throughput}

        runners = [("toolkit", ctx.toolkit_version, toolkit),
                   ("onnxruntime (exported ONNX)", versions["onnxruntime"], lambda stem=stem: peer("onnxruntime", stem + ".onnx")),
                   ("pytorch nn.Sequential (eager)" + (", prune masks" if "edge" in title else ""), versions["torch"],
                    lambda model=model: peer("pytorch", model))]
        batch_one = run_case(7, f"inference {title}, batch 1", runners, ctx.reps)
        rows += batch_one + _second_metric(batch_one, f"inference {title}, batch 100")
    ctx.inputs["7"] = described + [f"| inference inputs | N(0, 1), seed {ctx.seed}, float32 | 100 × 1 × 28 × 28 | `{os.path.basename(samples)}` |"]
    return rows


def _second_metric(rows, workload):
    """The batch-100 rows of an inference case: seconds per batch of 100 from each repetition's
    extras; the output differences (of the 100 inputs' logits) move to them."""
    second = []
    for row in rows:
        other = Row(row.group, workload, row.implementation, row.version)
        other.seconds = [extras.pop("batch100_s") for extras in row.extras]
        other.extras = [{"samples_per_s": extras.pop("samples_per_s")} for extras in row.extras]
        other.reference, other.max_abs, other.max_rel = row.reference, row.max_abs, row.max_rel
        row.max_abs = row.max_rel = None
        second.append(other)
    log(f"  {workload}: " + ", ".join(f"{r.implementation} {r.stats()[0]:.4g} s" for r in second))
    return second


# ---- Workload 8: pruning masks against torch.nn.utils.prune ---------------------------------

def prune_masks(ctx):
    """Workload 8: the masks `graphprune prune` chooses on graphprune's initial MLP weights against
    the ones torch.nn.utils.prune chooses on the same checkpoint (a correctness row: the outputs
    must be identical): global L1 unstructured at 10 % density over every Dense layer, and L2
    structured pruning of half of each hidden layer's units (rows)."""
    versions = ctx.torch_versions()
    model, parameters = _initial_model(ctx, MLP)
    stem = model[:-len(".safetensors")]
    cases = [("global L1 unstructured, 10 % of every Dense layer's weights kept", "global-l1", 0.9,
              ["--granularity", "edge", "--scorer", "magnitude", "--method", "global", "--density", "0.1"], _edge_mask),
             ("L2 structured, half of each hidden layer's units kept", "ln-structured", 0.5,
              ["--granularity", "neuron", "--scorer", "magnitude", "--layers", "hidden", "--ratio", "0.5"], _kept_units)]
    rows = []
    for title, method, amount, options, read in cases:
        pruned = f"{stem}-{method}.safetensors"

        def toolkit(options=options, pruned=pruned, read=read):
            wall, _, lines = ctx.toolkit.run(["prune", "--model", model, *options, "--output", pruned])
            mask = read(model, pruned)
            return wall, mask, {"kept": int(mask.sum())}

        def peer(method=method, amount=amount):
            output = f"{stem}-{method}-torch.npy"
            result = ctx.torch_job("prune", model=model, method=method, amount=amount, output=output)
            return result["seconds"], np.load(output), {"kept": result["kept"]}

        rows += run_case(8, f"{title}, {MLP}", [
            ("toolkit prune " + " ".join(options[1:]), ctx.toolkit_version, toolkit),
            (f"torch.nn.utils.prune.{'global_unstructured(L1Unstructured)' if method == 'global-l1' else 'ln_structured(n=2, dim=0)'}",
             versions["torch"], peer)], ctx.reps)
    ctx.inputs["8"] = [f"| {MLP} | graphprune's initial weights, seed {ctx.seed} | {parameters} parameters | `{os.path.basename(model)}` |"]
    return rows


def _dense_positions(tensors):
    """Node positions of the checkpoint's Dense weights (`layers.{i}.weight`), ascending."""
    return sorted(int(name.split(".")[1]) for name in tensors if re.fullmatch(r"layers\.\d+\.weight", name))


def _edge_mask(_original, pruned):
    """The edge-pruned checkpoint's masks (`layers.{i}.weight_mask`), flattened in layer order."""
    tensors = inputs.read_safetensors(pruned)
    return np.concatenate([tensors[f"layers.{i}.weight_mask"].ravel() for i in _dense_positions(tensors)]).astype(np.float64)


def _kept_units(original, pruned):
    """One 0/1 flag per unit of each hidden Dense layer of `original`: whether the neuron-pruned
    checkpoint kept it. A kept unit's row is the original row restricted to the previous layer's
    kept units, so the rows are matched exactly, layer by layer."""
    before, after = inputs.read_safetensors(original), inputs.read_safetensors(pruned)
    positions = _dense_positions(before)
    flags, columns = [], None
    for position in positions[:-1]:
        rows = before[f"layers.{position}.weight"]
        if columns is not None:
            rows = rows[:, columns]
        index = {row.tobytes(): k for k, row in enumerate(rows)}
        kept = [index.get(row.tobytes()) for row in after[f"layers.{position}.weight"]]
        if None in kept:
            raise ComparisonError(f"{pruned}: a row of layers.{position} is no row of {original}")
        flag = np.zeros(len(rows))
        flag[kept] = 1
        flags.append(flag)
        columns = sorted(kept)
    return np.concatenate(flags)
