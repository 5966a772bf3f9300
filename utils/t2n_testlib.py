"""What the end-to-end test scripts share: export a TorchScript model with t2n-export, run the
NNEF in tract and compare tract's outputs with torch's.

The scripts under test/**/Inputs/ import it after putting utils/ on sys.path:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "utils"))
    import t2n_testlib as tl

tract runs in a child process (this file run as a script): it aborts the process on some bad
graphs, and a test must report that as a failure, not die with it.
"""
import os
import shutil
import subprocess
import sys

import numpy as np


def flat(x):
    """The tensors of a (nested) tuple or list of results, in order."""
    if isinstance(x, (tuple, list)):
        return [y for e in x for y in flat(e)]
    return [x]


def input_shape_args(names, shapes):
    """--input-shape NAME=AxB for each argument name and its shape."""
    args = []
    for n, s in zip(names, shapes):
        args += ["--input-shape", "%s=%s" % (n, "x".join(map(str, s)))]
    return args


def forward_arg_names(jit_module):
    """The argument names of a scripted or traced module's forward, self left out."""
    return [a.name for a in jit_module.forward.schema.arguments if a.name != "self"]


def save_scripted(make, work, case):
    """Scripts make().eval() (torch seeded with 0 first, so its weights are the same every run)
    and saves it as WORK/CASE.jit: returns (the scripted module, the .jit path)."""
    import torch

    torch.manual_seed(0)
    model = torch.jit.script(make().eval())
    os.makedirs(work, exist_ok=True)
    jit = os.path.join(work, case + ".jit")
    model.save(jit)
    return model, jit


def export(export_bin, case, jit_path, out, args=()):
    """Runs t2n-export JIT -o OUT --quiet ARGS; prints why and returns False when it fails."""
    p = subprocess.run([export_bin, jit_path, "-o", out, "--quiet"] + list(args), capture_output=True, text=True)
    if p.returncode:
        sys.stderr.write(p.stderr)
        print("%s: t2n-export failed (exit %d)" % (case, p.returncode))
        return False
    return True


def run_tract_raw(nnef_path, inputs, work, stem, tract_spelling=False):
    """(tract's outputs as numpy arrays, or None when tract fails; tract's stderr) for the NNEF
    at nnef_path on inputs (numpy arrays). With tract_spelling, tract reads a copy whose
    standard 'replicate' border is spelled as tract spells it ('replicated')."""
    npz = os.path.join(work, stem + ".in.npz")
    res = os.path.join(work, stem + ".out.npz")
    np.savez(npz, **{"i%d" % i: np.asarray(x) for i, x in enumerate(inputs)})
    cmd = [sys.executable, os.path.abspath(__file__), "run-tract", nnef_path, npz, res]
    if tract_spelling:
        cmd.append("--tract-spelling")
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        return None, p.stderr
    got = np.load(res)
    return [got["arr_%d" % i] for i in range(len(got.files))], p.stderr


def run_tract(case, nnef_path, inputs, work, stem=None, tail=3000, tract_spelling=False):
    """run_tract_raw's outputs, or None after printing tract's stderr (its last `tail`
    characters) and "CASE: tract failed" when tract fails."""
    got, err = run_tract_raw(nnef_path, inputs, work, stem or case, tract_spelling)
    if got is None:
        sys.stderr.write(err[-tail:])
        print("%s: tract failed" % case)
    return got


def max_abs_diff(a, b):
    """The largest absolute difference of two arrays (0 when empty), in float64."""
    return float(np.max(np.abs(a.astype(np.float64) - np.asarray(b).astype(np.float64)))) if a.size else 0.0


def compare(case, got, want, tol):
    """Prints, per output, its max abs diff against tol (or a shape or count mismatch);
    returns 1 when any output is off, else 0."""
    if len(got) != len(want):
        print("%s: tract gave %d outputs, torch %d" % (case, len(got), len(want)))
        return 1
    bad = 0
    for i, (a, b) in enumerate(zip(got, want)):
        if a.shape != b.shape:
            print("%s: output %d has shape %s in tract, %s in torch" % (case, i, a.shape, b.shape))
            bad = 1
            continue
        d = max_abs_diff(a, b)
        ok = d <= tol
        bad |= not ok
        print("%s: output %d max abs diff %.3g %s" % (case, i, d, "ok" if ok else "ABOVE %g" % tol))
    return bad


def pop_option(argv, flag, default, kind=float):
    """Removes `flag VALUE` from argv and returns VALUE (default when absent)."""
    if flag not in argv:
        return default
    i = argv.index(flag)
    value = kind(argv[i + 1])
    del argv[i:i + 2]
    return value


def _run_tract_main(argv):
    import tract

    model, npz, res = argv[:3]
    if "--tract-spelling" in argv:
        copy = model + ".for-tract"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(model, copy)
        g = os.path.join(copy, "graph.nnef")
        with open(os.path.join(model, "graph.nnef")) as f:
            text = f.read()
        with open(g, "w") as f:
            f.write(text.replace("'replicate'", "'replicated'"))
        model = copy
    ins = np.load(npz)
    m = tract.nnef().load(model).into_runnable()
    out = m.run([ins["i%d" % i] for i in range(len(ins.files))])
    np.savez(res, *[r.to_numpy() for r in out])
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "run-tract":
        sys.exit(_run_tract_main(sys.argv[2:]))
    sys.exit("usage: t2n_testlib.py run-tract NNEF IN.npz OUT.npz [--tract-spelling]")
