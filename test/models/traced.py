"""A traced (not scripted) model: its graphs carry trace-style names and a scripted
submodule with control flow inside."""
import torch
from torch import nn


class Gate(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool(x.sum() > 0):
            return x
        return -x


class Traced(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 4, 3)
        self.gate = torch.jit.script(Gate())
        self.norm = nn.LayerNorm(4)

    def forward(self, x):
        y = self.conv(x).transpose(1, 2)
        return self.gate(self.norm(y)).sum(-1)


def build():
    torch.manual_seed(6)
    x = torch.randn(1, 2, 10)
    return torch.jit.trace(Traced().eval(), (x,)), (x,)
