#include "gatetrace/trace/trace_segment.h"

#include <fmt/format.h>

#include "gatetrace/trace/tracer_core.h"

namespace gatetrace {

TraceSegment::TraceSegment(std::shared_ptr<TracerCore> core, ExtractedContext* extracted)
    : core_(std::move(core)) {
  if (extracted == nullptr) return;
  if (extracted->sampling_priority) {
    decision_ =
        SamplingDecision{*extracted->sampling_priority, SamplingMechanism::kDefault, {}, {}, {}};
    decision_from_upstream_ = true;
  }
  trace_tags_ = std::move(extracted->trace_tags);
  origin_ = std::move(extracted->origin);
  additional_w3c_tracestate_ = std::move(extracted->additional_w3c_tracestate);
  additional_datadog_w3c_tracestate_ = std::move(extracted->additional_datadog_w3c_tracestate);
  datadog_last_parent_id_ = std::move(extracted->datadog_last_parent_id);
  propagation_error_ = std::move(extracted->propagation_error);
  links_ = std::move(extracted->span_links);
  baggage_ = std::move(extracted->baggage);
}

SpanData* TraceSegment::add_span(std::unique_ptr<SpanData> span) {
  SpanData* raw = span.get();
  std::lock_guard<std::mutex> lock(mutex_);
  if (spans_.empty() && !root_delivered_ && local_root_ == nullptr) {
    local_root_ = raw;
    trace_id_ = raw->trace_id;
  }
  if (spans_.size() < kMaxSpansPerSegment) {
    spans_.push_back(Entry{std::move(span), false});
    return raw;
  }
  // Refused: the Span owns it now, and span_finished frees it.
  span.release();
  refuse_span();
  return raw;
}

void TraceSegment::span_finished(SpanData* span) {
  std::vector<std::unique_ptr<SpanData>> ready;
  bool contains_root = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // From the newest: children usually finish before their parents.
    bool recorded = false;
    for (auto it = spans_.rbegin(); it != spans_.rend(); ++it) {
      if (it->span.get() == span) {
        it->finished = true;
        recorded = true;
        break;
      }
    }
    if (!recorded) {
      // Refused at the cap (see add_span): not part of the trace.
      delete span;
      return;
    }
    ++finished_;
    const bool complete = finished_ == spans_.size();
    const bool partial = !complete && core_->config.partial_flush_enabled &&
                         finished_ >= core_->config.partial_flush_min_spans;
    if (!complete && !partial) return;
    if (!decision_) decide_locked();
    // Move the finished spans out, root first, keeping the unfinished ones.
    std::vector<Entry> open;
    ready.reserve(finished_);
    for (auto& entry : spans_) {
      if (!entry.finished) {
        open.push_back(std::move(entry));
      } else if (entry.span.get() == local_root_) {
        contains_root = true;
        ready.insert(ready.begin(), std::move(entry.span));
      } else {
        ready.push_back(std::move(entry.span));
      }
    }
    spans_ = std::move(open);
    finished_ = 0;
    if (contains_root) {
      local_root_ = nullptr;
      root_delivered_ = true;
    }
  }
  deliver(std::move(ready), contains_root);
}

// Called with mutex_ held, when a new span meets the cap.
void TraceSegment::refuse_span() {
  core_->spans_dropped_segment_full.fetch_add(1, std::memory_order_relaxed);
  if (refused_spans_) return;
  refused_spans_ = true;
  // Once per segment, so a runaway trace logs one line, not one per span.
  core_->logger->log(LogLevel::kWarning,
                     "trace " + std::to_string(trace_id_.low) + " holds " +
                         std::to_string(kMaxSpansPerSegment) +
                         " spans; its further spans are not recorded (a span that never "
                         "finishes? DD_TRACE_PARTIAL_FLUSH_ENABLED sends finished spans early)");
}

void TraceSegment::decide_locked() {
  if (local_root_ == nullptr) {
    decision_ = SamplingDecision{};
    return;
  }
  decision_ = core_->sampler->decide(*local_root_);
  SpanData scratch;  // psr metrics are written on delivery; only trace tags matter now
  apply_sampling_decision(*decision_, scratch, trace_tags_);
}

int TraceSegment::sampling_priority() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!decision_) decide_locked();
  return decision_->priority;
}

void TraceSegment::set_manual_priority(int priority) {
  std::lock_guard<std::mutex> lock(mutex_);
  decision_ = SamplingDecision{priority, SamplingMechanism::kManual, {}, {}, {}};
  decision_from_upstream_ = false;
  SpanData scratch;
  apply_sampling_decision(*decision_, scratch, trace_tags_);
}

void TraceSegment::deliver(std::vector<std::unique_ptr<SpanData>> spans, bool contains_root) {
  if (spans.empty()) return;
  const TracerCore& core = *core_;
  SamplingDecision decision;
  bool from_upstream;
  TagList trace_tags;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    decision = *decision_;
    from_upstream = decision_from_upstream_;
    trace_tags = trace_tags_;
  }

  SpanData& first = *spans.front();
  if (contains_root && !from_upstream) {
    TagList ignored;
    apply_sampling_decision(decision, first, ignored);
  } else {
    first.metrics.set("_sampling_priority_v1", static_cast<double>(decision.priority));
  }
  for (const auto& [key, value] : trace_tags) first.meta.set(key, value);
  if (first.trace_id.high != 0) {
    first.meta.set("_dd.p.tid", fmt::format("{:016x}", first.trace_id.high));
  }
  if (contains_root) {
    if (propagation_error_) first.meta.set("_dd.propagation_error", *propagation_error_);
    if (datadog_last_parent_id_) first.meta.set("_dd.parent_id", *datadog_last_parent_id_);
    for (auto& link : links_) first.links.push_back(link);
  }

  const bool dropped = decision.priority <= 0;
  const FinalizedTracerConfig& config = core.config;
  TraceChunk chunk;
  chunk.sampling_priority = decision.priority;
  chunk.spans.reserve(spans.size());
  for (auto& span : spans) {
    if (origin_) span->meta.set("_dd.origin", *origin_);
    if (!config.version.empty() && span->service == config.service &&
        !span->meta.contains("version")) {
      span->meta.set("version", config.version);
    }
    if (dropped && core.span_sampler) core.span_sampler->sample(*span);
    chunk.spans.push_back(span.get());
  }
  if (core.collector) core.collector->send(chunk);
}

void TraceSegment::inject(DictWriter& writer, std::uint64_t span_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!decision_) decide_locked();
  InjectionContext context;
  context.trace_id = trace_id_;
  context.span_id = span_id;
  context.sampling_priority = decision_->priority;
  context.origin = origin_ ? &*origin_ : nullptr;
  context.trace_tags = &trace_tags_;
  context.additional_w3c_tracestate =
      additional_w3c_tracestate_ ? &*additional_w3c_tracestate_ : nullptr;
  context.additional_datadog_w3c_tracestate =
      additional_datadog_w3c_tracestate_ ? &*additional_datadog_w3c_tracestate_ : nullptr;
  context.baggage = &baggage_;
  std::optional<std::string> error;
  inject_context(writer, context, core_->propagation, &error);
  if (error) propagation_error_ = std::move(error);
}

std::optional<std::string> TraceSegment::baggage(std::string_view key) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [k, v] : baggage_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

void TraceSegment::set_baggage(std::string_view key, std::string_view value) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [k, v] : baggage_) {
    if (k == key) {
      v.assign(value);
      return;
    }
  }
  baggage_.emplace_back(std::string(key), std::string(value));
}

}  // namespace gatetrace
