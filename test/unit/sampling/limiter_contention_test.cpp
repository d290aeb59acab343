// The rate limiter under contention: more threads than cores (so the holder of its
// spin lock gets preempted inside the section) must still hand out exactly its burst.
// Run under ThreadSanitizer too (-DGATETRACE_SANITIZE=thread).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "gatetrace/sampling/limiter.h"
#include "unit/sampling/fake_clock.h"

namespace gatetrace {
namespace {

TEST(LimiterContention, AllowsExactlyItsBurst) {
  // The clock never moves: however the threads interleave, the bucket's 1000 tokens
  // are handed out exactly once each.
  auto clock = std::make_shared<testing::FakeClock>();
  Limiter limiter(clock, 1000);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) allowed += limiter.allow().allowed;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 1000);
  const Limiter::Result last = limiter.allow();
  EXPECT_FALSE(last.allowed);
  EXPECT_DOUBLE_EQ(last.effective_rate, 1000.0 / 12001.0);
}

}  // namespace
}  // namespace gatetrace
