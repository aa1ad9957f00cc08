"""One FashionMNIST training epoch of ResNet-20 in PyTorch, the network `graphprune train --arch resnet20` builds
(He et al.'s CIFAR ResNet: 3x3 conv 16, three stages of three basic blocks with 16/32/64 filters, stride 2 at the
start of stages 2 and 3, projection shortcuts (1x1 conv + BatchNorm) where the shape changes, global average
pooling, a linear head; convolutions without bias), trained as `graphprune train --dataset fashion-mnist --arch resnet20
--epochs 1 --initializer kaiming-normal` trains it (the epoch itself as torch_epoch.py states). Issue 16 measures
graphprune against it.

    python torch_resnet20_epoch.py [THREADS]      (needs torch; reads /usr/share/datasets/fashion-mnist)
"""
import torch
import torch.nn as nn


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
    """Named as graphprune names the nodes of its built-in resnet20 (conv1, bn1, layer1.0.conv1, …,
    layer2.0.shortcut.0, linear), so a graphprune checkpoint's tensors load by name."""
    def __init__(self, channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 16, 3, 1, 1, bias=False); self.bn1 = nn.BatchNorm2d(16)
        inputs = 16
        for stage, planes in enumerate([16, 32, 64]):
            blocks = []
            for block in range(3):
                blocks.append(Block(inputs, planes, 2 if stage > 0 and block == 0 else 1)); inputs = planes
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
        self.linear = nn.Linear(64, classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)): nn.init.kaiming_normal_(m.weight)
    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(torch.relu(self.bn1(self.conv1(x))))))
        return self.linear(x.mean((2, 3)))


if __name__ == "__main__":
    from torch_epoch import threads_from_argv, time_epoch
    threads_from_argv()
    time_epoch(ResNet20(), "resnet20")
