"""PyTorch models through graphprune and back (issue 13), run by Scripts/compare-onnx.

1. torchvision's resnet18, vgg11_bn, mobilenet_v2 and efficientnet_b0 (random weights, seeded,
   BatchNorm statistics randomised so that outputs are not near zero) exported by
   torch.onnx.export: `graphprune predict` against onnxruntime on the same inputs; then pruned by
   filter groups to half their channels (`graphprune prune --granularity neuron --layers conv
   --scorer magnitude --ratio 0.5 --output P.onnx`): onnxruntime loads P.onnx and agrees with
   `graphprune predict` on it.
2. A LeNet-300-100 trained in PyTorch on FashionMNIST → ONNX → `graphprune prune --scorer
   magnitude --ratio 0.5` keeps exactly the rows torch.nn.utils.prune.ln_structured(n=2, dim=0)
   keeps; fine-tuned by graphprune and exported to ONNX, its accuracy in onnxruntime equals
   graphprune's `evaluate`.
3. The README's three commands on a small ResNet trained in PyTorch on FashionMNIST: filters
   scored by eigenvector centrality and pruned in dependency groups, fine-tuned, exported; the
   state dict loads into the narrower PyTorch module with strict=True, and PyTorch, onnxruntime
   and graphprune agree on its accuracy.

Writes a Markdown report (--report) with every figure this run measured.
"""
import argparse
import gzip
import os
import platform
import subprocess
import sys
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.utils.prune as torch_prune
import torchvision
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_fixtures import Block, randomize_batchnorm  # noqa: E402

warnings.filterwarnings("ignore")

FASHION = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


