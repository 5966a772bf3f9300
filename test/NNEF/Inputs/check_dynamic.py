#!/usr/bin/env python3
"""End-to-end check of --dynamic-axis: scripts a small torch model, saves it
JIT-only, exports it once with a symbolic axis, then runs the one export in
tract (a child process: tract aborts on some bad graphs) at several sizes of
that axis and compares every output with torch's at each size.

  check_dynamic.py T2N_EXPORT WORKDIR CASE [--tol X]

Prints one line per size and output with the max abs difference (relative
above magnitude 1) and exits 1 above the tolerance (default 1e-4).
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "utils"))
import t2n_testlib as tl  # noqa: E402


class ConvLSTM(nn.Module):
    """An audio model: a strided conv front end over time, an LSTM, a
    linear head, and a time-aligned residual sliced and padded."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 8, 5, stride=2, padding=2)
        self.conv2 = nn.Conv1d(8, 8, 3, padding=1)
        self.lstm = nn.LSTM(8, 12, batch_first=True)
        self.head = nn.Linear(12, 3)

    def forward(self, x, h0, c0):
        h = torch.relu(self.conv(x))                  # [1, 8, (T + 1) / 2]
        h = h + self.conv2(F.pad(h, [1, 1])[:, :, 1:-1])
        y, _ = self.lstm(h.transpose(1, 2), (h0, c0))  # [1, T', 12]
        z = self.head(y)                              # [1, T', 3]
        flat = z.reshape(1, -1)                       # [1, 3 * T']
        tail = x[:, :, 3:]                            # [1, 2, T - 3]
        return flat, tail.mean(dim=2), torch.cat([z, z[:, :1]], dim=1)


class ConvVision(nn.Module):
    """A vision model whose width varies: convs and pools with stride over
    the width, a flatten, a view with -1."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 6, 3, padding=1)
        self.b = nn.Conv2d(6, 4, 3, stride=2, padding=1)
        self.down = nn.Conv2d(6, 6, 2, stride=2, groups=6)

    def forward(self, x):
        h = self.down(torch.relu(self.a(x)))          # [1, 6, 4, W / 2]
        h = torch.relu(self.b(h))                     # [1, 4, 2, (W / 2 + 1) / 2]
        f = torch.flatten(h, 1)                       # [1, 8 * ...]
        v = h.view(1, 4, -1)
        return f, v.sum(dim=1), F.pad(h, [0, 2])[:, :, :, 1:]


class StftGRU(nn.Module):
    """An audio model with its own front end: an stft magnitude over time
    (hop 16: the frame count is a floor division the graph never spells),
    a GRU over the frames, a head, and the frames but the first."""

    def __init__(self):
        super().__init__()
        self.register_buffer("window", torch.hann_window(64))
        self.gru = nn.GRU(33, 10, batch_first=True)
        self.head = nn.Linear(10, 2)

    def forward(self, x, h0):
        s = torch.stft(x, 64, hop_length=16, window=self.window, return_complex=True)
        m = torch.log(torch.abs(s) + 1e-3).transpose(1, 2)   # [1, T / 16 + 1, 33]
        y, _ = self.gru(m, h0)
        z = self.head(y)
        return z[:, 1:], z.flatten(1)


# case: (model, example input shapes, dynamic axes, sizes to run at)
CASES = {
    "conv-lstm": (ConvLSTM, {"x": [1, 2, 40], "h0": [1, 1, 12], "c0": [1, 1, 12]}, ["x:2=T"], [40, 17, 64, 101]),
    "stft-gru": (StftGRU, {"x": [1, 800], "h0": [1, 1, 10]}, ["x:1=N"], [800, 400, 1001, 3333]),
    "conv-vision": (ConvVision, {"x": [1, 3, 8, 12]}, ["x:3=W"], [12, 9, 16, 33]),
}

RUNNER = r"""
import sys, numpy as np, tract
m = tract.nnef().load(sys.argv[1]).into_runnable()
out = {}
for k in sys.argv[3:]:
    ins = np.load(sys.argv[2] + "." + k + ".npz")
    res = m.run([ins["i%d" % i] for i in range(len(ins.files))])
    out.update({"s%s_%d" % (k, i): r.to_numpy() for i, r in enumerate(res)})
np.savez(sys.argv[2] + ".out.npz", **out)
"""


def main(argv):
    tol = tl.pop_option(argv, "--tol", 1e-4)
    export, work, case = argv[1:4]
    make, shapes, axes, sizes = CASES[case]
    model, jit = tl.save_scripted(make, work, case)
    out = os.path.join(work, case + ".nnef.tgz")
    args = tl.input_shape_args(shapes.keys(), shapes.values())
    for a in axes:
        args += ["--dynamic-axis", a]
    if not tl.export(export, case, jit, out, args):
        return 1
    name, axis = axes[0].split("=")[0].split(":")
    axis = int(axis)
    g = torch.Generator().manual_seed(1)
    want = {}
    base = os.path.join(work, case + ".in")
    for s in sizes:
        xs = []
        for n, shape in shapes.items():
            shape = list(shape)
            if n == name:
                shape[axis] = s
            xs.append(torch.randn(*shape, generator=g))
        np.savez("%s.%d.npz" % (base, s), **{"i%d" % i: x.numpy() for i, x in enumerate(xs)})
        with torch.no_grad():
            want[s] = [t.numpy() for t in tl.flat(model(*xs))]
    runner = os.path.join(work, "run_tract_dynamic.py")
    with open(runner, "w") as f:
        f.write(RUNNER)
    p = subprocess.run([sys.executable, runner, out, base] + [str(s) for s in sizes], capture_output=True, text=True)
    if p.returncode:
        sys.stderr.write(p.stderr[-3000:])
        print("%s: tract failed (exit %d)" % (case, p.returncode))
        return 1
    got = np.load(base + ".out.npz")
    bad = 0
    for s in sizes:
        for i, b in enumerate(want[s]):
            a = got["s%d_%d" % (s, i)]
            if a.shape != b.shape:
                print("%s: size %d output %d has shape %s in tract, %s in torch" % (case, s, i, a.shape, b.shape))
                bad = 1
                continue
            a64, b64 = a.astype(np.float64), b.astype(np.float64)
            d = float(np.max(np.abs(a64 - b64) / np.maximum(1.0, np.abs(b64)))) if a.size else 0.0
            ok = d <= tol
            bad |= not ok
            print("%s: size %d output %d shape %s max diff %.3g %s" % (case, s, i, list(a.shape), d,
                                                                     "ok" if ok else "ABOVE %g" % tol))
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
