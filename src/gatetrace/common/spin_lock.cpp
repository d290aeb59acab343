#include "gatetrace/common/spin_lock.h"

#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace gatetrace {
namespace {

// Tells the core we are spinning (frees resources for its sibling hyper-thread).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// About a microsecond of spinning: longer than any critical section of a segment that
// is not itself preempted, short next to a scheduler slice.
constexpr int kSpinsBeforeYield = 128;

}  // namespace

void SpinLock::lock_contended() noexcept {
  for (;;) {
    for (int i = 0; i < kSpinsBeforeYield; ++i) {
      if (try_lock()) return;
      cpu_relax();
    }
    // The holder is probably not running (preempted, or waiting for our core).
    std::this_thread::yield();
  }
}

}  // namespace gatetrace
