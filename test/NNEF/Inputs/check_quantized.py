#!/usr/bin/env python3
"""Dynamically quantized models (torch.ao.quantization.quantize_dynamic of
nn.Linear, and of nn.LSTM) made JIT-only, exported with t2n-export (whose
-dequantize turns the packed int8 weights into f32 ones), run in tract (in a
child process) and compared with torch's quantized kernels.

  check_quantized.py T2N_EXPORT WORKDIR CASE [--bound B]

torch's dynamic kernels also quantize each input activation to uint8 at run
time; the export computes in f32 on the dequantized weights, so the two
differ by that rounding. The check prints the max abs difference and the
same relative to the largest |torch output| (the documented measure) and
exits 1 when the relative one is above B (default 0.05, the bound in
docs/exporting-jit-only-models.md).
"""
import os
import subprocess
import sys
import warnings

import numpy as np
import torch
from torch import nn

warnings.filterwarnings("ignore")


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(32, 64)
        self.b = nn.Linear(64, 10, bias=False)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


class LSTMHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 24, num_layers=2, batch_first=True)
        self.out = nn.Linear(24, 5)

    def forward(self, x, h, c):
        y, _ = self.lstm(x, (h, c))
        return self.out(y)


CASES = {
    "linear": (MLP, {nn.Linear}, [(4, 32)]),
    "lstm": (LSTMHead, {nn.Linear, nn.LSTM}, [(2, 9, 16), (2, 2, 24), (2, 2, 24)]),
}

RUNNER = r"""
import sys, numpy as np, tract
ins = np.load(sys.argv[2])
m = tract.nnef().load(sys.argv[1]).into_runnable()
res = m.run([ins["i%d" % i] for i in range(len(ins.files))])
np.savez(sys.argv[3], *[r.to_numpy() for r in res])
"""


def main(argv):
    bound = 0.05
    if "--bound" in argv:
        i = argv.index("--bound")
        bound = float(argv[i + 1])
        del argv[i:i + 2]
    export, work, case = argv[1:4]
    make, layers, shapes = CASES[case]
    torch.manual_seed(0)
    q = torch.ao.quantization.quantize_dynamic(make().eval(), layers, dtype=torch.qint8)
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, case + ".q.jit")
    torch.jit.script(q).save(path)
    jit = torch.jit.load(path)
    g = torch.Generator().manual_seed(1)
    worst_rel, worst_abs, bad = 0.0, 0.0, 0
    out = os.path.join(work, case + ".q.nnef")
    args = [a.name for a in jit.forward.schema.arguments if a.name != "self"]
    cmd = [export, path, "-o", out, "--quiet"]
    for a, s in zip(args, shapes):
        cmd += ["--input-shape", "%s=%s" % (a, "x".join(map(str, s)))]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        sys.stderr.write(p.stderr)
        print("%s: t2n-export failed (exit %d)" % (case, p.returncode))
        return 1
    runner = os.path.join(work, "run_tract.py")
    with open(runner, "w") as f:
        f.write(RUNNER)
    for trial in range(5):  # five random inputs
        inputs = [torch.randn(*s, generator=g) for s in shapes]
        with torch.no_grad():
            want = jit(*inputs).numpy()
        npz = os.path.join(work, "%s.q.in.npz" % case)
        np.savez(npz, **{"i%d" % i: x.numpy() for i, x in enumerate(inputs)})
        res = os.path.join(work, "%s.q.out.npz" % case)
        p = subprocess.run([sys.executable, runner, out, npz, res], capture_output=True, text=True)
        if p.returncode:
            sys.stderr.write(p.stderr[-2000:])
            print("%s: tract failed" % case)
            return 1
        got = np.load(res)["arr_0"]
        if got.shape != want.shape:
            print("%s: shape %s in tract, %s in torch" % (case, got.shape, want.shape))
            return 1
        d = float(np.max(np.abs(got.astype(np.float64) - want)))
        worst_abs = max(worst_abs, d)
        worst_rel = max(worst_rel, d / max(float(np.max(np.abs(want))), 1e-12))
    ok = worst_rel <= bound
    print("%s: max abs diff %.3g, relative to the output's scale %.3g %s"
          % (case, worst_abs, worst_rel, "ok" if ok else "ABOVE %g" % bound))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
