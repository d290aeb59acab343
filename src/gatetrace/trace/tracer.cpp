#include "gatetrace/tracer.h"

#include "gatetrace/span_data.h"
#include "gatetrace/trace/span_creation.h"
#include "gatetrace/trace/span_pool.h"
#include "gatetrace/trace/trace_segment.h"
#include "gatetrace/trace/tracer_core.h"

namespace gatetrace {
namespace {

std::shared_ptr<TracerCore> start(const FinalizedTracerConfig& config) {
  std::shared_ptr<TracerCore> core = make_tracer_core(config);
  for (const Error& error : config.errors) {
    core->logger->log(LogLevel::kError, error.to_string() + "; using the default instead");
  }
  if (config.startup_logs) {
    core->logger->log(LogLevel::kInfo,
                      "DATADOG TRACER CONFIGURATION - " + startup_log_json(config));
  }
  return core;
}

// A segment for headers without a trace to continue: only their baggage carries over.
// Out of line, so that other root spans do not build and destroy an ExtractedContext.
[[gnu::noinline]] TraceSegment* new_segment_with_baggage_of(TracerCore& core,
                                                            ExtractedContext& extracted) {
  ExtractedContext baggage_only;
  baggage_only.baggage = std::move(extracted.baggage);
  return TraceSegment::make(core, &baggage_only);
}

}  // namespace

Tracer::Tracer(const FinalizedTracerConfig& config) : core_(start(config)) {}

Tracer::Tracer(const TracerConfig& config) : core_(start(finalize_config_with_defaults(config))) {}

Tracer::Tracer(Tracer&&) noexcept = default;
Tracer& Tracer::operator=(Tracer&&) noexcept = default;

Tracer::~Tracer() {
  if (core_ && core_->collector) core_->collector->flush(core_->config.shutdown_timeout);
}

const FinalizedTracerConfig& Tracer::config() const { return core_->config; }

namespace {

// A new segment's root span, continuing `extracted` when it names a trace: the work of
// both make_root_span()s once the texts are chosen, inlined into each (as a call of its
// own, about 30 instructions more per trace). `tags`: a SpanConfig's own (may be null).
struct NewRoot {
  SpanData* span;
  TraceSegment* segment;
};
[[gnu::always_inline]] inline NewRoot new_root(TracerCore& core, std::string_view name,
                                               std::string_view service, std::string_view resource,
                                               std::string_view type,
                                               const std::optional<TimePoint>& start,
                                               const SpanConfigTags* tags,
                                               ExtractedContext* extracted) {
  SpanData* span = acquire_span_data_inlined(name, service, resource, type);
  span->start = start ? *start : core.now();
  span->span_id = core.ids->span_id();
  if (extracted != nullptr && extracted->has_trace()) {
    span->trace_id = extracted->trace_id;
    span->parent_id = extracted->parent_id.value_or(0);
  } else {
    span->trace_id = core.ids->trace_id(span->start.wall_ns, core.config.generate_128bit_trace_ids);
  }
  set_initial_tags(*span, core.config, tags);

  auto* segment = extracted == nullptr || extracted->has_trace()
                      ? TraceSegment::make(core, extracted)
                      : new_segment_with_baggage_of(core, *extracted);
  segment->add_root_span(span);
  return NewRoot{span, segment};
}

// The context `headers` carry, its diagnostics logged in debug mode. Inlined into its
// two users: as a call of its own it cost about 20 instructions per request.
[[gnu::always_inline]] inline ExtractedContext extract_logging(const TracerCore& core,
                                                               const DictReader& headers) {
  std::vector<Error> diagnostics;
  ExtractedContext extracted = extract_context(headers, core.propagation, &diagnostics);
  if (core.config.debug) {
    for (const Error& error : diagnostics) core.logger->log(LogLevel::kDebug, error.to_string());
  }
  return extracted;
}

}  // namespace

Span make_root_span(const std::shared_ptr<TracerCore>& core, const SpanConfig& config,
                    ExtractedContext* extracted) {
  const NewRoot root = new_root(
      *core, config.name ? std::string_view(*config.name) : std::string_view("span"),
      config.service ? std::string_view(*config.service) : std::string_view(core->config.service),
      config.resource ? std::string_view(*config.resource) : std::string_view(),
      config.type ? std::string_view(*config.type) : std::string_view(), config.start, &config.tags,
      extracted);
  return Span(root.span, root.segment);
}

Span extract_or_create_span_from_texts(Tracer& tracer, const DictReader& headers,
                                       const SpanCreationTexts& texts) {
  TracerCore& core = *tracer.core();
  ExtractedContext extracted = extract_logging(core, headers);
  const NewRoot root = new_root(core, texts.name, texts.service, texts.resource, texts.type,
                                texts.start, nullptr, &extracted);
  return Span(root.span, root.segment);
}

Span Tracer::create_span(const SpanConfig& config) {
  return make_root_span(core_, config, nullptr);
}

Expected<Span> Tracer::extract_span(const DictReader& headers, const SpanConfig& config) {
  std::vector<Error> diagnostics;
  ExtractedContext extracted = extract_context(headers, core_->propagation, &diagnostics);
  if (!extracted.has_trace()) {
    if (!diagnostics.empty()) return diagnostics.front();
    return Error{Error::kNoSpanToExtract, "no trace context in the request's headers"};
  }
  if (core_->config.debug) {
    for (const Error& error : diagnostics) core_->logger->log(LogLevel::kDebug, error.to_string());
  }
  return make_root_span(core_, config, &extracted);
}

Span Tracer::extract_or_create_span(const DictReader& headers, const SpanConfig& config) {
  ExtractedContext extracted = extract_logging(*core_, headers);
  return make_root_span(core_, config, &extracted);
}

bool Tracer::flush(std::chrono::milliseconds timeout) {
  if (!core_->collector) return true;
  return core_->collector->flush(timeout);
}

}  // namespace gatetrace
