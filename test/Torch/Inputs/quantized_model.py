"""Saves a dynamically quantized Linear stack (its packed weights are an object of
a C++ custom class, __torch__.torch.classes.quantized.LinearPackedParamsBase) to
the path given."""
import sys
import warnings

import torch

warnings.simplefilter("ignore")
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())
q = torch.ao.quantization.quantize_dynamic(m, {torch.nn.Linear}, dtype=torch.qint8)
torch.jit.save(torch.jit.script(q), sys.argv[1])
