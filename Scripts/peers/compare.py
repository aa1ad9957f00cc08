"""Runs the peer comparison (driven by Scripts/compare-peers) and writes the report.

    python compare.py --binary .build/release/graphprune --work DIR --out-dir Reports [--quick]
                      [--only 1,…,7] [--networkit-legacy-python PY] [--torch-python PY]
"""

import argparse
import importlib.metadata
import os
import platform
import subprocess
import sys
import time

import numpy as np

from common import ComparisonError, Toolkit, read_score_csv, thread_count, timed
import inputs
import report
import workloads

FULL = {
    "reps": 5,
    "eigen_sizes": [(512, 784), (4096, 784)],
    "eigen_taus": [0.3, 0.6, 0.8],
    "networkx_max_edges": 600_000,
    # (layer sizes, ε or None for dense, run networkx too)
    "laplacian_nets": [([784, 256, 128, 100], None, False), ([784, 256, 128, 100], 20, False),
                       ([196, 64, 32, 25], None, True), ([196, 64, 32, 25], 20, True)],
    "resistance_layers": [(256, 784), (256, 2304), (512, 4608)],
    "fashion_subset": None,
    "inference_rounds": 20,
}
QUICK = {
    "reps": 2,
    "eigen_sizes": [(128, 64), (256, 64)],
    "eigen_taus": [0.3, 0.8],
    "networkx_max_edges": 600_000,
    "laplacian_nets": [([49, 16, 8, 6], None, True), ([98, 32, 16, 12], 20, True)],
    "resistance_layers": [(32, 64), (48, 96)],
    "fashion_subset": (2000, 500),
    "inference_rounds": 5,
}
WORKLOADS = {"1": workloads.eigenvector, "2": workloads.laplacian, "3": workloads.resistance,
             "4": workloads.training, "5": workloads.censet, "6": workloads.torch_training, "7": workloads.inference,
             "8": workloads.prune_masks}
PACKAGES = ["numpy", "scipy", "networkx", "networkit", "tensorflow-cpu", "keras"]


class Context:
    """What the workloads share: the toolkit, the work directory, versions, timing helpers."""

    def __init__(self, args, config):
        self.toolkit = Toolkit(args.binary)
        self.work = args.work
        self.config = config
        self.reps = args.reps or config["reps"]
        self.seed = args.seed
        self.inputs = {}
        self.toolkit_version = git_commit()
        self.legacy_python = args.networkit_legacy_python
        self.legacy_version = legacy_networkit_version(args.networkit_legacy_python) if args.networkit_legacy_python else None
        self.data_source = args.data_dir
        self.data_dir = args.data_dir
        if config["fashion_subset"]:
            self.data_dir = os.path.join(self.work, "fashion-mnist-subset")
            inputs.fashion_subset(args.data_dir, self.data_dir, *config["fashion_subset"])
        self._fashion = None
        self.keras_xla = None
        self.written = {}  # model files written in this run: path → parameters
        self.torch_python = args.torch_python
        self._torch = None
        self.torch_facts = None

    def torch_job(self, command, **options):
        """A job of the PyTorch worker (started at the first job)."""
        if self._torch is None:
            if not self.torch_python:
                raise ComparisonError("workloads 6, 7 and 8 need --torch-python (Scripts/compare-peers passes DIR-torch/bin/python)")
            self._torch = workloads.TorchWorker(self.torch_python)
        return self._torch.job(command, **options)

    def torch_versions(self):
        if self.torch_facts is None:
            self.torch_facts = self.torch_job("versions")
        return self.torch_facts

    def close(self):
        if self._torch is not None:
            self._torch.close()

    def version_of(self, name):
        package = next((p for p in PACKAGES if name.startswith(p) or name == p), name.split()[0])
        return importlib.metadata.version(package)

    def in_process(self, job):
        def run():
            seconds, output = timed(job)
            return seconds, output, {}
        return run

    def toolkit_scores(self, arguments, csv_path):
        wall, _, lines = self.toolkit.run(arguments)
        return wall, read_score_csv(csv_path), {"toolkit_seconds": Toolkit.reported_seconds(lines)}

    def toolkit_npy(self, arguments, npy_path):
        wall, _, lines = self.toolkit.run(arguments)
        return wall, np.load(npy_path), {"toolkit_seconds": Toolkit.reported_seconds(lines)}

    def legacy_laplacian(self, path, nodes, output, kind):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "laplacian_peers.py")
        seconds, scores = workloads.legacy_laplacian(self.legacy_python, script, path, nodes, output, kind)
        return seconds, scores, {}

    def fashion(self):
        if self._fashion is None:
            import keras_peers
            keras_peers.configure_threads(thread_count())
            self._fashion = keras_peers.load_fashion(self.data_dir)
        return self._fashion


