#include "gatetrace/clock.h"

#include <chrono>

#if defined(__linux__)
#include <time.h>
#endif

namespace gatetrace {
namespace {

std::int64_t steady_now_ns() {
#if defined(__linux__)
  // What libstdc++'s steady_clock::now() does, without its extra call: this runs twice
  // per span.
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
#else
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
#endif
}

std::int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Wall time = steady time + an offset measured once. Saves a second clock read per
// event; the price is that a wall-clock step after start-up is not followed, which
// only shifts the starts the agent sees (durations stay exact).
class OffsetClock final : public Clock {
 public:
  OffsetClock() {
    const std::int64_t before = steady_now_ns();
    const std::int64_t wall = wall_now_ns();
    const std::int64_t after = steady_now_ns();
    offset_ = wall - (before + (after - before) / 2);
  }
  TimePoint now() const override {
    const std::int64_t steady = steady_now_ns();
    return TimePoint{steady + offset_, steady};
  }

 private:
  std::int64_t offset_ = 0;
};

}  // namespace

std::shared_ptr<const Clock> default_clock() {
  static const auto clock = std::make_shared<const OffsetClock>();
  return clock;
}

}  // namespace gatetrace
