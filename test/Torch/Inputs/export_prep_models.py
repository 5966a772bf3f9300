"""Scripted models for test/Torch/prepare-export.test: what export preparation
must bring to plain aten tensor ops. Writes OUT/NAME.jit (scripted, saved and
reloaded) for each.

  export_prep_models.py OUT"""
import os
import sys
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    """torchvision's BasicBlock: nn.ReLU(inplace=True) and `out += identity`."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class ResNetish(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.layer = nn.Sequential(Block(8), Block(8))
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.drop = nn.Dropout(0.2, inplace=True)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = torch.flatten(self.pool(self.layer(self.stem(x))), 1)
        return self.fc(self.drop(x))


class Norms(nn.Module):
    """instance_norm's batch-size check loops over the sizes; contiguous, clone, dropout."""

    def __init__(self):
        super().__init__()
        self.gn = nn.GroupNorm(2, 8)
        self.inorm = nn.InstanceNorm1d(8, affine=True)
        self.ln = nn.LayerNorm(16)
        self.act = nn.Hardtanh(inplace=True)
        self.d = nn.Dropout(0.5)

    def forward(self, x):
        y = self.inorm(self.gn(x).contiguous())
        y = self.act(self.ln(y))
        return self.d(y.clone()).transpose(1, 2).contiguous().view(x.size(0), -1)


class ListLoop(nn.Module):
    """A tensor list built in a loop over the batch, then read in loops."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(16, 16)

    def forward(self, x):
        outs: List[torch.Tensor] = []
        for i in range(x.size(0)):
            h = self.lin(x[i])
            h.relu_()
            outs.append(h)
        acc = torch.zeros_like(outs[0])
        for o in outs:
            acc = acc + o
        return torch.stack(outs, 0), acc


class Chunks(nn.Module):
    """A loop over a ModuleList with enumerate, cat of the list, a loop of dropouts."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv1d(4, 4, 3, padding=1) for _ in range(3)])

    def forward(self, x):
        outs: List[torch.Tensor] = []
        for i, conv in enumerate(self.convs):
            outs.append(F.leaky_relu(conv(x[:, :, i * 2:(i + 1) * 2 + 4]), 0.1, inplace=True))
        h = torch.cat(outs, dim=2)
        for _ in range(len(outs)):
            h = F.dropout(h, 0.3, self.training)
        return h.view(h.size(0), -1)


class SliceAssign(nn.Module):
    """Writes into slices of a fresh tensor; in-place ops on a clone."""

    def forward(self, x):
        y = torch.zeros(x.size(0), x.size(1) * 2)
        y[:, : x.size(1)] = x
        y[:, x.size(1):] = x.sigmoid()
        z = x.clone()
        z.mul_(2.0)
        z += 1
        return y, F.relu(z, inplace=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, m in [("resnetish", ResNetish()), ("norms", Norms()), ("listloop", ListLoop()), ("chunks", Chunks()),
                    ("sliceassign", SliceAssign())]:
        m.eval()
        path = os.path.join(out, name + ".jit")
        torch.jit.save(torch.jit.script(m), path)
        torch.jit.load(path)


if __name__ == "__main__":
    main()
