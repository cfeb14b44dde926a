#!/usr/bin/env bash
# Installs what is needed, builds the debug preset (ASan + UBSan) and runs the whole test suite,
# then builds the release preset (benchmarks included) so it cannot rot unnoticed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
jobs=$(nproc)
cmake --preset debug >/dev/null
cmake --build --preset debug -j "$jobs"
ctest --preset debug -j "$jobs"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
