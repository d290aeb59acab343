#!/usr/bin/env bash
# gatetrace's demo: builds the library and the cpp-httplib example service, starts the
# agent stand-in (it prints every trace it receives as a tree), starts the service
# pointed at it, sends requests the way Azure API Management forwards them (with the
# x-dd-proxy* headers its inbound policy adds, examples/azure-apim/policy.xml) and one
# without, and shows the traces: the inferred `azure.apim` span on top, the service's
# server span under it. No Datadog account or agent needed; it ends by itself.
#
#   examples/demo/run-demo.sh
#
# Environment: GATETRACE_DEMO_BUILD_DIR reuses a build directory (default build-demo/,
# Release); GATETRACE_DEMO_NO_BUILD=1 uses the programs already built there (CTest's
# `demo` test does); GATETRACE_DEMO_SKIP_APT=1 skips the package check.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${GATETRACE_DEMO_BUILD_DIR:-$root/build-demo}
work=$(mktemp -d)
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "DEMO FAILED: $*" >&2
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; cat "$log" >&2; }; done
  exit 1
}

# 1. Packages (Debian), installed only when missing.
if [ "${GATETRACE_DEMO_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for package in cmake g++ pkg-config nlohmann-json3-dev libcurl4-openssl-dev libfmt-dev \
                 libre2-dev libcpp-httplib-dev libboost-dev curl; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
  fi
fi

# 2. Build (Release unless an existing build directory is reused).
if [ "${GATETRACE_DEMO_NO_BUILD:-0}" = 1 ]; then
  echo "== using the programs built in $build"
elif [ -f "$build/CMakeCache.txt" ]; then
  echo "== building in $build"
  cmake -S "$root" -B "$build" -DGATETRACE_BUILD_EXAMPLES=ON >"$work/configure.log" 2>&1 ||
    fail "cmake configure"
else
  echo "== building in $build (Release)"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGATETRACE_BUILD_EXAMPLES=ON \
    >"$work/configure.log" 2>&1 || fail "cmake configure"
fi
if [ "${GATETRACE_DEMO_NO_BUILD:-0}" != 1 ]; then
  cmake --build "$build" --target gatetrace-agent-stand-in gatetrace-example-httplib \
    -j"$(nproc)" >"$work/build.log" 2>&1 || fail "build"
fi
stand_in=$(find "$build" -name gatetrace-agent-stand-in -type f -perm -u+x 2>/dev/null | head -n1 || true)
service=$(find "$build" -name gatetrace-example-httplib -type f -perm -u+x 2>/dev/null | head -n1 || true)
[ -n "$stand_in" ] && [ -n "$service" ] || fail "built programs not found in $build"

# 3. The agent stand-in, on an ephemeral port it reports.
"$stand_in" --port 0 >"$work/agent.log" 2>&1 &
pids+=($!)
agent_url=""
for _ in $(seq 100); do
  agent_url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/agent.log")
  [ -n "$agent_url" ] && break
  sleep 0.05
done
[ -n "$agent_url" ] || fail "the agent stand-in did not start"
echo "== agent stand-in at $agent_url"

# 4. The example service, on a free port (tried from a random high one).
port=""
for _ in $(seq 20); do
  candidate=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
[ -n "$port" ] || fail "no free port"
DD_TRACE_AGENT_URL="$agent_url" DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED=true \
  DD_TRACE_FLUSH_INTERVAL=200 DD_TRACE_STARTUP_LOGS=false DD_ENV=demo \
  "$service" --port "$port" >"$work/service.log" 2>&1 &
service_pid=$!
pids+=($service_pid)
# It prints its address once its socket listens (no probe request: it would be traced).
for _ in $(seq 200); do
  grep -q "listening on" "$work/service.log" && break
  kill -0 "$service_pid" 2>/dev/null || fail "the service exited"
  sleep 0.05
done
grep -q "listening on" "$work/service.log" || fail "the service did not start"
echo "== widget-shop (cpp-httplib) at http://127.0.0.1:$port"

# 5. Requests as Azure API Management forwards them, then one straight to the service.
apim() {
  curl -fsS "http://127.0.0.1:$port$1" \
    -H "x-dd-proxy: azure-apim" \
    -H "x-dd-proxy-request-time-ms: $(($(date +%s%3N) - 4))" \
    -H "x-dd-proxy-httpmethod: GET" \
    -H "x-dd-proxy-path: $2" \
    -H "x-dd-proxy-region: West Europe" \
    -H "x-dd-proxy-domain-name: widget-shop.azure-api.net"
  echo
}
echo "== GET /api/widgets/7 through APIM:  $(apim /api/widgets/7 /widgets/{id})"
echo "== GET /api/widgets/8 through APIM:  $(apim "/api/widgets/8?subscription-key=abc&api_key=s3cret" /widgets/{id})"
echo "== GET /api/widgets/9 directly:      $(curl -fsS "http://127.0.0.1:$port/api/widgets/9")"

# 6. Stop the service (its tracer flushes on the way out) and wait for the traces:
#    three requests, each with its downstream call's trace part (6 chunks).
kill -TERM "$service_pid"
wait "$service_pid" 2>/dev/null || true
for _ in $(seq 100); do
  [ "$(grep -c '^trace ' "$work/agent.log")" -ge 6 ] && break
  sleep 0.05
done
echo
echo "== the service's log (note dd.trace_id / dd.span_id)"
cat "$work/service.log"
echo
echo "== traces received by the agent stand-in"
grep -v "listening on" "$work/agent.log"
[ "$(grep -c '^trace ' "$work/agent.log")" -ge 6 ] || fail "expected 6 trace chunks"
grep -q "azure.apim" "$work/agent.log" || fail "no inferred azure.apim span"
echo
echo "demo finished"
