#!/usr/bin/env bash
# Installs what plantbridge needs to build, run and test, from Debian 12's packages only.
# Idempotent: installs nothing when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev sqlite3 libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
  openssl python3 curl
)
if [[ "${1:-}" == "--test" ]]; then
  # Test peers started by the tests themselves.
  packages+=(mosquitto nats-server postgresql)
  # node-opcua (tools/opcua_sim) needs Node.js >= 18; Debian 12 has 18. A node already on the
  # PATH (e.g. a newer one) is used as it is.
  command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "plantbridge: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--test" ]]; then
  # The OPC UA test server: node-opcua pinned by tools/opcua_sim/package-lock.json. Installed
  # again only when node_modules is missing or the lock file changed since the last install.
  sim_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/opcua_sim"
  lock_sum="$(sha256sum "$sim_dir/package-lock.json" | cut -d' ' -f1)"
  stamp="$sim_dir/node_modules/.plantbridge-lock.sha256"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
    echo "plantbridge: installing tools/opcua_sim (npm ci)" >&2
    (cd "$sim_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$lock_sum" >"$stamp"
  fi
fi
