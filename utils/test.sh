#!/usr/bin/env bash
# Builds t2n and runs every test (lit + FileCheck). Installs what it needs
# first (utils/setup.sh), so it works on a fresh machine and is safe to rerun.
# Ends with a line "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/utils/setup.sh" || exit 1
"$top/utils/build.sh" || { echo "0 passed, 1 failed"; exit 1; }
build=${T2N_BUILD:-$top/build}
log=$(mktemp)
"$top/.venv/bin/lit" -sv "$build/test" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -E '^\s+Passed\s*:' "$log" | grep -oE '[0-9]+' | head -1)
failed=$(grep -E '^\s+(Failed|Unresolved|Timed Out)\s*:' "$log" | grep -oE '^\s+\S[^:]*:\s*[0-9]+' | grep -oE '[0-9]+$' | paste -sd+ | bc)
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed"
exit $rc
