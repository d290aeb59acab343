// Fuzzes trace-context extraction in every propagation style, alone and all together,
// over arbitrary request headers. Beyond "no crash", a context that was extracted must
// survive a round trip: injected in the same style(s) and extracted again, it names the
// same trace, parent and sampling priority; and everything injected is printable ASCII
// (a header value from a hostile request must not smuggle bytes into outgoing ones).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/propagation/tracestate.h"

namespace {

using gatetrace::ExtractedContext;
using gatetrace::PropagationSettings;
using gatetrace::PropagationStyle;

constexpr PropagationStyle kTraceStyles[] = {
    PropagationStyle::kDatadog, PropagationStyle::kTraceContext, PropagationStyle::kB3Multi,
    PropagationStyle::kB3Single};

// Injection as the tracer does it for a span whose parent is the extracted context:
// here the "span" reuses the parent id, so the round trip can compare it.
gatetrace::InjectionContext injection_for(const ExtractedContext& context) {
  gatetrace::InjectionContext injection;
  injection.trace_id = context.trace_id;
  injection.span_id = context.parent_id.value_or(0);
  injection.sampling_priority = context.sampling_priority.value_or(1);
  injection.origin = context.origin ? &*context.origin : nullptr;
  injection.trace_tags = &context.trace_tags;
  injection.additional_w3c_tracestate =
      context.additional_w3c_tracestate ? &*context.additional_w3c_tracestate : nullptr;
  injection.additional_datadog_w3c_tracestate = context.additional_datadog_w3c_tracestate
                                                    ? &*context.additional_datadog_w3c_tracestate
                                                    : nullptr;
  injection.baggage = &context.baggage;
  return injection;
}

struct Injected {
  gatetrace::HeaderListWriter writer;
  std::optional<std::string> propagation_error;
};

void inject(const ExtractedContext& context, const PropagationSettings& settings, Injected& out) {
  const auto injection = injection_for(context);
  gatetrace::inject_context(out.writer, injection, settings, &out.propagation_error);
  for (const auto& [name, value] : out.writer.headers()) {
    GATETRACE_FUZZ_CHECK(!name.empty() && gatetrace::fuzz::printable_ascii(name));
    GATETRACE_FUZZ_CHECK(gatetrace::fuzz::printable_ascii(value));
    if (name == "tracestate") {
      // What we send must be a tracestate that a strict reader (ours) accepts.
      gatetrace::propagation::ParsedTracestate parsed;
      std::string why;
      GATETRACE_FUZZ_CHECK(gatetrace::propagation::parse_tracestate(value, parsed, why));
      GATETRACE_FUZZ_CHECK(parsed.sampling_priority == injection.sampling_priority);
    }
  }
}

ExtractedContext extract_from(const Injected& injected, const PropagationSettings& settings) {
  gatetrace::HeaderListReader::Headers views;
  for (const auto& [name, value] : injected.writer.headers()) views.emplace_back(name, value);
  const gatetrace::HeaderListReader reader(views);
  std::vector<gatetrace::Error> diagnostics;
  auto context = gatetrace::extract_context(reader, settings, &diagnostics);
  return context;
}

// The style that yielded the trace (when one did) is one of the configured ones, and
// the context is internally consistent.
void check_extracted(const ExtractedContext& context, const PropagationSettings& settings) {
  GATETRACE_FUZZ_CHECK(context.baggage.size() <= gatetrace::kBaggageMaxItems);
  if (!context.has_trace()) {
    GATETRACE_FUZZ_CHECK(!context.style.has_value());
    GATETRACE_FUZZ_CHECK(context.span_links.empty());
    return;
  }
  GATETRACE_FUZZ_CHECK(context.style.has_value());
  bool configured = false;
  for (const auto style : settings.extract) configured = configured || style == *context.style;
  GATETRACE_FUZZ_CHECK(configured);
  for (const auto& [key, value] : context.trace_tags) {
    GATETRACE_FUZZ_CHECK(key.rfind("_dd.p.", 0) == 0);
    GATETRACE_FUZZ_CHECK(key != "_dd.p.tid");
  }
  if (context.datadog_last_parent_id) {
    GATETRACE_FUZZ_CHECK(context.datadog_last_parent_id->size() == 16);
  }
  for (const auto& link : context.span_links) {
    GATETRACE_FUZZ_CHECK(link.trace_id.low != context.trace_id.low);
  }
}

// Extract with `settings`; when a context comes out, inject it with the same styles and
// extract it again: trace id, parent and priority must come back unchanged.
void round_trip(const gatetrace::DictReader& headers, const PropagationSettings& settings) {
  std::vector<gatetrace::Error> diagnostics;
  const ExtractedContext first = gatetrace::extract_context(headers, settings, &diagnostics);
  check_extracted(first, settings);
  for (const auto& error : diagnostics) GATETRACE_FUZZ_CHECK(!error.message.empty());
  if (!first.has_trace()) return;
  // W3C and B3 cannot carry an all-zero span id; the datadog style alone can.
  if (first.parent_id.value_or(0) == 0 && *first.style != PropagationStyle::kDatadog) return;

  Injected injected;
  inject(first, settings, injected);
  const ExtractedContext second = extract_from(injected, settings);
  GATETRACE_FUZZ_CHECK(second.has_trace());
  GATETRACE_FUZZ_CHECK(second.trace_id.low == first.trace_id.low);
  // The datadog style carries the high half in x-datadog-tags, which is left out when
  // the tags do not fit or cannot be encoded.
  if (!(*first.style == PropagationStyle::kDatadog && injected.propagation_error)) {
    GATETRACE_FUZZ_CHECK(second.trace_id.high == first.trace_id.high);
  }
  GATETRACE_FUZZ_CHECK(second.parent_id.value_or(0) == first.parent_id.value_or(0));
  if (first.sampling_priority) {
    GATETRACE_FUZZ_CHECK(second.sampling_priority == first.sampling_priority);
  }
  if (*first.style == PropagationStyle::kDatadog && settings.extract.size() == 1) {
    GATETRACE_FUZZ_CHECK(second.origin == first.origin);
    if (!injected.propagation_error) GATETRACE_FUZZ_CHECK(second.trace_tags == first.trace_tags);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto headers = gatetrace::fuzz::split_headers(gatetrace::fuzz::as_text(data, size));
  const gatetrace::HeaderListReader reader(headers);

  PropagationSettings settings;
  for (const PropagationStyle style : kTraceStyles) {
    settings.extract = {style};
    settings.inject = {style};
    round_trip(reader, settings);
  }

  settings.extract = {PropagationStyle::kBaggage};
  settings.inject = {PropagationStyle::kBaggage};
  const ExtractedContext baggage = gatetrace::extract_context(reader, settings);
  GATETRACE_FUZZ_CHECK(!baggage.has_trace());
  GATETRACE_FUZZ_CHECK(baggage.baggage.size() <= gatetrace::kBaggageMaxItems);

  // All together, in Datadog's default order followed by the B3 styles.
  settings.extract = {PropagationStyle::kDatadog, PropagationStyle::kTraceContext,
                      PropagationStyle::kB3Multi, PropagationStyle::kB3Single,
                      PropagationStyle::kBaggage};
  settings.inject = settings.extract;
  round_trip(reader, settings);
  return 0;
}
