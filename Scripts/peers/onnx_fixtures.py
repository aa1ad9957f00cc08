"""Small ONNX models exported from PyTorch with seeded weights, and PyTorch's outputs on seeded
inputs, for the test suite (Tests/GraphPruneTests/Fixtures/onnx). Run by Scripts/make-onnx-fixtures.

Each fixture NAME has NAME.onnx, NAME-input.npy (float32, 4 samples in the model's layout),
NAME-output.npy (PyTorch's float32 logits on them) and NAME-state-dict.txt (the PyTorch state
dict's keys and shapes, one per line, as `name d0×d1…`).
"""
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn

warnings.filterwarnings("ignore")


class Normalize(nn.Module):
    """(x − 0.5) / 0.25 inside the graph: exported as Sub and Div by constants."""

    def forward(self, x):
        return (x - 0.5) / 0.25


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.normalize = Normalize()
        self.fc1 = nn.Linear(12, 16)
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(16, 8)
        self.fc3 = nn.Linear(8, 5)

    def forward(self, x):
        x = self.drop(torch.relu(self.fc1(self.normalize(x))))
        return self.fc3(nn.functional.relu6(self.fc2(x)))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """A two-stage ResNet (BasicBlocks, a strided block with a 1×1 projection shortcut)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(Block(8, 8, 1))
        self.layer2 = nn.Sequential(Block(8, 12, 2))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(12, 5)

    def forward(self, x):
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Depthwise(nn.Module):
    """A MobileNet-style block: ReLU6, a depthwise convolution, a dilated convolution, average
    pooling with padding."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, 1, 1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.pw = nn.Sequential(nn.Conv2d(8, 12, 1, bias=False), nn.BatchNorm2d(12))
        self.dilated = nn.Conv2d(12, 12, 3, 1, 2, dilation=2)
        self.pool = nn.AvgPool2d(3, 2, 1, count_include_pad=False)
        self.classifier = nn.Linear(12, 5)

    def forward(self, x):
        x = self.pool(self.dilated(self.pw(self.dw(self.stem(x)))))
        return self.classifier(x.mean((2, 3)))


class SqueezeExcite(nn.Module):
    def __init__(self, channels, reduced):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, reduced, 1)
        self.fc2 = nn.Conv2d(reduced, channels, 1)
        self.activation = nn.SiLU()
        self.scale_activation = nn.Sigmoid()

    def forward(self, x):
        return x * self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))


class MBConv(nn.Module):
    """EfficientNet's block: expand 1×1, depthwise 3×3, squeeze-excitation, project 1×1, residual."""

    def __init__(self, channels, expand=4):
        super().__init__()
        wide = channels * expand
        self.expand = nn.Sequential(nn.Conv2d(channels, wide, 1, bias=False), nn.BatchNorm2d(wide), nn.SiLU())
        self.depthwise = nn.Sequential(nn.Conv2d(wide, wide, 3, 1, 1, groups=wide, bias=False), nn.BatchNorm2d(wide), nn.SiLU())
        self.se = SqueezeExcite(wide, channels // 2)
        self.project = nn.Sequential(nn.Conv2d(wide, channels, 1, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x):
        return x + self.project(self.se(self.depthwise(self.expand(x))))


class EfficientNetLike(nn.Module):
    """A stem, one MBConv block with squeeze-excitation and SiLU, a head: EfficientNet's ops."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.SiLU())
        self.block = MBConv(8)
        self.head = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.SiLU())
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(16, 5))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.head(self.block(self.stem(x)))), 1))


def randomize_batchnorm(model, generator, shift=0.5):
    """Non-trivial BatchNorm statistics: γ in [0.5, 1.5], β and the running mean in
    [−shift, shift], the running variance in [0.5, 2], drawn from `generator` in module order."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5, generator=generator)
                m.bias.uniform_(-shift, shift, generator=generator)
                m.running_mean.uniform_(-shift, shift, generator=generator)
                m.running_var.uniform_(0.5, 2.0, generator=generator)


def export(model, x, path, keep_batchnorm, dynamo, opset=None):
    model.eval()
    if dynamo:
        torch.onnx.export(model, (x,), path, dynamo=True, input_names=["input"], output_names=["logits"],
                          dynamic_shapes=({0: torch.export.Dim("N")},), external_data=False, verbose=False)
    else:
        torch.onnx.export(model, (x,), path, dynamo=False, do_constant_folding=not keep_batchnorm,
                          input_names=["input"], output_names=["logits"], opset_version=opset,
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})


def main(out):
    os.makedirs(out, exist_ok=True)
    fixtures = [
        ("mlp", MLP, (12,), True, False),
        ("resnet-bn", ResNet, (3, 16, 16), True, False),
        ("resnet-folded", ResNet, (3, 16, 16), False, False),
        ("depthwise-dynamo", Depthwise, (3, 16, 16), False, True),
        ("efficientnet-bn", EfficientNetLike, (3, 16, 16), True, False),
    ]
    for seed, (name, make, shape, keep_batchnorm, dynamo) in enumerate(fixtures):
        write(out, seed, name, make, shape, keep_batchnorm, dynamo)
    # The oldest opset the importer takes: Clip's bounds as inputs, ReduceMean's axes as an attribute.
    write(out, 2, "depthwise-opset11", Depthwise, (3, 16, 16), True, False, opset=11)


def write(out, seed, name, make, shape, keep_batchnorm, dynamo, opset=None):
    """Exports fixture NAME: the model seeded by `seed`, its inputs, PyTorch's outputs, its state dict's keys."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(100 + seed)
    model = make()
    randomize_batchnorm(model, generator)
    model.eval()
    x = torch.rand((4,) + shape, generator=generator)
    with torch.no_grad():
        y = model(x)
    export(model, x, os.path.join(out, name + ".onnx"), keep_batchnorm, dynamo, opset)
    np.save(os.path.join(out, name + "-input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out, name + "-output.npy"), y.numpy().astype(np.float32))
    with open(os.path.join(out, name + "-state-dict.txt"), "w") as f:
        for key, value in model.state_dict().items():
            f.write(f"{key} {'×'.join(map(str, value.shape))}\n")
    print(f"onnx_fixtures: {name}: {sum(p.numel() for p in model.parameters())} parameters", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
