#!/usr/bin/env bash
# One OPC UA subscription with 1,000 monitored items changing every 100 ms, through
# SubscriptionKeeper, against the node-opcua simulator; then 3 server restarts (kill by pid,
# start again on the same port) timed until data flows again. Prints figures for
# docs/PERFORMANCE.md.
#   bench/run_opcua_bench.sh [build-dir]     (default build/release)
#   OPCUA_BENCH_ITEMS (1000), OPCUA_BENCH_INTERVAL_MS (100), OPCUA_BENCH_SECONDS (10),
#   OPCUA_BENCH_RESTARTS (3), OPCUA_BENCH_RECONNECT_MAX_MS (the keeper's backoff cap, 30000)
# Everything runs on 127.0.0.1; the driver starts the simulator and stops it by its pid.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
driver=$build/bench/pb_opcua_notifications
[[ -x $driver ]] || { echo "missing $driver: build the release preset" >&2; exit 2; }
node=$(command -v node || command -v nodejs || true)
[[ -n $node ]] || { echo "node not found: scripts/install-deps.sh --test" >&2; exit 2; }
[[ -d tools/opcua_sim/node_modules/node-opcua ]] ||
  { echo "tools/opcua_sim/node_modules missing: scripts/install-deps.sh --test" >&2; exit 2; }

"$driver" --node "$node" --sim tools/opcua_sim/cnc_server.js \
  --items "${OPCUA_BENCH_ITEMS:-1000}" --interval-ms "${OPCUA_BENCH_INTERVAL_MS:-100}" \
  --seconds "${OPCUA_BENCH_SECONDS:-10}" --restarts "${OPCUA_BENCH_RESTARTS:-3}" \
  --reconnect-max-ms "${OPCUA_BENCH_RECONNECT_MAX_MS:-30000}"
