// Test helper: SpanData values with every field set to something recognizable, and a
// TraceChunk that owns its spans (TraceChunk itself only points at them).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gatetrace/collector.h"
#include "gatetrace/span_data.h"

namespace gatetrace::testing {

inline SpanData make_span(std::uint64_t trace_low, std::uint64_t span_id,
                          std::uint64_t parent_id = 0, std::string service = "web-backend",
                          std::string name = "http.request") {
  SpanData span;
  span.trace_id.low = trace_low;
  span.span_id = span_id;
  span.parent_id = parent_id;
  span.service = std::move(service);
  span.name = std::move(name);
  span.resource = "GET /users/{id}";
  span.type = "web";
  span.start.wall_ns = 1'700'000'000'123'456'789;
  span.duration_ns = 12'345'678;
  return span;
}

// Owns the spans that `chunk.spans` points at.
struct OwnedChunk {
  std::vector<std::unique_ptr<SpanData>> storage;
  TraceChunk chunk;

  SpanData& add(SpanData span) {
    storage.push_back(std::make_unique<SpanData>(std::move(span)));
    chunk.spans.push_back(storage.back().get());
    return *storage.back();
  }
};

// A chunk of `spans` spans of one trace (root first), all of `service`.
inline OwnedChunk make_chunk(std::uint64_t trace_low, std::size_t spans = 1,
                             const std::string& service = "web-backend") {
  OwnedChunk owned;
  for (std::size_t i = 0; i < spans; ++i) {
    owned.add(
        make_span(trace_low, trace_low * 1000 + i + 1, i == 0 ? 0 : trace_low * 1000 + 1, service));
  }
  return owned;
}

}  // namespace gatetrace::testing
