"""One FashionMNIST training epoch of the CNN c32-c32-p-c64-c64-p-128-10 in PyTorch, as `graphprune train
--dataset fashion-mnist --arch c32-c32-p-c64-c64-p-128-10 --epochs 1` trains it (ReLU, dropout 0.3 after the
128-unit layer; the epoch itself as torch_epoch.py states). Issue 16 measures graphprune against it.

    python torch_cnn_epoch.py [THREADS]      (needs torch; reads /usr/share/datasets/fashion-mnist)
"""
import torch.nn as nn
from torch_epoch import threads_from_argv, time_epoch

threads_from_argv()
model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
time_epoch(model, "c32-c32-p-c64-c64-p-128-10")
