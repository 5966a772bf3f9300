"""Writes well-formed and malformed safetensors files for the reader's tests.

  make_safetensors.py OUTDIR

Each malformed file breaks one rule the safetensors reference library checks;
the file name says which."""
import json
import os
import struct
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def write(name, header, data, hlen=None, raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header).encode()
    with open(os.path.join(out, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h) if hlen is None else hlen))
        f.write(h)
        f.write(data)


f32x6 = bytes(24)
ok = {"x": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}
write("good", ok, f32x6)
write("good-meta", dict(ok, __metadata__={"format": "pt"}), f32x6)
with open(os.path.join(out, "short.safetensors"), "wb") as f:
    f.write(b"\x01\x02\x03")
write("hlen-past-end", ok, f32x6, hlen=1 << 40)
write("not-json", None, f32x6, raw_header=b"{not json at all}")
write("bad-utf8", None, f32x6, raw_header=b'{"x\xff": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}')
write("not-object", None, f32x6, raw_header=b"[1, 2, 3]       ")
write("bad-dtype", {"x": {"dtype": "F7", "shape": [2, 3], "data_offsets": [0, 24]}}, f32x6)
write("no-shape", {"x": {"dtype": "F32", "data_offsets": [0, 24]}}, f32x6)
write("negative-dim", {"x": {"dtype": "F32", "shape": [-2, 3], "data_offsets": [0, 24]}}, f32x6)
write("float-dim", {"x": {"dtype": "F32", "shape": [2.5, 3], "data_offsets": [0, 24]}}, f32x6)
write("rank-9", {"x": {"dtype": "F32", "shape": [1] * 9, "data_offsets": [0, 4]}}, bytes(4))
write("numel-overflow", {"x": {"dtype": "F32", "shape": [1 << 40, 1 << 40], "data_offsets": [0, 24]}}, f32x6)
write("wrong-length", {"x": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}, f32x6)
write("past-data", {"x": {"dtype": "F32", "shape": [2, 4], "data_offsets": [0, 32]}}, f32x6)
write("reversed", {"x": {"dtype": "F32", "shape": [0], "data_offsets": [24, 0]}}, f32x6)
write("overlap", {"x": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
                  "y": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}}, f32x6)
write("gap", {"x": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]},
              "y": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}}, f32x6)
write("trailing-data", {"x": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}, f32x6 + bytes(8))
write("bad-meta", dict(ok, __metadata__={"format": 3}), f32x6)
write("duplicate", None, f32x6, raw_header=b'{"x": {"dtype": "F32", "shape": [6], "data_offsets": [0, 24]},'
                                            b' "x": {"dtype": "F32", "shape": [6], "data_offsets": [0, 24]}}')
