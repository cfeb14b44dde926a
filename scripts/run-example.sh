#!/usr/bin/env bash
# Installs what is needed, builds the release preset and runs `plantbridge run` on the example
# configuration (embedded SQLite store under ./data, listening on 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target plantbridge
exec ./build/release/src/app/plantbridge run examples/plant.yaml "$@"
