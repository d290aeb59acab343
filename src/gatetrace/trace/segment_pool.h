// SegmentPool: trace segments, recycled per thread. A trace used to cost three heap
// allocations besides its spans: the segment, its span list and its trace tags
// (`_dd.p.dm` on every sampled trace). Then a thread kept segment-sized blocks and a
// spare span list and tag list, and still built and destroyed a segment per trace. Now
// it keeps a few whole segments, reset when their trace ended but still constructed,
// with their lists' capacity: a new trace takes one and sets only what a trace sets
// (its core, what its request carried). It also keeps the segment's other per-thread
// scratch, since it stays safe to ask while a thread's destructors run. Like the
// SpanPool, it takes no lock: a segment freed on another thread than the one that
// created it joins that thread's pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "gatetrace/collector.h"
#include "gatetrace/common/thread_exit_safe.h"
#include "gatetrace/span_data.h"

namespace gatetrace {

// The entries of a segment's span list are plain SpanData pointers, so that a complete
// trace's list is handed to the collector as it is, with no copy. Only where finished
// spans must be told from open ones (a partial flush, spans refused at the cap) does an
// entry carry a mark: its low bit (SpanData is aligned, so the bit is free), set by
// mark_finished() and taken off by span() before the span is used or delivered.
struct SegmentEntry {
  static SpanData* span(SpanData* entry) noexcept {
    return reinterpret_cast<SpanData*>(bits(entry) & ~kFinished);
  }
  static bool finished(SpanData* entry) noexcept { return (bits(entry) & kFinished) != 0; }
  static void mark_finished(SpanData*& entry) noexcept {
    entry = reinterpret_cast<SpanData*>(bits(entry) | kFinished);
  }

 private:
  static constexpr std::uintptr_t kFinished = 1;
  static_assert(alignof(SpanData) > kFinished, "the mark bit of a SpanData pointer is free");
  static std::uintptr_t bits(SpanData* entry) noexcept {
    return reinterpret_cast<std::uintptr_t>(entry);
  }
};

class TraceSegment;

struct SegmentPool {
  // Segments kept at most (the ones a thread's traces in flight free together).
  static constexpr std::size_t kMaxSegments = 8;
  // Larger lists (a huge trace) are freed rather than kept.
  static constexpr std::size_t kMaxSpareCapacity = 1024;
  // A segment whose lists grew past this many entries is freed rather than kept: a
  // thread keeps up to kMaxSegments of them, so its pool's span lists stay within 16 KiB.
  static constexpr std::size_t kMaxPooledListCapacity = 256;

  // Ended segments, ready for a new trace (see TraceSegment::start()); the last freed at
  // the back.
  TraceSegment* segments[kMaxSegments];
  std::size_t segment_count = 0;
  // TraceSegment's per-thread scratch (see trace_segment.cpp): the chunk a delivery
  // fills with the finished spans and hands to the collector.
  TraceChunk spare_chunk;
  // A delivery on this thread is using spare_chunk: one that re-enters it (a collector
  // that itself finishes spans) uses a chunk of its own.
  bool spare_chunk_in_use = false;

  SegmentPool() = default;
  SegmentPool(const SegmentPool&) = delete;
  SegmentPool& operator=(const SegmentPool&) = delete;
  ~SegmentPool();  // deletes the segments kept
};

// This thread's pool; null once it has been destroyed (a segment freed by a thread's
// exiting destructors then uses the heap directly). Inline: a trace asks for it a few
// times (its segment, the delivery's scratch), and a call each time cost more than the
// thread-local read itself.
inline SegmentPool* segment_pool() noexcept { return ThreadExitSafe<SegmentPool>::get(); }

}  // namespace gatetrace
