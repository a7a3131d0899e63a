#!/usr/bin/env bash
# python_test.sh: installs the gembed Python package the way a user does (`pip install .`
# into a virtual environment, offline) and runs its pytest suite (python/tests) on the
# installed copy, plus `gembed tokenize` from the same CMake build for the CLI comparison.
#
# Uses Debian's /usr/bin/python3 explicitly (another python3 may come first on PATH), in a
# venv with --system-site-packages so that Debian's numpy, pytest, setuptools and wheel are
# used and nothing is downloaded. Build output: build-python/ (the CMake build, venv/,
# setuptools/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${GEMBED_PYTHON:-/usr/bin/python3}
out="$root/build-python"
venv="$out/venv"
export GEMBED_PYTHON_BUILD_DIR="$out"  # setup.py's CMake build folder

if [ ! -x "$venv/bin/python" ]; then
  echo "== creating $venv" >&2
  "$python" -m venv --system-site-packages "$venv"
fi

echo "== pip install $root" >&2
# --no-build-isolation: pip ≥ 23.1 would otherwise build in an isolated environment and try
# to download setuptools; Debian 12's pip 23.0 does not need it but accepts it.
(cd "$root" && "$venv/bin/python" -m pip install --no-build-isolation --no-index --quiet .)

echo "== gembed CLI (for the tokenize comparison)" >&2
cmake --build "$GEMBED_PYTHON_BUILD_DIR" --target gembed -j "${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" >/dev/null

echo "== pytest python/tests" >&2
# Run from outside the source tree, so `import gembed` finds the installed package and not
# python/gembed (which has no compiled module).
cd "$out"
GEMBED_SHARED_DIR=${GEMBED_SHARED_DIR:-$(cd "$root/.." && pwd)/shared} \
GEMBED_CLI="$GEMBED_PYTHON_BUILD_DIR/src/cli/gembed" \
  timeout 900 "$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/python/tests" "$@"  # a hang fails, never stalls CI
