#!/usr/bin/env bash
# Lint check: clang-format-14 (check only, changes nothing) over every .cc and .h under include/,
# src/, tools/, bench/ and tests/, then clang-tidy-14 (.clang-tidy; findings are errors) over
# every .cc under src/, tools/, bench/ and tests/. Exits non-zero on any finding.
#
# Usage: scripts/lint.sh [REGEX]   (REGEX: clang-tidy only the .cc files whose path matches it)
#   PB_LINT_BUILD_DIR  build dir whose compile_commands.json clang-tidy reads (default build/lint;
#                      (re)configured on each run so new files are in it; nothing is built)
#   JOBS               parallel clang-tidy processes (default: nproc)
# Fix formatting with: clang-format-14 -i FILE...
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PB_LINT_BUILD_DIR:-build/lint}
jobs=${JOBS:-$(nproc)}
status=0

echo "== clang-format-14"
find include src tools bench tests -type f \( -name '*.cc' -o -name '*.h' \) -print0 |
  sort -z | xargs -0 clang-format-14 --dry-run -Werror || status=1

echo "== clang-tidy-14 (compile commands from $build_dir)"
new_dir=()
[[ -f "$build_dir/CMakeCache.txt" ]] || new_dir=(-G Ninja -DCMAKE_BUILD_TYPE=Debug)
if ! out=$(cmake -S . -B "$build_dir" "${new_dir[@]}" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON 2>&1); then
  echo "$out" >&2
  exit 2
fi
# Unbuffered, so findings and clang-tidy's notes do not interleave; the list of enabled checks
# and the "N warnings generated" counts (of warnings it suppressed) are dropped.
PYTHONUNBUFFERED=1 run-clang-tidy-14 -quiet -p "$build_dir" -j "$jobs" \
  "${1:-$PWD/(src|tools|bench|tests)/.*\.cc$}" 2>&1 |
  sed -E '/^Enabled checks:/,/^$/d; / generated\.$/d' || status=1

if ((status != 0)); then
  echo "lint: findings above" >&2
fi
exit "$status"
