#include "gatetrace/export/span_encoder.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "gatetrace/export/byte_buffer.h"
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

using W = MsgpackWriter;

// The most a span can take besides the bytes of its strings and tags: every key with
// the largest form of its value, and the process tags whether they are written or not.
// (sizeof a key literal counts its NUL, which stands for the key's fixstr header.)
constexpr std::size_t kSpanFixedBound =
    W::kMaxContainerHeader +                                                          // the map
    sizeof("trace_id") + sizeof("span_id") + sizeof("parent_id") + 3 * W::kMaxUint +  //
    sizeof("name") + sizeof("service") + sizeof("resource") + sizeof("type") +        //
    4 * W::kMaxStrHeader +                                                            //
    sizeof("start") + sizeof("duration") + 2 * W::kMaxInt +                           //
    sizeof("error") + 1 +                                                             //
    sizeof("meta") + W::kMaxContainerHeader + sizeof("metrics") + W::kMaxContainerHeader +
    sizeof("language") + sizeof("cpp") + sizeof("runtime-id") + W::kMaxStrHeader +
    sizeof("_dd.base_service") + W::kMaxStrHeader + sizeof("process_id") + W::kFloat64;
// Besides its key's and value's bytes.
constexpr std::size_t kMetaEntryBound = 2 * W::kMaxStrHeader;
constexpr std::size_t kMetricEntryBound = W::kMaxStrHeader + W::kFloat64;

// Whether `key`, whose size is known to be key.size(), is `name`: one fixed-size
// compare instead of a call.
bool same_key(std::string_view key, std::string_view name) {
  return std::memcmp(key.data(), name.data(), name.size()) == 0;
}

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

template <typename Output>
void encode_chunk_into(Output& out, const TraceChunk& chunk, const EncodeContext& context) {
  MsgpackWriter writer(out);
  writer.write_array_header(static_cast<std::uint32_t>(chunk.spans.size()));
  for (const SpanData* span : chunk.spans) encode_span(writer, *span, context);
  writer.finish();
}

}  // namespace

void encode_span(MsgpackWriter& writer, const SpanData& span, const EncodeContext& context) {
  const std::string_view name = span.name;
  const std::string_view service = span.service;
  const std::string_view type = span.type;
  const std::string_view resource = span.resource.empty() ? name : span.resource.view();
  std::size_t bound = kSpanFixedBound + name.size() + service.size() + resource.size() +
                      type.size() + context.runtime_id.size() + context.default_service.size();

  // One pass over the span's meta sizes it and finds which process tags it carries.
  bool has_language = false;
  bool has_runtime_id = false;
  bool has_base_service = false;
  span.meta.for_each([&](std::string_view key, std::string_view value) {
    bound += key.size() + value.size() + kMetaEntryBound;
    switch (key.size()) {
      case kLanguageKey.size():
        has_language |= same_key(key, kLanguageKey);
        break;
      case kRuntimeIdKey.size():
        has_runtime_id |= same_key(key, kRuntimeIdKey);
        break;
      case kBaseServiceKey.size():
        has_base_service |= same_key(key, kBaseServiceKey);
        break;
      default:
        break;
    }
  });
  bool has_process_id = false;
  for (const auto& entry : span.metrics) {
    const std::string_view key = entry.first;
    bound += key.size() + kMetricEntryBound;
    if (key.size() == kProcessIdKey.size()) has_process_id |= same_key(key, kProcessIdKey);
  }
  const bool add_language = !has_language;
  const bool add_runtime_id = !has_runtime_id && !context.runtime_id.empty();
  const bool add_base_service =
      !has_base_service && !context.default_service.empty() && service != context.default_service;
  const bool add_process_id = !has_process_id;
  const bool has_links = !span.links.empty();

  char* p = writer.raw(bound);
  p = W::put_map_header(p, has_links ? 13 : 12);
  p = W::put_literal(p, "trace_id");
  p = W::put_uint(p, span.trace_id.low);
  p = W::put_literal(p, "span_id");
  p = W::put_uint(p, span.span_id);
  p = W::put_literal(p, "parent_id");
  p = W::put_uint(p, span.parent_id);
  p = W::put_literal(p, "name");
  p = W::put_str(p, name);
  p = W::put_literal(p, "service");
  p = W::put_str(p, service);
  p = W::put_literal(p, "resource");
  p = W::put_str(p, resource);
  p = W::put_literal(p, "type");
  p = W::put_str(p, type);
  p = W::put_literal(p, "start");
  p = W::put_int(p, span.start.wall_ns);
  p = W::put_literal(p, "duration");
  p = W::put_int(p, std::max<std::int64_t>(span.duration_ns, 0));
  p = W::put_literal(p, "error");
  *p++ = span.error ? 1 : 0;  // positive fixint

  p = W::put_literal(p, "meta");
  p = W::put_map_header(p, static_cast<std::uint32_t>(span.meta.size() + add_language +
                                                      add_runtime_id + add_base_service));
  span.meta.for_each([&p](std::string_view key, std::string_view value) {
    p = W::put_str(p, key);
    p = W::put_str(p, value);
  });
  if (add_language)
    p = W::put_bytes(p,
                     "\xa8"
                     "language"
                     "\xa3"
                     "cpp");
  if (add_runtime_id) {
    p = W::put_literal(p, "runtime-id");
    p = W::put_str(p, context.runtime_id);
  }
  if (add_base_service) {
    p = W::put_literal(p, "_dd.base_service");
    p = W::put_str(p, context.default_service);
  }

  p = W::put_literal(p, "metrics");
  p = W::put_map_header(p, static_cast<std::uint32_t>(span.metrics.size() + add_process_id));
  for (const auto& [key, value] : span.metrics) {
    p = W::put_str(p, key);
    p = W::put_float64(p, value);
  }
  if (add_process_id) {
    p = W::put_literal(p, "process_id");
    p = W::put_float64(p, context.process_id);
  }
  writer.commit(p);

  if (has_links) {
    writer.write_literal("span_links");
    writer.write_array_header(static_cast<std::uint32_t>(span.links.size()));
    for (const auto& link : span.links) encode_link(writer, link);
  }
}

void encode_chunk(ByteBuffer& out, const TraceChunk& chunk, const EncodeContext& context) {
  encode_chunk_into(out, chunk, context);
}

void encode_chunk(std::string& out, const TraceChunk& chunk, const EncodeContext& context) {
  encode_chunk_into(out, chunk, context);
}

}  // namespace gatetrace
