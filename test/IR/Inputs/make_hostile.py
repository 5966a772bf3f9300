"""Writes hostile inputs for test/IR/hostile-inputs.test: each breaks one
limit or rule, named by the file.

  make_hostile.py OUTDIR
"""
import os
import sys
import zipfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def put(name, text):
    with open(os.path.join(out, name), "wb") as f:
        f.write(text if isinstance(text, bytes) else text.encode())


def nested_ifs(depth):
    """prim::If nodes nested `depth` deep, each in block0 of the one before
    (indented at most 40 spaces: the parser ignores indentation)."""
    ind = lambda d: "  " * (min(d, 19) + 1)
    lines = ["graph(%x : Tensor, %c : bool):"]
    for i in range(depth):
        lines += [ind(2 * i) + f"%v{i} : Tensor = prim::If(%c)", ind(2 * i + 1) + "block0():"]
    lines += [ind(2 * depth) + "%r : Tensor = aten::relu(%x)", ind(2 * depth) + "-> (%r)"]
    for i in reversed(range(depth)):
        lines += [ind(2 * i + 1) + "block1():", ind(2 * i + 2) + "-> (%x)"]
        if i:
            lines.append(ind(2 * i) + f"-> (%v{i})")
    lines.append("  return (%v0)")
    return "\n".join(lines) + "\n"


put("deep-100k.ir", nested_ifs(100000))
put("deep-1000.ir", nested_ifs(1000))  # at the limit: accepted
put("deep-1001.ir", nested_ifs(1001))
put("deep-type.ir", "graph(%x : " + "(" * 20000 + "Tensor" + ")" * 20000 + "):\n  return (%x)\n")
# Lines of megabytes: a valid one round-trips; an error at the end of one is
# quoted as a window around the caret.
big = "b" * 3_000_000
put("long-line.ir", f'graph(%x : Tensor):\n  %{"a" * 3_000_000} : str = prim::Constant[value="{big}"]()\n  return (%x)\n')
put("long-line-error.ir", f'graph(%x : Tensor):\n  %s : str = prim::Constant[value="{big}"]() +\n  return (%x)\n')
put("utf8-name.ir", b"graph(%x\xff : Tensor):\n  return (%x\xff)\n")
put("utf8-string.ir", b'graph(%x : Tensor):\n  %s : str = prim::Constant[value="caf\xc3"]()\n  return (%x)\n')
put("utf8-overlong.ir", b'graph(%x : Tensor):\n  %s : str = prim::Constant[value="\xc0\xaf"]()\n  return (%x)\n')
put("utf8-surrogate.ir", b'graph(%x : Tensor):\n  %s : str = prim::Constant[value="\xed\xa0\x80"]()\n  return (%x)\n')
put("utf8-valid.ir", 'graph(%x : Tensor):\n  %s : str = prim::Constant[value="café ☃ 𝄞"]()\n  return (%x)\n')
put("numel-overflow.ir",
    "graph(%x : Float(4294967296, 4294967296, 4294967296, strides=[1, 1, 1], requires_grad=0, device=cpu)):\n"
    "  return (%x)\n")
put("dim-overflow.ir", "graph(%x : Float(99999999999999999999, strides=[1], requires_grad=0, device=cpu)):\n  return (%x)\n")
put("identity.ir", "graph(%x : Tensor):\n  %y : Tensor = aten::relu(%x)\n  return (%y)\n")

# TorchScript archives (zip files). A minimal well-formed one has the records
# torch reads; each hostile one breaks one rule.
RECORDS = ["m/data.pkl", "m/constants.pkl", "m/version", "m/code/__torch__.py"]


def archive(name, entries):
    with zipfile.ZipFile(os.path.join(out, name), "w") as z:
        for e in entries:
            z.writestr(e, b"x")


put("not-zip.jit", b"this is not a zip archive at all, just text\n")
archive("good.jit", RECORDS)
with open(os.path.join(out, "good.jit"), "rb") as f:
    whole = f.read()
put("truncated.jit", whole[: len(whole) // 2])
put("truncated-directory.jit", whole[:-30] + whole[-22:])  # the end record points past the directory
put("empty.jit", b"")
archive("no-data.jit", [r for r in RECORDS if "data.pkl" not in r])
archive("no-constants.jit", [r for r in RECORDS if "constants" not in r])
archive("dotdot.jit", RECORDS + ["m/../../escape.py"])
archive("absolute.jit", RECORDS + ["/etc/evil"])
archive("backslash.jit", RECORDS + ["m\\..\\evil"])
