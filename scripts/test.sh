#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what is needed, builds, runs
# every test (fixtures, tokenizer, CLI, collections, hub, server, the full-size random model,
# the 100k-vector ANN recall), installs the Python package with pip and runs its pytest
# suite, then builds again with
# AddressSanitizer + UndefinedBehaviorSanitizer and runs the suite there (the full-size
# model test is left out of that build: it is the same code, 20× slower).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared" 2>/dev/null && pwd) || { echo "test: ../shared (fixtures) not found beside the repository" >&2; exit 1; }
"$root/scripts/setup.sh"

echo "== release build"
"$root/scripts/build.sh" "$root/build"

# The full-size random model (606 MB, ~20 s) is generated, not stored.
full="$root/build/full-random"
if [ ! -f "$full/.complete" ]; then
  echo "== generating the full-size random model into $full"
  rm -rf "$full"
  /usr/bin/python3 "$shared/tools/make_random_model.py" full "$full" >/dev/null
  touch "$full/.complete"
fi

echo "== tests (release)"
ctest --test-dir "$root/build" --output-on-failure -j "$(nproc)" --timeout 1200

echo "== Python package: pip install . into a venv, then pytest"
"$root/scripts/python_test.sh"

if [ "${GEMBED_SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== sanitizer build (ASan + UBSan)"
  "$root/scripts/build.sh" "$root/build-asan" -DGEMBED_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
  echo "== tests (ASan + UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$root/build-asan" --output-on-failure -j "$(nproc)" --timeout 1200 -LE "full|slow"
fi
