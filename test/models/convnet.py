"""Conv net whose forward has an `if` on the input and a `for` loop over a ModuleList."""
import torch
import torch.nn.functional as F
from torch import nn


class ConvNet(nn.Module):
    def __init__(self, depth: int = 3):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.blocks = nn.ModuleList([nn.Conv2d(8, 8, 3, padding=1, groups=2) for _ in range(depth)])
        self.bn = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)
        self.scale = 0.5

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 3:
            x = x.unsqueeze(0)
        x = F.relu(self.stem(x))
        for blk in self.blocks:
            x = x + self.scale * F.relu(blk(x))
        for i in range(2):
            x = F.max_pool2d(x, 2) if i == 0 else x
        x = self.pool(self.bn(x)).flatten(1)
        if self.training:
            x = F.dropout(x, 0.1)
        return self.fc(x)


def build():
    torch.manual_seed(2)
    return torch.jit.script(ConvNet().eval()), (torch.randn(2, 3, 16, 16),)
