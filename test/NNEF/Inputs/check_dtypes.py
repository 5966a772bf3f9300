"""Loads an export of Inputs/dtypes.ir in tract and checks that each .dat
file (f32, f16, i64, i32, i8, u8, bool) reads back as the safetensors
weights it was written from."""
import sys

import numpy as np
import tract
from safetensors.numpy import load_file

w = load_file(sys.argv[2])
m = tract.nnef().load(sys.argv[1]).into_runnable()
x = np.ones((2, 3), np.float32)
out = [t.to_numpy() for t in m.run([x])]
assert np.array_equal(out[0], x + w["w.f32"]), "y"
for key, got in zip(["w.f32", "w.f16", "w.i64", "w.i32", "w.i8", "w.u8", "w.bool"], out[1:]):
    ok = got.dtype == w[key].dtype and np.array_equal(got, w[key])
    print(key, got.dtype, "ok" if ok else "MISMATCH")
