#!/usr/bin/env python3
"""Writes graph text and module dumps of many torch.nn modules and language
constructs, as the running torch prints them, for the parser round-trip test
(test/corpus/nn-zoo.test). Run it with the venv's torch 2.11 and with Debian's
torch 1.13 (/usr/bin/python3) to cover both printers.

  nn_zoo.py OUTDIR

Graphs a torch version cannot produce are skipped; no file is left empty.
"""
import enum
from typing import Dict, List, Optional, Tuple, Union, NamedTuple
import torch, torch.nn as nn, os, sys
out = sys.argv[1]; os.makedirs(out, exist_ok=True)


def save(name, text_fn):
    """Writes text_fn() to OUT/name; nothing when torch cannot produce it."""
    try:
        text = text_fn()
    except Exception as e:
        print('skip', name, type(e).__name__)
        return 0
    with open(os.path.join(out, name), 'w') as f:
        f.write(text)
    return 1

mods = {
 'transformer': nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=32),
 'mha': nn.MultiheadAttention(16, 2),
 'tenc': nn.TransformerEncoderLayer(16, 2, 32),
 'conv2d': nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4)),
 'convt': nn.ConvTranspose1d(4, 4, 3, stride=2),
 'emb': nn.EmbeddingBag(10, 4),
 'gru2': nn.GRU(8, 8, num_layers=2, bidirectional=True, batch_first=True),
 'lstmcell': nn.LSTMCell(4, 8),
 'rnn': nn.RNN(4, 8),
 'ln': nn.LayerNorm(8), 'gn': nn.GroupNorm(2, 8), 'in': nn.InstanceNorm1d(8),
 'up': nn.Upsample(scale_factor=2, mode='nearest'),
 'pix': nn.PixelShuffle(2), 'unfold': nn.Unfold(2), 'fold': nn.Fold((4,4), 2),
 'act': nn.Sequential(nn.GELU(), nn.SiLU(), nn.Hardswish(), nn.Mish(), nn.PReLU(), nn.Softmax(-1), nn.LogSoftmax(-1), nn.ELU(), nn.CELU(), nn.SELU(), nn.GLU(), nn.Hardtanh(), nn.Softplus()),
 'loss': nn.CrossEntropyLoss(), 'ctc': nn.CTCLoss(), 'cos': nn.CosineSimilarity(), 'pdist': nn.PairwiseDistance(),
 'drop': nn.Dropout2d(), 'pad': nn.ReflectionPad2d(1), 'zpad': nn.ZeroPad2d(2), 'rpad': nn.ReplicationPad1d(1),
 'bil': nn.Bilinear(3, 4, 5), 'id': nn.Identity(), 'chshuf': nn.ChannelShuffle(2),
}
n = 0
for name, m in mods.items():
    try:
        s = torch.jit.script(m)
    except Exception as e:
        print('skip', name, type(e).__name__)
        continue
    n += save(f'{name}.forward.graph', lambda: str(s._c._get_method('forward').graph))
    n += save(f'{name}.inlined.graph', lambda: str(s.inlined_graph))
    n += save(f'{name}.dump', lambda: s._c.dump_to_str(True, False, False))
    n += save(f'{name}.frozen.graph', lambda: str(torch.jit.freeze(s.eval()).graph))

tm = torch.jit.trace(nn.Sequential(nn.Conv1d(2, 4, 3), nn.ReLU()), torch.randn(1, 2, 8))
n += save('traced.graph', lambda: str(tm.graph))
n += save('traced.inlined.graph', lambda: str(tm.inlined_graph))


@torch.jit.script
def f(x, y: int):
    z = x * 2 + y
    if bool(z.sum() > 0):
        return z.relu()
    for i in range(y):
        z = z + i
    return torch.cat([z, z], 1)


f(torch.randn(2, 3), 2)
f(torch.randn(2, 3), 2)
n += save('fn.graph', lambda: str(f.graph))
n += save('fn.optimized.graph', lambda: str(torch.jit.last_executed_optimized_graph()))

# Language constructs: enums, NamedTuple, Optional, Union, Dict, fork, python ops.
class Color(enum.Enum):
    RED = 1
    GREEN = 2
class P(NamedTuple):
    a: int
    b: torch.Tensor
class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.d = {"a\n\"'": 1, "é": 2}
        self.l = [1.5, float('inf'), -0.0, 1e-20, 1e20, 0.1]
        self.s = "tab\there\x01\x7f"
        self.c = Color.RED
    def forward(self, x: torch.Tensor, o: Optional[torch.Tensor], u: Union[int, str], d: Dict[str, torch.Tensor], t: Tuple[int, float]) -> P:
        y = x + torch.tensor([1.0, 2.0, 3.0]) + torch.tensor(2.5)
        if o is not None:
            y = y + o
        if isinstance(u, int):
            y = y * u
        for k, v in d.items():
            y = y + v
        z = torch.jit.annotate(List[int], [])
        z.append(self.d["é"])
        if self.c == Color.RED:
            y = y - 1
        w = 1.0 + 2j
        fut = torch.jit.fork(torch.relu, y)
        y = torch.jit.wait(fut)
        with torch.no_grad():
            y = y * 2
        return P(len(z) + t[0], y * self.l[0])
sm = torch.jit.script(M())
n += save('constructs.graph', lambda: str(sm.graph))
n += save('constructs.inlined.graph', lambda: str(sm.inlined_graph))
n += save('constructs.dump', lambda: sm._c.dump_to_str(True, False, False))
class F(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        return x * k
    @staticmethod
    def backward(ctx, g):
        return g, None
class T(torch.nn.Module):
    def forward(self, x):
        return F.apply(x, 3) + 1
tr = torch.jit.trace(T(), torch.randn(2, 3), check_trace=False)
n += save('pyop.graph', lambda: str(tr.graph))
print(n, 'files')


# Unicode identifiers: class, attribute, argument and local names.
class Modèle(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.échelle = 2.0
        self.nom = "données"

    def forward(self, entrée: torch.Tensor) -> torch.Tensor:
        résultat = entrée * self.échelle
        return résultat


um = torch.jit.script(Modèle())
n += save('unicode.graph', lambda: str(um.graph))
n += save('unicode.dump', lambda: um._c.dump_to_str(True, False, False))
print(n, 'files with unicode names')
