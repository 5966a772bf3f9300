"""A module calling free TorchScript functions, some of which call each other."""
from typing import List, Tuple

import torch
import torch.nn.functional as F
from torch import nn


def square(x: torch.Tensor) -> torch.Tensor:
    return x * x


def norm2(x: torch.Tensor, eps: float = 1e-05) -> torch.Tensor:
    return torch.sqrt(square(x).sum(-1, keepdim=True) + eps)


def normalize(x: torch.Tensor) -> torch.Tensor:
    return x / norm2(x)


def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def split_pad(x: torch.Tensor, sizes: List[int]) -> Tuple[torch.Tensor, torch.Tensor]:
    y = F.pad(x, [1, 1], mode="constant", value=0.0)
    return y[..., : sizes[0]], y[..., sizes[0]:]


class Funcs(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.sizes = [3, 7]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = normalize(self.lin(x))
        a, b = split_pad(y, self.sizes)
        return torch.cat([square(a), F.gelu(b)], -1) * float(fib(5))


def build():
    torch.manual_seed(4)
    return torch.jit.script(Funcs().eval()), (torch.randn(3, 8),)
