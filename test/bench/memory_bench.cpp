// Benchmark 8: memory. (8a) heap bytes per live span: a trace of 1,000 open spans with 5
// typical tags each, measured with mallinfo2 (so allocator overhead counts, as it does
// in a process's footprint). (8b) resident memory while 1,000,000 spans (100,000 traces
// of 10) pass through the real exporter and libcurl to the agent stand-in on loopback,
// read after 100,000 spans and after 1,000,000 (each time after a flush, so the figure
// is what stays, not what is queued).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "agent_stand_in/agent_stand_in.h"
#include "bench/bench_support.h"
#include "gatetrace/span.h"
#include "gatetrace/tracer.h"

namespace gatetrace::bench {
namespace {

// A field of /proc/self/status ("VmRSS", "VmHWM") in bytes; 0 if unreadable.
double proc_status_bytes(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::size_t length = std::strlen(field);
  while (std::getline(status, line)) {
    if (line.compare(0, length, field) == 0 && line.size() > length && line[length] == ':') {
      return std::stod(line.substr(length + 1)) * 1024.0;  // the value is in kB
    }
  }
  return 0;
}

void BM_8a_BytesPerLiveSpan(benchmark::State& state) {
  constexpr int kLiveSpans = 1000;
  TracerConfig config = base_config();
  config.collector = std::make_shared<DiscardingCollector>();
  Tracer tracer(config);
  std::vector<Span> live;
  live.reserve(kLiveSpans);
  double bytes_per_span = 0;
  for (auto _ : state) {
    malloc_trim(0);
    const std::size_t before = mallinfo2().uordblks;
    SpanConfig root_config;
    root_config.name = "web.request";
    live.push_back(tracer.create_span(root_config));
    SpanConfig child_config;
    child_config.name = "db.query";
    for (int i = 1; i < kLiveSpans; ++i) live.push_back(live.front().create_child(child_config));
    for (Span& span : live) {
      for (const auto& [key, value] : typical_tags()) span.set_tag(key, value);
    }
    const std::size_t after = mallinfo2().uordblks;
    bytes_per_span = static_cast<double>(after - before) / kLiveSpans;
    state.PauseTiming();
    live.clear();
    state.ResumeTiming();
  }
  state.counters["bytes_per_live_span"] = bytes_per_span;
}
BENCHMARK(BM_8a_BytesPerLiveSpan)->Iterations(3);

void BM_8b_RssStream(benchmark::State& state) {
  standin::StandInOptions options;
  options.keep_requests = false;
  // Counted without decoding to JSON (the stand-in's own walk of the msgpack, which
  // still rejects a malformed payload): the decoder's short-lived heap for each payload
  // would be counted as this process's resident memory, and it is not the tracer's.
  options.decode_payloads = false;
  standin::AgentStandIn agent(options);
  TracerConfig config = base_config();
  config.agent_url = agent.url();
  config.flush_interval = std::chrono::milliseconds(100);
  Tracer tracer(config);
  double rss_100k = 0;
  double rss_1m = 0;
  std::uint64_t received = 0;
  for (auto _ : state) {
    const std::uint64_t spans_before = agent.totals().spans;
    for (int trace = 0; trace < 100'000; ++trace) {
      SpanConfig root_config;
      root_config.name = "web.request";
      Span root = tracer.create_span(root_config);
      for (const auto& [key, value] : typical_tags()) root.set_tag(key, value);
      SpanConfig child_config;
      child_config.name = "db.query";
      for (int i = 1; i < 10; ++i) {
        Span child = root.create_child(child_config);
        for (const auto& [key, value] : typical_tags()) child.set_tag(key, value);
      }
      // Paced by flushes: the stand-in reads every payload, slower than the tracer
      // produces them, and the figure wanted is memory, not how many chunks the
      // bounded queue would drop.
      if ((trace + 1) % 1000 == 0) tracer.flush(std::chrono::seconds(30));
      if (trace + 1 == 10'000) rss_100k = proc_status_bytes("VmRSS");
    }
    tracer.flush(std::chrono::seconds(30));
    rss_1m = proc_status_bytes("VmRSS");
    received = agent.totals().spans - spans_before;
  }
  state.counters["rss_after_100k_MiB"] = rss_100k / (1 << 20);
  state.counters["rss_after_1M_MiB"] = rss_1m / (1 << 20);
  state.counters["rss_growth_KiB"] = (rss_1m - rss_100k) / 1024;
  state.counters["peak_rss_MiB"] = proc_status_bytes("VmHWM") / (1 << 20);
  state.counters["spans_received"] = static_cast<double>(received);
  state.counters["spans_per_iter"] = 1'000'000;
}
BENCHMARK(BM_8b_RssStream)
    ->Iterations(1)
    ->Repetitions(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace gatetrace::bench
