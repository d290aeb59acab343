#include "gatetrace/export/span_encoder.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "gatetrace/export/byte_buffer.h"
#include "gatetrace/export/msgpack_writer.h"
#include "gatetrace/span_keys.h"

namespace gatetrace {
namespace {

// The process tags' keys as a span's meta holds them: their texts are fixed intern ids,
// so every tag of that key carries the id (see span_keys.h).
constexpr std::uint32_t kLanguageWord = Meta::interned_key_word(span_keys::kLanguage, 8);
constexpr std::uint32_t kRuntimeIdWord = Meta::interned_key_word(span_keys::kRuntimeId, 10);
constexpr std::uint32_t kBaseServiceWord = Meta::interned_key_word(span_keys::kBaseService, 16);
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
// A short string is written as a fixed-size run, which may write scratch past its end.
constexpr std::size_t kRunSlack = W::kFixstrRunBytes;

// Which process tags a span's meta gets from the encoder.
struct ProcessTags {
  bool language = false;
  bool runtime_id = false;
  bool base_service = false;
  std::uint32_t count() const { return language + runtime_id + base_service; }
};

// An interned text: a short one (almost always) as one copy of its record's fixstr run.
[[gnu::always_inline]] inline char* put_key(char* p, const detail::StringRecord& record) {
  if (record.size < detail::kFixstrLimit) {
    return W::put_fixstr_run(p, record.fixstr_run(), record.size);
  }
  return W::put_str(p, record.view());
}

// A span's string field (null when empty).
[[gnu::always_inline]] inline char* put_record(char* p, const detail::StringRecord* record) {
  if (record == nullptr) {
    *p = static_cast<char>(0xa0);  // the empty fixstr
    return p + 1;
  }
  return put_key(p, *record);
}
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
  const detail::StringRecord* name = span.name.record();
  const detail::StringRecord* service = span.service.record();
  const detail::StringRecord* type = span.type.record();
  const detail::StringRecord* resource = span.resource.empty() ? name : span.resource.record();
  const Meta& meta = span.meta;
  std::size_t bound = kSpanFixedBound + kRunSlack + span.name.size() + span.service.size() +
                      (span.resource.empty() ? span.name.size() : span.resource.size()) +
                      span.type.size() + context.runtime_id.size() +
                      context.default_service.size() + meta.text_bytes_bound() +
                      meta.size() * kMetaEntryBound;
  bool has_process_id = false;
  for (const auto& entry : span.metrics) {
    const std::string_view key = entry.first;
    bound += key.size() + kMetricEntryBound;
    if (key.size() == kProcessIdKey.size()) has_process_id |= same_key(key, kProcessIdKey);
  }
  const bool may_add_runtime_id = !context.runtime_id.empty();
  const bool may_add_base_service =
      !context.default_service.empty() && !span.service.holds(context.default_service);
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
  p = put_record(p, name);
  p = W::put_literal(p, "service");
  p = put_record(p, service);
  p = W::put_literal(p, "resource");
  p = put_record(p, resource);
  p = W::put_literal(p, "type");
  p = put_record(p, type);
  p = W::put_literal(p, "start");
  p = W::put_int(p, span.start.wall_ns);
  p = W::put_literal(p, "duration");
  p = W::put_int(p, std::max<std::int64_t>(span.duration_ns, 0));
  p = W::put_literal(p, "error");
  *p++ = span.error ? 1 : 0;  // positive fixint

  // The meta map: the span's tags, then the process tags it lacks. Which of those it has
  // shows in its keys' records (key_info flags), read while writing the tags; the map's
  // header, one byte while it counts under 16, is written after them. A span with more
  // tags looks for the process tags' key words first.
  p = W::put_literal(p, "meta");
  std::uint32_t flags = 0;
  const auto write_tags = [&meta, &flags](char* p) {
    meta.for_each_raw([&p, &flags](const detail::StringRecord* key, std::string_view inline_key,
                                   std::string_view value) {
      if (key != nullptr) {
        flags |= key->key_info;
        p = put_key(p, *key);
      } else {
        p = W::put_str(p, inline_key);
      }
      p = W::put_str(p, value);
    });
    return p;
  };
  const auto adds = [&](std::uint32_t flags) {
    return ProcessTags{(flags & detail::kLanguageKeyFlag) == 0,
                       may_add_runtime_id && (flags & detail::kRuntimeIdKeyFlag) == 0,
                       may_add_base_service && (flags & detail::kBaseServiceKeyFlag) == 0};
  };
  ProcessTags add;
  if (meta.size() + 3 < 16) {
    char* header = p++;
    p = write_tags(p);
    add = adds(flags);
    W::put_map_header(header, static_cast<std::uint32_t>(meta.size() + add.count()));
  } else {
    std::uint32_t present = 0;
    meta.for_each_key_word([&present](std::uint32_t key) {
      present |= key == kLanguageWord ? detail::kLanguageKeyFlag : 0;
      present |= key == kRuntimeIdWord ? detail::kRuntimeIdKeyFlag : 0;
      present |= key == kBaseServiceWord ? detail::kBaseServiceKeyFlag : 0;
    });
    add = adds(present);
    p = W::put_map_header(p, static_cast<std::uint32_t>(meta.size() + add.count()));
    p = write_tags(p);
  }
  if (add.language)
    p = W::put_bytes(p,
                     "\xa8"
                     "language"
                     "\xa3"
                     "cpp");
  if (add.runtime_id) {
    p = W::put_literal(p, "runtime-id");
    p = W::put_str(p, context.runtime_id);
  }
  if (add.base_service) {
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
