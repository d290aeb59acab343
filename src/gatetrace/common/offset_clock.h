// OffsetClock: the default clock (default_clock(), clock.h). Wall time is steady time
// plus an offset measured once, which saves a second clock read per event; the price is
// that a wall-clock step after start-up is not followed, which only shifts the starts
// the agent sees (durations stay exact).
//
// Declared here, not only behind Clock, so that the tracer's span paths read it inline:
// TracerCore::now() calls read() when its clock is this one (two reads per span), where
// Clock::now() costs a virtual call and the callee's frame.
#pragma once

#include <cstdint>

#if defined(__linux__)
#include <time.h>
#else
#include <chrono>
#endif

#include "gatetrace/clock.h"

namespace gatetrace {

class OffsetClock final : public Clock {
 public:
  OffsetClock();
  TimePoint now() const override { return read(); }
  // now() for a caller that knows the clock is an OffsetClock.
  TimePoint read() const noexcept {
    const std::int64_t steady = steady_now_ns();
    return TimePoint{steady + offset_, steady};
  }

  static std::int64_t steady_now_ns() noexcept {
#if defined(__linux__)
    // What libstdc++'s steady_clock::now() does, without its extra call.
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
#else
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
#endif
  }

 private:
  std::int64_t offset_ = 0;
};

}  // namespace gatetrace
