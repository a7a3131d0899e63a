#!/usr/bin/env bash
# build.sh [BUILD_DIR] [extra cmake args…]: configures (once) and builds gembed.
# GEMBED_TARGET=name builds one target only (the CLI alone skips the tests).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build}
shift || true
export CCACHE_DIR=${CCACHE_DIR:-$root/.cache/ccache}
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
cmake --build "$dir" -j "$(nproc)" ${GEMBED_TARGET:+--target "$GEMBED_TARGET"}
