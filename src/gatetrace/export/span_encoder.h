// The v0.4 span encoding: one trace chunk (a segment of a trace) becomes a msgpack array
// of span maps, exactly as the agent's /v0.4/traces intake reads them (see
// spec/agent-protocol.md). It runs on the request thread that finishes the segment.
//
// The encoder also writes the per-process tags every span carries (`language`,
// `runtime-id`, `process_id`, and `_dd.base_service` for spans of another service)
// without the tracer having to store them in each SpanData. A tag the span already has
// wins, and map sizes are counted before writing so that no key is ever duplicated.
//
// Each span's size is bounded before it is written (its strings' lengths plus the
// largest form of every fixed field), so the span is written with a single check for
// room in the output.
#pragma once

#include <string>
#include <string_view>

#include "gatetrace/collector.h"
#include "gatetrace/span_data.h"

namespace gatetrace {

class ByteBuffer;
class MsgpackWriter;

struct EncodeContext {
  std::string_view default_service;  // spans of another service get `_dd.base_service`
  std::string_view runtime_id;       // meta `runtime-id`; omitted when empty
  double process_id = 0;             // metric `process_id`
};

// Appends the chunk (an array of span maps) to `out`. The ByteBuffer form is the
// exporter's: it grows without zero-filling.
void encode_chunk(ByteBuffer& out, const TraceChunk& chunk, const EncodeContext& context);
void encode_chunk(std::string& out, const TraceChunk& chunk, const EncodeContext& context);

// Writes one span map (exposed for the chunk encoder's tests and the benchmarks).
void encode_span(MsgpackWriter& writer, const SpanData& span, const EncodeContext& context);

}  // namespace gatetrace
