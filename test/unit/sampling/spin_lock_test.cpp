// SpinLock must exclude like a mutex: more threads than cores (so holders get
// preempted inside the section, and waiters reach the yielding path) update plain,
// non-atomic state under it. Run under ThreadSanitizer too (-DGATETRACE_SANITIZE=thread).
#include "gatetrace/sampling/spin_lock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "gatetrace/sampling/limiter.h"
#include "unit/sampling/fake_clock.h"

namespace gatetrace {
namespace {

TEST(SpinLock, ExcludesAcrossThreads) {
  SpinLock lock;
  std::int64_t count = 0;
  std::int64_t pairs_broken = 0;
  std::int64_t a = 0;
  std::int64_t b = 0;
  constexpr int kThreads = 6;
  constexpr int kIterations = 50'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIterations; ++i) {
        std::lock_guard<SpinLock> guard(lock);
        // Two fields that only ever change together: a torn view means no exclusion.
        if (a != b) ++pairs_broken;
        ++a;
        ++count;
        ++b;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(count, std::int64_t{kThreads} * kIterations);
  EXPECT_EQ(pairs_broken, 0);
}

TEST(SpinLock, LimiterUnderContentionAllowsExactlyItsBurst) {
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
