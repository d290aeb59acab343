#!/usr/bin/env bash
# The memory-bound test as a soak: the agent is down, 8 threads produce traces flat out
# for SECONDS (default 60), resident memory must stay under the stated cap, and after the
# agent comes back sent + dropped must equal produced exactly. Then the cross-thread
# stress at full size. Builds a Release tree in build-soak (override with BUILD_DIR).
#
#   test/soak/run-soak.sh          # 60 s
#   test/soak/run-soak.sh 3600     # an hour
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
build=${BUILD_DIR:-$root/build-soak}

cmake -S "$root" -B "$build" -DGATETRACE_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target integration_reliability_memory integration_reliability_stress \
  -j "${GATETRACE_JOBS:-$(nproc)}"

GATETRACE_SOAK_SECONDS=$seconds "$build/test/integration_reliability_memory" \
  --gtest_filter=ReliabilityMemory.ResidentMemoryStaysUnderTheCap
"$build/test/integration_reliability_stress" \
  --gtest_filter=ReliabilityStress.EverySpanArrivesOnceInItsTraceWithItsParent
