#!/usr/bin/env bash
# Benchmarks of the hub on this machine; prints figures for docs/PERFORMANCE.md.
#   bench/run_benchmarks.sh [build-dir]      (default build/release; build it first:
#   cmake --preset release && cmake --build --preset release)
# Everything runs on 127.0.0.1 and stops by itself; only processes started here are stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
pb=$build/src/app/plantbridge
load=$build/bench/pb_ingest_load
sink=$build/tools/http_sink/pb_http_sink
seconds=${BENCH_SECONDS:-10}
for f in "$pb" "$load" "$sink"; do [[ -x $f ]] || { echo "missing $f: build the release preset" >&2; exit 2; }; done

work=$(mktemp -d)
hub_pid=""; sink_pid=""
cleanup() {
  [[ -n $hub_pid ]] && kill "$hub_pid" 2>/dev/null && wait "$hub_pid" 2>/dev/null || true
  [[ -n $sink_pid ]] && kill "$sink_pid" 2>/dev/null && wait "$sink_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

token=bench-token
hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)

"$sink" > "$work/sink.out" 2>"$work/sink.err" & sink_pid=$!
for _ in $(seq 100); do grep -q listening "$work/sink.out" 2>/dev/null && break; sleep 0.05; done
sink_port=$(sed -n 's/.*listening .*:\([0-9]*\).*/\1/p' "$work/sink.out" | head -1)

start_hub() {  # $1: routes on|off
  local routes=""
  if [[ $1 == on ]]; then
    routes="routes:
  - name: counts
    when: {type: production.count}
    target: sink
    ordering_key: \"{{context.work_center}}\"
    body: '{\"key\":\"{{id}}\",\"asset\":\"{{asset}}\",\"quantity\":{{payload.quantity}}}'"
  fi
  rm -f "$work"/store.db*
  sync  # the last run's writeback and the discards of its deleted store, not in this one's figures
  cat > "$work/bench.yaml" <<YAML
environment: test
site: plant-1
server: {listen: "127.0.0.1:0", max_records_per_request: 10000, threads: 2}
store: {path: $work/store.db, high_water_mark: 100000000}
log: {level: warn, json: true}
auth:
  tokens:
    - {name: bench, sha256: $hash, scopes: [admin]}
schemas:
  production.count:
    payload:
      quantity: {type: integer, required: true, min: 0}
$routes
targets:
  sink:
    kind: webhook
    url: http://127.0.0.1:$sink_port/hook
    concurrency: 16
    timeout: 10s
YAML
  "$pb" run "$work/bench.yaml" > "$work/hub.out" 2>"$work/hub.err" & hub_pid=$!
  for _ in $(seq 200); do grep -q "listening on" "$work/hub.out" 2>/dev/null && break; sleep 0.05; done
  hub_port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/hub.out" | head -1)
}
stop_hub() {
  echo "hub peak RSS (VmHWM): $(grep VmHWM /proc/$hub_pid/status | awk '{print $2/1024 " MB"}')"
  kill "$hub_pid"; wait "$hub_pid" || true; hub_pid=""
}
run_load() { echo "--- $*"; "$load" --port "$hub_port" --token "$token" --seconds "$seconds" "$@"; }
metric() {
  curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$hub_port/metrics" |
    sed -n "s/^plantbridge_$1 //p"
}
# After a flood the pipeline works off the backlog alone: its own rate, all six stages, committed.
measure_drain() {
  local backlog begin end deadline=$(( $(date +%s) + 300 ))
  backlog=$(metric pipeline_backlog); begin=$(date +%s.%N)
  while [[ $(metric pipeline_backlog) != 0 ]]; do
    (( $(date +%s) > deadline )) && { echo "pipeline backlog not drained after 300 s"; return; }
    sleep 0.05
  done
  end=$(date +%s.%N)
  awk -v n="$backlog" -v b="$begin" -v e="$end" 'BEGIN {
    printf "pipeline drained a backlog of %d events in %.2f s: %.0f events/s\n", n, e - b, n / (e - b) }'
}

echo "=== ingest only (events journaled and run through the pipeline, no routes)"
# Each scenario on a fresh hub and store: the disk work one leaves behind (checkpoints of a
# 100k events/s burst) would otherwise land in the next one's latency figures.
for scenario in "--connections 8 --batch 100" "--connections 64 --batch 1" \
                "--connections 16 --batch 1 --rate 5000"; do
  start_hub off
  # shellcheck disable=SC2086  # the scenario is a list of flags
  run_load $scenario
  [[ $scenario == "--connections 8 --batch 100" ]] && measure_drain
  stop_hub
done

echo "=== ingest to delivery (every event routed to the HTTP sink)"
curl -s -X POST "http://127.0.0.1:$sink_port/reset" >/dev/null
start_hub on
begin=$(date +%s.%N)
run_load --connections 8 --batch 100 --seconds 5 | tee "$work/e2e.txt"
accepted=$(sed -n 's/^requests=.* accepted=\([0-9]*\).*/\1/p' "$work/e2e.txt")
deadline=$(( $(date +%s) + 600 ))
while :; do
  distinct=$(curl -s "http://127.0.0.1:$sink_port/stats" | sed -n 's/.*"distinct":\([0-9]*\).*/\1/p')
  [[ ${distinct:-0} -ge $accepted ]] && break
  (( $(date +%s) > deadline )) && { echo "sink has $distinct of $accepted after 600 s"; break; }
  sleep 0.2
done
end=$(date +%s.%N)
awk -v d="$distinct" -v a="$accepted" -v b="$begin" -v e="$end" 'BEGIN {
  printf "delivered %d of %d events to the sink in %.1f s: %.0f events/s ingest-to-delivery\n",
         d, a, e - b, d / (e - b) }'
stop_hub
