"""Workloads 6, 7 and 8 of Scripts/compare-peers on the PyTorch side: PyTorch training epochs, PyTorch/ONNX Runtime
inference and torch.nn.utils.prune masks. Runs in the PyTorch environment (DIR-torch, Scripts/peers/requirements-torch.txt): one job per process,
its result as one JSON line on stdout (a failure: one line `torch_peers: …` on stderr, exit status 1), or, as
compare-peers runs it, `serve`: many jobs in one process, so torch is imported once (see `serve`).

    python torch_peers.py train --model INIT.safetensors --data-dir DIR --threads T --seed S [--train-samples N]
    python torch_peers.py infer --runtime pytorch|onnxruntime --model M.safetensors|M.onnx --inputs X.npy
                                --rounds R --threads T --output LOGITS.npy
    python torch_peers.py prune --model M.safetensors --method global-l1|ln-structured --amount A --output MASK.npy
    python torch_peers.py versions
    python torch_peers.py serve                  (jobs as JSON lines on stdin, answers on stdout)

The network is built from the architecture graphprune records in its checkpoint (`__metadata__`'s `architecture`:
dense, sparseDense, conv2d, maxPool, relu, dropout) as an `nn.Sequential` called `layers` whose modules sit at graphprune's node
positions (`layers.{i}`; a Dense layer after a convolution flattens C×H×W first), and graphprune's tensors are
loaded into it strictly (every name and shape must match), so both sides run the same network from the same numbers.
The built-in `resnet20` (`builtIn` in the architecture) is torch_resnet20_epoch.ResNet20, whose modules carry
graphprune's node names (BatchNorm's `num_batches_tracked`, which graphprune does not keep, starts at 0).
Edge-pruned checkpoints (`NAME.weight_mask`) get their masks through `torch.nn.utils.prune.custom_from_mask`, as a
PyTorch user prunes.

train: one epoch as torch_epoch.train_epoch runs it (SGD lr 0.01 momentum 0.9, batch 100, per-pixel
standardisation, shuffle and dropout from torch.manual_seed(S)), starting from the checkpoint's weights, on the first
N training images if N > 0 (`graphprune train --train-samples N`); the data is loaded before the clock starts. Timed: first batch to last (`train_seconds`) and that plus the test set's
evaluation (`seconds`, what `graphprune train` reports as an epoch's seconds).

infer: as `graphprune bench --workload inference` times a model: one warm-up call at batch 1 and at batch 100,
then R rounds, each 20 calls at batch 1 (their mean is the round's latency) and one call at batch 100 (the round's
throughput); medians over the rounds. PyTorch in eval mode under torch.inference_mode(); ONNX Runtime's CPU
provider with intra-op threads = T, inter-op threads 1, default graph optimisations. The logits of the 100 inputs
are written to LOGITS.npy for the comparison of outputs.
"""

import argparse
import gc
import json
import os
import re
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

from torch_epoch import fashion_mnist, train_epoch


class PeerError(RuntimeError):
    """A job cannot run as asked; the message says why."""


class FlattenLinear(nn.Linear):
    """nn.Linear that flattens its input to samples × features first (graphprune's Dense after a convolution)."""

    def forward(self, x):
        return super().forward(x.flatten(1))


