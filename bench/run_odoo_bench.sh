#!/usr/bin/env bash
# The Odoo target's business operations against the Odoo test double configured with the
# latency and worker count measured on a real 2-core Odoo 18 (tools/odoo_double/README.md:
# --latency-ms 25 --read-latency-ms 6 --capacity 2). Prints figures for docs/PERFORMANCE.md.
#   bench/run_odoo_bench.sh [build-dir]     (default build/release)
#   ODOO_BENCH_SECONDS (10), ODOO_BENCH_MACHINES (50), ODOO_BENCH_RATE (counts/s per machine, 4)
# Everything runs on 127.0.0.1 and stops by itself; only the double started here is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
flood=$build/bench/pb_odoo_flood
[[ -x $flood ]] || { echo "missing $flood: build the release preset" >&2; exit 2; }

work=$(mktemp -d)
double_pid=""
cleanup() {
  [[ -n $double_pid ]] && kill "$double_pid" 2>/dev/null && wait "$double_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

key=3f1c0a9e5b7d2c4e6f8a1b3d5c7e9f0a2b4c6d8e
echo "$key" > "$work/odoo.key"

run() {  # $1: concurrency (the limit's maximum)
  python3 tools/odoo_double/odoo_double.py --version 18 --db mfg --user admin \
    --api-key-file "$work/odoo.key" --seed tools/odoo_double/seed_example.json \
    --latency-ms 25 --read-latency-ms 6 --capacity 2 >"$work/double.out" 2>"$work/double.err" &
  double_pid=$!
  for _ in $(seq 200); do grep -q listening "$work/double.out" 2>/dev/null && break; sleep 0.05; done
  local port
  port=$(sed -n 's/listening .*:\([0-9]*\)$/\1/p' "$work/double.out" | head -1)
  [[ -n $port ]] || { echo "the Odoo double did not start:" >&2; cat "$work/double.err" >&2; exit 1; }
  echo "== concurrency $1"
  "$flood" --url "http://127.0.0.1:$port" --key-file "$work/odoo.key" \
    --machines "${ODOO_BENCH_MACHINES:-50}" --rate "${ODOO_BENCH_RATE:-4}" \
    --seconds "${ODOO_BENCH_SECONDS:-10}" --concurrency "$1" 2>/dev/null
  kill "$double_pid"; wait "$double_pid" 2>/dev/null || true; double_pid=""
}

run 2
run 8
