// SegmentRefCount frees the tracer's core exactly once: when the owners are gone and
// the last segment is released, whichever comes last, including when threads release
// segments while close() sums the shards.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "gatetrace/trace/segment_ref_count.h"

namespace gatetrace {
namespace {

TEST(SegmentRefCount, CloseWithoutReferencesFreesAtOnce) {
  SegmentRefCount count;
  EXPECT_TRUE(count.close());
}

TEST(SegmentRefCount, ReleasesBeforeCloseNeverFree) {
  SegmentRefCount count;
  const unsigned a = count.acquire();
  const unsigned b = count.acquire();
  EXPECT_FALSE(count.release(a));
  EXPECT_FALSE(count.release(b));
  EXPECT_TRUE(count.close());
}

TEST(SegmentRefCount, LastReleaseAfterCloseFrees) {
  SegmentRefCount count;
  const unsigned a = count.acquire();
  const unsigned b = count.acquire();
  EXPECT_FALSE(count.close());
  EXPECT_FALSE(count.release(b));
  EXPECT_TRUE(count.release(a));
}

TEST(SegmentRefCount, AcquireAfterCloseStaysBalanced) {
  SegmentRefCount count;
  const unsigned a = count.acquire();
  EXPECT_FALSE(count.close());
  const unsigned b = count.acquire();  // through a live reference's holder
  EXPECT_FALSE(count.release(a));
  EXPECT_TRUE(count.release(b));
}

TEST(SegmentRefCount, ReferencesReleasedOnOtherThreadsThanTheirShard) {
  SegmentRefCount count;
  std::vector<unsigned> shards;
  for (int i = 0; i < 100; ++i) shards.push_back(count.acquire());
  std::thread other([&] {
    for (int i = 0; i < 50; ++i) EXPECT_FALSE(count.release(shards[i]));
  });
  other.join();
  EXPECT_FALSE(count.close());
  for (int i = 50; i < 99; ++i) EXPECT_FALSE(count.release(shards[i]));
  EXPECT_TRUE(count.release(shards[99]));
}

// Threads acquire and release (on their own and on swapped shards) while another
// closes: exactly one party sees the end, and only after every reference went.
TEST(SegmentRefCount, ExactlyOneFreeUnderConcurrentClose) {
  for (int round = 0; round < 20; ++round) {
    SegmentRefCount count;
    std::atomic<int> frees{0};
    std::atomic<int> live{0};
    constexpr int kThreads = 4;
    std::vector<std::vector<unsigned>> held(kThreads);
    // Each thread starts with references taken while the owner still exists.
    for (int t = 0; t < kThreads; ++t) {
      for (int i = 0; i < 200; ++i) held[t].push_back(count.acquire());
      live += 200;
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (unsigned shard : held[t]) {
          const int left = --live;
          if (count.release(shard)) {
            EXPECT_EQ(left, 0);
            ++frees;
          }
        }
      });
    }
    if (count.close()) ++frees;
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(frees.load(), 1) << "round " << round;
    EXPECT_EQ(live.load(), 0);
  }
}

TEST(SegmentRefCount, ThreadsTakeDifferentShards) {
  SegmentRefCount count;
  unsigned first = 0;
  unsigned second = 0;
  // Two threads started one after the other take consecutive shards.
  std::thread([&] { first = count.acquire(); }).join();
  std::thread([&] { second = count.acquire(); }).join();
  EXPECT_NE(first, second);
  EXPECT_LT(first, SegmentRefCount::kShards);
  EXPECT_LT(second, SegmentRefCount::kShards);
  EXPECT_FALSE(count.release(second));
  EXPECT_FALSE(count.release(first));
  EXPECT_TRUE(count.close());
}

// A thread's shard is never a live thread's while there are free ones: the shards used
// to go in turn, so the seventeenth thread started (the earlier ones long gone) counted
// on the same line as the first, which was still running (benchmark 7's main thread).
TEST(SegmentRefCount, ThreadsStartedOneAfterAnotherNeverTakeALiveThreadsShard) {
  SegmentRefCount count;
  const unsigned mine = count.acquire();
  for (unsigned i = 0; i < 3 * SegmentRefCount::kShards; ++i) {
    unsigned other = 0;
    std::thread([&] {
      other = count.acquire();
      EXPECT_FALSE(count.release(other));
    }).join();
    EXPECT_NE(other, mine) << "thread " << i;
    EXPECT_LT(other, SegmentRefCount::kShards);
  }
  EXPECT_FALSE(count.release(mine));
  EXPECT_TRUE(count.close());
}

// Acquires one reference on each of `threads` threads that are all alive at once (each
// waits until every one has its shard), and returns the shards they got.
std::vector<unsigned> acquire_on_live_threads(SegmentRefCount& count, int threads) {
  std::vector<unsigned> shards(static_cast<std::size_t>(threads));
  std::atomic<int> acquired{0};
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      shards[static_cast<std::size_t>(t)] = count.acquire();
      ++acquired;
      while (acquired.load() < threads) std::this_thread::yield();
    });
  }
  for (auto& thread : running) thread.join();
  return shards;
}

TEST(SegmentRefCount, ThreadsAliveTogetherTakeDistinctShards) {
  SegmentRefCount count;
  const unsigned mine = count.acquire();
  constexpr int kThreads = SegmentRefCount::kShards / 2;
  const std::vector<unsigned> shards = acquire_on_live_threads(count, kThreads);
  std::vector<unsigned> all = shards;
  all.push_back(mine);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  for (unsigned shard : shards) EXPECT_FALSE(count.release(shard));
  EXPECT_FALSE(count.release(mine));
  EXPECT_TRUE(count.close());
}

// More live threads than shards: they share, and the counts stay right.
TEST(SegmentRefCount, MoreThreadsThanShardsShare) {
  SegmentRefCount count;
  constexpr int kThreads = SegmentRefCount::kShards + 4;
  const std::vector<unsigned> shards = acquire_on_live_threads(count, kThreads);
  for (unsigned shard : shards) EXPECT_LT(shard, SegmentRefCount::kShards);
  EXPECT_FALSE(count.close());
  for (int t = 0; t + 1 < kThreads; ++t) EXPECT_FALSE(count.release(shards[t]));
  EXPECT_TRUE(count.release(shards[kThreads - 1]));
}

// Each shard fills a 128-byte pair of lines (adjacent-line prefetch), so a count
// starts there too.
TEST(SegmentRefCount, ShardsFillWholeLinePairs) {
  EXPECT_GE(alignof(SegmentRefCount), 128u);
  EXPECT_GE(sizeof(SegmentRefCount), (SegmentRefCount::kShards + 1) * 128u);
  auto count = std::make_unique<SegmentRefCount>();
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(count.get()) % 128, 0u);
}

}  // namespace
}  // namespace gatetrace
