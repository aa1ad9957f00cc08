"""The FashionMNIST epoch of Issue 16's PyTorch peers (torch_cnn_epoch.py, torch_resnet20_epoch.py, and workload 6
of Scripts/compare-peers through torch_peers.py), as `graphprune train --dataset fashion-mnist` runs one: per-pixel
standardisation with the training split's mean and standard deviation, SGD lr 0.01 momentum 0.9, batch 100, a seeded
shuffle; timed from the first batch to the last, then with the test set's evaluation (batches of 1000, no gradients)
added, which is what an epoch of `graphprune train` and `bench --workload training` times.
"""
import gzip, os, sys, time
import numpy as np
import torch
import torch.nn as nn

DATA = "/usr/share/datasets/fashion-mnist/"


def threads_from_argv():
    """Sets torch's threads from the first argument (default 2) and seeds torch."""
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    torch.manual_seed(1)


def _idx(directory, name, offset):
    path = os.path.join(directory, name)
    with (gzip.open(path + ".gz") if os.path.exists(path + ".gz") else open(path, "rb")) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def fashion_mnist(directory=DATA, train_samples=0):
    """(x, y, test x, test y) from the IDX files in `directory` (gzipped or not): images 1×28×28 standardised per
    pixel, labels int64. With `train_samples` > 0 only the first that many training images, standardised with their
    own statistics (`graphprune train --train-samples`); the test set stays whole."""
    keep = slice(0, train_samples if train_samples > 0 else None)
    x = _idx(directory, "train-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28)[keep].astype(np.float32) / 255
    y = torch.from_numpy(_idx(directory, "train-labels-idx1-ubyte", 8)[keep].astype(np.int64))
    tx = _idx(directory, "t10k-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    ty = torch.from_numpy(_idx(directory, "t10k-labels-idx1-ubyte", 8).astype(np.int64))
    mean, std = x.mean(0), x.std(0) + 1e-8
    return torch.from_numpy((x - mean) / std), y, torch.from_numpy((tx - mean) / std), ty


def train_epoch(model, data):
    """Trains `model` one epoch on `data` (fashion_mnist()'s tuple; the order from torch's global generator) and
    evaluates it on the test set. Returns a dict: `train_seconds` (first batch to last), `seconds` (that plus the
    test evaluation), the last batch's `loss`, `test_accuracy`, `parameters`."""
    x, y, tx, ty = data
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    perm = torch.randperm(len(x))
    model.train()
    start = time.perf_counter()
    for i in range(0, len(x), 100):
        b = perm[i:i + 100]
        opt.zero_grad(); loss = loss_fn(model(x[b]), y[b]); loss.backward(); opt.step()
    trained = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        correct = sum((model(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item() for i in range(0, len(tx), 1000))
    return {"train_seconds": trained, "seconds": time.perf_counter() - start, "loss": loss.item(),
            "test_accuracy": correct / len(tx), "parameters": sum(p.numel() for p in model.parameters())}


def time_epoch(model, label):
    """Trains `model` one epoch, evaluates it on the test set, prints the times."""
    r = train_epoch(model, fashion_mnist())
    print(f"pytorch {torch.__version__} threads {torch.get_num_threads()}: {label} epoch {r['train_seconds']:.1f} s, "
          f"with the test evaluation {r['seconds']:.1f} s; last loss {r['loss']:.3f}, test accuracy "
          f"{r['test_accuracy']:.4f}, {r['parameters']} parameters")