class Network(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


def checkpoint(path):
    """(architecture dict, {name: tensor}) of a graphprune checkpoint."""
    from safetensors import safe_open
    try:
        with safe_open(path, "pt") as f:
            metadata = f.metadata() or {}
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except Exception as error:  # safetensors raises its own SafetensorError
        raise PeerError(f"{path}: cannot read it as safetensors ({' '.join(str(error).split())})")
    if "architecture" not in metadata:
        raise PeerError(f"{path}: no graphprune architecture in its metadata (write it with graphprune train --save)")
    return json.loads(metadata["architecture"]), tensors


def network(architecture, path):
    """The nn.Module of a graphprune chain architecture or built-in resnet20 (see the module's documentation)."""
    shape = list(architecture["inputShape"])  # C, H, W; after a Dense layer [features]
    if architecture.get("builtIn") == "resnet20":
        from torch_resnet20_epoch import ResNet20
        (kind, options), = architecture["layers"][-1].items()
        return ResNet20(channels=shape[0], classes=options["outputs"])
    if "builtIn" in architecture:
        raise PeerError(f"{path}: the built-in {architecture['builtIn']} is not one this peer builds (resnet20 only)")
    layers = []
    for index, spec in enumerate(architecture["layers"]):
        (kind, options), = spec.items()
        if kind in ("dense", "sparseDense"):  # sparseDense: an edge-pruned Dense, its mask in NAME.weight_mask
            features = int(np.prod(shape))
            layers.append(FlattenLinear(features, options["outputs"]))
            shape = [options["outputs"]]
        elif kind == "conv2d" and len(shape) == 3:
            k = options["kernel"]
            layers.append(nn.Conv2d(shape[0], options["filters"], k, padding="same" if options["same"] else 0))
            shape = [options["filters"]] + ([shape[1], shape[2]] if options["same"] else [shape[1] - k + 1, shape[2] - k + 1])
        elif kind == "maxPool" and len(shape) == 3:
            layers.append(nn.MaxPool2d(options["size"]))
            shape = [shape[0], shape[1] // options["size"], shape[2] // options["size"]]
        elif kind == "relu":
            layers.append(nn.ReLU())
        elif kind == "dropout":
            layers.append(nn.Dropout(options["rate"]))
        else:
            raise PeerError(f"{path}: layer layers.{index} ({kind}) is not one this peer builds "
                            "(chains of dense, sparseDense, conv2d, maxPool, relu, dropout only)")
    return Network(layers)


def load(path):
    """The checkpoint at `path` as a PyTorch network with its weights (and masks)."""
    architecture, tensors = checkpoint(path)
    model = network(architecture, path)
    masks = {name[:-len(".weight_mask")]: t for name, t in tensors.items() if name.endswith(".weight_mask")}
    weights = {name: t for name, t in tensors.items() if not name.endswith(".weight_mask")}
    for name, buffer in model.state_dict().items():
        if name.endswith(".num_batches_tracked"):
            weights.setdefault(name, torch.zeros_like(buffer))
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as error:
        raise PeerError(f"{path}: its tensors do not fit the network built from its architecture: "
                        + " ".join(str(error).split()))
    modules = dict(model.named_modules())
    for name, mask in masks.items():
        if name not in modules:
            raise PeerError(f"{path}: mask {name}.weight_mask has no layer {name}")
        prune.custom_from_mask(modules[name], "weight", mask)
    return model


_DATA = {}


def train(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = load(args.model)
    samples = getattr(args, "train_samples", 0) or 0
    if _DATA.get("key") != (args.data_dir, samples):  # kept between the jobs of one server
        _DATA.update(key=(args.data_dir, samples), data=fashion_mnist(args.data_dir, samples))
    data = _DATA["data"]
    result = train_epoch(model, data)
    return {**result, "threads": torch.get_num_threads(), "train_samples": len(data[0]), "test_samples": len(data[2])}


def _runner(args):
    """A function logits = run(float32 array) of the model in the asked runtime."""
    if args.runtime == "pytorch":
        torch.set_num_threads(args.threads)
        model = load(args.model).eval()

        def run(x):
            with torch.inference_mode():
                return model(torch.from_numpy(x)).numpy()
        return run, torch.get_num_threads()
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: not the notice that the unused mask initializers are dropped
    try:
        session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own exception types
        raise PeerError(f"{args.model}: onnxruntime cannot load it ({' '.join(str(error).split())})")
    name = session.get_inputs()[0].name
    return (lambda x: session.run(None, {name: x})[0]), args.threads


def infer(args):
    inputs = np.load(args.inputs).astype(np.float32, copy=False)
    if inputs.shape[0] != 100:
        raise PeerError(f"{args.inputs}: expected 100 samples, found shape {inputs.shape}")
    run, threads = _runner(args)
    single, hundred = np.ascontiguousarray(inputs[:1]), np.ascontiguousarray(inputs)
    run(single)
    logits = run(hundred)
    np.save(args.output, np.asarray(logits, dtype=np.float32))
    calls, latency, throughput = 20, [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for _ in range(calls):
            run(single)
        latency.append(1000 * (time.perf_counter() - started) / calls)
        started = time.perf_counter()
        run(hundred)
        throughput.append(100 / (time.perf_counter() - started))
    return {"batch1_ms": statistics.median(latency), "batch100_samples_per_s": statistics.median(throughput),
            "rounds": args.rounds, "threads": threads}


def versions(_args):
    """The versions of the environment's packages and the BLAS and oneDNN (mkldnn) PyTorch was built with."""
    import onnxruntime
    import safetensors
    config = torch.__config__.show()
    found = lambda pattern: (re.search(pattern, config) or [None, "unknown"])[1]  # noqa: E731
    return {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__, "numpy": np.__version__,
            "safetensors": safetensors.__version__, "torch_blas": found(r"BLAS_INFO=(\w+)"),
            "torch_mkl": found(r"Math Kernel Library Version ([0-9.]+)"), "torch_onednn": found(r"MKL-DNN (v\S+)"),
            "torch_parallel": (re.search(r"ATen parallel backend: (\w+)", torch.__config__.parallel_info()) or [None, "unknown"])[1]}


def prune_masks(args):
    """torch.nn.utils.prune on the checkpoint's Linear layers, as a PyTorch user prunes: `global-l1` =
    global_unstructured(L1Unstructured, amount) over every Linear weight; `ln-structured` = ln_structured(n=2,
    dim=0, amount) on each Linear layer but the last (rows = output units). Saves the masks, flattened and
    concatenated in layer order (global-l1), or one 0/1 flag per output unit of each pruned layer (ln-structured)."""
    model = load(args.model)
    linears = [module for module in model.modules() if isinstance(module, nn.Linear)]
    started = time.perf_counter()
    if args.method == "global-l1":
        prune.global_unstructured([(m, "weight") for m in linears], pruning_method=prune.L1Unstructured, amount=args.amount)
        flags = [m.weight_mask.flatten() for m in linears]
    elif args.method == "ln-structured":
        for m in linears[:-1]:
            prune.ln_structured(m, "weight", amount=args.amount, n=2, dim=0)
        flags = [m.weight_mask.amax(dim=1) for m in linears[:-1]]
    else:
        raise PeerError(f"--method: unknown '{args.method}' (global-l1, ln-structured)")
    seconds = time.perf_counter() - started
    mask = torch.cat(flags).detach().numpy().astype(np.float64)
    np.save(args.output, mask)
    return {"seconds": seconds, "kept": int(mask.sum())}


JOBS = {"train": train, "infer": infer, "prune": prune_masks, "versions": versions}


def _one_line(error):
    text = " ".join(str(error).split())
    return text if isinstance(error, PeerError) else f"{type(error).__name__}: {text}"


def _check(args):
    if args.command not in JOBS:
        raise PeerError(f"unknown job '{args.command}' (known: {', '.join(JOBS)})")
    for name in ("threads", "rounds"):
        value = getattr(args, name, 1)
        if not isinstance(value, int) or value < 1:
            raise PeerError(f"--{name}: {value} is not a positive integer")
    for name in ("model", "inputs"):
        if getattr(args, name, None) and not os.path.exists(getattr(args, name)):
            raise PeerError(f"--{name}: no file {getattr(args, name)}")


def serve():
    """Answers jobs read from stdin, one JSON object a line (`{"command": "train", "model": …, "data_dir": …}`, the
    options' names with `_`), each with one JSON line on stdout: `{"result": …}` or `{"error": "…"}`. torch and
    onnxruntime are imported once; every job builds its own model or session from its files. Anything else written
    to stdout (by Python or a library's native code) goes to stderr, so the answers stay one JSON line each."""
    sys.stdout.flush()
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for line in sys.stdin:
        try:
            args = argparse.Namespace(**json.loads(line))
            _check(args)
            gc.collect()
            answer = {"result": JOBS[args.command](args)}
        except Exception as error:  # noqa: BLE001 — reported to the caller, the server goes on
            answer = {"error": _one_line(error)}
        print(json.dumps(answer), file=answers, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    t = commands.add_parser("train")
    t.add_argument("--model", required=True)
    t.add_argument("--data-dir", required=True)
    t.add_argument("--threads", type=int, required=True)
    t.add_argument("--seed", type=int, required=True)
    t.add_argument("--train-samples", type=int, default=0)
    i = commands.add_parser("infer")
    i.add_argument("--runtime", choices=["pytorch", "onnxruntime"], required=True)
    i.add_argument("--model", required=True)
    i.add_argument("--inputs", required=True)
    i.add_argument("--rounds", type=int, required=True)
    i.add_argument("--threads", type=int, required=True)
    i.add_argument("--output", required=True)
    p = commands.add_parser("prune")
    p.add_argument("--model", required=True)
    p.add_argument("--method", choices=["global-l1", "ln-structured"], required=True)
    p.add_argument("--amount", type=float, required=True)
    p.add_argument("--output", required=True)
    commands.add_parser("versions")
    commands.add_parser("serve")
    args = parser.parse_args()
    if args.command == "serve":
        return serve()
    _check(args)
    print(json.dumps(JOBS[args.command](args)))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 — one line, whatever the library raised
        print(f"torch_peers: {_one_line(error)}", file=sys.stderr)
        sys.exit(1)
