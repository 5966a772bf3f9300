"""Writes OUTDIR/shared.jit: a scripted model whose weights share storages:
a linear layer's weight tied to another's, a transposed view of it kept as a
buffer (not contiguous), and a slice of a larger buffer (a storage offset).
Also OUTDIR/shared-deflated.jit, the same archive with every record
deflate-compressed, which t2n must read the ordinary way
(test/NNEF/jit-weights.test)."""
import sys
import zipfile

import torch
from torch import Tensor, nn


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a = nn.Linear(32, 32)
        self.b = nn.Linear(32, 32)
        self.b.weight = self.a.weight  # tied
        self.register_buffer("wt", self.a.weight.detach().t())  # a transposed view
        big = torch.randn(40, 32)
        self.register_buffer("big", big)
        self.register_buffer("tail", big[8:])  # same storage, an offset

    def forward(self, x: Tensor) -> Tensor:
        return self.a(x) + self.b(x) + x @ self.wt + x @ self.tail.transpose(0, 1) + self.big.sum(0)


def main():
    out = sys.argv[1]
    m = torch.jit.script(Shared())
    assert not m.wt.is_contiguous() and m.tail.storage_offset() == 8 * 32
    m.save(f"{out}/shared.jit")
    with zipfile.ZipFile(f"{out}/shared.jit") as src, zipfile.ZipFile(
        f"{out}/shared-deflated.jit", "w", zipfile.ZIP_DEFLATED
    ) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))


if __name__ == "__main__":
    main()
