// The `datadog` style: x-datadog-trace-id and x-datadog-parent-id (decimal 64-bit),
// x-datadog-sampling-priority, x-datadog-origin and x-datadog-tags (whose `_dd.p.tid`
// holds the high half of a 128-bit trace id).
#include <fmt/format.h>

#include "codec.h"
#include "styles.h"
#include "trace_tags.h"

namespace gatetrace {
namespace propagation {
namespace {

constexpr std::string_view kTraceIdHeader = "x-datadog-trace-id";
constexpr std::string_view kParentIdHeader = "x-datadog-parent-id";
constexpr std::string_view kPriorityHeader = "x-datadog-sampling-priority";
constexpr std::string_view kOriginHeader = "x-datadog-origin";
constexpr std::string_view kTagsHeader = "x-datadog-tags";

void read_trace_tags(std::string_view header, const PropagationSettings& settings,
                     ExtractedContext& context, std::vector<Error>* diagnostics) {
  if (header.size() > settings.x_datadog_tags_max_length) {
    context.propagation_error = "extract_max_size";
    report(diagnostics, Error::kMalformedTraceTags,
           fmt::format("{}: {} bytes exceed the limit of {}; the trace tags are dropped",
                       kTagsHeader, header.size(), settings.x_datadog_tags_max_length));
    return;
  }
  TagList decoded;
  if (!decode_trace_tags(header, decoded)) {
    context.propagation_error = "decoding_error";
    report(diagnostics, Error::kMalformedTraceTags,
           fmt::format("{}: {} is not a list of key=value; the trace tags are dropped", kTagsHeader,
                       quote_for_message(header)));
    return;
  }
  for (auto& [key, value] : decoded) {
    if (key.compare(0, kPropagatingTagPrefix.size(), kPropagatingTagPrefix) != 0) continue;
    if (key == kTraceIdHighTag) {
      const auto high = value.size() == 16 ? parse_hex_u64(value, HexCase::kLowerOnly)
                                           : std::optional<std::uint64_t>();
      if (high) {
        context.trace_id.high = *high;
      } else {
        // Datadog's tracers name the bad value in the propagation error.
        context.propagation_error = "malformed_tid " + value;
        report(diagnostics, Error::kMalformedTraceTags,
               fmt::format("{}: _dd.p.tid {} is not 16 lowercase hex digits; ignored", kTagsHeader,
                           quote_for_message(value)));
      }
      continue;
    }
    context.trace_tags.emplace_back(std::move(key), std::move(value));
  }
}

}  // namespace

void extract_datadog(const StyleHeaders& headers, const PropagationSettings& settings,
                     StyleExtraction& out, std::vector<Error>* diagnostics) {
  const auto trace_header = headers.get(IndexedHeader::kDatadogTraceId);
  if (!trace_header) return;
  const auto low = parse_decimal_id(trim_ows(*trace_header));
  if (!low || *low == 0) {
    report(diagnostics, Error::kMalformedTraceId,
           fmt::format("{}: {} is not a nonzero decimal 64-bit id", kTraceIdHeader,
                       quote_for_message(*trace_header)));
    return;
  }
  ExtractedContext& context = out.context;

  if (const auto parent_header = headers.get(IndexedHeader::kDatadogParentId)) {
    const auto parent = parse_decimal_id(trim_ows(*parent_header));
    if (!parent) {
      report(diagnostics, Error::kMalformedParentId,
             fmt::format("{}: {} is not a decimal 64-bit id", kParentIdHeader,
                         quote_for_message(*parent_header)));
      return;
    }
    context.parent_id = *parent;
  }

  if (const auto origin = headers.get(IndexedHeader::kDatadogOrigin)) {
    const std::string_view trimmed = trim_ows(*origin);
    if (!trimmed.empty() && is_printable_ascii(trimmed)) {
      context.origin = std::string(trimmed);
    } else if (!trimmed.empty()) {
      report(diagnostics, Error::kOther,
             fmt::format("{}: {} holds bytes outside printable ASCII; ignored", kOriginHeader,
                         quote_for_message(*origin)));
    }
  }

  // A trace id alone is a root that a synthetic client (which sets an origin) started
  // without a span of its own; without an origin it is a broken header set.
  if (!context.parent_id && !context.origin) {
    report(diagnostics, Error::kMissingParentId,
           fmt::format("{} is set but {} is missing", kTraceIdHeader, kParentIdHeader));
    context = ExtractedContext{};
    return;
  }

  if (const auto priority_header = headers.get(IndexedHeader::kDatadogPriority)) {
    if (const auto priority = parse_decimal_int(trim_ows(*priority_header))) {
      context.sampling_priority = *priority;
    } else {
      report(diagnostics, Error::kMalformedSamplingPriority,
             fmt::format("{}: {} is not an integer; ignored", kPriorityHeader,
                         quote_for_message(*priority_header)));
    }
  }

  if (const auto tags = headers.get(IndexedHeader::kDatadogTags)) {
    read_trace_tags(*tags, settings, context, diagnostics);
  }

  context.trace_id.low = *low;
  context.style = PropagationStyle::kDatadog;
}

void inject_datadog(DictWriter& headers, const InjectionContext& context,
                    const PropagationSettings& settings,
                    std::optional<std::string>* propagation_error) {
  char number[kMaxDecimalDigits];
  headers.set(kTraceIdHeader,
              std::string_view(number, format_decimal(number, context.trace_id.low)));
  headers.set(kParentIdHeader, std::string_view(number, format_decimal(number, context.span_id)));
  headers.set(kPriorityHeader,
              std::string_view(number, format_int(number, context.sampling_priority)));
  if (context.origin != nullptr && !context.origin->empty() &&
      is_printable_ascii(*context.origin)) {
    headers.set(kOriginHeader, *context.origin);
  }

  ValueBuffer value;
  if (encode_trace_tags(context.trace_id.high, context.trace_tags, value) !=
      EncodeTagsResult::kOk) {
    if (propagation_error != nullptr) *propagation_error = "encoding_error";
    return;
  }
  if (value.empty()) return;
  if (value.size() > settings.x_datadog_tags_max_length) {
    if (propagation_error != nullptr) *propagation_error = "inject_max_size";
    return;
  }
  headers.set(kTagsHeader, value.view());
}

}  // namespace propagation
}  // namespace gatetrace
