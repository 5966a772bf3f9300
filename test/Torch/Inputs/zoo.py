"""Scripts a zoo of torch.nn modules (and one with dicts, loops, strings and
Optional attributes) and saves each as OUTDIR/NAME.jit.

  zoo.py OUTDIR
"""
import os
import torch, torch.nn as nn, sys, warnings
from typing import List, Dict, Optional, Tuple
warnings.simplefilter("ignore")
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
models = {}
models['transformer'] = (nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, batch_first=True), 2).eval(), "x=2x5x16", "src")

models['lstm2'] = (nn.LSTM(8, 16, num_layers=2, bidirectional=True, batch_first=True).eval(), "x=2x5x8", "input")
models['gru'] = (nn.GRU(8, 16).eval(), "x=5x2x8", "input")
models['bn'] = (nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4), nn.Softmax(-1)).eval(), "x=2x3x8x8", "input")
models['ln'] = (nn.Sequential(nn.LayerNorm(16), nn.GELU(), nn.Dropout(0.1), nn.Linear(16, 16), nn.Tanh()).eval(), "x=3x16", "input")
models['emb'] = (nn.Sequential(nn.Embedding(10, 4)).eval(), "x=3x5:i64", "input")
models['convt'] = (nn.Sequential(nn.ConvTranspose1d(4, 2, 3, stride=2), nn.Upsample(scale_factor=2.0), nn.InstanceNorm1d(2)).eval(), "x=1x4x10", "input")

class Fancy(nn.Module):
    def __init__(self):
        super().__init__()
        self.scales: Dict[str, float] = {"a": 0.5, "b": 2.0}
        self.names: List[str] = ["a", "b"]
        self.lin = nn.Linear(4, 4)
        self.opt: Optional[torch.Tensor] = None
    def helper(self, x: torch.Tensor, k: int) -> Tuple[torch.Tensor, int]:
        return x * k, k + 1
    def forward(self, x: torch.Tensor, n: int = 3) -> torch.Tensor:
        acc = torch.zeros_like(x)
        for name in self.names:
            acc = acc + x * self.scales[name]
        i = 0
        while i < n:
            acc, j = self.helper(acc, 2)
            i += 1
        if self.opt is not None:
            acc = acc + self.opt
        if bool(x.sum() > 0):
            acc = acc - 1
        ys = [acc[k] for k in range(acc.size(0))]
        d: Dict[int, torch.Tensor] = {}
        for k, y in enumerate(ys):
            d[k] = y
        out = torch.stack([d[k] for k in sorted(d.keys())])
        s = str(out.dtype) + "x"
        if s.startswith("torch"):
            out = out.clamp(-10.0, 10.0)
        return self.lin(out).softmax(-1)
models['fancy'] = (Fancy().eval(), "x=3x4", "x")

for name, (m, shape, inp) in models.items():
    try:
        s = torch.jit.script(m)
    except Exception as e:
        print("cannot script", name, e); continue
    s.save(f"{out}/{name}.jit")

