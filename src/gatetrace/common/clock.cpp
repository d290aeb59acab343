#include "gatetrace/clock.h"

#include <chrono>

#include "gatetrace/common/offset_clock.h"

namespace gatetrace {
namespace {

std::int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

OffsetClock::OffsetClock() {
  const std::int64_t before = steady_now_ns();
  const std::int64_t wall = wall_now_ns();
  const std::int64_t after = steady_now_ns();
  offset_ = wall - (before + (after - before) / 2);
}

std::shared_ptr<const Clock> default_clock() {
  static const auto clock = std::make_shared<const OffsetClock>();
  return clock;
}

}  // namespace gatetrace
