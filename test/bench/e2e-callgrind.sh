#!/usr/bin/env bash
# Benchmark 9 in instructions: what one APIM request costs the cpp-httplib example service
# untraced and traced, the traced service's flush thread and the agent stand-in, counted by
# callgrind (which the host's noise cannot move, unlike wrk's requests/s).
#
# Each mode runs twice under `valgrind --tool=callgrind --separate-threads=yes`, once with
# WARMUP sequential keep-alive requests and once with WARMUP + REQUESTS, each process then
# stopped (SIGTERM: the traced service sends what it still holds as it exits, so every
# trace is flushed and received). The difference between the two runs, over REQUESTS, is
# the cost per request: start-up, warm-up (first-touch faults, connections) and shutdown
# cancel out. The requests carry the headers of apim.lua (x-dd-proxy*, traceparent) and
# go to /api/widgets/7 (a child span and a traced call to the service's own inner route).
# The service runs 4 pool threads instead of 64: one request at a time needs two (the
# outer request's and the inner call's), and each thread costs callgrind a start-up.
#
#   test/bench/e2e-callgrind.sh                   # builds build-bench with the examples
#   test/bench/e2e-callgrind.sh BUILD_DIR         # a build that has them (not rebuilt)
#   REQUESTS=1000 WARMUP=200 test/bench/e2e-callgrind.sh build-g
#
# Settings (environment): REQUESTS (default 500), WARMUP (default 100), E2E_PORT
# (default 18380), AGENT_PORT (default 18326), FLUSH_INTERVAL_MS (DD_TRACE_FLUSH_INTERVAL
# of the traced service; default 600000: under wrk the exporter sends a ~2 MiB payload
# about every 2,000 requests (its early flush), but under callgrind a request takes ~100x
# as long and the default 2 s interval would send one every ~70 requests, charging each
# request 20-30x its share of a payload's fixed cost (libcurl, the stand-in's request
# handling), and varying with the host's speed; with the long interval the run's traces
# go in the exit's flush, whose fixed cost the difference cancels, and what remains is
# the cost of their bytes; 2000 gives the timer's flushes back), KEEP (a directory to keep
# the callgrind files in, for callgrind_annotate; with a -g build they show where the
# instructions go).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build-bench}"
if [[ $# -eq 0 ]]; then
  # As run-e2e.sh: the Release build with the examples, configured and built here.
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGATETRACE_BUILD_BENCHMARKS=ON \
    -DGATETRACE_BUILD_EXAMPLES=ON >/dev/null
  cmake --build "$build" -j2 --target gatetrace-example-httplib gatetrace-agent-stand-in \
    >/dev/null
fi
build="$(cd "$build" && pwd)"
requests="${REQUESTS:-500}"
warmup="${WARMUP:-100}"
port="${E2E_PORT:-18380}"
agent_port="${AGENT_PORT:-18326}"
flush_ms="${FLUSH_INTERVAL_MS:-600000}"
path=/api/widgets/7

service="$build/examples/gatetrace-example-httplib"
stand_in="$(find "$build" -type f -executable -name gatetrace-agent-stand-in | head -n1)"
if [[ ! -x "$service" || -z "$stand_in" ]]; then
  echo "build $build has no example service or stand-in: configure it with" \
    "-DGATETRACE_BUILD_EXAMPLES=ON and build gatetrace-example-httplib" \
    "gatetrace-agent-stand-in" >&2
  exit 2
fi
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }

work="${KEEP:-$(mktemp -d)}"
mkdir -p "$work"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

wait_for_port() {
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}

callgrind() {
  local out="$1"
  shift
  exec valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out" "$@"
}

# run MODE COUNT: one process (and, traced, one stand-in) under callgrind serving COUNT
# requests; their files go to $work/MODE-COUNT/.
run() {
  local mode="$1" count="$2" dir="$work/$1-$2" untraced=() agent_pid="" service_pid
  mkdir -p "$dir"
  if [[ "$mode" == traced ]]; then
    callgrind "$dir/standin.%p" "$stand_in" --port "$agent_port" --discard \
      >"$dir/standin.log" 2>"$dir/standin.valgrind" &
    agent_pid=$!
    pids+=("$agent_pid")
    wait_for_port "$agent_port"
  else
    untraced=(--untraced)
  fi
  DD_TRACE_AGENT_URL="http://127.0.0.1:$agent_port" DD_TRACE_FLUSH_INTERVAL="$flush_ms" \
    DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED=true DD_TRACE_STARTUP_LOGS=false \
    DD_SERVICE=e2e-bench callgrind "$dir/service.%p" "$service" --port "$port" \
    --threads 4 "${untraced[@]}" >"$dir/service.log" 2>"$dir/service.valgrind" &
  service_pid=$!
  pids+=("$service_pid")
  wait_for_port "$port"
  python3 "$here/e2e_client.py" "$port" "$path" "$count"
  kill -TERM "$service_pid"
  wait "$service_pid" || true
  if [[ -n "$agent_pid" ]]; then
    kill -TERM "$agent_pid"
    wait "$agent_pid" || true
  fi
}

for mode in untraced traced; do
  run "$mode" "$warmup"
  run "$mode" "$((warmup + requests))"
done

python3 - "$work" "$warmup" "$requests" <<'PY'
import glob, os, re, sys
work, warmup, requests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def totals(mode, count):
    """Instructions of the run's parts: service (all threads but the flush thread),
    flush (the exporter's thread), standin (every thread of the stand-in)."""
    out = {"service": 0, "flush": 0, "standin": 0}
    for path in glob.glob(os.path.join(work, f"{mode}-{count}", "*.*")):
        name = os.path.basename(path)
        if not (name.startswith("service.") or name.startswith("standin.")):
            continue
        if name.endswith((".log", ".valgrind")):
            continue
        text = open(path, errors="replace").read()
        match = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        if not match:
            continue
        if name.startswith("standin."):
            part = "standin"
        elif "AgentExporter::run()" in text:
            part = "flush"
        else:
            part = "service"
        out[part] += int(match.group(1))
    return out

rows = {}
for mode in ("untraced", "traced"):
    low, high = totals(mode, warmup), totals(mode, warmup + requests)
    rows[mode] = {part: (high[part] - low[part]) / requests for part in low}
untraced, traced = rows["untraced"], rows["traced"]
print(f"instructions per APIM request ({requests} requests after {warmup}, {os.path.basename(work)}):")
print(f"  untraced service         {untraced['service'] + untraced['flush']:>10,.0f}")
print(f"  traced service           {traced['service']:>10,.0f}")
print(f"  traced flush thread      {traced['flush']:>10,.0f}")
print(f"  agent stand-in           {traced['standin']:>10,.0f}")
extra = traced["service"] + traced["flush"] + traced["standin"] - untraced["service"] - untraced["flush"]
print(f"  tracing's extra (all)    {extra:>10,.0f}")
# Every trace must have reached the stand-in (2 per request), or the exporter dropped
# some and the flush thread's and the stand-in's figures are too low.
log = open(os.path.join(work, f"traced-{warmup + requests}", "standin.log")).read()
received = re.search(r"(\d+) traces", log)
traces = int(received.group(1)) if received else 0
print(f"  traces received: {traces} for {warmup + requests} requests"
      + ("" if traces == 2 * (warmup + requests) else " (expected 2 per request)"))
PY
