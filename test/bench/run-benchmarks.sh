#!/usr/bin/env bash
# Builds the benchmark suite (Release, in build-bench), runs every benchmark with
# repetitions in random interleaving, and prints the results table (medians, and each
# figure as a multiple of the reference benchmarks measured in the same run).
#
#   test/bench/run-benchmarks.sh            # 5 repetitions
#   REPETITIONS=9 test/bench/run-benchmarks.sh
#   FILTER='BM_Ref|BM_1' test/bench/run-benchmarks.sh
#
# The JSON results stay in build-bench/bench-results.json.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$root/build-bench}"
repetitions="${REPETITIONS:-5}"
filter="${FILTER:-.}"
jobs="${JOBS:-2}"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGATETRACE_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" --target gatetrace_bench -j"$jobs"

echo "load before the run: $(uptime)" >&2
"$build/test/bench/gatetrace_bench" \
  --benchmark_filter="$filter" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_repetitions="$repetitions" \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$build/bench-results.json" \
  --benchmark_out_format=json >&2
python3 "$here/results_table.py" "$build/bench-results.json"
