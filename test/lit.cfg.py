# lit configuration for t2n. Tests are named after what they test: a pass's
# tests after its flag (Transforms/<flag>.ir), the parser's after the construct.
import os
import subprocess
import lit.formats

config.name = "t2n"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".ir", ".test", ".txt", ".t2n"]
config.excludes = ["Inputs", "models", "regressions", "lit.cfg.py", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.t2n_obj_root, "test")

tools = config.t2n_tools_dir
# Longest names first so %t2n-opt is not read as %t2n followed by "-opt".
for tool in sorted(os.listdir(tools) if os.path.isdir(tools) else [], key=len, reverse=True):
    exe = os.path.join(tools, tool)
    if tool.startswith("t2n") and os.access(exe, os.X_OK):
        config.substitutions.append(("%" + tool, exe))
config.substitutions.append(("%FileCheck", config.filecheck))
config.substitutions.append(("%python", config.python))
config.substitutions.append(("%utils", os.path.join(config.t2n_src_root, "utils")))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
corpus = os.environ.get("T2N_CORPUS", os.path.join(config.t2n_obj_root, "corpus"))
config.substitutions.append(("%corpus", corpus))
config.environment["PATH"] = os.path.dirname(config.filecheck) + os.pathsep + os.environ.get("PATH", "")
for var in ("HOME", "T2N_CORPUS", "PIP_CACHE_DIR", "XDG_CACHE_HOME"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

def has_module(mod):
    try:
        return subprocess.run([config.python, "-c", "import " + mod], capture_output=True, timeout=120).returncode == 0
    except Exception:
        return False

if has_module("torch"):
    config.available_features.add("torch")
if has_module("tract"):
    config.available_features.add("tract")
if has_module("nnef"):
    config.available_features.add("nnef")  # the Khronos NNEF parser
if config.torch_backend:
    config.available_features.add("torch-backend")
