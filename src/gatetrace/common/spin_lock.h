// SpinLock: mutual exclusion for critical sections of a few dozen instructions that are
// rarely contended — a trace segment's (the spans of one trace mostly live on one
// thread; a span takes the lock twice) and the sampler's rate limiter. An inline atomic
// exchange is cheaper there than std::mutex, whose lock and unlock are library calls of
// ~50 instructions each. Under contention it spins briefly, then yields the core, since
// the holder may be a thread waiting for one (this machine class has 2 cores); a
// section must never block.
//
// Meets BasicLockable, for std::lock_guard and std::unique_lock.
#pragma once

#include <atomic>

namespace gatetrace {

class SpinLock {
 public:
  SpinLock() = default;
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  void lock() noexcept {
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    lock_contended();
  }
  bool try_lock() noexcept {
    // Read first, so that a failing attempt does not take the cache line exclusively.
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  // Out of line: the waiting loop is rare and would only bloat every caller.
  void lock_contended() noexcept;

  std::atomic<bool> locked_{false};
};

}  // namespace gatetrace
