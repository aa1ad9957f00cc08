"""One FashionMNIST training epoch of ResNet-20 in PyTorch, the network `graphprune train --arch resnet20` builds
(He et al.'s CIFAR ResNet: 3x3 conv 16, three stages of three basic blocks with 16/32/64 filters, stride 2 at the
start of stages 2 and 3, projection shortcuts (1x1 conv + BatchNorm) where the shape changes, global average
pooling, a linear head; convolutions without bias), trained as `graphprune train --dataset fashion-mnist --arch resnet20
--epochs 1 --initializer kaiming-normal` trains it (per-pixel standardisation, SGD lr 0.01 momentum 0.9, batch 100):
timed from the first batch to the last, then with the test set's evaluation (batches of 1000) added, which is what
an epoch of `graphprune train` times. Issue 16 measures graphprune against it.

    python torch_resnet20_epoch.py [THREADS]      (needs torch; reads /usr/share/datasets/fashion-mnist)
"""
import gzip, time, numpy as np, torch, torch.nn as nn, sys
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.manual_seed(1)
def idx(path, offset):
    with gzip.open(path) as f: return np.frombuffer(f.read(), np.uint8, offset=offset)
d = "/usr/share/datasets/fashion-mnist/"
x = idx(d + "train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
y = torch.from_numpy(idx(d + "train-labels-idx1-ubyte.gz", 8).astype(np.int64))
tx = idx(d + "t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
ty = torch.from_numpy(idx(d + "t10k-labels-idx1-ubyte.gz", 8).astype(np.int64))
mean, std = x.mean(0), x.std(0) + 1e-8
x = torch.from_numpy((x - mean) / std); tx = torch.from_numpy((tx - mean) / std)

class Block(nn.Module):
    def __init__(self, inputs, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, planes, 3, stride, 1, bias=False); self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False); self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or inputs != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(inputs, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
    def forward(self, x):
        return torch.relu(self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))) + self.shortcut(x))

class ResNet20(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False); self.bn1 = nn.BatchNorm2d(16)
        layers, inputs = [], 16
        for stage, planes in enumerate([16, 32, 64]):
            for block in range(3):
                layers.append(Block(inputs, planes, 2 if stage > 0 and block == 0 else 1)); inputs = planes
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(64, classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)): nn.init.kaiming_normal_(m.weight)
    def forward(self, x):
        x = self.layers(torch.relu(self.bn1(self.conv1(x))))
        return self.linear(x.mean((2, 3)))

model = ResNet20()
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
print(f"pytorch {torch.__version__} threads {torch.get_num_threads()}: resnet20 epoch {trained:.1f} s, with the test evaluation "
      f"{time.perf_counter() - start:.1f} s; last loss {loss.item():.3f}, test accuracy {correct / len(tx):.4f}, "
      f"{sum(p.numel() for p in model.parameters())} parameters")
