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
import sys
import warnings

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "utils"))
import t2n_testlib as tl  # noqa: E402

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

def main(argv):
    bound = tl.pop_option(argv, "--bound", 0.05)
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
    if not tl.export(export, case, path, out, tl.input_shape_args(tl.forward_arg_names(jit), shapes)):
        return 1
    for trial in range(5):  # five random inputs
        inputs = [torch.randn(*s, generator=g) for s in shapes]
        with torch.no_grad():
            want = jit(*inputs).numpy()
        got = tl.run_tract(case, out, [x.numpy() for x in inputs], work, stem=case + ".q", tail=2000)
        if got is None:
            return 1
        got = got[0]
        if got.shape != want.shape:
            print("%s: shape %s in tract, %s in torch" % (case, got.shape, want.shape))
            return 1
        d = tl.max_abs_diff(got, want)
        worst_abs = max(worst_abs, d)
        worst_rel = max(worst_rel, d / max(float(np.max(np.abs(want))), 1e-12))
    ok = worst_rel <= bound
    print("%s: max abs diff %.3g, relative to the output's scale %.3g %s"
          % (case, worst_abs, worst_rel, "ok" if ok else "ABOVE %g" % bound))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