def run(binary, *args):
    """Runs graphprune; returns (stdout, seconds); raises with its error line on failure."""
    start = time.perf_counter()
    done = subprocess.run([binary, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
    return done.stdout, seconds


def session(path, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def ort_run(path, x, threads):
    s = session(path, threads)
    start = time.perf_counter()
    y = s.run(None, {s.get_inputs()[0].name: x})[0]
    return y, time.perf_counter() - start


def relative(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def parameters_line(stdout):
    for line in stdout.splitlines():
        if line.startswith("model parameters"):
            before, after = line.split(",")[0].replace("model parameters", "").split("→")
            return int(before), int(after)
    return None, None


def torchvision_rows(binary, work, threads, samples):
    rows = []
    generator = torch.Generator().manual_seed(7)
    x = torch.rand((samples, 3, 224, 224), generator=generator).numpy().astype(np.float32)
    np.save(os.path.join(work, "x224.npy"), x)
    for index, name in enumerate(["resnet18", "vgg11_bn", "mobilenet_v2", "efficientnet_b0"]):
        torch.manual_seed(index)
        model = getattr(torchvision.models, name)(weights=None)
        randomize_batchnorm(model, generator, shift=0.2)
        model.eval()
        path = os.path.join(work, f"{name}.onnx")
        torch.onnx.export(model, (torch.from_numpy(x[:1]),), path, dynamo=False, do_constant_folding=False,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
        ops = sorted({n.op_type for n in onnx.load(path).graph.node})
        row = {"model": f"torchvision {name}", "ops": ", ".join(ops)}
        y_ort, row["ort_s"] = ort_run(path, x, threads)
        out = os.path.join(work, f"{name}-gp.npy")
        try:
            _, row["gp_s"] = run(binary, "predict", "--model", path, "--inputs", os.path.join(work, "x224.npy"), "--output", out)
        except RuntimeError as error:
            row["refused"] = str(error)
            rows.append(row)
            print(f"onnx_compare: {name}: graphprune refused: {error}", file=sys.stderr)
            continue
        row["diff"] = relative(np.load(out), y_ort)
        pruned = os.path.join(work, f"{name}-pruned.onnx")
        stdout, row["prune_s"] = run(binary, "prune", "--model", path, "--granularity", "neuron", "--layers", "conv",
                                     "--scorer", "magnitude", "--ratio", "0.5", "--output", pruned)
        row["before"], row["after"] = parameters_line(stdout)
        onnx.checker.check_model(onnx.load(pruned), full_check=True)
        y_pruned_ort, _ = ort_run(pruned, x, threads)
        run(binary, "predict", "--model", pruned, "--inputs", os.path.join(work, "x224.npy"), "--output", out)
        row["pruned_diff"] = relative(np.load(out), y_pruned_ort)
        rows.append(row)
        print(f"onnx_compare: {row}", file=sys.stderr)
    return rows


def fashion(split):
    prefix = "train" if split == "train" else "t10k"
    with gzip.open(os.path.join(FASHION, f"{prefix}-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    with gzip.open(os.path.join(FASHION, f"{prefix}-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return images, labels


class LeNet300(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(784, 300), nn.Linear(300, 100), nn.Linear(100, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def lenet_rows(binary, work, threads, epochs):
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    train_x, train_y = fashion("train")
    test_x, test_y = fashion("test")
    model = LeNet300()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    norm = lambda a: (torch.from_numpy(a) - MEAN) / STD
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(train_x))
        for k in range(0, len(order), 100):
            batch = order[k:k + 100].numpy()
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(norm(train_x[batch])), torch.from_numpy(train_y[batch])).backward()
            optimizer.step()
    train_s = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        torch_accuracy = float((model(norm(test_x)).argmax(1).numpy() == test_y).mean())
    path = os.path.join(work, "lenet.onnx")
    torch.onnx.export(model, (norm(test_x[:1]),), path, dynamo=False, do_constant_folding=False,
                      input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    # torch.nn.utils.prune's structured L2 pruning of the hidden layers, half their rows each.
    reference = LeNet300()
    reference.load_state_dict(model.state_dict())
    kept_torch = {}
    for name in ["fc1", "fc2"]:
        layer = getattr(reference, name)
        torch_prune.ln_structured(layer, "weight", amount=0.5, n=2, dim=0)
        kept_torch[name] = set(np.nonzero(layer.weight_mask.sum(1).numpy())[0].tolist())
    pruned = os.path.join(work, "lenet-pruned.onnx")
    stdout, prune_s = run(binary, "prune", "--model", path, "--granularity", "neuron", "--layers", "hidden",
                          "--scorer", "magnitude", "--ratio", "0.5", "--output", pruned,
                          "--input-mean", str(MEAN), "--input-std", str(STD))
    before, after = parameters_line(stdout)
    weights = {i.name: onnx.numpy_helper.to_array(i) for i in onnx.load(pruned).graph.initializer}
    original = {k: v.numpy() for k, v in model.state_dict().items()}
    same = {}
    for name in ["fc1", "fc2"]:
        rows = weights[f"{name}.weight"]
        full = original[f"{name}.weight"]
        if name == "fc2":  # its columns follow fc1's kept units
            full = full[:, sorted(kept_torch["fc1"])]
        kept = {int(np.nonzero((np.abs(full - r) == 0).all(1))[0][0]) for r in rows}
        same[name] = kept == kept_torch[name]
    tuned = os.path.join(work, "lenet-tuned.onnx")
    tune_out, tune_s = run(binary, "finetune", "--model", pruned, "--dataset", "fashion-mnist", "--epochs", "1",
                           "--lr", "0.01", "--seed", "1", "--save", tuned)
    eval_out, _ = run(binary, "evaluate", "--model", tuned, "--dataset", "fashion-mnist")
    gp_accuracy = float([l for l in eval_out.splitlines() if l.startswith("test_accuracy=")][0].split("=")[1])
    y, _ = ort_run(tuned, ((test_x - MEAN) / STD).astype(np.float32), threads)
    ort_accuracy = float((y.argmax(1) == test_y).mean())
    return {
        "epochs": epochs, "train_s": train_s, "torch_accuracy": torch_accuracy, "same_rows": same,
        "before": before, "after": after, "prune_s": prune_s, "tune_s": tune_s,
        "gp_accuracy": gp_accuracy, "ort_accuracy": ort_accuracy,
    }


class SmallResNet(nn.Module):
    """A two-stage ResNet for 1 × 28 × 28 inputs, `width` and `2·width` channels by default;
    pruned copies take the widths graphprune left (read from the state dict)."""

    def __init__(self, first=16, second=32):
        super().__init__()
        self.conv1 = nn.Conv2d(1, first, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(first)
        self.layer1 = nn.Sequential(Block(first, first, 1))
        self.layer2 = nn.Sequential(Block(first, second, 2))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(second, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        return self.fc(torch.flatten(self.avgpool(self.layer2(self.layer1(x))), 1))


def resnet_flow(binary, work, threads):
    torch.manual_seed(0)
    train_x, train_y = fashion("train")
    test_x, test_y = fashion("test")
    norm = lambda a: (torch.from_numpy(a) - MEAN) / STD
    model = SmallResNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    start = time.perf_counter()
    for k in range(0, len(train_x), 128):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(norm(train_x[k:k + 128])), torch.from_numpy(train_y[k:k + 128])).backward()
        optimizer.step()
    train_s = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        torch_accuracy = float((model(norm(test_x)).argmax(1).numpy() == test_y).mean())
    onnx_path, pruned, tuned = (os.path.join(work, f) for f in ("small-resnet.onnx", "small-resnet-pruned.onnx", "small-resnet-tuned.onnx"))
    torch.onnx.export(model, (norm(test_x[:1]),), onnx_path, dynamo=False, do_constant_folding=False,
                      input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    accuracy = lambda out: float([l for l in out.splitlines() if l.startswith("test_accuracy=")][0].split("=")[1])
    imported, _ = run(binary, "evaluate", "--model", onnx_path, "--dataset", "fashion-mnist", "--input-mean", str(MEAN), "--input-std", str(STD))
    stdout, prune_s = run(binary, "prune", "--model", onnx_path, "--granularity", "neuron", "--layers", "conv", "--scorer", "eigenvector",
                          "--tau", "0.2", "--ratio", "0.5", "--input-mean", str(MEAN), "--input-std", str(STD), "--output", pruned)
    before, after = parameters_line(stdout)
    _, tune_s = run(binary, "finetune", "--model", pruned, "--dataset", "fashion-mnist", "--epochs", "1", "--seed", "1", "--save", tuned)
    state = os.path.join(work, "small-resnet-tuned.safetensors")
    run(binary, "export", "--model", tuned, "--output", state)
    evaluated, _ = run(binary, "evaluate", "--model", tuned, "--dataset", "fashion-mnist")
    weights = load_file(state)
    narrow = SmallResNet(weights["conv1.weight"].shape[0], weights["layer2.0.conv1.weight"].shape[0])
    strict = str(narrow.load_state_dict(weights, strict=True))
    narrow.eval()
    with torch.no_grad():
        pytorch_accuracy = float((narrow(norm(test_x)).argmax(1).numpy() == test_y).mean())
    y, _ = ort_run(tuned, norm(test_x).numpy(), threads)
    return {
        "train_s": train_s, "torch_accuracy": torch_accuracy, "imported_accuracy": accuracy(imported),
        "before": before, "after": after, "prune_s": prune_s, "tune_s": tune_s, "gp_accuracy": accuracy(evaluated),
        "strict": strict, "pytorch_accuracy": pytorch_accuracy, "ort_accuracy": float((y.argmax(1) == test_y).mean()),
        "widths": (weights["conv1.weight"].shape[0], weights["layer2.0.conv1.weight"].shape[0]),
    }


def report(path, command, threads, rows, lenet, resnet):
    lines = [
        "# PyTorch models through graphprune (ONNX in, pruned ONNX out)",
        "",
        f"Made by `{command}` on {platform.node() or 'this machine'} ({os.cpu_count()} cores), {threads} thread(s) on both sides, "
        f"torch {torch.__version__}, torchvision {torchvision.__version__}, onnx {onnx.__version__}, onnxruntime {ort.__version__}. "
        "Every number below is what this run measured.",
        "",
        "## torchvision models: graphprune predict against onnxruntime",
        "",
        "Random weights (seeded), BatchNorm statistics randomised, exported by `torch.onnx.export(..., dynamo=False, "
        "do_constant_folding=False)`, 224 × 224 inputs. *Difference* is max |graphprune − onnxruntime| / max |onnxruntime| "
        "over the logits; *pruned* is `graphprune prune --granularity neuron --layers conv --scorer magnitude --ratio 0.5 "
        "--output P.onnx` (every filter group halved), then P.onnx in onnxruntime against `graphprune predict` on it.",
        "",
        "| model | ONNX ops | difference | graphprune predict, s | onnxruntime, s | parameters before → after pruning | pruned: difference | prune, s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "refused" in r:
            refusal = r['refused'].removeprefix("Error: ").split(".onnx: ", 1)[-1].replace('|', '/')
            lines.append(f"| {r['model']} | {r['ops']} | import refused: {refusal} | | {r['ort_s']:.2f} | | | |")
        else:
            lines.append(f"| {r['model']} | {r['ops']} | {r['diff']:.1e} | {r['gp_s']:.2f} | {r['ort_s']:.2f} | "
                         f"{r['before']:,} → {r['after']:,} | {r['pruned_diff']:.1e} | {r['prune_s']:.2f} |")
    lines += [
        "",
        "graphprune's time is the whole process (start, reading the model, the forward pass); onnxruntime's is the `run` call alone.",
        "",
        "## LeNet-300-100 trained in PyTorch on FashionMNIST",
        "",
        f"Trained {lenet['epochs']} epoch(s) in PyTorch ({lenet['train_s']:.0f} s; SGD 0.05, momentum 0.9, inputs normalised "
        f"with mean {MEAN}, std {STD}): test accuracy {lenet['torch_accuracy']:.4f}. Exported to ONNX and pruned by "
        f"`graphprune prune --granularity neuron --layers hidden --scorer magnitude --ratio 0.5 --input-mean {MEAN} --input-std {STD}` "
        f"({lenet['before']:,} → {lenet['after']:,} parameters, {lenet['prune_s']:.2f} s).",
        "",
        "| check | result |",
        "|---|---|",
        f"| fc1 keeps the rows `torch.nn.utils.prune.ln_structured(n=2, dim=0, amount=0.5)` keeps | {'yes' if lenet['same_rows']['fc1'] else 'NO'} |",
        f"| fc2 keeps the rows `ln_structured` keeps | {'yes' if lenet['same_rows']['fc2'] else 'NO'} |",
        f"| `graphprune finetune --epochs 1 --save F.onnx` ({lenet['tune_s']:.0f} s), then `graphprune evaluate` | {lenet['gp_accuracy']:.4f} |",
        f"| F.onnx in onnxruntime on the same normalised test set | {lenet['ort_accuracy']:.4f} |",
        "",
        "## A ResNet trained in PyTorch: the README's three commands",
        "",
        f"A two-stage ResNet (16 and 32 channels, BatchNorm, a projection shortcut) trained one epoch in PyTorch "
        f"({resnet['train_s']:.0f} s, batch 128, SGD 0.05, momentum 0.9), exported to ONNX with BatchNorm kept; then "
        f"`graphprune prune --layers conv --scorer eigenvector --tau 0.2 --ratio 0.5` ({resnet['prune_s']:.2f} s), "
        f"`graphprune finetune --epochs 1` ({resnet['tune_s']:.0f} s) and `graphprune export` to a state dict.",
        "",
        "| step | result |",
        "|---|---|",
        f"| PyTorch's test accuracy | {resnet['torch_accuracy']:.4f} |",
        f"| `graphprune evaluate` of the imported ONNX model | {resnet['imported_accuracy']:.4f} |",
        f"| parameters before → after pruning | {resnet['before']:,} → {resnet['after']:,} (widths {resnet['widths'][0]} and {resnet['widths'][1]}) |",
        f"| `graphprune evaluate` after fine-tuning | {resnet['gp_accuracy']:.4f} |",
        f"| `load_state_dict(..., strict=True)` into the narrower PyTorch module | {resnet['strict']} |",
        f"| its PyTorch test accuracy | {resnet['pytorch_accuracy']:.4f} |",
        f"| the fine-tuned ONNX model in onnxruntime | {resnet['ort_accuracy']:.4f} |",
        "",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--command", default="Scripts/compare-onnx")
    a = parser.parse_args()
    os.makedirs(a.work, exist_ok=True)
    torch.set_num_threads(a.threads)
    rows = torchvision_rows(a.binary, a.work, a.threads, a.samples)
    lenet = lenet_rows(a.binary, a.work, a.threads, a.epochs)
    print(f"onnx_compare: {lenet}", file=sys.stderr)
    resnet = resnet_flow(a.binary, a.work, a.threads)
    print(f"onnx_compare: {resnet}", file=sys.stderr)
    report(a.report, a.command, a.threads, rows, lenet, resnet)


if __name__ == "__main__":
    main()
