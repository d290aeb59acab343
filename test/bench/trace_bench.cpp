// Benchmarks 1, 2 and 7: the span lifecycle. One iteration is one trace: a root and 9
// children, 5 typical tags on each, every span finished, the segment handed to the
// collector. (1) discards the segment; (2) goes through the real AgentExporter (msgpack
// encoding on the finishing thread, the lock-free queue, the flush thread building
// payloads) up to an HttpClient that discards; (7) runs (1) on 1 and 2 threads.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>

#include "bench/bench_support.h"
#include "gatetrace/export/agent_exporter.h"
#include "gatetrace/span.h"
#include "gatetrace/tracer.h"

namespace gatetrace::bench {
namespace {

constexpr int kSpansPerTrace = 10;

void make_trace(Tracer& tracer) {
  SpanConfig root_config;
  root_config.name = "web.request";
  Span root = tracer.create_span(root_config);
  for (const auto& [key, value] : typical_tags()) root.set_tag(key, value);
  SpanConfig child_config;
  child_config.name = "db.query";
  for (int i = 1; i < kSpansPerTrace; ++i) {
    Span child = root.create_child(child_config);
    for (const auto& [key, value] : typical_tags()) child.set_tag(key, value);
  }
}

Tracer& discarding_tracer() {
  static auto* tracer = [] {
    TracerConfig config = base_config();
    config.collector = std::make_shared<DiscardingCollector>();
    return new Tracer(config);
  }();
  return *tracer;
}

void BM_1_SpanLifecycle(benchmark::State& state) {
  Tracer& tracer = discarding_tracer();
  for (auto _ : state) make_trace(tracer);
  state.SetItemsProcessed(state.iterations() * kSpansPerTrace);
  state.counters["spans_per_iter"] = kSpansPerTrace;
}
BENCHMARK(BM_1_SpanLifecycle);

void BM_2_ExporterPath(benchmark::State& state) {
  ExporterSettings settings;
  // Room for everything queued between two flushes, so that no chunk is dropped (a
  // dropped chunk would skip part of the path being measured).
  settings.buffer_size_bytes = 512u << 20;
  settings.flush_interval = std::chrono::milliseconds(20);
  settings.default_service = "web-backend";
  settings.runtime_id = "2a5e6c3b-8f1d-4c2a-9e7b-1d0f3c5a7b9e";
  settings.process_id = 4242;
  settings.cgroup_path.clear();
  auto client = std::make_shared<DiscardingHttpClient>();
  auto exporter =
      std::make_shared<AgentExporter>(settings, client, std::make_shared<SilentLogger>());
  TracerConfig config = base_config();
  config.collector = exporter;
  Tracer tracer(config);
  for (auto _ : state) make_trace(tracer);
  // Outside the timed loop: deliver what is queued, so the counters below are final.
  tracer.flush(std::chrono::seconds(10));
  const ExporterStats stats = exporter->stats();
  state.SetItemsProcessed(state.iterations() * kSpansPerTrace);
  state.counters["spans_per_iter"] = kSpansPerTrace;
  state.counters["dropped"] = static_cast<double>(stats.traces_dropped_queue_full);
  state.counters["payload_bytes_per_span"] = benchmark::Counter(
      static_cast<double>(client->bytes()) / static_cast<double>(state.iterations() * 10));
}
BENCHMARK(BM_2_ExporterPath);

void BM_7_Threads(benchmark::State& state) {
  Tracer& tracer = discarding_tracer();
  for (auto _ : state) make_trace(tracer);
  state.SetItemsProcessed(state.iterations() * kSpansPerTrace);
}
BENCHMARK(BM_7_Threads)->Threads(1)->Threads(2)->UseRealTime();

// The machine's own two-thread ratio, for judging (7): work that shares nothing (no
// memory at all, a chain of dependent multiply-adds in registers, about as long as a
// trace on this machine class), run like BM_7_Threads. Whatever keeps it from 2x (a
// host that schedules both vCPUs on one core's hyperthreads, another guest, the other
// engineers' compilers) weighs on (7) too.
void BM_7_RefIndependentWork(benchmark::State& state) {
  std::uint64_t x = static_cast<std::uint64_t>(state.thread_index()) + 1;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) x = x * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_7_RefIndependentWork)->Threads(1)->Threads(2)->UseRealTime();

// The same with four independent chains, which keep a core's multipliers busy: a
// latency-bound chain scales to 2x even when the two vCPUs are one physical core's
// hyperthreads on the host, this one does not.
void BM_7_RefIndependentWideWork(benchmark::State& state) {
  std::uint64_t x[4] = {1, 2, 3, 4};
  x[0] += static_cast<std::uint64_t>(state.thread_index());
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) {
      for (std::uint64_t& v : x) v = v * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    }
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_7_RefIndependentWideWork)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace gatetrace::bench
