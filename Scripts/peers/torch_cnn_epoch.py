"""One FashionMNIST training epoch of the CNN c32-c32-p-c64-c64-p-128-10 in PyTorch, as `graphprune train
--dataset fashion-mnist --arch c32-c32-p-c64-c64-p-128-10 --epochs 1` trains it (per-pixel standardisation,
ReLU, dropout 0.3 after the 128-unit layer, SGD lr 0.01 momentum 0.9, batch 100), timed from the first
batch to the last, then with the test set's evaluation (batches of 1000, no gradients) added, which is what
an epoch of `graphprune train` and `bench --workload training` times. Issue 16 measures graphprune against it.

    python torch_cnn_epoch.py [THREADS]      (needs torch; reads /usr/share/datasets/fashion-mnist)
"""
import gzip, time, numpy as np, torch, torch.nn as nn, sys
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(1)
def idx(path, offset):
    with gzip.open(path) as f: return np.frombuffer(f.read(), np.uint8, offset=offset)
d = "/usr/share/datasets/fashion-mnist/"
x = idx(d + "train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
y = idx(d + "train-labels-idx1-ubyte.gz", 8).astype(np.int64)
tx = idx(d + "t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
ty = torch.from_numpy(idx(d + "t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
mean, std = x.mean(0), x.std(0) + 1e-8
x = torch.from_numpy((x - mean) / std); y = torch.from_numpy(y); tx = torch.from_numpy((tx - mean) / std)
model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
perm = torch.randperm(len(x))
start = time.perf_counter()
for i in range(0, len(x), 100):
    b = perm[i:i + 100]
    opt.zero_grad(); loss = loss_fn(model(x[b]), y[b]); loss.backward(); opt.step()
trained = time.perf_counter() - start
model.eval()
with torch.no_grad():
    correct = sum((model(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item() for i in range(0, len(tx), 1000))
print(f"pytorch {torch.__version__} threads {torch.get_num_threads()}: epoch {trained:.1f} s, with the test evaluation "
      f"{time.perf_counter() - start:.1f} s; last loss {loss.item():.3f}, test accuracy {correct / len(tx):.4f}")
