#!/usr/bin/env bash
# The main job in one command on a fresh Debian 12 machine: installs what is needed, builds,
# then runs gembed with the arguments given, e.g.
#   scripts/gembed.sh embed --model ../shared/fixtures/models/tiny-text "What is the capital of France?"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
GEMBED_TARGET=gembed "$root/scripts/build.sh" "$root/build" >&2
exec "$root/build/src/cli/gembed" "$@"
