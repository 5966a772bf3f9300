"""Runs two branches with torch.jit.fork / torch.jit.wait (prim::fork with a subgraph)."""
from typing import List

import torch
from torch import nn


def branch(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return torch.tanh(x @ w)


class Forked(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(6, 6))
        self.w2 = nn.Parameter(torch.randn(6, 6))
        self.lin = nn.Linear(6, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f1 = torch.jit.fork(branch, x, self.w1)
        f2 = torch.jit.fork(self.lin, x)
        futs: List[torch.jit.Future[torch.Tensor]] = []
        for i in range(3):
            futs.append(torch.jit.fork(torch.relu, x + float(i)))
        acc = torch.jit.wait(f1) + torch.jit.wait(f2)
        for f in futs:
            acc = acc + torch.jit.wait(f)
        return acc


def build():
    torch.manual_seed(3)
    return torch.jit.script(Forked().eval()), (torch.randn(4, 6),)
