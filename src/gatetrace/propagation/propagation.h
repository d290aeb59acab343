// Propagation: reading a trace context from incoming request headers and writing it
// into outgoing ones, in the styles Datadog's tracers speak: `datadog`
// (x-datadog-*), `tracecontext` (W3C traceparent/tracestate), `b3multi`, `b3` (single
// header), `baggage` (W3C baggage) and `none`.
//
// Extraction tries the configured styles in order; the first that yields a trace
// context wins. A later style naming the same trace contributes its W3C tracestate
// and last parent id; one naming a different trace becomes a span link. Nothing here
// throws, whatever the headers contain: garbage yields no context and a diagnostic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gatetrace/dict_reader.h"
#include "gatetrace/dict_writer.h"
#include "gatetrace/error.h"
#include "gatetrace/expected.h"
#include "gatetrace/propagation/w3c_members.h"
#include "gatetrace/span_data.h"
#include "gatetrace/trace_id.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

using TagList = std::vector<std::pair<std::string, std::string>>;

// W3C baggage limits, as Datadog's tracers apply them: injection writes at most this
// many items and bytes; extraction keeps the items that fit and drops the rest.
inline constexpr std::size_t kBaggageMaxItems = 64;
inline constexpr std::size_t kBaggageMaxBytes = 8192;

// Parses a DD_TRACE_PROPAGATION_STYLE* value: names separated by commas and/or spaces,
// case-insensitive: `datadog`, `tracecontext`, `b3multi`, `b3` (single header; also
// spelled `b3 single header`), `baggage`, `none`. Repeated names are kept once. An
// unknown or missing name is an Error::kInvalidPropagationStyle naming the value.
Expected<std::vector<PropagationStyle>> parse_propagation_styles(std::string_view text);

// The canonical name, as parse_propagation_styles accepts it and the startup log and
// span links (`context_headers`) print it.
std::string_view to_string(PropagationStyle style);

struct PropagationSettings {
  std::vector<PropagationStyle> extract{PropagationStyle::kDatadog, PropagationStyle::kTraceContext,
                                        PropagationStyle::kBaggage};
  std::vector<PropagationStyle> inject{PropagationStyle::kDatadog, PropagationStyle::kTraceContext,
                                       PropagationStyle::kBaggage};
  std::size_t x_datadog_tags_max_length = 512;
};

struct ExtractedContext {
  // trace_id.low == 0: no trace context was found (baggage may still be set).
  TraceId trace_id;
  std::optional<std::uint64_t> parent_id;
  std::optional<int> sampling_priority;
  std::optional<std::string> origin;  // x-datadog-origin / tracestate o:
  // Propagating trace tags (`_dd.p.*` only; `_dd.p.tid` is folded into trace_id.high).
  TagList trace_tags;
  // W3C tracestate members of other vendors, comma-joined in their original order.
  // Used like the std::optional<std::string> it was (see w3c_members.h), without
  // allocating for the usual one or two members.
  W3cMembersText additional_w3c_tracestate;
  // Unknown subkeys of tracestate's dd= member, ';'-joined, kept for re-injection.
  std::optional<std::string> additional_datadog_w3c_tracestate;
  // tracestate `p:` (16 hex digits): the last Datadog span upstream; becomes the root's
  // `_dd.parent_id` tag.
  std::optional<std::string> datadog_last_parent_id;
  std::vector<SpanLink> span_links;
  TagList baggage;
  // Value for the local root's `_dd.propagation_error` (e.g. "extract_max_size",
  // "decoding_error"), when the trace tags had to be dropped.
  std::optional<std::string> propagation_error;
  // The style that yielded trace_id, when one did.
  std::optional<PropagationStyle> style;

  bool has_trace() const { return trace_id.low != 0 || trace_id.high != 0; }
};

// Never fails: malformed headers are skipped, and each problem is appended to
// `diagnostics` (if given) as an Error naming the header and value.
ExtractedContext extract_context(const DictReader& headers, const PropagationSettings& settings,
                                 std::vector<Error>* diagnostics = nullptr);

// What the injecting span knows about its trace.
struct InjectionContext {
  TraceId trace_id;
  std::uint64_t span_id = 0;
  int sampling_priority = 1;
  const std::string* origin = nullptr;  // may be null
  const TagList* trace_tags = nullptr;  // `_dd.p.*`, without `_dd.p.tid`
  // A std::string or an extracted W3cMembersText (may be null).
  W3cMembersRef additional_w3c_tracestate = nullptr;
  const std::string* additional_datadog_w3c_tracestate = nullptr;
  const TagList* baggage = nullptr;
};

// Writes the headers of every injection style. When the trace tags do not fit
// x_datadog_tags_max_length, x-datadog-tags is left out and `*propagation_error` is set
// to "inject_max_size".
void inject_context(DictWriter& headers, const InjectionContext& context,
                    const PropagationSettings& settings,
                    std::optional<std::string>* propagation_error = nullptr);

}  // namespace gatetrace
