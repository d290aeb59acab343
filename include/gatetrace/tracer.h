// Tracer: creates spans, continues traces from incoming headers, and owns the machinery
// behind them (sampler, exporter, flush thread). Create one per process and share it;
// every method is thread-safe.
//
//   auto tracer = gatetrace::Tracer(gatetrace::TracerConfig{});  // reads DD_* variables
//   gatetrace::Span span = tracer.extract_or_create_span(headers, {.name = "web.request"});
//
// The destructor flushes pending traces, waiting at most DD_TRACE_SHUTDOWN_TIMEOUT.
#pragma once

#include "gatetrace/api.h"

#include <chrono>
#include <memory>
#include <string>

#include "gatetrace/dict_reader.h"
#include "gatetrace/expected.h"
#include "gatetrace/span.h"
#include "gatetrace/span_config.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

class TracerCore;

class GATETRACE_API Tracer {
 public:
  explicit Tracer(const FinalizedTracerConfig& config);
  // Lenient: logs every invalid setting and uses its default (see tracer_config.h).
  explicit Tracer(const TracerConfig& config);
  Tracer(Tracer&&) noexcept;
  Tracer& operator=(Tracer&&) noexcept;
  ~Tracer();

  // A new trace's root span.
  Span create_span(const SpanConfig& config = {});

  // A span continuing the trace described by `headers` (in the configured extraction
  // styles). Fails with kNoSpanToExtract when the headers carry no trace context, or
  // with a parse error when they carry a malformed one.
  Expected<Span> extract_span(const DictReader& headers, const SpanConfig& config = {});

  // `extract_span`, falling back to `create_span` when there is nothing (valid) to
  // continue.
  Span extract_or_create_span(const DictReader& headers, const SpanConfig& config = {});

  // Deliver every finished trace to the agent now, waiting at most `timeout`. True when
  // nothing is left pending.
  bool flush(std::chrono::milliseconds timeout);

  const FinalizedTracerConfig& config() const;

  // Internal machinery; used by gatetrace's own modules (http helper, proxy).
  const std::shared_ptr<TracerCore>& core() const { return core_; }

 private:
  std::shared_ptr<TracerCore> core_;
};

}  // namespace gatetrace
