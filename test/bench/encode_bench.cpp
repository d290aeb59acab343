// Benchmark 3: msgpack encoding of one 10-span chunk with typical tags, as the exporter
// does it on the finishing thread (the process tags included). Reported per span and
// in bytes per second of output. Like the exporter, it encodes into a reused ByteBuffer.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "gatetrace/export/byte_buffer.h"
#include "gatetrace/export/span_encoder.h"

namespace gatetrace::bench {
namespace {

struct Chunk {
  std::vector<std::unique_ptr<SpanData>> storage;
  TraceChunk chunk;
};

// What the tracer delivers for one trace of benchmark 1: the root carries the trace's
// tags and sampling metrics, every span `env` and the 5 typical tags.
Chunk typical_chunk() {
  Chunk result;
  const std::uint64_t trace_low = 0x8448eb211c80319cULL;
  for (int i = 0; i < 10; ++i) {
    auto span = std::make_unique<SpanData>();
    span->trace_id = TraceId{trace_low, 0x6790a2b800000000ULL};
    span->span_id = 0x9b1e4c7d2a3f5e60ULL + static_cast<std::uint64_t>(i);
    span->parent_id = i == 0 ? 0 : 0x9b1e4c7d2a3f5e60ULL;
    span->service = "web-backend";
    span->name = i == 0 ? "web.request" : "db.query";
    span->resource = i == 0 ? "GET /api/users/{id}" : "SELECT users";
    span->type = i == 0 ? "web" : "sql";
    span->start.wall_ns = 1'736'973'768'005'000'000 + i * 1000;
    span->duration_ns = 12'345 + i;
    span->meta.set("env", std::string("prod"));
    for (const auto& [key, value] : typical_tags()) span->meta.set(key, std::string(value));
    if (i == 0) {
      span->meta.set("_dd.p.dm", std::string("-0"));
      span->meta.set("_dd.p.tid", std::string("6790a2b800000000"));
      span->metrics.set("_sampling_priority_v1", 1.0);
    }
    result.chunk.spans.push_back(span.get());
    result.storage.push_back(std::move(span));
  }
  return result;
}

void BM_3_MsgpackEncode(benchmark::State& state) {
  const Chunk chunk = typical_chunk();
  const std::string runtime_id = "2a5e6c3b-8f1d-4c2a-9e7b-1d0f3c5a7b9e";
  const EncodeContext context{"web-backend", runtime_id, 4242};
  ByteBuffer out;
  for (auto _ : state) {
    out.clear();
    encode_chunk(out, chunk.chunk, context);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
  state.SetItemsProcessed(state.iterations() * 10);
  state.counters["spans_per_iter"] = 10;
  state.counters["chunk_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_3_MsgpackEncode);

}  // namespace
}  // namespace gatetrace::bench
