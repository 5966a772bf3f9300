"""Two-layer LSTM over a sequence, with a linear head and explicit state in and out."""
from typing import Optional, Tuple

import torch
from torch import nn


class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(input_size=16, hidden_size=32, num_layers=2, batch_first=True)
        self.head = nn.Linear(32, 4)

    def forward(self, x: torch.Tensor, state: Optional[Tuple[torch.Tensor, torch.Tensor]] = None):
        y, (h, c) = self.lstm(x, state)
        return torch.softmax(self.head(y), dim=-1), (h, c)


def build():
    torch.manual_seed(0)
    return torch.jit.script(LSTMModel().eval()), (torch.randn(2, 5, 16),)
