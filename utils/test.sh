#!/usr/bin/env bash
# Builds t2n and runs every test (lit + FileCheck). Installs what it needs
# first (utils/setup.sh), so it works on a fresh machine and is safe to rerun.
#
# Two builds are tested: build/ (with the libtorch backend when the venv's
# torch is found) and build-asan/ (without the backend, under AddressSanitizer
# and UBSan), so the suite proves both that the backend works and that
# everything else works without it. T2N_ASAN=0 skips the second. Then each
# libFuzzer target runs for a minute (utils/fuzz; T2N_FUZZ_TIME=0 skips).
# Ends with a line "N passed, N failed". Extra arguments go to lit.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/utils/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }
export T2N_CORPUS=${T2N_CORPUS:-$top/build/corpus}
passed=0 failed=0 rc=0

run_suite() { # build-dir, cmake args...
  local build=$1
  shift
  if ! T2N_BUILD="$build" "$top/utils/build.sh" "$@"; then
    failed=$((failed + 1))
    rc=1
    return
  fi
  local log
  log=$(mktemp)
  "$top/.venv/bin/lit" -sv "$build/test" "${lit_args[@]}" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
  local p f
  p=$(grep -E '^\s+Passed\s*:' "$log" | grep -oE '[0-9]+' | head -1)
  f=0
  for n in $(grep -E '^\s+(Failed|Unresolved|Timed Out)\s*:' "$log" | sed -E 's/^[^:]*:\s*([0-9]+).*/\1/'); do
    f=$((f + n))
  done
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  rm -f "$log"
}

lit_args=("$@")
run_suite "$top/build"
if [ "${T2N_ASAN:-1}" != 0 ]; then
  ASAN_OPTIONS=detect_leaks=1 run_suite "$top/build-asan" -DT2N_WITH_TORCH=OFF -DT2N_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
# libFuzzer: each target for T2N_FUZZ_TIME seconds (default 60; 0 skips),
# seeded from the suite; a finding fails the run (utils/fuzz says where the
# input is kept).
if [ "${T2N_FUZZ_TIME:-60}" != 0 ]; then
  flog=$(mktemp)
  "$top/utils/fuzz" --time "${T2N_FUZZ_TIME:-60}" >"$flog" 2>&1
  fstatus=$?
  cat "$flog"
  ok=$(grep -c '^fuzz-.*no finding$' "$flog")
  bad=$(grep -c '^fuzz-.*FINDING' "$flog")
  # A build failure or a missing clang counts as one failure.
  [ "$fstatus" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
  passed=$((passed + ok))
  failed=$((failed + bad))
  [ "$bad" -eq 0 ] || rc=1
  rm -f "$flog"
fi
echo "$passed passed, $failed failed"
exit $rc
