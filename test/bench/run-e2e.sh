#!/usr/bin/env bash
# Benchmark 9: the cpp-httplib example service under wrk on loopback, tracing off (the
# same service without gatetrace installed: --untraced) vs. tracing on vs. tracing on
# with APIM headers, the agent stand-in receiving in --discard
# mode (it counts each payload's traces from its first bytes and drops the rest unread,
# keeping nothing; a fresh one per run, whose count of traces received shows whether the
# exporter kept up). Runs alternate
# (off, on, off+APIM, on+APIM, then the next round in reverse order) for PAIRS rounds,
# each DURATION seconds, and the table gives the median requests/s and p99 latency of
# each mode as ratios to tracing off with the same requests: on+APIM is compared with
# tracing off receiving the same APIM requests through the same wrk script (its 9 extra
# headers cost cpp-httplib's parser, and the script costs wrk, on the shared cores,
# whether the service traces or not), and also with plain tracing off.
#
#   test/bench/run-e2e.sh                      # builds build-bench with the examples
#   PAIRS=5 DURATION=10 test/bench/run-e2e.sh
#
# On a shared or noisy host, compare changes by instructions per request instead:
# test/bench/e2e-callgrind.sh runs the same service and requests under callgrind.
#
# Settings (environment): E2E_SERVICE (path of the example binary; default:
# build-bench/examples/gatetrace-example-httplib, built here), E2E_PORT (default 18080),
# E2E_PATH (default /api/widgets/7: a handler with a child span and a traced downstream
# call), AGENT_PORT (default 18126), CONNECTIONS (default 8), THREADS (wrk threads,
# default 1), WARMUP (seconds of unmeasured load on each fresh service process before
# the measured run; default 2), STANDIN_NICE (run the stand-in at this nice level; default:
# unchanged), STANDIN_ARGS (more stand-in options, e.g. --count-spans to walk every payload
# as earlier rounds did), BUILD_DIR.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$root/build-bench}"
pairs="${PAIRS:-3}"
duration="${DURATION:-10}"
warmup="${WARMUP:-2}"
port="${E2E_PORT:-18080}"
path="${E2E_PATH:-/api/widgets/7}"
agent_port="${AGENT_PORT:-18126}"
connections="${CONNECTIONS:-8}"
threads="${THREADS:-1}"
standin_nice="${STANDIN_NICE:-}"
read -r -a standin_args <<<"${STANDIN_ARGS:-}"

command -v wrk >/dev/null || { echo "wrk is not installed (Debian package wrk)" >&2; exit 1; }

