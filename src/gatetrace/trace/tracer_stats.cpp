#include "gatetrace/tracer_stats.h"

#include "gatetrace/export/agent_exporter.h"
#include "gatetrace/trace/tracer_core.h"
#include "gatetrace/tracer.h"

namespace gatetrace {

TracerStats tracer_stats(const Tracer& tracer) {
  TracerStats result;
  const TracerCore& core = *tracer.core();
  result.spans_dropped_segment_full =
      core.spans_dropped_segment_full.load(std::memory_order_relaxed);
  const auto* exporter = dynamic_cast<const AgentExporter*>(core.collector.get());
  if (exporter == nullptr) return result;
  const ExporterStats stats = exporter->stats();
  result.traces_enqueued = stats.traces_enqueued;
  result.traces_dropped_queue_full = stats.traces_dropped_queue_full;
  result.traces_sent = stats.traces_sent;
  result.traces_dropped_send_failed = stats.traces_dropped_send_failed;
  result.payloads_sent = stats.payloads_sent;
  result.http_errors = stats.http_errors;
  result.transport_errors = stats.transport_errors;
  result.payloads_split = stats.payloads_split;
  return result;
}

}  // namespace gatetrace
