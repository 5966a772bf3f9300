"""Writes a large input for test/IR/large-inputs.test and runs t2n-opt on it,
failing when the output differs or the peak memory passes a bound that only
a growth quadratic in the input can reach.

  gen_large.py dump|graph N T2N_OPT WORKDIR MAX_MB
"""
import os
import resource
import subprocess
import sys

kind, n, tool, work, max_mb = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
if kind == "dump":
    text = ("module __torch__.M {\n  parameters {\n  }\n  attributes {\n"
            + "".join("    a%d = %d\n" % (i, i) for i in range(n))
            + "  }\n  methods {\n  }\n  submodules {\n  }\n}\n")
else:
    text = ("graph(%x : Tensor):\n"
            + "".join("  %%v%d : Tensor = aten::relu(%%x)\n" % i for i in range(n))
            + "  return (%x)\n")
src = os.path.join(work, "in." + kind)
out = os.path.join(work, "out." + kind)
with open(src, "w") as f:
    f.write(text)
subprocess.run([tool, src, "-o", out], check=True)
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
with open(out) as f:
    if f.read() != text:
        sys.exit("output differs from input")
if peak_mb > max_mb:
    sys.exit("peak memory %.0f MB > %d MB for %d bytes of input" % (peak_mb, max_mb, len(text)))
print("ok: %d bytes, peak %.0f MB" % (len(text), peak_mb))