def git_commit():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
        return commit + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def legacy_networkit_version(python):
    done = subprocess.run([python, "-c", "import networkit; print(networkit.__version__)"], capture_output=True, text=True)
    if done.returncode != 0:
        raise ComparisonError(f"{python} cannot import networkit: {done.stderr.strip()}")
    return done.stdout.strip()


def first_line(command):
    try:
        return subprocess.run(command, capture_output=True, text=True).stdout.strip().splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def machine_facts(args, ctx):
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0) / 1024 ** 2
    os_name = next((line.split("=", 1)[1].strip().strip('"') for line in open("/etc/os-release") if line.startswith("PRETTY_NAME")), platform.system())
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    import scipy
    scipy_blas = scipy.show_config(mode="dicts")["Build Dependencies"]["blas"]
    versions = {p: importlib.metadata.version(p) for p in PACKAGES}
    if ctx.legacy_version:
        versions["networkit (second environment)"] = ctx.legacy_version
    torch_facts = ctx.torch_facts
    if torch_facts:
        for package in ("torch", "onnxruntime", "numpy", "safetensors"):
            versions[f"{package} (PyTorch environment)"] = torch_facts[package]
    return {
        "cpu": cpu, "cores": os.cpu_count(), "usable cores": len(os.sched_getaffinity(0)),
        "memory": f"{memory:.1f} GiB", "os": os_name, "kernel": platform.release(),
        "python": platform.python_version(), "swift": first_line(["swift", "--version"]),
        "toolkit": ctx.toolkit_version, "toolkit BLAS": "Debian OpenBLAS " + first_line(["dpkg-query", "-W", "-f=${Version}", "libopenblas0-pthread"]),
        "numpy BLAS": f"{blas.get('name')} {blas.get('version')}", "scipy BLAS": f"{scipy_blas.get('name')} {scipy_blas.get('version')}",
        "versions": versions, "threads": thread_count(),
        "environment": {k: os.environ.get(k) or "unset" for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")},
        "command": os.environ.get("COMPARE_PEERS_COMMAND", " ".join(sys.argv)),
        "torch": torch_facts and (f"PyTorch's CPU kernels: BLAS {torch_facts['torch_blas']} (MKL {torch_facts['torch_mkl']}), "
                                  f"oneDNN {torch_facts['torch_onednn']}, {torch_facts['torch_parallel']} thread pool"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--networkit-legacy-python")
    parser.add_argument("--torch-python", help="python of the environment with Scripts/peers/requirements-torch.txt (workloads 6, 7)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default=",".join(WORKLOADS), help="workloads to run, e.g. 1,3")
    args = parser.parse_args()
    keys = args.only.split(",")
    unknown = [key for key in keys if key not in WORKLOADS]
    if unknown:
        raise ComparisonError(f"--only: unknown workload '{unknown[0]}' (known: {', '.join(WORKLOADS)})")

    config = QUICK if args.quick else FULL
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.out_dir, exist_ok=True)
    started = time.time()
    load_before = os.getloadavg()
    ctx = Context(args, config)
    import networkit
    networkit.setNumberOfThreads(thread_count())

    rows = []
    try:
        for key in keys:
            workloads.log(f"workload {key} …")
            rows += WORKLOADS[key](ctx)
    finally:
        ctx.close()

    facts = machine_facts(args, ctx)
    facts["load average before"] = " ".join(f"{x:.2f}" for x in load_before)
    facts["load average after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    facts["minutes"] = f"{(time.time() - started) / 60:.1f}"
    facts["reps"] = ctx.reps
    facts["quick"] = args.quick
    facts["keras xla"] = ctx.keras_xla
    report.write(args.out_dir, rows, facts, ctx.inputs, config)
    workloads.log(f"wrote {args.out_dir}/benchmarks.md and benchmarks.csv ({facts['minutes']} min)")


if __name__ == "__main__":
    try:
        main()
    except ComparisonError as error:
        print(f"compare-peers: {error}", file=sys.stderr)
        sys.exit(1)
