// Building the inferred span of an API gateway from a validated `InferredProxyRequest`,
// and completing it from the server span's outcome, field by field as
// shared/spec/inferred-proxy-spans.md lays down. The `http` module's request helper is
// the only caller: it creates the inferred span first (the trace's local root, child of
// any extracted context), the server span under it, and finishes both in order.
#pragma once

#include <optional>
#include <string>

#include "gatetrace/proxy/proxy_headers.h"
#include "gatetrace/span.h"
#include "gatetrace/span_config.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

// Name, service, resource, type, start and the tags known when the request arrives.
// `now` is the moment the headers were read (its steady reading anchors the start).
SpanConfig inferred_span_config(const InferredProxyRequest& request,
                                const FinalizedTracerConfig& config, TimePoint now);

// What the server span ended with.
struct ServerOutcome {
  std::optional<int> status;
  bool error = false;
  std::optional<std::string> error_message;
  std::optional<std::string> error_type;
  std::optional<std::string> error_stack;
  TimePoint end;  // the server span's end
};

// Copies status and error state, then finishes the inferred span at the server span's
// end, so it never ends before the server span.
void finish_inferred_span(Span& inferred, const ServerOutcome& outcome,
                          const FinalizedTracerConfig& config);

}  // namespace gatetrace
