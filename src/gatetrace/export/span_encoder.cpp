#include "gatetrace/export/span_encoder.h"

#include <algorithm>
#include <cstdint>

#include "gatetrace/export/msgpack_writer.h"

namespace gatetrace {
namespace {

constexpr std::string_view kLanguageKey = "language";
constexpr std::string_view kRuntimeIdKey = "runtime-id";
constexpr std::string_view kBaseServiceKey = "_dd.base_service";
constexpr std::string_view kProcessIdKey = "process_id";

// W3C flags travel with bit 31 set, which tells the agent that the flags are known
// (a zero would otherwise be ambiguous).
constexpr std::uint32_t kFlagsKnownBit = 0x80000000u;

void encode_link(MsgpackWriter& writer, const SpanLink& link) {
  const bool has_high = link.trace_id.high != 0;
  const bool has_attributes = !link.attributes.empty();
  const bool has_tracestate = !link.tracestate.empty();
  const bool has_flags = link.flags.has_value();
  writer.write_map_header(2 + has_high + has_attributes + has_tracestate + has_flags);
  writer.write_literal("trace_id");
  writer.write_uint(link.trace_id.low);
  if (has_high) {
    writer.write_literal("trace_id_high");
    writer.write_uint(link.trace_id.high);
  }
  writer.write_literal("span_id");
  writer.write_uint(link.span_id);
  if (has_attributes) {
    writer.write_literal("attributes");
    writer.write_map_header(static_cast<std::uint32_t>(link.attributes.size()));
    for (const auto& [key, value] : link.attributes) {
      writer.write_str(key);
      writer.write_str(value);
    }
  }
  if (has_tracestate) {
    writer.write_literal("tracestate");
    writer.write_str(link.tracestate);
  }
  if (has_flags) {
    writer.write_literal("flags");
    writer.write_uint(*link.flags | kFlagsKnownBit);
  }
}

// A rough upper-ish estimate of a span's encoded size, so that most spans are written
// after a single growth of the buffer.
std::size_t estimate_span_size(const SpanData& span) {
  return 160 + span.name.size() + span.service.size() + span.resource.size() + span.type.size() +
         span.meta.size() * 48 + span.metrics.size() * 32 + span.links.size() * 96;
}

}  // namespace

void encode_span(MsgpackWriter& writer, const SpanData& span, const EncodeContext& context) {
  const bool has_links = !span.links.empty();
  writer.write_map_header(has_links ? 13 : 12);

  writer.write_literal("trace_id");
  writer.write_uint(span.trace_id.low);
  writer.write_literal("span_id");
  writer.write_uint(span.span_id);
  writer.write_literal("parent_id");
  writer.write_uint(span.parent_id);
  writer.write_literal("name");
  writer.write_str(span.name);
  writer.write_literal("service");
  writer.write_str(span.service);
  writer.write_literal("resource");
  writer.write_str(span.resource.empty() ? span.name : span.resource);
  writer.write_literal("type");
  writer.write_str(span.type);
  writer.write_literal("start");
  writer.write_int(span.start.wall_ns);
  writer.write_literal("duration");
  writer.write_int(std::max<std::int64_t>(span.duration_ns, 0));
  writer.write_literal("error");
  writer.write_uint(span.error ? 1 : 0);

  // One pass over the span's meta finds which process tags it already carries.
  bool has_language = false;
  bool has_runtime_id = false;
  bool has_base_service = false;
  for (const auto& entry : span.meta) {
    const std::string& key = entry.first;
    if (key == kLanguageKey) {
      has_language = true;
    } else if (key == kRuntimeIdKey) {
      has_runtime_id = true;
    } else if (key == kBaseServiceKey) {
      has_base_service = true;
    }
  }
  const bool add_language = !has_language;
  const bool add_runtime_id = !has_runtime_id && !context.runtime_id.empty();
  const bool add_base_service = !has_base_service && !context.default_service.empty() &&
                                span.service != context.default_service;

  writer.write_literal("meta");
  writer.write_map_header(static_cast<std::uint32_t>(span.meta.size() + add_language +
                                                     add_runtime_id + add_base_service));
  for (const auto& [key, value] : span.meta) {
    writer.write_str(key);
    writer.write_str(value);
  }
  if (add_language) {
    writer.write_literal("language");
    writer.write_literal("cpp");
  }
  if (add_runtime_id) {
    writer.write_literal("runtime-id");
    writer.write_str(context.runtime_id);
  }
  if (add_base_service) {
    writer.write_literal("_dd.base_service");
    writer.write_str(context.default_service);
  }

  const bool add_process_id = !span.metrics.contains(kProcessIdKey);
  writer.write_literal("metrics");
  writer.write_map_header(static_cast<std::uint32_t>(span.metrics.size() + add_process_id));
  for (const auto& [key, value] : span.metrics) {
    writer.write_str(key);
    writer.write_float64(value);
  }
  if (add_process_id) {
    writer.write_literal("process_id");
    writer.write_float64(context.process_id);
  }

  if (has_links) {
    writer.write_literal("span_links");
    writer.write_array_header(static_cast<std::uint32_t>(span.links.size()));
    for (const auto& link : span.links) encode_link(writer, link);
  }
}

void encode_chunk(std::string& out, const TraceChunk& chunk, const EncodeContext& context) {
  MsgpackWriter writer(out);
  std::size_t estimate = 5;
  for (const SpanData* span : chunk.spans) estimate += estimate_span_size(*span);
  writer.reserve(estimate);
  writer.write_array_header(static_cast<std::uint32_t>(chunk.spans.size()));
  for (const SpanData* span : chunk.spans) encode_span(writer, *span, context);
  writer.finish();
}

}  // namespace gatetrace
