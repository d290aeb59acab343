// The B3 styles of Zipkin: `b3multi` (x-b3-traceid, x-b3-spanid, x-b3-sampled,
// x-b3-flags) and `b3` (the single header `{trace}-{span}-{sampling}-{parent}`).
// B3 says lowercase hex; mixed case is read anyway, as other B3 readers do, since it
// is unambiguous. Debug (x-b3-flags: 1, or `d`) maps to priority 2 (user keep).
#include <fmt/format.h>

#include "codec.h"
#include "styles.h"

namespace gatetrace {
namespace propagation {
namespace {

constexpr std::string_view kTraceIdHeader = "x-b3-traceid";
constexpr std::string_view kSpanIdHeader = "x-b3-spanid";
constexpr std::string_view kSampledHeader = "x-b3-sampled";
constexpr std::string_view kFlagsHeader = "x-b3-flags";
constexpr std::string_view kSingleHeader = "b3";

// 16 or 32 hex digits, not all zero.
std::optional<TraceId> parse_b3_trace_id(std::string_view text) {
  TraceId id;
  if (text.size() == 32) {
    const auto high = parse_hex_u64(text.substr(0, 16), HexCase::kAny);
    const auto low = parse_hex_u64(text.substr(16), HexCase::kAny);
    if (!high || !low) return std::nullopt;
    id = TraceId{*low, *high};
  } else if (text.size() == 16) {
    const auto low = parse_hex_u64(text, HexCase::kAny);
    if (!low) return std::nullopt;
    id.low = *low;
  } else {
    return std::nullopt;
  }
  if (id.low == 0 && id.high == 0) return std::nullopt;
  return id;
}

std::optional<std::uint64_t> parse_b3_span_id(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  const auto id = parse_hex_u64(text, HexCase::kAny);
  if (!id || *id == 0) return std::nullopt;
  return id;
}

// "1"/"0", and the legacy "true"/"false" that early B3 writers sent.
std::optional<int> parse_sampled(std::string_view text) {
  if (text == "1" || iequals(text, "true")) return 1;
  if (text == "0" || iequals(text, "false")) return 0;
  return std::nullopt;
}

void append_b3_trace_id(std::string& out, const TraceId& id) {
  if (id.high != 0) append_hex16(out, id.high);
  append_hex16(out, id.low);
}

}  // namespace

void extract_b3multi(const StyleHeaders& headers, StyleExtraction& out,
                     std::vector<Error>* diagnostics) {
  const auto trace_header = headers.get(IndexedHeader::kB3TraceId);
  if (!trace_header) return;
  const auto trace_id = parse_b3_trace_id(trim_ows(*trace_header));
  if (!trace_id) {
    report(diagnostics, Error::kMalformedB3,
           fmt::format("{}: {} is not 16 or 32 hex digits naming a trace", kTraceIdHeader,
                       quote_for_message(*trace_header)));
    return;
  }
  const auto span_header = headers.get(IndexedHeader::kB3SpanId);
  if (!span_header) {
    report(diagnostics, Error::kMissingParentId,
           fmt::format("{} is set but {} is missing", kTraceIdHeader, kSpanIdHeader));
    return;
  }
  const auto span_id = parse_b3_span_id(trim_ows(*span_header));
  if (!span_id) {
    report(diagnostics, Error::kMalformedB3,
           fmt::format("{}: {} is not 16 hex digits naming a span", kSpanIdHeader,
                       quote_for_message(*span_header)));
    return;
  }
  ExtractedContext& context = out.context;
  if (const auto sampled = headers.get(IndexedHeader::kB3Sampled)) {
    if (const auto priority = parse_sampled(trim_ows(*sampled))) {
      context.sampling_priority = *priority;
    } else {
      report(diagnostics, Error::kMalformedSamplingPriority,
             fmt::format("{}: {} is not 0 or 1; ignored", kSampledHeader,
                         quote_for_message(*sampled)));
    }
  }
  if (const auto flags = headers.get(IndexedHeader::kB3Flags)) {
    if (trim_ows(*flags) == "1") context.sampling_priority = 2;
  }
  context.trace_id = *trace_id;
  context.parent_id = *span_id;
  context.style = PropagationStyle::kB3Multi;
}

void extract_b3single(const StyleHeaders& headers, StyleExtraction& out,
                      std::vector<Error>* diagnostics) {
  const auto header = headers.get(IndexedHeader::kB3);
  if (!header) return;
  const std::string_view text = trim_ows(*header);
  // A lone sampling state ("b3: 0") is a decision without a trace: nothing to extract.
  if (text == "0" || text == "1" || text == "d") return;

  std::string_view fields[4];
  std::size_t count = 0;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('-', begin);
    if (end == std::string_view::npos) end = text.size();
    if (count == 4) {
      count = 5;  // too many fields
      break;
    }
    fields[count++] = text.substr(begin, end - begin);
    begin = end + 1;
  }
  const auto trace_id = count >= 2 && count <= 4 ? parse_b3_trace_id(fields[0]) : std::nullopt;
  const auto span_id = trace_id ? parse_b3_span_id(fields[1]) : std::nullopt;
  std::optional<int> priority;
  bool valid = trace_id && span_id;
  if (valid && count >= 3) {
    if (fields[2] == "d") {
      priority = 2;
    } else {
      priority = parse_sampled(fields[2]);
      valid = priority.has_value() && (fields[2] == "0" || fields[2] == "1");
    }
  }
  if (valid && count == 4) valid = parse_b3_span_id(fields[3]).has_value();
  if (!valid) {
    report(diagnostics, Error::kMalformedB3,
           fmt::format("{}: {} is not {{trace}}-{{span}}[-{{0|1|d}}[-{{parent}}]]", kSingleHeader,
                       quote_for_message(*header)));
    return;
  }
  ExtractedContext& context = out.context;
  context.trace_id = *trace_id;
  context.parent_id = *span_id;
  context.sampling_priority = priority;
  context.style = PropagationStyle::kB3Single;
}

void inject_b3multi(DictWriter& headers, const InjectionContext& context) {
  if (context.span_id == 0) return;
  std::string value;
  value.reserve(32);
  append_b3_trace_id(value, context.trace_id);
  headers.set(kTraceIdHeader, value);
  value.clear();
  append_hex16(value, context.span_id);
  headers.set(kSpanIdHeader, value);
  // Debug implies sampled; B3 asks not to send both.
  if (context.sampling_priority >= 2) {
    headers.set(kFlagsHeader, "1");
  } else {
    headers.set(kSampledHeader, context.sampling_priority > 0 ? "1" : "0");
  }
}

void inject_b3single(DictWriter& headers, const InjectionContext& context) {
  if (context.span_id == 0) return;
  std::string value;
  value.reserve(52);
  append_b3_trace_id(value, context.trace_id);
  value.push_back('-');
  append_hex16(value, context.span_id);
  value += context.sampling_priority >= 2 ? "-d" : context.sampling_priority > 0 ? "-1" : "-0";
  headers.set(kSingleHeader, value);
}

}  // namespace propagation
}  // namespace gatetrace
