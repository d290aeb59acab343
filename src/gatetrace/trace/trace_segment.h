// TraceSegment: the spans of one trace that live in this process, from the local root
// down. It owns their SpanData, counts how many are finished and, when the last one
// finishes, applies the trace-level tags (sampling decision, `_dd.p.*`, origin) and
// hands the chunk to the collector. It also holds what propagates with the trace:
// sampling decision, origin, trace tags, W3C tracestate, baggage.
//
// Each segment has its own lock (a SpinLock: see spin_lock.h), held only briefly (add a
// span, count a finish, read the propagation state); no lock is shared between traces. SpanData
// comes from the per-thread SpanPool and goes back to it once the collector has taken the chunk.
//
// A trace uses a segment as long as a Span handle refers to it. The segment counts those
// handles itself, under its lock and in the same critical sections that add and finish
// spans, so a span costs no atomic reference count; the last handle released ends the
// trace's use of it. Segments are recycled whole per thread (segment_pool.h): an ended
// segment is reset and kept constructed, with its lists' capacity, for the thread's next
// trace. While in use it keeps the tracer's core alive through the core's sharded count
// (segment_ref_count.h), not a shared_ptr, so that creating a trace writes no memory
// that other threads' traces write too.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gatetrace/collector.h"
#include "gatetrace/common/spin_lock.h"
#include "gatetrace/dict_writer.h"
#include "gatetrace/propagation/propagation.h"
#include "gatetrace/sampling/trace_sampler.h"
#include "gatetrace/span_config.h"
#include "gatetrace/span_data.h"
#include "gatetrace/span_keys.h"
#include "gatetrace/trace/segment_pool.h"
#include "gatetrace/trace/tracer_core.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {

// Spans one segment holds at most (open, or finished and waiting for the rest of the
// trace), so that a trace whose root never finishes cannot grow without limit (partial
// flush, when enabled, sends finished spans early). Beyond it, a new span of the trace
// is not recorded: the caller's Span works as usual, but the span is freed when it
// finishes instead of being sent, and TracerCore::spans_dropped_segment_full counts it.
constexpr std::size_t kMaxSpansPerSegment = 100'000;
struct SpanConfig;

// A SpanConfig's own tags, as set_initial_tags() takes them (null: none).
using SpanConfigTags = std::vector<std::pair<std::string, std::string>>;

// set_initial_tags() past `env`: DD_TAGS, then `tags` (may be null).
void set_listed_tags(SpanData& span, const FinalizedTracerConfig& defaults,
                     const SpanConfigTags* tags);

// The tags every new span starts with: `env`, DD_TAGS, then its SpanConfig's own
// (`tags`, may be null). Inline, since most spans only get `env`: the span creators pay
// no call for it.
inline void set_initial_tags(SpanData& span, const FinalizedTracerConfig& defaults,
                             const SpanConfigTags* tags) {
  if (!defaults.environment.empty()) span.meta.set_known(span_keys::kEnv, defaults.environment);
  if (!defaults.tags.empty() || (tags != nullptr && !tags->empty())) {
    set_listed_tags(span, defaults, tags);
  }
}

class TraceSegment final {
 public:
  // A segment for a new trace, continuing `extracted` (may be null): one this thread's
  // pool kept, or a new one. It is given back (to the pool of the thread that releases
  // it, or freed) when its last handle is released. It counts itself in
  // `core.segment_refs` meanwhile, which keeps the core alive.
  static TraceSegment* make(TracerCore& core, ExtractedContext* extracted);
  TraceSegment(const TraceSegment&) = delete;
  TraceSegment& operator=(const TraceSegment&) = delete;

  // Takes ownership of a new span of this trace (from acquire_span_data()), and counts
  // one handle for the Span that will refer to it.
  void add_span(SpanData* span);
  // add_span() for the segment's first span, before the segment is shared with another
  // thread: without the lock.
  void add_root_span(SpanData* span);
  // Called once per span, after its duration is set. May deliver the segment. With
  // `release_handle`, also gives up the finishing Span's handle, and may end `this`.
  void span_finished(SpanData* span, bool release_handle);
  // Gives up one handle (a Span whose span finished earlier); may end `this`.
  void release_handle();

  // The trace's sampling priority, deciding it now if nobody has yet.
  int sampling_priority();
  // Manual keep (2) / drop (-1).
  void set_manual_priority(int priority);

  void inject(DictWriter& writer, std::uint64_t span_id);

  std::optional<std::string> baggage(std::string_view key);
  void set_baggage(std::string_view key, std::string_view value);

  const TracerCore& core() const { return *core_; }

  // The capacity the segment's span list keeps for the next trace (tests: a pooled
  // segment's is bounded).
  std::size_t span_list_capacity() const { return spans_.capacity(); }

 private:
  friend struct SegmentPool;  // deletes the segments it keeps
  using Entry = SegmentEntry;

