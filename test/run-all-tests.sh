#!/usr/bin/env bash
# gatetrace's whole test suite, from a fresh Debian 12 machine: installs the Debian
# packages it needs (when missing), then builds and runs
#   1. every test in a Release build with the static library (unit, integration,
#      examples, the demo, and the consumer tests: find_package, add_subdirectory,
#      pkg-config),
#   2. the consumer tests and the exported-symbols check with the shared library,
#   3. the unit and integration tests under AddressSanitizer + UndefinedBehaviorSanitizer,
#   4. the same under ThreadSanitizer (stress sizes reduced for both),
#   5. each libFuzzer target for a bounded time.
# Exits non-zero at the first failing stage. CI runs exactly this (.ci/run).
#
# Environment: GATETRACE_JOBS (default: nproc), GATETRACE_SKIP_SANITIZERS=1 and
# GATETRACE_SKIP_FUZZ=1 to run only the Release stage while iterating.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${GATETRACE_JOBS:-$(nproc)}

# Debian packages: the build, the library's dependencies, the frameworks, test tools.
packages=(cmake g++ clang make pkg-config git python3 curl libgtest-dev libgmock-dev
          libbenchmark-dev nlohmann-json3-dev libcurl4-openssl-dev libfmt-dev libre2-dev
          libcpp-httplib-dev libboost-dev libclang-rt-14-dev ccache)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stage() { echo; echo "== $* ($(date +%T))"; }

# ccache makes the sanitizer and consumer rebuilds of unchanged files cheap.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout, so that another clone reuses the cache.
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
fi

# configure_build_test BUILD_DIR CTEST_ARGS -- CMAKE_ARGS...
run_suite() {
  local dir=$1; shift
  local ctest_args=$1; shift
  cmake -S . -B "$dir" -DGATETRACE_BUILD_TESTS=ON "${launcher[@]}" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  # shellcheck disable=SC2086
  (cd "$dir" && ctest --output-on-failure -j "$jobs" $ctest_args)
}

stage "Release build (static library) and every test"
run_suite build-ci "" -DCMAKE_BUILD_TYPE=Release -DGATETRACE_BUILD_EXAMPLES=ON
# CTest runs each test case in a process of its own, which hides tests that depend on
# what an earlier case left behind (per-thread pools, caches): run each unit binary whole
# too, in shuffled order.
for unit in build-ci/test/unit_*; do
  [[ -f "$unit" && -x "$unit" ]] || continue
  "$unit" --gtest_shuffle --gtest_brief=1 >/dev/null || { echo "$unit failed run whole" >&2; exit 1; }
done
echo "unit binaries run whole, shuffled: all passed"

stage "Shared library: consumers and exported symbols"
cmake -S . -B build-ci-shared -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
  -DGATETRACE_BUILD_TESTS=ON "${launcher[@]}" >/dev/null
# Only what the consumer tests install and run; the test programs are the same as above.
shared_targets=(gatetrace gatetrace-agent-stand-in)
available=$(cmake --build build-ci-shared --target help)  # not piped: grep -q would cut it off
for target in gatetrace_httplib gatetrace_beast gatetrace-config-table; do
  grep -qx "\.\.\. $target" <<<"$available" && shared_targets+=("$target")
done
cmake --build build-ci-shared -j "$jobs" --target "${shared_targets[@]}"
(cd build-ci-shared && ctest --output-on-failure -L consumer -E consumer_add_subdirectory)

if [[ "${GATETRACE_SKIP_SANITIZERS:-0}" != 1 ]]; then
  stage "AddressSanitizer + UndefinedBehaviorSanitizer"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  GATETRACE_STRESS_SCALE=0.1 \
    run_suite build-ci-asan "-LE no-sanitizer|consumer|demo" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DGATETRACE_SANITIZE=address,undefined

  stage "ThreadSanitizer"
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/test/tsan.supp" \
  GATETRACE_STRESS_SCALE=0.1 \
    run_suite build-ci-tsan "-LE no-sanitizer|consumer|demo" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DGATETRACE_SANITIZE=thread
fi

if [[ "${GATETRACE_SKIP_FUZZ:-0}" != 1 && -f test/fuzz/CMakeLists.txt ]]; then
  stage "Fuzzing (bounded)"
  cmake -S . -B build-ci-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DGATETRACE_BUILD_FUZZERS=ON "${launcher[@]}" >/dev/null
  cmake --build build-ci-fuzz -j "$jobs"
  (cd build-ci-fuzz && ctest --output-on-failure -L fuzz)
fi

stage "all stages passed"
