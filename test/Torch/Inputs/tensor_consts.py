"""Saves a traced module whose graph holds tensor constants that graph text prints
lossily: {0.707107} (one element), ' 1.5 2.25 3.125 [ CPUFloatType{3} ]' and <Tensor>.

  tensor_consts.py OUT.jit
"""
import sys
import warnings

import torch


class M(torch.nn.Module):
    def forward(self, x):
        a = x * torch.tensor(0.7071067811865476) + torch.tensor([1.5, 2.25, 3.125])
        b = torch.tensor([0.1234567891 * i for i in range(12)])
        return a.sum() + b.sum()


warnings.simplefilter("ignore")
torch.jit.trace(M(), (torch.randn(4, 3),)).save(sys.argv[1])
