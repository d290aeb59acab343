// TracerCore: everything a tracer's spans share: the finalized configuration, the
// samplers, the collector, the clock and id generator. Its owners (a Tracer, an
// HttpClientSpan) hold it by shared_ptr; trace segments count themselves in `segment_refs`
// instead (no shared atomic written per trace), and the core is freed when both are
// gone, so a span that outlives its Tracer is still safe to finish (its trace is then
// delivered if the collector still runs).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "gatetrace/collector.h"
#include "gatetrace/common/offset_clock.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/sampling/glob.h"
#include "gatetrace/sampling/trace_sampler.h"
#include "gatetrace/trace/segment_ref_count.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

class QueryObfuscator;

class GATETRACE_API TracerCore {
 public:
  GATETRACE_HIDDEN explicit TracerCore(const FinalizedTracerConfig& config);
  GATETRACE_HIDDEN ~TracerCore();

  const FinalizedTracerConfig config;
  const PropagationSettings propagation;
  std::shared_ptr<Logger> logger;
  std::shared_ptr<const Clock> clock;
  // `clock` when it is the default clock (the usual case), else null: see now().
  const OffsetClock* offset_clock = nullptr;
  std::shared_ptr<IdGenerator> ids;
  std::shared_ptr<TraceSampler> sampler;
  std::unique_ptr<SpanSampler> span_sampler;  // null when there are no span rules
  std::shared_ptr<Collector> collector;       // null when tracing is disabled
  // GATETRACE_INFERRED_PROXY_ALLOWED_DOMAINS, compiled once.
  std::vector<Glob> allowed_proxy_domains;
  // The http module's compiled DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP, built on first
  // use by that module (so that this one needs no regex library).
  mutable std::once_flag query_obfuscator_once;
  mutable std::shared_ptr<const QueryObfuscator> query_obfuscator;
  // Spans not recorded because their trace segment held kMaxSpansPerSegment.
  std::atomic<std::uint64_t> spans_dropped_segment_full{0};
  // clock->now(); the default clock is read inline, without the virtual call (spans
  // read the clock when they start and when they finish).
  TimePoint now() const { return offset_clock != nullptr ? offset_clock->read() : clock->now(); }
  // Live trace segments (TraceSegment). The last of them, or the last owner, frees the
  // core (see make_tracer_core).
  SegmentRefCount segment_refs;
};

// A new core, owned by the returned shared_ptr: when its last copy goes, the core is
// freed at once, or by the last trace segment still using it.
std::shared_ptr<TracerCore> make_tracer_core(const FinalizedTracerConfig& config);

// A random UUID (version 4), identifying this process's tracer in `runtime-id`.
std::string make_runtime_id();

}  // namespace gatetrace
