#include "gatetrace/trace/segment_ref_count.h"

#include <mutex>

#include "gatetrace/common/spin_lock.h"

namespace gatetrace {
namespace {

// How many live threads count in each shard, and where the next search starts. Touched
// once per thread (its first segment, its exit), under the lock.
struct ShardUsers {
  SpinLock lock;  // cannot throw, unlike std::mutex (claim_shard() is noexcept)
  unsigned threads[SegmentRefCount::kShards] = {};
  unsigned next = 0;
};

// Never destroyed: threads may exit after static destructors ran.
ShardUsers& shard_users() {
  static ShardUsers* users = new ShardUsers;
  return *users;
}

// Gives the thread's shard back when the thread exits. Only a hint to claim_shard():
// segments the thread made may live on and are released on their shard all the same.
struct ShardClaim {
  unsigned shard;
  ~ShardClaim() {
    ShardUsers& users = shard_users();
    std::lock_guard<SpinLock> guard(users.lock);
    --users.threads[shard];
  }
};

}  // namespace

unsigned SegmentRefCount::claim_shard() noexcept {
  ShardUsers& users = shard_users();
  unsigned shard = 0;
  {
    std::lock_guard<SpinLock> guard(users.lock);
    // In turn from `next`: a thread started right after another exited takes another
    // shard, so that its first writes do not meet the lines that one left behind.
    shard = users.next;
    for (unsigned i = 1; i < kShards; ++i) {
      const unsigned candidate = (users.next + i) % kShards;
      if (users.threads[candidate] < users.threads[shard]) shard = candidate;
    }
    ++users.threads[shard];
    users.next = (shard + 1) % kShards;
  }
  thread_local ShardClaim claim{shard};
  return shard;
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
