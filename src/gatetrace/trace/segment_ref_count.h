// SegmentRefCount: how the tracer's core knows when the last trace segment using it is
// gone, without a shared atomic written by every thread. A segment used to hold the
// core by shared_ptr: copying it per trace is an atomic read-modify-write on the one
// control block all request threads share, whose cache line then moves between cores
// on every trace (benchmark 7, two threads).
//
// Instead each thread counts its segments in a shard of its own (a cache line apart
// from the others): a segment adds one to its creating thread's shard and takes it
// back from the same shard when it is freed, on whatever thread that happens. While
// the core has an owner (a Tracer, an HttpClientSpan: the shared_ptr), only the owner's
// release can free the core, so nothing needs summing. When the owners are gone,
// close() moves what the shards hold into one count that later releases decrement; the
// release that brings it to zero frees the core. A large bias keeps that count from
// reaching zero while close() is still summing.
#pragma once

#include <atomic>
#include <cstdint>

namespace gatetrace {

class SegmentRefCount {
 public:
  SegmentRefCount() = default;
  SegmentRefCount(const SegmentRefCount&) = delete;
  SegmentRefCount& operator=(const SegmentRefCount&) = delete;

  // Counts one reference on this thread's shard; pass the result to release().
  unsigned acquire() noexcept {
    const unsigned shard = this_thread_shard();
    // A shard is closed only when no owner is left, and then nothing creates segments;
    // counted anyway, so that the pair stays balanced.
    if (shards_[shard].count.fetch_add(1, std::memory_order_relaxed) & kClosed) {
      after_close_.fetch_add(1, std::memory_order_relaxed);
    }
    return shard;
  }
  // Gives back a reference acquire() returned `shard` for. True when it was the last one
  // after close(): the caller then frees what is counted.
  bool release(unsigned shard) noexcept {
    if ((shards_[shard].count.fetch_sub(1, std::memory_order_acq_rel) & kClosed) == 0) {
      return false;
    }
    return after_close_.fetch_sub(1, std::memory_order_acq_rel) == 1;
  }
  // Called once, when no owner is left. True when no reference is left either: the
  // caller frees what is counted (else the last release() says so).
  bool close() noexcept;

  static constexpr unsigned kShards = 16;

 private:
  // Set in every shard by close(): releases that find it count down after_close_. A
  // closed shard holds kClosed + kClosedRoom, so that releasing (up to 2^61 references)
  // leaves the bit set.
  static constexpr std::int64_t kClosed = std::int64_t{1} << 62;
  static constexpr std::int64_t kClosedRoom = std::int64_t{1} << 61;
  // What after_close_ starts at, taken off once close() has added the shards' counts.
  static constexpr std::int64_t kBias = std::int64_t{1} << 48;

  // This thread's shard: threads take shards in turn, once each.
  static unsigned this_thread_shard() noexcept {
    thread_local int shard = -1;  // constant-initialized: no guard on the fast path
    if (shard < 0) shard = static_cast<int>(next_shard());
    return static_cast<unsigned>(shard);
  }
  static unsigned next_shard() noexcept;

  struct alignas(64) Shard {
    std::atomic<std::int64_t> count{0};
  };
  Shard shards_[kShards];
  alignas(64) std::atomic<std::int64_t> after_close_{kBias};
};

}  // namespace gatetrace
