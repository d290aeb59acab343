// TracerStats: what happened to the traces a Tracer produced, for an application's own
// health checks and metrics. When the agent is slow, absent or refusing, gatetrace drops
// traces rather than slow the service down or grow without bound; these counters say how
// many and why, exactly (each trace counts once: sent, or dropped for one reason, or
// still queued). Reading them is cheap (relaxed atomic loads) and thread-safe.
//
//   const gatetrace::TracerStats stats = gatetrace::tracer_stats(tracer);
//   if (stats.traces_dropped_queue_full != 0) { /* the agent cannot keep up */ }
//
// With a custom Collector (TracerConfig::collector) or tracing disabled, the exporter
// counters stay 0.
#pragma once

#include "gatetrace/api.h"

#include <cstdint>

namespace gatetrace {

class Tracer;

struct TracerStats {
  std::uint64_t traces_enqueued = 0;             // accepted by the export queue
  std::uint64_t traces_dropped_queue_full = 0;   // the queue held its byte limit
  std::uint64_t traces_sent = 0;                 // accepted by the agent (2xx)
  std::uint64_t traces_dropped_send_failed = 0;  // refused, unreachable, or shutdown
  std::uint64_t payloads_sent = 0;
  std::uint64_t http_errors = 0;                 // non-2xx answers, one per attempt
  std::uint64_t transport_errors = 0;            // no answer at all, one per attempt
  std::uint64_t payloads_split = 0;              // halved after the agent answered 413
  std::uint64_t spans_dropped_segment_full = 0;  // a trace held 100,000 spans already
};

GATETRACE_API TracerStats tracer_stats(const Tracer& tracer);

}  // namespace gatetrace
