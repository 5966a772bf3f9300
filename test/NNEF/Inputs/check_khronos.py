#!/usr/bin/env python3
"""--target=khronos end to end: scripts a small torch model, saves it
JIT-only, exports it with t2n-export --target=khronos into a folder, and
loads the folder with the Khronos NNEF parser (PyPI `nnef`: parse, weights,
shape inference). Checks that no tract extension is left, that the shapes
the parser infers for the outputs are torch's, and (standard NNEF being a
subset of what tract reads) runs it in tract against torch.

  check_khronos.py T2N_EXPORT WORKDIR CASE [--tol X]
"""
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "utils"))
import t2n_testlib as tl  # noqa: E402


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.b = nn.Conv2d(8, 8, 3, padding=1, groups=2, bias=False)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        h = torch.relu(self.a(x))
        h = torch.sigmoid(self.b(h)) * h
        h = h.mean(dim=[2, 3])                      # global average pool
        return torch.tanh(self.fc(h))


class Conv1dPads(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = nn.Conv1d(4, 6, 5, dilation=2)
        self.l = nn.Linear(6, 3)

    def forward(self, x):
        h = F.pad(x, [4, 4], "reflect")
        h = torch.clamp(self.c(h), -0.5, 0.5)
        r = F.pad(h, [1, 2], "replicate")
        m = r.max(dim=2)[0]
        return self.l(m), torch.abs(r).sum(dim=1)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(10, 16)
        self.b = nn.Linear(16, 4)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)).sqrt() - 0.5)


class NewOps(nn.Module):
    # ops whose rows were added when the khronos table was completed:
    # activations, norms, pools, reductions, splits, elementwise math
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4)
        self.gn = nn.GroupNorm(2, 4)
        self.prelu = nn.PReLU(4)
        with torch.no_grad():
            self.bn.running_mean.uniform_(-0.2, 0.2)
            self.bn.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        h = F.leaky_relu(self.bn(x), 0.1) + F.hardtanh(x, -0.3, 0.4) + F.elu(x) + F.selu(x) + F.relu6(x)
        h = h + F.mish(x) + F.hardsigmoid(x) + F.softplus(x) + self.prelu(x)
        h = self.gn(h) + F.layer_norm(h, [6, 5]) + F.instance_norm(h)
        p = F.max_pool2d(h, 2, ceil_mode=True) + F.avg_pool2d(h, 2, ceil_mode=True, count_include_pad=False)
        a = F.adaptive_avg_pool2d(h, (3, 2)) + F.adaptive_max_pool2d(h, (3, 2))
        s = torch.softmax(p, 1) + F.glu(torch.cat([p, p], 1), 1)
        q, r = torch.chunk(h, 2, 1)
        red = h.amax(dim=(2, 3)) + h.amin(dim=(2, 3)).sum(dim=-1, keepdim=True) + h.var(dim=(2, 3)) + h.std(dim=(2, 3))
        red = red + torch.norm(h, dim=(2, 3)) + torch.clamp_min(red, 0.1) + torch.floor(red) + torch.sign(red)
        m = torch.remainder(q, 0.7) + torch.floor_divide(r, 0.3) + torch.log1p(torch.abs(q)) + torch.trunc(r * 3)
        return s, a, red, m, torch.roll(m, 1, 2) + m.repeat(1, 1, 1, 1), torch.argmax(h, 1)


CASES = {
    "new-ops": (NewOps, [[2, 4, 6, 5]]),
    "convnet": (ConvNet, [[1, 3, 16, 12]]),
    "conv1d-pads": (Conv1dPads, [[2, 4, 20]]),
    "mlp": (Mlp, [[3, 10]]),
}

def main(argv):
    tol = tl.pop_option(argv, "--tol", 1e-5)
    export, work, case = argv[1:4]
    make, shapes = CASES[case]
    model, jit = tl.save_scripted(make, work, case)
    out = os.path.join(work, case + ".khronos")
    args = ["--target=khronos"] + tl.input_shape_args(tl.forward_arg_names(model), shapes)
    if not tl.export(export, case, jit, out, args):
        return 1
    text = open(os.path.join(out, "graph.nnef")).read()
    if "tract" in text:
        print("%s: graph.nnef mentions tract" % case)
        return 1
    import nnef
    graph = nnef.load_graph(out)
    nnef.infer_shapes(graph)
    g = torch.Generator().manual_seed(1)
    inputs = [torch.randn(*s, generator=g) for s in shapes]
    with torch.no_grad():
        want = [t.numpy() for t in tl.flat(model(*inputs))]
    got_shapes = [list(graph.tensors[o].shape) for o in graph.outputs]
    print("%s: Khronos parser ok: %d ops, output shapes %s" % (case, len(graph.operations), got_shapes))
    bad = 0
    for i, (s, w) in enumerate(zip(got_shapes, want)):
        if s != list(w.shape):
            print("%s: output %d: the parser infers %s, torch gives %s" % (case, i, s, list(w.shape)))
            bad = 1
    # tract reads standard NNEF but spells the replicate border 'replicated':
    # the numbers are checked on a copy with tract's spelling.
    got = tl.run_tract(case, out, [x.numpy() for x in inputs], work, tract_spelling=True)
    if got is None:
        return 1
    for i, b in enumerate(want):
        a = got[i]
        d = tl.max_abs_diff(a, b)
        ok = a.shape == b.shape and d <= tol
        bad |= not ok
        print("%s: output %d max abs diff %.3g in tract %s" % (case, i, d, "ok" if ok else "ABOVE %g" % tol))
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
