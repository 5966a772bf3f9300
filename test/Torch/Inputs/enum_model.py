"""Saves a module holding an enum value (its class defined here, so the archive is
JIT-only once this file is gone from the loader's view) to the path given."""
import enum
import sys

import torch


class Color(enum.Enum):
    RED = 1
    BLUE = 2


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c = Color.BLUE

    def forward(self, x):
        if self.c == Color.BLUE:
            return x + 1
        return x


torch.jit.save(torch.jit.script(M()), sys.argv[1])