  // An ended segment: no core, no spans, its lists with a typical trace's capacity.
  TraceSegment();
  ~TraceSegment() = default;  // only from the pool, or from end() (ended segments)

  // Takes up a new trace: counts itself in `core`, takes what `extracted` carried.
  void start(TracerCore& core, ExtractedContext* extracted);
  // start()'s part for a context that continues a trace or carries baggage.
  void take_extracted(ExtractedContext& extracted);
  // After the last handle's release: frees what the trace left, resets the segment to
  // its ended state, keeps it in this thread's pool (or deletes it), and gives up the
  // core (last: it may go with it).
  void end();

  void add_span_locked(SpanData* span);
  // Marks `span` finished in the list; false when it is not listed (refused at the cap).
  bool mark_finished_locked(SpanData* span);
  // span_finished() past its usual case (a partial flush, spans refused at the cap, or
  // the trace's last span), with lock_ held.
  void span_finished_locked(SpanData* span, bool release_handle);
  // span_finished() when its lock is held by another thread: waits, then as above.
  void span_finished_contended(SpanData* span, bool release_handle);
  // span_finished() once the finished spans are to be delivered: moves them out, tags
  // the chunk's first span, unlocks `lock` (held on lock_), delivers.
  void deliver_finished(std::unique_lock<SpinLock>& lock, bool release_handle);
  void refuse_span();
  // Makes the trace's sampling decision and writes its trace tags (`_dd.p.dm`...).
  void decide_locked();
  // decide_locked() in two steps: the decision; true when one was made for a local
  // root, whose trace tags apply_to_trace_tags_locked() (or tag_first_span_locked) must
  // then write.
  bool make_decision_locked();
  void apply_to_trace_tags_locked();
  // Writes the trace-level state (sampling decision, trace tags) on the chunk's first
  // span (the local root when present); returns the sampling priority. `decided_now`:
  // the decision was just made by make_decision_locked(), its trace tags not yet written.
  // `last_delivery`: the segment's last handle goes with this delivery, which takes
  // every span left, so that nothing reads the trace's state after it.
  int tag_first_span_locked(SpanData& first, bool contains_root, bool decided_now,
                            bool last_delivery);
  // Tags the rest of the (non-empty) chunk, sends it, and recycles the spans.
  void deliver(TraceChunk& chunk, bool contains_root, int priority);

  // Not a shared_ptr: copying one per trace wrote the control block all threads share
  // (see segment_ref_count.h). Counted in core_->segment_refs, shard core_shard_.
  TracerCore* core_ = nullptr;  // null while ended
  unsigned core_shard_ = 0;
  SpinLock lock_;
  // In the order added, the local root first (see SegmentEntry for the marks).
  std::vector<SpanData*> spans_;
  std::size_t finished_ = 0;
  std::size_t handles_ = 0;  // Span handles referring to this segment
  TraceId trace_id_;
  SpanData* local_root_ = nullptr;
  bool root_delivered_ = false;
  bool refused_spans_ = false;  // the cap was reached (logged once per segment)

  std::optional<SamplingDecision> decision_;
  bool decision_from_upstream_ = false;
  TagList trace_tags_;
  std::optional<std::string> origin_;
  W3cMembersText additional_w3c_tracestate_;  // other vendors' members, usually inline
  std::optional<std::string> additional_datadog_w3c_tracestate_;
  std::optional<std::string> datadog_last_parent_id_;
  std::optional<std::string> propagation_error_;
  std::vector<SpanLink> links_;
  TagList baggage_;
};

// make() is inline: its usual case is a pooled segment, a few loads and stores.
inline TraceSegment* TraceSegment::make(TracerCore& core, ExtractedContext* extracted) {
  SegmentPool* pool = segment_pool();
  TraceSegment* segment = pool != nullptr && pool->segment_count > 0
                              ? pool->segments[--pool->segment_count]
                              : new TraceSegment();
  segment->start(core, extracted);
  return segment;
}

inline void TraceSegment::start(TracerCore& core, ExtractedContext* extracted) {
  core_ = &core;
  core_shard_ = core.segment_refs.acquire();
  if (extracted != nullptr) take_extracted(*extracted);
}

// add_span() and add_root_span() are inline: a child span's creation then makes no call
// for them.
inline void TraceSegment::add_span(SpanData* span) {
  std::lock_guard<SpinLock> lock(lock_);
  add_span_locked(span);
}

inline void TraceSegment::add_root_span(SpanData* span) {
  // No other thread can see this segment yet: no lock needed.
  add_span_locked(span);
}

inline void TraceSegment::add_span_locked(SpanData* span) {
  ++handles_;
  if (spans_.empty() && !root_delivered_ && local_root_ == nullptr) {
    local_root_ = span;
    trace_id_ = span->trace_id;
  }
  if (spans_.size() < kMaxSpansPerSegment) {
    spans_.push_back(span);
    return;
  }
  refuse_span();
}

}  // namespace gatetrace
