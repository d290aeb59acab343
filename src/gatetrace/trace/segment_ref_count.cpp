#include "gatetrace/trace/segment_ref_count.h"

namespace gatetrace {

unsigned SegmentRefCount::next_shard() noexcept {
  static std::atomic<unsigned> next{0};
  return next.fetch_add(1, std::memory_order_relaxed) % kShards;
}

bool SegmentRefCount::close() noexcept {
  // Each shard's count stays >= 0 (a segment releases the shard it acquired, after
  // acquiring it), so the sum is the number of references alive at this point; those
  // released later, and only those, find kClosed and count down after_close_, possibly
  // before the sum is added: the bias keeps it above zero until then.
  std::int64_t live = 0;
  for (Shard& shard : shards_)
    live += shard.count.exchange(kClosed + kClosedRoom, std::memory_order_acq_rel);
  return after_close_.fetch_add(live - kBias, std::memory_order_acq_rel) + live - kBias == 0;
}

}  // namespace gatetrace
