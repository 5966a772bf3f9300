#!/usr/bin/env python3
"""Scripts models holding nn.LSTM / nn.GRU / nn.LSTMCell / nn.GRUCell inside
a custom (unresolvable) class, saves them JIT-only, and prints the example
input shapes t2n needs.

  rnn_no_freeze.py OUTDIR

Writes OUTDIR/NAME.jit for each NAME below and prints one line per model:
`NAME --input-shape a=AxB ...`. -harden --no-freeze then inlines the custom
classes and keeps each torch.nn recurrent module as a prim::CallMethod, the
form module-level exporters see; t2n-export (which freezes what -harden
left as calls) must still export it and match torch.
"""
import os
import sys

import torch
from torch import nn


class Seq(nn.Module):
    # two-layer batch_first LSTM fed a state, then a bidirectional GRU
    # that starts from zeros
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 5, num_layers=2, batch_first=True)
        self.gru = nn.GRU(5, 3, bidirectional=True)
        self.fc = nn.Linear(6, 2)

    def forward(self, x, h, c):
        y, (h2, c2) = self.lstm(x, (h, c))
        z, g = self.gru(y.transpose(0, 1))
        return self.fc(z), h2, c2, g


class Cells(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(4, 5)
        self.gcell = nn.GRUCell(5, 6)

    def forward(self, x, h, c):
        h2, c2 = self.cell(x, (h, c))
        return self.gcell(h2), c2


MODELS = {
    "seq": (Seq, "x=2x7x4 h=2x2x5 c=2x2x5"),
    "cells": (Cells, "x=3x4 h=3x5 c=3x5"),
}


def main(out):
    torch.manual_seed(0)
    for name, (cls, shapes) in MODELS.items():
        torch.jit.script(cls().eval()).save(os.path.join(out, name + ".jit"))
        print(name, " ".join("--input-shape " + s for s in shapes.split()))


if __name__ == "__main__":
    main(sys.argv[1])
