// SegmentPool: what a TraceSegment allocates, recycled per thread. A trace used to cost
// three heap allocations besides its spans: the segment, its span list and its trace
// tags (`_dd.p.dm` on every sampled trace). A thread keeps a few segment-sized blocks
// and one spare span list and tag list with their capacity, so that in steady state a
// trace allocates nothing. It also keeps the segment's other per-thread scratch, since
// it stays safe to ask while a thread's destructors run. Like the SpanPool, it takes no lock: a
// segment freed on another thread than the one that created it joins that thread's pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "gatetrace/common/thread_exit_safe.h"
#include "gatetrace/span_data.h"

namespace gatetrace {

// A span of a segment and whether it finished, in one word (the flag in the low bit of
// the aligned pointer): a trace of many open spans costs 8 bytes per span, not 16.
class SegmentEntry {
 public:
  explicit SegmentEntry(SpanData* span) : bits_(reinterpret_cast<std::uintptr_t>(span)) {}
  SpanData* span() const { return reinterpret_cast<SpanData*>(bits_ & ~kFinished); }
  bool finished() const { return (bits_ & kFinished) != 0; }
  void mark_finished() { bits_ |= kFinished; }

 private:
  static constexpr std::uintptr_t kFinished = 1;
  std::uintptr_t bits_;
};

struct SegmentPool {
  // Blocks this many, of the one size segment_block_size() tells: only TraceSegment
  // allocates from here.
  static constexpr std::size_t kMaxBlocks = 8;
  // Larger lists (a huge trace) are freed rather than kept.
  static constexpr std::size_t kMaxSpareCapacity = 1024;

  void* blocks[kMaxBlocks];
  std::size_t block_count = 0;
  std::vector<SegmentEntry> spare_entries;
  std::vector<std::pair<std::string, std::string>> spare_tags;  // a TagList
  // TraceSegment's per-thread scratch (see trace_segment.cpp): the finished spans of a
  // delivery, and what apply_sampling_decision() writes that nobody reads.
  std::vector<SpanData*> spare_ready;
  // A delivery on this thread is using spare_ready: one that re-enters it (a collector
  // that itself finishes spans) uses a list of its own.
  bool spare_ready_in_use = false;
  SpanData scratch_span;
  std::vector<std::pair<std::string, std::string>> scratch_tags;

  SegmentPool() = default;
  SegmentPool(const SegmentPool&) = delete;
  SegmentPool& operator=(const SegmentPool&) = delete;
  ~SegmentPool();
};

// This thread's pool; null once it has been destroyed (a segment freed by a thread's
// exiting destructors then uses the heap directly). Inline, like the two below: a trace
// asks for it about five times (segment block, lists, delivery), and a call each time
// cost more than the thread-local read itself.
inline SegmentPool* segment_pool() noexcept { return ThreadExitSafe<SegmentPool>::get(); }

// A block of `size` bytes (always sizeof(TraceSegment)) and its release.
inline void* allocate_segment_block(std::size_t size) {
  SegmentPool* pool = segment_pool();
  if (pool != nullptr && pool->block_count > 0) return pool->blocks[--pool->block_count];
  return ::operator new(size);
}
inline void free_segment_block(void* block) noexcept {
  SegmentPool* pool = segment_pool();
  if (pool != nullptr && pool->block_count < SegmentPool::kMaxBlocks) {
    pool->blocks[pool->block_count++] = block;
    return;
  }
  ::operator delete(block);
}

}  // namespace gatetrace
