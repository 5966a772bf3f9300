#!/usr/bin/env python3
"""End-to-end check of one NNEF lowering: scripts a small torch model, saves it
JIT-only, exports it with t2n-export, runs the export in tract (in a child
process: tract aborts the process on some bad graphs) and compares every
output with torch's.

  check_op.py T2N_EXPORT WORKDIR CASE [--tol X]

CASE names one of the models below. Prints one line per output with the
max abs difference and exits 1 above the tolerance (default 1e-5).
"""
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "utils"))
import t2n_testlib as tl  # noqa: E402


def conv_cases():
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g)

    class Conv1d(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2)
            self.b = nn.Conv1d(6, 6, 5, padding="same", groups=3, bias=False)
            self.c = nn.Conv1d(6, 2, 1, padding="valid")

        def forward(self, x):
            return self.c(self.b(self.a(x)))

    class Conv2d(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(4, 6, 3, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
            self.b = nn.Conv2d(6, 3, (2, 3), padding="same")

        def forward(self, x):
            return self.b(self.a(x))

    class Deconv(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.ConvTranspose1d(4, 6, 3, stride=2, padding=0, output_padding=1, groups=2)
            self.b = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, bias=False)

        def forward(self, x, y):
            return self.a(x), self.b(y)

    class Unbatched(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv1d(3, 5, 3, padding=1)

        def forward(self, x):
            return self.a(x)

    class Traced(nn.Module):
        # torch.jit.trace records aten::_convolution, transposed or not.
        def __init__(self):
            super().__init__()
            self.a = nn.Conv1d(4, 6, 3, stride=2, padding=1)
            self.b = nn.ConvTranspose1d(6, 4, 4, stride=2, padding=1, output_padding=1, groups=2)

        def forward(self, x):
            return self.b(self.a(x))

    return {
        "conv-traced": (Traced, [r(1, 4, 12)]),
        "conv1d": (Conv1d, [r(1, 4, 23)]),
        "conv2d": (Conv2d, [r(2, 4, 9, 10)]),
        "deconv": (Deconv, [r(1, 4, 5), r(1, 4, 5, 7)]),
        "conv1d-unbatched": (Unbatched, [r(3, 11)]),
    }


def pad_cases():
    g = torch.Generator().manual_seed(1)
    r = lambda *s: torch.randn(*s, generator=g)

    class Pads(nn.Module):
        def forward(self, x):
            a = F.pad(x, [1, 2, 3, 1], "reflect")
            b = F.pad(x, [2, 0, 0, 3], "replicate")
            c = F.pad(x, [1, 3, 2, 2], "circular")
            d = F.pad(x, [2, -1, 0, 0, 1, 1], "constant", 0.5)
            e = F.pad(x, [3, 3])
            return a, b, c, d, e

    class ModulePads(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.ReflectionPad1d((0, 4))
            self.b = nn.ReplicationPad2d((1, 2, 0, 1))
            self.c = nn.ConstantPad1d(2, -1.0)
            self.d = nn.CircularPad1d((2, 1))

        def forward(self, x):
            return self.a(x), self.b(x), self.c(x), self.d(x)

    return {
        "pad": (Pads, [r(2, 5, 6)]),
        "pad-modules": (ModulePads, [r(2, 3, 6)]),
    }


def rnn_cases():
    g = torch.Generator().manual_seed(2)
    r = lambda *s: torch.randn(*s, generator=g)

    class LSTMCell(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = nn.LSTMCell(8, 16)
            self.cell2 = nn.LSTMCell(16, 16, bias=False)

        def forward(self, x, h, c):
            h1, c1 = self.cell(x, (h, c))
            h2, c2 = self.cell2(h1 * 0.5, (h1, c1))
            return h2, c2

    class LSTMCellSteps(nn.Module):
        # One cell at three steps: its bias sum is one variable read three times.
        def __init__(self):
            super().__init__()
            self.cell = nn.LSTMCell(8, 16)

        def forward(self, x, h, c):
            h, c = self.cell(x, (h, c))
            h, c = self.cell(x * 0.5, (h, c))
            h, c = self.cell(x * 0.25, (h, c))
            return h, c

    class FunctionalGRUCell(nn.GRUCell):
        # torch.gru_cell itself: nn.GRUCell's Optional hx leaves a
        # prim::unchecked_cast that export preparation removes.
        def forward(self, x, h):
            return torch.gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    class GRUCell(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = FunctionalGRUCell(8, 12)
            self.nobias = FunctionalGRUCell(12, 12, bias=False)

        def forward(self, x, h):
            return self.nobias(self.cell(x, h), h)

    class LSTM(nn.Module):
        def __init__(self, **kw):
            super().__init__()
            self.lstm = nn.LSTM(6, 10, **kw)

        def forward(self, x, h, c):
            y, (hn, cn) = self.lstm(x, (h, c))
            return y, hn, cn

    class GRU(nn.Module):
        def __init__(self, **kw):
            super().__init__()
            self.gru = nn.GRU(6, 10, **kw)

        def forward(self, x, h):
            y, hn = self.gru(x, h)
            return y, hn

    class RNN(nn.Module):
        def __init__(self, **kw):
            super().__init__()
            self.rnn = nn.RNN(6, 10, **kw)

        def forward(self, x, h):
            y, hn = self.rnn(x, h)
            return y, hn

    class RNNCells(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.RNNCell(8, 12)
            self.b = nn.RNNCell(12, 12, bias=False, nonlinearity="relu")

        def forward(self, x, h):
            return self.b(self.a(x, h), h)

    class NoState(nn.Module):
        # No initial state: nn.LSTM / nn.GRU make zeros of the batch size.
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(6, 10, num_layers=2, bidirectional=True, batch_first=True)
            self.gru = nn.GRU(20, 8, batch_first=True)

        def forward(self, x):
            y, _ = self.lstm(x)
            z, h = self.gru(y)
            return z, h

    class LSTMProj(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(6, 10, num_layers=2, bidirectional=True, proj_size=4)

        def forward(self, x, h, c):
            y, (hn, cn) = self.lstm(x, (h, c))
            return y, hn, cn

    def rnn(nl, bi, bf, bias=True, nonlinearity="tanh"):
        d = 2 if bi else 1
        return (lambda: RNN(num_layers=nl, bidirectional=bi, batch_first=bf, bias=bias, nonlinearity=nonlinearity),
                [r(3, 7, 6) if bf else r(7, 3, 6), r(nl * d, 3, 10)])

    def gru(nl, bi, bf, bias=True):
        d = 2 if bi else 1
        return (lambda: GRU(num_layers=nl, bidirectional=bi, batch_first=bf, bias=bias),
                [r(3, 7, 6) if bf else r(7, 3, 6), r(nl * d, 3, 10)])

    def lstm(nl, bi, bf, bias=True):
        d = 2 if bi else 1
        return (lambda: LSTM(num_layers=nl, bidirectional=bi, batch_first=bf, bias=bias),
                [r(3, 7, 6) if bf else r(7, 3, 6), r(nl * d, 3, 10), r(nl * d, 3, 10)])

    return {
        "lstm-cell": (LSTMCell, [r(3, 8), r(3, 16), r(3, 16)]),
        "lstm-cell-steps": (LSTMCellSteps, [r(3, 8), r(3, 16), r(3, 16)]),
        "gru-cell": (GRUCell, [r(3, 8), r(3, 12)]),
        "lstm": lstm(1, False, False),
        "lstm-2layer-batch-first": lstm(2, False, True),
        "lstm-bidirectional": lstm(1, True, False, bias=False),
        "lstm-2layer-bidirectional": lstm(2, True, True),
        "gru": gru(1, False, True, bias=False),
        "rnn-tanh": rnn(1, False, False),
        "rnn-relu-2layer-bidirectional-batch-first": rnn(2, True, True, nonlinearity="relu"),
        "rnn-tanh-bidirectional-no-bias": rnn(1, True, False, bias=False),
        "rnn-cells": (RNNCells, [r(3, 8), r(3, 12)]),
        "lstm-gru-no-state": (NoState, [r(3, 7, 6)]),
        "lstm-proj": (LSTMProj, [r(7, 3, 6), r(4, 3, 4), r(4, 3, 10)]),
        "gru-2layer-bidirectional": gru(2, True, False),
    }


def stft_cases():
    g = torch.Generator().manual_seed(3)
    r = lambda *s: torch.randn(*s, generator=g)

    class Stft(nn.Module):
        def __init__(self, win_length: int = 16, center: bool = True, normalized: bool = False):
            super().__init__()
            self.win_length = win_length
            self.center = center
            self.normalized = normalized
            self.register_buffer("window", torch.hann_window(win_length))

        def forward(self, x):
            s = torch.stft(x, 16, hop_length=4, win_length=self.win_length, window=self.window,
                           center=self.center, pad_mode="reflect", normalized=self.normalized,
                           return_complex=True)
            return torch.abs(s)

    class StftReal(nn.Module):
        # The form of older archives: return_complex=False gives (re, im) on a
        # trailing axis, and the magnitude is computed from it.
        def __init__(self):
            super().__init__()
            self.register_buffer("window", torch.hann_window(16))

        def forward(self, x):
            s = torch.stft(x, 16, hop_length=4, window=self.window, return_complex=False)
            c = torch.stft(x, 16, hop_length=8, window=None, center=False, onesided=False, return_complex=True)
            return s.pow(2).sum(-1).sqrt(), torch.view_as_real(c)

    class StftComplex(nn.Module):
        # torchaudio's spectrogram: a reshape of the complex result, then
        # its parts and phase.
        def __init__(self):
            super().__init__()
            self.register_buffer("window", torch.hann_window(16))

        def forward(self, x):
            s = torch.stft(x.reshape(-1, 64), 16, hop_length=4, window=self.window, return_complex=True)
            s = s.reshape(x.shape[:-1] + s.shape[-2:])
            return s.real, s.imag, torch.angle(s), s.abs().pow(2.0)

    return {
        "stft-complex": (StftComplex, [r(1, 2, 64)]),
        "stft-real": (StftReal, [r(2, 64)]),
        "stft": (lambda: Stft(), [r(2, 64)]),
        "stft-short-window": (lambda: Stft(win_length=12), [r(2, 64)]),
        "stft-no-center": (lambda: Stft(center=False, normalized=True), [r(50)]),
    }


def attribute_cases():
    g = torch.Generator().manual_seed(4)
    r = lambda *s: torch.randn(*s, generator=g)

    class OwnWeights(nn.Module):
        """Reads its own parameter and buffer, calls nothing: the scripted
        graph's only leftovers are the prim::GetAttr nodes -freeze folds."""
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.randn(6, 4, generator=g))
            self.register_buffer("idx", torch.tensor([3, 0, 2]))

        def forward(self, x):
            return torch.index_select(x @ self.w, 2, self.idx)

    return {"own-attributes": (OwnWeights, [r(2, 5, 6)])}


CASES = {**conv_cases(), **pad_cases(), **rnn_cases(), **stft_cases(), **attribute_cases()}

def main(argv):
    tol = tl.pop_option(argv, "--tol", 1e-5)
    export, work, case = argv[1:4]
    make, inputs = CASES[case]
    torch.manual_seed(0)
    if case.endswith("-traced"):
        model = torch.jit.trace(make().eval(), tuple(inputs))
    else:
        model = torch.jit.script(make().eval())
    os.makedirs(work, exist_ok=True)
    jit = os.path.join(work, case + ".jit")
    model.save(jit)
    out = os.path.join(work, case + ".nnef")
    args = tl.input_shape_args(tl.forward_arg_names(model), [x.shape for x in inputs])
    if not tl.export(export, case, jit, out, args):
        return 1
    with torch.no_grad():
        want = [t.numpy() for t in tl.flat(model(*inputs))]
    got = tl.run_tract(case, out, [x.numpy() for x in inputs], work)
    if got is None:
        return 1
    return tl.compare(case, got, want, tol)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
