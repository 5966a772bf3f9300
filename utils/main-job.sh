#!/usr/bin/env bash
# The main job: take the JIT-only silero-vad model from its PyPI package,
# export it to NNEF with t2n and check the export in tract against torch.
# Installs what it needs (utils/setup.sh) and builds t2n first; safe to run
# again. Outputs go to ${T2N_OUT:-build/silero-vad}.
#
#   1. utils/t2n-dump writes the model as t2n module text + safetensors
#      (root module and its 16 kHz `_model`);
#   2. t2n-opt prints each back byte for byte (round trip);
#   3. t2n-opt -harden hardens `_model` (x 1x576, state 2x1x128), and
#      -lift-state -harden the stateful top module (x 1x512, sr 16000, state
#      at its steady-state shapes); the forward graphs must be free of calls,
#      Ifs, tuple indexing, prim::data and exceptions;
#   4. t2n-export writes `_model` and the lifted top module as .nnef.tgz, and
#      utils/check-silero-export runs the package's model in tract over 30
#      consecutive chunks of a speech-like signal with the state fed back:
#      prob and state must stay within 1e-4 of torch at every step.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/utils/setup.sh"
"$top/utils/build.sh"
py="$top/.venv/bin/python"
opt="${T2N_BUILD:-$top/build}/bin/t2n-opt"
out=${T2N_OUT:-$top/build/silero-vad}
mkdir -p "$out"
# Locate the package's data without importing it (its __init__ needs its runtime deps).
jit=$("$py" -c "import importlib.util, os; print(os.path.join(importlib.util.find_spec('silero_vad').submodule_search_locations[0], 'data', 'silero_vad.jit'))")
echo "model: $jit (silero-vad $("$py" -c "import importlib.metadata as m; print(m.version('silero-vad'))"))"

"$py" "$top/utils/t2n-dump" "$jit" -o "$out/silero_vad.t2n"
"$py" "$top/utils/t2n-dump" "$jit" --submodule _model -o "$out/silero_vad_model.t2n"
for f in silero_vad.t2n silero_vad_model.t2n; do
  "$opt" "$out/$f" -o "$out/$f.roundtrip"
  cmp "$out/$f" "$out/$f.roundtrip"
  echo "round trip: $f is printed back byte for byte"
done

# The forward method of the root class (the first class in the text).
forward() { awk '/^class /{c++} c==1' "$1" | awk '/  method forward \{/{p=1} p{print} p&&/^  \}$/{exit}'; }
check() {
  local left
  left=$(forward "$1" | grep -cE 'prim::(CallMethod|CallFunction|If|TupleIndex|data|RaiseException)\b' || true)
  echo "$2: $(forward "$1" | grep -c ' = ') nodes, $left calls/Ifs/TupleIndex/data/raises left"
  [ "$left" -eq 0 ]
}
# With the libtorch backend built, every pass is also checked against torch's
# own run of the graph on the same inputs.
sem=""
[ -e "${T2N_BUILD:-$top/build}/lib/libt2n_torch.so" ] && sem="--verify-semantics --semantics-atol 1e-6"
"$opt" -harden --verify-each $sem --input-shape x=1x576 --input-shape state=2x1x128 \
  --diagnostics="$out/model.harden.json" "$out/silero_vad_model.t2n" -o "$out/silero_vad_model.hardened.t2n"
check "$out/silero_vad_model.hardened.t2n" "_model -harden"
"$opt" -lift-state -harden --verify-each $sem --input-shape x=1x512 --input-value sr=16000 \
  --input-shape self._state=2x1x128 --input-shape self._context=1x64 \
  --input-value self._last_sr=16000 --input-value self._last_batch_size=1 \
  --diagnostics="$out/top.harden.json" "$out/silero_vad.t2n" -o "$out/silero_vad.hardened.t2n"
check "$out/silero_vad.hardened.t2n" "top module -lift-state -harden"
[ -n "$sem" ] && echo "every pass kept the outputs torch computes (--verify-semantics, atol 1e-6)"

export_bin="${T2N_BUILD:-$top/build}/bin/t2n-export"
"$export_bin" "$out/silero_vad_model.t2n" --input-shape x=1x576 --input-shape state=2x1x128 \
  --output-names prob,new_state -o "$out/silero_vad_model.nnef.tgz"
"$opt" -lift-state "$out/silero_vad.t2n" -o "$out/silero_vad.lifted.t2n"
"$export_bin" "$out/silero_vad.lifted.t2n" --input-shape x=1x512 --input-value sr=16000 \
  --input-shape self._state=2x1x128 --input-shape self._context=1x64 \
  --input-value self._last_sr=16000 --input-value self._last_batch_size=1 \
  -o "$out/silero_vad_top.nnef.tgz"
# tract against torch, step by step with the state fed back (tract runs in a
# child process: it aborts the process on some malformed graphs).
"$py" "$top/utils/check-silero-export" --jit "$jit" --work "$out/check" \
  --t2n-export "$export_bin" --t2n-opt "$opt"
echo "main job done: NNEF exports and checks in $out"
