// Log correlation: the identifiers that link an application's log lines to the trace
// that was active when they were written, in the form Datadog's log pipeline expects:
// `dd.trace_id` (decimal when the trace id fits in 64 bits, else 32 lowercase hex
// digits, as Datadog's tracers log 128-bit ids) and `dd.span_id` (decimal).
//
//   spdlog::info("charged card {}", gatetrace::log_correlation(request_span.span()));
//   // -> charged card dd.trace_id=6553f1a2000000001234abcd... dd.span_id=4242
//
// The fmt formatter prints the `key=value` pairs; `{:j}` prints them as JSON members
// ("dd.trace_id":"...","dd.span_id":"...") for JSON log lines. An empty span formats as
// nothing, so a log line outside any request stays clean.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "gatetrace/api.h"
#include "gatetrace/span.h"
#include "gatetrace/trace_id.h"

namespace gatetrace {

struct LogCorrelation {
  TraceId trace_id;
  std::uint64_t span_id = 0;  // 0: no span
};

inline LogCorrelation log_correlation(const Span& span) {
  if (span.empty()) return {};
  return {span.trace_id(), span.id()};
}

// `dd.trace_id`'s value: decimal low 64 bits when the high half is 0, else 32 hex digits.
GATETRACE_API std::string log_trace_id(const TraceId& trace_id);

}  // namespace gatetrace

template <>
struct fmt::formatter<gatetrace::LogCorrelation> {
  bool json = false;

  constexpr auto parse(fmt::format_parse_context& ctx) -> decltype(ctx.begin()) {
    auto it = ctx.begin();
    if (it != ctx.end() && *it == 'j') {
      json = true;
      ++it;
    }
    if (it != ctx.end() && *it != '}') throw fmt::format_error("invalid LogCorrelation format");
    return it;
  }

  template <typename FormatContext>
  auto format(const gatetrace::LogCorrelation& ids, FormatContext& ctx) const
      -> decltype(ctx.out()) {
    if (ids.span_id == 0) return ctx.out();
    const std::string trace_id = gatetrace::log_trace_id(ids.trace_id);
    if (json) {
      return fmt::format_to(ctx.out(), R"("dd.trace_id":"{}","dd.span_id":"{}")", trace_id,
                            ids.span_id);
    }
    return fmt::format_to(ctx.out(), "dd.trace_id={} dd.span_id={}", trace_id, ids.span_id);
  }
};