if [[ -z "${E2E_SERVICE:-}" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGATETRACE_BUILD_BENCHMARKS=ON \
    -DGATETRACE_BUILD_EXAMPLES=ON >/dev/null
  cmake --build "$build" -j2 --target gatetrace-example-httplib gatetrace-agent-stand-in \
    >/dev/null
  E2E_SERVICE="$build/examples/gatetrace-example-httplib"
fi
if [[ -z "${E2E_SERVICE:-}" || ! -x "$E2E_SERVICE" ]]; then
  echo "no cpp-httplib example service found (set E2E_SERVICE); nothing measured" >&2
  exit 2
fi
stand_in="$(find "$build" -type f -executable -name gatetrace-agent-stand-in | head -n1)"
if [[ -z "$stand_in" ]]; then
  cmake --build "$build" --target gatetrace-agent-stand-in -j2 >/dev/null
  stand_in="$(find "$build" -type f -executable -name gatetrace-agent-stand-in | head -n1)"
fi

work="$(mktemp -d)"
agent_pid=""
service_pid=""
cleanup() {
  [[ -n "$service_pid" ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  [[ -n "$agent_pid" ]] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

wait_for_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# A fresh stand-in per run, so that its totals (printed when it stops) are that run's:
# the traces it received show whether the exporter kept up or dropped some.
start_stand_in() {
  ${standin_nice:+nice -n "$standin_nice"} "$stand_in" --port "$agent_port" --discard \
    ${standin_args[@]+"${standin_args[@]}"} \
    >"$work/agent.log" 2>&1 &
  agent_pid=$!
  wait_for_port "$agent_port" || { echo "the agent stand-in did not start" >&2; exit 1; }
}
stop_stand_in() {
  kill "$agent_pid"
  wait "$agent_pid" 2>/dev/null || true
  agent_pid=""
}

# The scheduler's per-thread counters of the service (/proc/PID/task/TID/schedstat: ns on
# a CPU, ns waiting on a run queue, time slices), one line per thread: "tid comm cpu wait
# slices". Read before and after the measured run, they say where a request's time went
# (its CPU, its wait for a CPU) and what the flush thread (gatetrace-flush) took.
schedstat() {
  local task
  for task in /proc/"$1"/task/*; do
    echo "${task##*/} $(tr ' ' '_' <"$task/comm" 2>/dev/null) $(cat "$task/schedstat" 2>/dev/null)"
  done
}

# run MODE -> appends "MODE rps p99_us non2xx requests traces_received p50_us p90_us
# cpu_us wait_us flush_cpu_us flush_slice_us" to $work/results (the last four per
# measured request: the service's CPU and run-queue wait, the flush thread's CPU, and
# the flush thread's mean time on a CPU per slice)
run() {
  local mode="$1" untraced=() script=()
  start_stand_in
  # Tracing off is the service without gatetrace installed (--untraced), not
  # DD_TRACE_ENABLED=false, which keeps spans and propagation working and only stops sending.
  [[ "$mode" == off || "$mode" == offapim ]] && untraced=(--untraced)
  [[ "$mode" == apim || "$mode" == offapim ]] && script=(-s "$here/apim.lua")
  DD_TRACE_AGENT_URL="http://127.0.0.1:$agent_port" \
    DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED=true DD_TRACE_STARTUP_LOGS=false \
    DD_SERVICE=e2e-bench "$E2E_SERVICE" --port "$port" "${untraced[@]}" \
    >"$work/service-$mode.log" 2>&1 &
  service_pid=$!
  wait_for_port "$port" || { echo "the service did not listen on $port" >&2; exit 1; }
  # A fresh process's first requests pay for thread start-up, connection set-up (to the
  # service's own route and to the agent) and first-touch page faults: not measured.
  echo "0 requests in" >"$work/warmup.txt"
  if (( warmup > 0 )); then
    wrk -t"$threads" -c"$connections" -d"${warmup}s" "${script[@]}" \
      "http://127.0.0.1:$port$path" >"$work/warmup.txt"
  fi
  schedstat "$service_pid" >"$work/sched-before.txt"
  schedstat "$agent_pid" >"$work/agent-sched-before.txt"
  wrk -t"$threads" -c"$connections" -d"${duration}s" --latency "${script[@]}" \
    "http://127.0.0.1:$port$path" >"$work/wrk.txt"
  schedstat "$service_pid" >"$work/sched-after.txt"
  schedstat "$agent_pid" >"$work/agent-sched-after.txt"
  # The service sends what it still holds as it exits, before the stand-in stops.
  kill "$service_pid"
  wait "$service_pid" 2>/dev/null || true
  service_pid=""
  stop_stand_in
  python3 - "$mode" "$work/wrk.txt" "$work/warmup.txt" "$work/agent.log" \
    "$work/sched-before.txt" "$work/sched-after.txt" "$work/agent-sched-before.txt" \
    "$work/agent-sched-after.txt" >>"$work/results" <<'PY'
import re, sys
text = open(sys.argv[2]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def percentile(p):
    m = re.search(p + r"%\s+([\d.]+)(us|ms|s)\b", text)
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
requests = sum(int(re.search(r"(\d+) requests in", open(f).read()).group(1))
               for f in sys.argv[2:4])
measured = int(re.search(r"(\d+) requests in", text).group(1))
received = re.search(r"received \d+ requests, (\d+) traces", open(sys.argv[4]).read())
def threads(path):
    out = {}
    for line in open(path):
        fields = line.split()
        if len(fields) == 5:
            out[fields[0]] = (fields[1], int(fields[2]), int(fields[3]), int(fields[4]))
    return out
before, after = threads(sys.argv[5]), threads(sys.argv[6])
cpu = wait = flush_cpu = flush_slices = 0
for tid, (comm, c, w, n) in after.items():
    c0, w0, n0 = before.get(tid, (comm, 0, 0, 0))[1:]
    cpu += c - c0
    wait += w - w0
    if comm == "gatetrace-flush":
        flush_cpu += c - c0
        flush_slices += n - n0
per = 1e3 * max(1, measured)
# The stand-in's threads (a connection's thread lives as long as libcurl's connection).
agent_before, agent_after = threads(sys.argv[7]), threads(sys.argv[8])
agent_cpu = sum(c - agent_before.get(tid, (comm, 0, 0, 0))[1]
                for tid, (comm, c, w, n) in agent_after.items())
print(sys.argv[1], rps, percentile("99"), errors.group(1) if errors else 0, requests,
      received.group(1) if received else 0, percentile("50"), percentile("90"),
      f"{cpu / per:.1f}", f"{wait / per:.1f}", f"{flush_cpu / per:.2f}",
      f"{flush_cpu / 1e3 / max(1, flush_slices):.0f}", f"{agent_cpu / per:.2f}")
PY
  echo "$(tail -n1 "$work/results")" >&2
}

for pair in $(seq 1 "$pairs"); do
  if (( pair % 2 )); then order=(off on offapim apim); else order=(apim offapim on off); fi
  for mode in "${order[@]}"; do run "$mode"; done
done

python3 - "$work/results" <<'PY'
import statistics, sys
rows = {}
delivered = {}
sched = {}
for line in open(sys.argv[1]):
    mode, rps, p99, errors, requests, traces, p50, p90, cpu, wait, fcpu, fslice, acpu = line.split()
    rows.setdefault(mode, []).append((float(rps), float(p99), int(errors)))
    delivered.setdefault(mode, []).append(int(traces) / max(1, int(requests)))
    sched.setdefault(mode, []).append(
        tuple(float(x) for x in (p50, p90, cpu, wait, fcpu, fslice, acpu)))
def median_of(mode):
    return (statistics.median(r for r, _, _ in rows[mode]),
            statistics.median(p for _, p, _ in rows[mode]))
base_rps, base_p99 = median_of("off")
print("| mode | runs | requests/s (median) | x off, same requests | p99 (median) "
      "| x off, same requests | x plain off (rps, p99) | non-2xx | traces received "
      "per request (min) |")
print("|---|---|---|---|---|---|---|---|---|")
names = {"off": "tracing off", "on": "tracing on",
         "offapim": "tracing off, APIM requests", "apim": "tracing on + APIM headers"}
baseline = {"off": "off", "on": "off", "offapim": "offapim", "apim": "offapim"}
for mode in ("off", "on", "offapim", "apim"):
    r, p = median_of(mode)
    same_rps, same_p99 = median_of(baseline[mode])
    e = sum(z for _, _, z in rows[mode])
    print(f"| {names[mode]} | {len(rows[mode])} | {r:,.0f} | {r / same_rps:.3f} | "
          f"{p / 1000:.2f} ms | {p / same_p99:.3f} | "
          f"{r / base_rps:.3f}, {p / base_p99:.3f} | {e} | "
          f"{min(delivered[mode]):.2f} |")
print()
print("| mode | p50 (median) | p90 (median) | service CPU per request | run-queue wait per "
      "request | flush thread CPU per request | flush thread time per slice | stand-in CPU "
      "per request |")
print("|---|---|---|---|---|---|---|---|")
for mode in ("off", "on", "offapim", "apim"):
    m = [statistics.median(run[i] for run in sched[mode]) for i in range(7)]
    print(f"| {names[mode]} | {m[0] / 1000:.2f} ms | {m[1] / 1000:.2f} ms | {m[2]:.1f} us | "
          f"{m[3]:.1f} us | {m[4]:.2f} us | {m[5]:.0f} us | {m[6]:.2f} us |")
print()
print("Targets: tracing on + APIM >= 0.95x the untraced throughput, p99 <= 1.10x "
      "(same requests).")
print("Scheduler columns (from /proc/PID/task/*/schedstat over the measured run, per "
      "request): the service's threads' time on a CPU and waiting for one; the flush "
      "thread's CPU and its mean time on a CPU each time it ran (its bursts); the agent "
      "stand-in's CPU (a separate process on the same cores).")
print("Traces received per request: what the stand-in counted over the run's requests "
      "(warm-up included); the default path makes 2 traces per request, so less means "
      "the exporter dropped some (its queue was full), which also spares it their cost.")
PY
