"""Bidirectional GRU plus a GRUCell stepped in a loop."""
import torch
from torch import nn


class GRUModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(input_size=8, hidden_size=12, bidirectional=True)
        self.cell = nn.GRUCell(24, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.gru(x)
        h = torch.zeros(y.size(1), 6)
        outs = []
        for t in range(y.size(0)):
            h = self.cell(y[t], h)
            outs.append(h)
        return torch.stack(outs, 0)


def build():
    torch.manual_seed(1)
    return torch.jit.script(GRUModel().eval()), (torch.randn(7, 3, 8),)
