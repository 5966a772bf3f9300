"""Saves a module whose attribute, buffer and submodule names hold a space and
a colon (ModuleDict keys) to the path given."""
import sys

import torch


class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.md = torch.nn.ModuleDict({'a b': torch.nn.ReLU(), 'x:y': torch.nn.ReLU()})
        self.register_buffer('my buf', torch.zeros(2))

    def forward(self, x):
        return x + 1


torch.jit.save(torch.jit.script(M()), sys.argv[1])
