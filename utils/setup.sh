#!/usr/bin/env bash
# Installs everything t2n needs on a fresh Debian 12 machine. Safe to run twice:
# apt and pip skip what is already there, and the venv is reused.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
venv=${T2N_VENV:-$top/.venv}

apt_pkgs="flex bison cmake ninja-build gcc g++ make llvm-14-tools python3-venv libcjson-dev libarchive-dev zlib1g-dev libdeflate-dev python3-torch python3-numpy clang-14 libclang-rt-14-dev"
missing=""
for p in $apt_pkgs; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.t2n-requirements"
if ! cmp -s "$top/utils/requirements.txt" "$stamp" 2>/dev/null ||
   ! "$venv/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('silero_vad') is None)" 2>/dev/null; then
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r "$top/utils/requirements.txt"
  # silero-vad only ships the model files t2n reads; its runtime dependencies
  # (torchaudio, onnxruntime) are not needed, so it is installed without them.
  "$venv/bin/pip" install -q --no-deps "silero-vad==$(cat "$top/utils/silero-vad-version")"
  cp "$top/utils/requirements.txt" "$stamp"
fi
