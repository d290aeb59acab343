#!/usr/bin/env bash
# Consumes a gatetrace build the three ways the README offers and checks that the
# result sends a trace to the agent stand-in:
#
#   run.sh find_package     install the build into a temporary prefix, then configure
#                           test/consumer with -DCMAKE_PREFIX_PATH=<prefix>
#   run.sh add_subdirectory configure test/consumer on gatetrace's source tree
#   run.sh pkg_config       install, then c++ main.cpp $(pkg-config --cflags --libs gatetrace)
#
# Options (CTest passes them; see cmake/GatetraceConsumerTests.cmake):
#   --build-dir DIR  the gatetrace build tree (already built)
#   --source-dir DIR gatetrace's source tree
#   --stand-in PATH  the gatetrace-agent-stand-in program
#   --version X.Y.Z  the version the consumer must see
#   --shared ON|OFF  how the build tree built libgatetrace (BUILD_SHARED_LIBS)
#   --cxx PATH       the C++ compiler
# Exits 0 when the consumer built, ran, flushed, and the stand-in received its trace.
set -euo pipefail

mode="${1:-}"
shift || true
build_dir="" source_dir="" stand_in="" version="" shared="OFF" cxx="${CXX:-c++}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --source-dir) source_dir="$2"; shift 2 ;;
    --stand-in) stand_in="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --shared) shared="$2"; shift 2 ;;
    --cxx) cxx="$2"; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$mode" in find_package | add_subdirectory | pkg_config) ;; *)
  echo "usage: run.sh find_package|add_subdirectory|pkg_config --build-dir DIR" \
    "--source-dir DIR --stand-in PATH --version X.Y.Z [--shared ON|OFF] [--cxx PATH]" >&2
  exit 2 ;;
esac
for required in build_dir source_dir stand_in version; do
  if [[ -z "${!required}" ]]; then echo "run.sh: --${required//_/-} is required" >&2; exit 2; fi
done
if [[ ! -x "$stand_in" ]]; then
  echo "run.sh: $stand_in is not built; build the gatetrace tree first" >&2
  exit 2
fi

consumer_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/gatetrace-consumer-$mode.XXXXXX")"
stand_in_pid=""
cleanup() {
  if [[ -n "$stand_in_pid" ]]; then kill "$stand_in_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# The consumer must see only what this script sets.
while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\)=.*/\1/p')
jobs="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"

install_build() {
  echo "== installing $build_dir into $work/prefix"
  cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log" ||
    { cat "$work/install.log"; return 1; }
}

# Checks that a shared consumer resolves libgatetrace from the temporary prefix, not
# from the build tree or the system.
check_links_installed_library() {
  local program="$1"
  if [[ "$shared" == "ON" ]]; then
    local resolved
    resolved="$(ldd "$program" | sed -n 's/.*libgatetrace\.so[^ ]* => \([^ ]*\).*/\1/p')"
    echo "libgatetrace resolved to: $resolved"
    [[ "$resolved" == "$work/prefix/"* ]] ||
      { echo "FAIL: the consumer does not use the installed libgatetrace" >&2; return 1; }
  elif ldd "$program" | grep -q libgatetrace; then
    echo "FAIL: a static build's consumer depends on a shared libgatetrace" >&2
    return 1
  fi
}

build_consumer() {
  case "$mode" in
    find_package)
      install_build
      cmake -S "$consumer_dir" -B "$work/build" -DCMAKE_CXX_COMPILER="$cxx" \
        -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
        -DGATETRACE_CONSUMER_EXPECTED_VERSION="$version"
      cmake --build "$work/build" -j "$jobs"
      program="$work/build/consumer"
      check_links_installed_library "$program"
      ;;
    add_subdirectory)
      cmake -S "$consumer_dir" -B "$work/build" -DCMAKE_CXX_COMPILER="$cxx" \
        -DGATETRACE_CONSUMER_SOURCE_DIR="$source_dir" -DBUILD_SHARED_LIBS="$shared"
      cmake --build "$work/build" -j "$jobs"
      program="$work/build/consumer"
      ;;
    pkg_config)
      install_build
      local pc
      pc="$(find "$work/prefix" -name gatetrace.pc -print -quit)"
      [[ -n "$pc" ]] || { echo "FAIL: no gatetrace.pc installed" >&2; return 1; }
      export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
      pkg-config --validate gatetrace
      [[ "$(pkg-config --modversion gatetrace)" == "$version" ]] ||
        { echo "FAIL: gatetrace.pc says $(pkg-config --modversion gatetrace)" >&2; return 1; }
      local flags
      flags="$(pkg-config --cflags --libs gatetrace)"
      echo "pkg-config --cflags --libs gatetrace: $flags"
      program="$work/consumer"
      # shellcheck disable=SC2086  # the flags are words
      "$cxx" -std=c++17 -Wall -Wextra -Wpedantic -Werror \
        -DGATETRACE_CONSUMER_LINKAGE='"pkg-config"' "$consumer_dir/main.cpp" -o "$program" \
        $flags -Wl,-rpath,"$(pkg-config --variable=libdir gatetrace)"
      check_links_installed_library "$program"
      ;;
  esac
}

build_consumer

echo "== starting the agent stand-in"
"$stand_in" --port 0 --quiet >"$work/agent.log" 2>&1 &
stand_in_pid=$!
url=""
for _ in $(seq 100); do
  url="$(sed -n 's/^gatetrace agent stand-in listening on //p' "$work/agent.log")"
  [[ -n "$url" ]] && break
  kill -0 "$stand_in_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n "$url" ]] || { echo "FAIL: the stand-in did not start" >&2; cat "$work/agent.log" >&2; exit 1; }

echo "== running the consumer against $url"
status=0
DD_TRACE_AGENT_URL="$url" "$program" || status=$?

kill -TERM "$stand_in_pid"
wait "$stand_in_pid" || true
stand_in_pid=""
echo "== the stand-in saw:"
cat "$work/agent.log"

[[ $status -eq 0 ]] || { echo "FAIL: the consumer exited with $status" >&2; exit 1; }
# The consumer sent one trace of two spans, and nothing else reached the stand-in.
grep -q '^[A-Z]* /v0.4/traces: 1 traces, 2 spans' "$work/agent.log" ||
  { echo "FAIL: the stand-in did not receive the consumer's trace" >&2; exit 1; }
grep -q '^received [0-9]* requests, 1 traces, 2 spans' "$work/agent.log" ||
  { echo "FAIL: the stand-in's totals are not one trace of two spans" >&2; exit 1; }
echo "PASS: $mode ($([[ "$shared" == ON ]] && echo shared || echo static))"
