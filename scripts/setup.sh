#!/usr/bin/env bash
# Installs the Debian 12 packages gembed builds and tests with (idempotent; needs root or
# sudo). Everything gembed depends on comes from Debian: no downloads at build time.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build ccache pkg-config
  nlohmann-json3-dev   # JSON: configs, JSONL input/output
  libsimdjson-dev      # JSON: the 33 MB tokenizer.json, parsed fast
  libcli11-dev         # command-line parsing
  libgtest-dev         # tests
  libsqlite3-dev       # collections: one SQLite file (FTS5 for BM25)
  libssl-dev           # SHA-256: collection content hashes, checks of downloads (libcrypto)
  libhnswlib-dev       # approximate nearest-neighbour index (header-only HNSW, src/index)
  libcurl4-openssl-dev # gembed pull: HTTPS downloads from the Hugging Face hub
  libcpp-httplib-dev   # gembed serve: HTTP server; tests: its client, a loopback stand-in for the hub
  curl                 # server tests: a real HTTP client against gembed serve
  python3-numpy        # ../shared/tools/make_random_model.py (full-size random model); the Python package
  pybind11-dev         # Python bindings (python/): the _gembed extension module
  python3-dev          # Python bindings: Python's headers
  python3-venv         # scripts/python_test.sh: the venv `pip install .` installs into
  python3-pip          # scripts/python_test.sh: pip install .
  python3-setuptools   # setup.py (pip install . builds with it, offline)
  python3-wheel        # pip builds the wheel with it (no pyproject.toml: no isolated build)
  python3-pytest       # the Python tests (python/tests)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
