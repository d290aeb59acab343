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
//
// A shard fills 128 bytes, not 64: a core's adjacent-line prefetcher fetches lines in
// 128-byte pairs, so two threads counting in the two halves of one pair would still
// pull the pair from each other's cache. A thread takes a shard no live thread uses
// while there is one (threads give theirs back when they exit): a thread started after
// sixteen others had exited used to land on a live thread's shard (the shards went in
// turn), and two threads then wrote the same line on every trace.
#pragma once

#include <atomic>
#include <cstddef>
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

  // This thread's shard, the same in every SegmentRefCount: taken on first use (see
  // claim_shard()), kept until the thread exits.
  static unsigned this_thread_shard() noexcept {
    thread_local int shard = -1;  // constant-initialized: no guard on the fast path
    if (shard < 0) shard = static_cast<int>(claim_shard());
    return static_cast<unsigned>(shard);
  }
  // A shard used by the fewest live threads (none, while fewer than kShards threads
  // count), the next one in turn among those; given back when the thread exits.
  static unsigned claim_shard() noexcept;

  // Two 64-byte lines: see the top of this file.
  static constexpr std::size_t kShardBytes = 128;
  struct alignas(kShardBytes) Shard {
    std::atomic<std::int64_t> count{0};
  };
  Shard shards_[kShards];
  alignas(kShardBytes) std::atomic<std::int64_t> after_close_{kBias};
};

}  // namespace gatetrace
