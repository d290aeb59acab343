// SpinLock (the trace segment's and the rate limiter's lock): mutual exclusion under
// contention (more threads than this machine class has cores, so waiters must yield to
// a preempted holder), and try_lock's answers.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "gatetrace/common/spin_lock.h"

namespace gatetrace {
namespace {

TEST(SpinLock, TryLockFailsWhileHeld) {
  SpinLock lock;
  EXPECT_TRUE(lock.try_lock());
  EXPECT_FALSE(lock.try_lock());
  lock.unlock();
  EXPECT_TRUE(lock.try_lock());
  lock.unlock();
}

TEST(SpinLock, ExcludesConcurrentHolders) {
  SpinLock lock;
  long counter = 0;  // plain: only the lock protects it
  int inside = 0;
  bool overlapped = false;
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        std::lock_guard<SpinLock> guard(lock);
        if (++inside != 1) overlapped = true;
        ++counter;
        --inside;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(overlapped);
  EXPECT_EQ(counter, long{kThreads} * kRounds);
}

}  // namespace
}  // namespace gatetrace
