#!/usr/bin/env python3
"""End-to-end checks of the vision lowerings (activations, norms, pools,
resizes, addmm/einsum): the cases below run through check_op.py's
export-and-compare in tract against torch.

  check_vision_op.py T2N_EXPORT WORKDIR CASE [--tol X]
"""
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_op  # noqa: E402


def cases():
    g = torch.Generator().manual_seed(5)
    r = lambda *s: torch.randn(*s, generator=g)

    class Activations(nn.Module):
        def __init__(self):
            super().__init__()
            self.prelu = nn.PReLU(4)

        def forward(self, x):
            return (F.relu6(x * 4), F.hardtanh(x, -0.5, 0.7), F.leaky_relu(x, 0.2), F.elu(x, 0.8), F.selu(x),
                    F.celu(x, 1.5), F.gelu(x), F.gelu(x, approximate="tanh"), F.silu(x), F.mish(x),
                    F.hardsigmoid(x * 3), F.hardswish(x * 3), F.softplus(x), F.softplus(x * 10, 2.0, 5.0),
                    self.prelu(x), F.glu(x, 1), F.glu(x, -1))

    class Softmax(nn.Module):
        def forward(self, x):
            return F.softmax(x, -1), F.softmax(x, 1), F.log_softmax(x, -2), torch.softmax(x, 0, dtype=torch.float32)

    class Norms(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm2d(4)
            self.bn_plain = nn.BatchNorm2d(4, affine=False)
            self.bn1 = nn.BatchNorm1d(4)
            self.inorm = nn.InstanceNorm2d(4, affine=True)
            self.ln = nn.LayerNorm([5, 6])
            self.ln1 = nn.LayerNorm(6, elementwise_affine=False)
            self.gn = nn.GroupNorm(2, 4)
            with torch.no_grad():
                for m in (self.bn, self.bn_plain, self.bn1):
                    m.running_mean.uniform_(-1, 1)
                    m.running_var.uniform_(0.5, 2)
                for p in self.parameters():
                    p.uniform_(0.5, 1.5)

        def forward(self, x, y):
            return self.bn(x), self.bn_plain(x), self.bn1(y), self.inorm(x), self.ln(x), self.ln1(x), self.gn(x)

    class Pools(nn.Module):
        def forward(self, x, u):
            return (F.max_pool2d(x, 3, 2, 1), F.max_pool2d(x, 3, 2, 0, ceil_mode=True),
                    F.max_pool2d(x, (2, 3), (2, 1), (1, 1), dilation=(1, 2), ceil_mode=True),
                    F.avg_pool2d(x, 3, 2, 1), F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
                    F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), F.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                                                            count_include_pad=False),
                    F.avg_pool2d(x, 2, 2, 1, ceil_mode=True, divisor_override=3),
                    F.max_pool1d(u, 3, 2, 1, ceil_mode=True), F.avg_pool1d(u, 4, 3, 2, ceil_mode=True),
                    F.avg_pool1d(u, 3, 2, 1, ceil_mode=True, count_include_pad=False))

    class Adaptive(nn.Module):
        # 7x5 -> 3x2 is where a fixed pool is wrong; 1, dividing and
        # growing sizes too.
        def forward(self, x, u):
            return (F.adaptive_avg_pool2d(x, (3, 2)), F.adaptive_max_pool2d(x, (3, 2)), F.adaptive_avg_pool2d(x, 1),
                    F.adaptive_max_pool2d(x, (7, 1)), F.adaptive_avg_pool2d(x, (4, 4)), F.adaptive_avg_pool2d(x, (9, 6)),
                    F.adaptive_avg_pool1d(u, 4), F.adaptive_max_pool1d(u, 3), F.adaptive_avg_pool1d(u, 9))

    class Resize(nn.Module):
        def forward(self, x, u):
            # Sizes as lists (the tuple and scale_factor forms: ResizeForms).
            return (F.interpolate(x, size=[7, 9]),
                    F.interpolate(x, size=[7, 9], mode="bilinear", align_corners=False),
                    F.interpolate(x, size=[3, 11], mode="bilinear", align_corners=True),
                    F.interpolate(x, size=[9, 4], mode="nearest-exact"),
                    F.interpolate(u, size=[11], mode="linear", align_corners=True),
                    F.interpolate(u, size=[3]),
                    F.pixel_shuffle(x, 2), F.pixel_unshuffle(x, 1))

    class ResizeForms(nn.Module):
        # The forms scripted F.interpolate takes through its isinstance
        # branches: size as an int or a tuple, scale_factor as a float or a
        # tuple, recompute_scale_factor both ways, align_corners.
        def forward(self, x, u):
            return (F.interpolate(x, size=(6, 10)),
                    F.interpolate(x, size=7, mode="bilinear", align_corners=False),
                    F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True),
                    F.interpolate(x, scale_factor=2.0),
                    F.interpolate(x, scale_factor=(2.0, 3.0), mode="bilinear", align_corners=False),
                    F.interpolate(x, scale_factor=1.5, mode="bilinear", recompute_scale_factor=True),
                    F.interpolate(x, scale_factor=1.5, mode="bilinear", recompute_scale_factor=False),
                    F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=True),
                    F.interpolate(x, scale_factor=(2.0, 1.0), mode="nearest"),
                    F.interpolate(x, scale_factor=2.0, mode="nearest-exact"),
                    F.interpolate(x, size=x.shape[-2:], mode="bilinear"),
                    F.interpolate(u, scale_factor=2.0, mode="linear"),
                    F.interpolate(u, size=(11,), mode="linear", align_corners=True),
                    F.interpolate(u, scale_factor=(1.5,), mode="linear", recompute_scale_factor=True))

    class Linalg(nn.Module):
        def forward(self, b, a, m, bb, ba, bm):
            return (torch.addmm(b, a, m), torch.addmm(b, a, m, beta=0.5, alpha=2.0),
                    torch.baddbmm(bb, ba, bm, beta=2.0), torch.einsum("ij,jk->ik", a, m),
                    torch.einsum("bij,bjk", ba, bm), torch.einsum("bij,bkj->bik", ba, ba))

    return {
        "activations": (Activations, [r(2, 4, 6)]),
        "softmax": (Softmax, [r(3, 4, 5)]),
        "norms": (Norms, [r(2, 4, 5, 6), r(3, 4)]),
        "pools": (Pools, [r(1, 2, 8, 9), r(2, 3, 7)]),
        "adaptive-pools": (Adaptive, [r(2, 3, 7, 5), r(2, 3, 7)]),
        "resize": (Resize, [r(1, 4, 4, 6), r(1, 2, 5)]),
        "resize-forms": (ResizeForms, [r(1, 2, 3, 5), r(1, 2, 5)]),
        "linalg": (Linalg, [r(5), r(3, 4), r(4, 5), r(2, 3, 5), r(2, 3, 4), r(2, 4, 5)]),
    }


if __name__ == "__main__":
    check_op.CASES.update(cases())
    sys.exit(check_op.main(sys.argv))
