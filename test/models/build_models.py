#!/usr/bin/env python3
"""Builds the t2n test models and saves them JIT-only.

  build_models.py OUTDIR [NAME...]

Writes OUTDIR/<name>.jit for each model (all of them when no NAME is given). The model
sources (the other .py files of this folder) are copied into a temporary package `t2nmodels`
that is on sys.path only while scripting and saving, then removed, so the saved archives
load through TorchScript alone, as a model shipped without its Python source does. Each
archive is loaded back and run on its example input before this script exits.
"""
import importlib
import os
import shutil
import sys
import warnings

MODELS = ["lstm", "gru", "convnet", "forked", "funcs", "stateful", "traced"]
PACKAGE = "t2nmodels"


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    out = argv[1]
    names = argv[2:] or MODELS
    for n in names:
        if n not in MODELS:
            sys.stderr.write("build_models.py: unknown model %s (known: %s)\n" % (n, ", ".join(MODELS)))
            return 2
    import torch
    warnings.simplefilter("ignore")
    os.makedirs(out, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    # A fixed place under OUTDIR, so that the source paths recorded in the graphs only
    # depend on OUTDIR and rebuilding gives the same graph text.
    tmp = os.path.join(os.path.abspath(out), ".src")
    shutil.rmtree(tmp, ignore_errors=True)
    examples = {}
    try:
        pkg = os.path.join(tmp, PACKAGE)
        os.makedirs(pkg)
        open(os.path.join(pkg, "__init__.py"), "w").close()
        for n in names:
            shutil.copy(os.path.join(here, n + ".py"), os.path.join(pkg, n + ".py"))
        sys.path.insert(0, tmp)
        try:
            for n in names:
                mod = importlib.import_module(PACKAGE + "." + n)
                model, example = mod.build()
                model(*example)
                examples[n] = example
                path = os.path.join(out, n + ".jit")
                torch.jit.save(model, path + ".tmp")
                os.replace(path + ".tmp", path)
        finally:
            sys.path.remove(tmp)
            for k in list(sys.modules):
                if k == PACKAGE or k.startswith(PACKAGE + "."):
                    del sys.modules[k]
    finally:
        shutil.rmtree(tmp)
    # The sources are gone now: every archive must load and run on its own.
    for n in names:
        m = torch.jit.load(os.path.join(out, n + ".jit"))
        m(*examples[n])
        print("wrote %s" % os.path.join(out, n + ".jit"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
