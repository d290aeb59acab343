// SegmentRefCount frees the tracer's core exactly once: when the owners are gone and
// the last segment is released, whichever comes last, including when threads release
// segments while close() sums the shards.
#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
}  // namespace gatetrace
