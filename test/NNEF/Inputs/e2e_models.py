"""Scripts one small torch model per op family that t2n-export lowers and
saves each as OUTDIR/<family>.jit (test/NNEF/e2e.test exports them and
compares tract's outputs with torch's through --check-io)."""
import sys
from typing import Tuple

import torch
from torch import Tensor, nn


class Elementwise(nn.Module):
    def forward(self, x: Tensor, y: Tensor) -> Tuple[Tensor, Tensor]:
        a = x + 2 * y
        b = a * 2.5 - 1
        c = torch.relu(b) + torch.sigmoid(x) * torch.tanh(y)
        d = torch.clamp(c, -1.0, 1.0)
        e = torch.where(x > 0, d, 0.5 * x)
        f = torch.exp(-x.abs()) + torch.sqrt(x * x + 1) + torch.rsqrt(y * y + 1) + torch.log(x * x + 1)
        g = x ** 2 + (1 - x) + x / (y * y + 1) + torch.pow(x * x + 1, 0.5)
        m = torch.logical_or(torch.logical_and(x >= y, x < 1.0), torch.logical_not(y == 0))
        return e + f + g, torch.where(m, x, y)


class Shape(nn.Module):
    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
        a = x.unsqueeze(-1).squeeze(-1).squeeze(0)
        b = x[:, 1:, ::2]
        c = x.select(1, -1)
        d = x.view(2, -1)
        e = x.permute(2, 0, 1)
        f = x.transpose(0, 1).contiguous()
        g = torch.cat([x, x], -1)
        h = torch.stack([x, x], 1)
        i = x[:, :1].expand(2, 3, 4) + x[-1:, -2:-1, 0:100].flatten(1)
        return a, b, c, d, e, f, g, h, i


class Reduce(nn.Module):
    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        values, _ = x.max(1)
        low = x.min(dim=2, keepdim=True)[0]
        return x.mean(-1), x.sum(dim=(0, 1), keepdim=True), torch.max(x), values, low


class Cast(nn.Module):
    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        i = (x * 10).to(torch.int64)
        f = (i * 2).float()
        return i, f.type_as(x) + x.to(torch.float32)


class Linalg(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(4, 5)
        self.w = nn.Parameter(torch.randn(4, 6))
        self.v = nn.Parameter(torch.randn(4))

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        return self.l(x), torch.matmul(x, self.w), x @ self.v


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    for name, m in [("elementwise", Elementwise()), ("shape", Shape()), ("reduce", Reduce()), ("cast", Cast()),
                    ("linalg", Linalg())]:
        torch.jit.script(m.eval()).save("%s/%s.jit" % (out, name))


if __name__ == "__main__":
    main()
