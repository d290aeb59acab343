// A Clock for the sampling tests: time moves only when a test advances it.
#pragma once

#include <atomic>
#include <cstdint>

#include "gatetrace/clock.h"

namespace gatetrace {
namespace testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t steady_ns = 1'000'000'000'000) : steady_ns_(steady_ns) {}

  TimePoint now() const override {
    const std::int64_t steady = steady_ns_.load();
    return TimePoint{steady + 1'700'000'000'000'000'000, steady};
  }

  void advance_ns(std::int64_t ns) { steady_ns_ += ns; }
  void advance_ms(std::int64_t ms) { advance_ns(ms * 1'000'000); }

 private:
  std::atomic<std::int64_t> steady_ns_;
};

}  // namespace testing
}  // namespace gatetrace
