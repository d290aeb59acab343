// The propagation styles one by one: each extractor reads only its own headers into a
// StyleExtraction, each injector writes only its own. extract.cpp and inject.cpp
// combine them in the configured order. Internal to the propagation module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "propagation.h"
#include "style_headers.h"

namespace gatetrace {
namespace propagation {

// What one style found. `context.has_trace()` is false when it found nothing usable.
// The context is the caller's: the first style that finds a trace writes straight
// into the ExtractedContext that extract_context returns, so that nothing is moved.
struct StyleExtraction {
  explicit StyleExtraction(ExtractedContext& into) : context(into) {}

  ExtractedContext& context;
  // tracecontext only: the tracestate header as received (OWS trimmed), and the trace
  // flags, for a span link when this context names another trace than the one chosen.
  // A view, so the usual request (whose trace is chosen) copies nothing: it points
  // into the request's header, or into `joined_tracestate` when the header was
  // repeated. Valid while the headers are and while this object stays in place.
  std::string_view tracestate;
  std::string joined_tracestate;
  std::optional<std::uint32_t> trace_flags;
  // tracecontext only: the value of tracestate's dd member (a view like `tracestate`),
  // from which a merge reads the last parent id when it needs one.
  std::string_view datadog_member;
};

// Whether an extracted context will be the one extract_context returns (the first
// style that finds a trace) or one that can only be merged into it or linked. A
// secondary tracecontext fills only what a merge or a link reads: trace and parent
// ids, flags, tracestate, its other vendors' members and unknown dd subkeys. Its
// origin, trace tags, `p:` and the priority that `s:` refines are left out.
enum class ExtractionRole { kChosen, kSecondary };

// What a tracecontext extraction that is not the chosen one keeps: only what a merge
// into the chosen context or a span link reads, and views where the request's headers
// hold the text, so that the usual request (W3C headers naming the trace the datadog
// headers named) builds no context for it. Not movable: the views may point into
// its own strings.
struct SecondaryTraceContext {
  SecondaryTraceContext() = default;
  SecondaryTraceContext(const SecondaryTraceContext&) = delete;
  SecondaryTraceContext& operator=(const SecondaryTraceContext&) = delete;

  bool has_trace() const { return trace_id.low != 0 || trace_id.high != 0; }

  TraceId trace_id;  // zero: no valid traceparent
  std::uint64_t parent_id = 0;
  std::uint32_t trace_flags = 0;
  // As StyleExtraction's: the tracestate received (empty when it was invalid), and its
  // dd member's value.
  std::string_view tracestate;
  std::string_view datadog_member;
  // Other vendors' members, as ExtractedContext::additional_w3c_tracestate holds them
  // (empty for none): a view of the header, or of `others_joined`.
  std::string_view others;
  // Unknown subkeys of the dd member, as additional_datadog_w3c_tracestate (empty for
  // none).
  std::string additional_datadog;
  std::string joined_tracestate;  // repeated tracestate headers, joined
  std::string others_joined;      // other vendors' members that stood apart
};

void extract_datadog(const StyleHeaders& headers, const PropagationSettings& settings,
                     StyleExtraction& out, std::vector<Error>* diagnostics);
void extract_tracecontext(const StyleHeaders& headers, ExtractionRole role, StyleExtraction& out,
                          std::vector<Error>* diagnostics);
void extract_secondary_tracecontext(const StyleHeaders& headers, SecondaryTraceContext& out,
                                    std::vector<Error>* diagnostics);
void extract_b3multi(const StyleHeaders& headers, StyleExtraction& out,
                     std::vector<Error>* diagnostics);
void extract_b3single(const StyleHeaders& headers, StyleExtraction& out,
                      std::vector<Error>* diagnostics);
void extract_baggage(const StyleHeaders& headers, TagList& out, std::vector<Error>* diagnostics);

void inject_datadog(DictWriter& headers, const InjectionContext& context,
                    const PropagationSettings& settings,
                    std::optional<std::string>* propagation_error);
void inject_tracecontext(DictWriter& headers, const InjectionContext& context);
void inject_b3multi(DictWriter& headers, const InjectionContext& context);
void inject_b3single(DictWriter& headers, const InjectionContext& context);
void inject_baggage(DictWriter& headers, const InjectionContext& context);

}  // namespace propagation
}  // namespace gatetrace
