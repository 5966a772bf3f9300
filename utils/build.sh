#!/usr/bin/env bash
# Configures and builds t2n into build/ (the libtorch backend is on when the
# venv's torch is found). Extra arguments go to cmake's configure step.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${T2N_BUILD:-$top/build}
cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
# Quiet on success; the whole log on failure.
log=$(mktemp)
if ! ninja -C "$build" >"$log" 2>&1; then cat "$log"; rm -f "$log"; exit 1; fi
rm -f "$log"
exit 0
