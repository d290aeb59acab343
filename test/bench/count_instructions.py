#!/usr/bin/env python3
"""Instructions per operation of the micro-benchmarks, counted by callgrind.

A host whose speed drifts by 1.8x over minutes moves every timed figure; the number of
instructions an operation executes does not move. This runs one benchmark of
gatetrace_bench twice under `valgrind --tool=callgrind`, a short and a long run, and
divides the difference in instructions by the difference in the number of calls to the
function that marks one operation (for the trace benchmarks: the discarding collector's
send, once per trace delivered). Start-up, Google Benchmark's own set-up and the
benchmark's set-up outside its loop cancel out; what remains is the loop body.

    test/bench/count_instructions.py build-rel/test/bench/gatetrace_bench
    test/bench/count_instructions.py BENCH_BINARY 4b 6        # only some benchmarks

Figures are for a Release build; callgrind's counts of the same binary repeat to within a
few instructions. 4b/4c are per request (inferred span + server span), 1 and 2 per
10-span trace, 3 per 10-span chunk, the others per call.
"""
import os
import re
import subprocess
import sys
import tempfile

# label -> (benchmark name, marker function: one call per operation)
BENCHMARKS = {
    "1": ("BM_1_SpanLifecycle", r"gatetrace::bench::DiscardingCollector::send\("),
    "2": ("BM_2_ExporterPath", r"gatetrace::AgentExporter::send\("),
    "3": ("BM_3_MsgpackEncode", r"gatetrace::encode_chunk\("),
    "4a": ("BM_4a_ApimHeaderWork", r"gatetrace::extract_context\("),
    "4b": ("BM_4b_HelperRequest", r"gatetrace::bench::DiscardingCollector::send\("),
    "4c": ("BM_4c_HelperRequestQuery", r"gatetrace::bench::DiscardingCollector::send\("),
    "5": ("BM_5_Inject", r"gatetrace::Span::inject\("),
    "6": ("BM_6_SamplingDecision", r"gatetrace::TraceSampler::decide\("),
}
SHORT_SECONDS, LONG_SECONDS = "0.05", "0.5"


def run(binary, name, min_time, workdir):
    out = os.path.join(workdir, f"{name}.{min_time}.cg")
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary,
         f"--benchmark_filter=^{name}$", f"--benchmark_min_time={min_time}"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def totals_and_calls(path, marker):
    """Total Ir of the run, and how many times functions matching `marker` were called."""
    marker_re = re.compile(marker)
    names = {}  # callgrind's compressed names: "(12) full name" defines id 12
    total, calls, pending = 0, 0, False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("cfn="):
                text = line[4:].strip()
                m = re.match(r"\((\d+)\)(?: (.*))?", text)
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    text = names.get(m.group(1), "")
                pending = bool(marker_re.search(text))
            elif line.startswith("fn="):
                m = re.match(r"\((\d+)\) (.*)", line[3:].strip())
                if m:
                    names[m.group(1)] = m.group(2)
                pending = False
            elif line.startswith("calls=") and pending:
                calls += int(line[6:].split()[0])
                pending = False
            elif line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
    return total, calls


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    labels = sys.argv[2:] or list(BENCHMARKS)
    unknown = [label for label in labels if label not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {list(BENCHMARKS)}", file=sys.stderr)
        return 2
    print("| benchmark | instructions per operation | operations counted |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="gatetrace-cg-") as workdir:
        for label in labels:
            name, marker = BENCHMARKS[label]
            short = totals_and_calls(run(binary, name, SHORT_SECONDS, workdir), marker)
            long = totals_and_calls(run(binary, name, LONG_SECONDS, workdir), marker)
            operations = long[1] - short[1]
            if operations <= 0:
                print(f"| {label} {name} | no marker calls ({marker}) | 0 |")
                continue
            per_op = (long[0] - short[0]) / operations
            print(f"| {label} {name} | {per_op:,.0f} | {operations:,} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
