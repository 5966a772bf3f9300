"""A stateful module in the style of silero-vad's top module: it keeps tensors and numbers as
attributes, reassigns them in forward (prim::SetAttr), has extra exported methods, and holds
attributes of many kinds (strings with escapes, floats, lists, tuples, dicts, Optional,
a device, a TorchScript class instance, a ModuleDict and a submodule with a buffer)."""
from typing import Dict, List, Optional, Tuple

import torch
from torch import nn


@torch.jit.script
class Counter(object):
    def __init__(self, start: int):
        self.count = start
        self.history: List[int] = []

    def bump(self, k: int) -> int:
        self.count += k
        self.history.append(self.count)
        return self.count


class Smoother(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("avg", torch.zeros(1, 4))
        self.register_buffer("steps", torch.tensor(0, dtype=torch.long))
        self.momentum = 0.9

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.avg = self.momentum * self.avg + (1.0 - self.momentum) * x.mean(0, keepdim=True)
        self.steps = self.steps + 1
        return x - self.avg


class Stateful(nn.Module):
    maybe: Optional[torch.Tensor]

    def __init__(self):
        super().__init__()
        self.smooth = Smoother()
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 4), "b": nn.Linear(4, 4, bias=False)})
        self._state = torch.zeros(0)
        self._last_sr = 0
        self.sample_rates = [8000, 16000]
        self.name = "it's a \"test\"\n\tdone\\ \u00e9"
        self.eps = 1e-05
        self.gain = 2.0
        self.ratio = 0.1
        self.shape: Tuple[int, int] = (2, 4)
        self.single: Tuple[float] = (0.5,)
        self.table: Dict[str, int] = {"x": 1, "y": 2}
        self.maybe = None
        self.masks = [torch.ones(2, dtype=torch.bool), torch.arange(3, dtype=torch.int32)]
        self.half = torch.ones(2, 2, dtype=torch.float16)
        self.dev = torch.device("cpu")
        self.counter = Counter(10)

    def reset_states(self, batch_size: int = 1):
        self._state = torch.zeros(2, batch_size, 4)
        self._last_sr = 0
        self.maybe = None

    def forward(self, x: torch.Tensor, sr: int) -> torch.Tensor:
        if sr not in self.sample_rates:
            raise ValueError(f"Supported sampling rates: {self.sample_rates} (or multiply of 16000)")
        if self._last_sr != 0 and self._last_sr != sr:
            self.reset_states(x.size(0))
        if self._state.numel() == 0:
            self.reset_states(x.size(0))
        self._last_sr = sr
        y = self.smooth(x) * self.gain
        for k, head in self.heads.items():
            if k == "a":
                y = y + head(y)
            else:
                y = y - head(y)
        self._state = self._state + y.mean()
        m = self.maybe
        if m is not None:
            y = y + m
        self.maybe = y.detach()
        self.counter.bump(1)
        return y + self.eps

    @torch.jit.export
    def get_count(self) -> int:
        return self.counter.count


def build():
    torch.manual_seed(5)
    return torch.jit.script(Stateful().eval()), (torch.randn(3, 4), 16000)
