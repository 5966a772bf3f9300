"""Scripted modules with loops for test/NNEF/loops-tract.test: a for loop over
range(n) appending x[i] * 2, a loop over a ModuleList, loops that only compute
sizes, and a while loop on tensor data that cannot unroll.

  loop_models.py OUTDIR     writes OUTDIR/<name>.jit
"""
import os
import sys
from typing import List

import torch
from torch import nn


class Append(nn.Module):
    def forward(self, x):
        outs: List[torch.Tensor] = []
        for i in range(x.size(0)):
            outs.append(x[i] * 2)
        return torch.stack(outs, 0), torch.cat(outs, -1)


class Layers(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])

    def forward(self, x):
        ys: List[torch.Tensor] = []
        for layer in self.layers:
            x = torch.relu(layer(x))
            ys.append(x)
        return torch.cat(ys, 1)


class Sizes(nn.Module):
    def forward(self, x):
        n = 1
        for d in x.shape:
            n = n * d
        k = 0
        for i in range(x.dim()):
            k += x.size(i)
        return x.reshape(n) * k


class While(nn.Module):
    def forward(self, x):
        while bool(x.sum() > 0):
            x = x - 1
        return x


if __name__ == "__main__":
    torch.manual_seed(0)
    for m in (Append, Layers, Sizes, While):
        torch.jit.script(m().eval()).save(os.path.join(sys.argv[1], m.__name__ + ".jit"))
