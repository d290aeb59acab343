#include "gatetrace/sampling/limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <memory>
#include <thread>

#include "unit/sampling/fake_clock.h"

namespace gatetrace {
namespace {

using testing::FakeClock;

int count_allowed(Limiter& limiter, int requests) {
  int allowed = 0;
  for (int i = 0; i < requests; ++i) {
    if (limiter.allow().allowed) ++allowed;
  }
  return allowed;
}

TEST(Limiter, BurstUpToTheLimitThenRefusesUntilRefilled) {
  auto clock = std::make_shared<FakeClock>();
  Limiter limiter(clock, 10);
  EXPECT_EQ(count_allowed(limiter, 25), 10);
  // 100 ms refill one token at 10 per second.
  clock->advance_ms(99);
  EXPECT_FALSE(limiter.allow().allowed);
  clock->advance_ms(1);
  EXPECT_TRUE(limiter.allow().allowed);
  EXPECT_FALSE(limiter.allow().allowed);
  // The bucket never holds more than the limit, however long it rests.
  clock->advance_ms(60'000);
  EXPECT_EQ(count_allowed(limiter, 50), 10);
}

TEST(Limiter, SteadyTrafficPassesAtTheLimit) {
  auto clock = std::make_shared<FakeClock>();
  Limiter limiter(clock, 100);
  EXPECT_EQ(count_allowed(limiter, 100), 100);  // the initial burst
  int allowed = 0;
  // 10 seconds of 1000 requests per second, one every millisecond.
  for (int ms = 0; ms < 10'000; ++ms) {
    clock->advance_ms(1);
    if (limiter.allow().allowed) ++allowed;
  }
  EXPECT_EQ(allowed, 1000);
}

TEST(Limiter, FractionalLimitAllowsOneThenRefillsSlowly) {
  auto clock = std::make_shared<FakeClock>();
  Limiter limiter(clock, 0.5);
  EXPECT_EQ(count_allowed(limiter, 5), 1);
  clock->advance_ms(1999);
  EXPECT_FALSE(limiter.allow().allowed);
  clock->advance_ms(1);
  EXPECT_TRUE(limiter.allow().allowed);
}

TEST(Limiter, ZeroRefusesAllNegativeAllowsAll) {
  auto clock = std::make_shared<FakeClock>();
  Limiter zero(clock, 0);
  EXPECT_EQ(count_allowed(zero, 10), 0);
  Limiter unlimited(clock, -1);
  EXPECT_EQ(count_allowed(unlimited, 100000), 100000);
  EXPECT_EQ(unlimited.allow().effective_rate, 1.0);
}

TEST(Limiter, EffectiveRateAveragesTheCurrentAndPreviousWindows) {
  auto clock = std::make_shared<FakeClock>();
  Limiter limiter(clock, 2);
  // First window: no previous one, the current ratio alone.
  EXPECT_DOUBLE_EQ(limiter.allow().effective_rate, 1.0);      // 1/1
  EXPECT_DOUBLE_EQ(limiter.allow().effective_rate, 1.0);      // 2/2
  EXPECT_DOUBLE_EQ(limiter.allow().effective_rate, 2.0 / 3);  // 2/3
  EXPECT_DOUBLE_EQ(limiter.allow().effective_rate, 0.5);      // 2/4

  // Next window: the previous window's 0.5 is averaged in.
  clock->advance_ms(1000);
  Limiter::Result result = limiter.allow();  // 2 tokens refilled: 1/1
  EXPECT_TRUE(result.allowed);
  EXPECT_DOUBLE_EQ(result.effective_rate, (1.0 + 0.5) / 2);
  limiter.allow();           // 2/2
  result = limiter.allow();  // 2/3
  EXPECT_FALSE(result.allowed);
  EXPECT_DOUBLE_EQ(result.effective_rate, (2.0 / 3 + 0.5) / 2);
  limiter.allow();  // 2/4
  limiter.allow();  // 2/5

  // The window after: the previous one's 2/5.
  clock->advance_ms(1000);
  result = limiter.allow();
  EXPECT_DOUBLE_EQ(result.effective_rate, (1.0 + 0.4) / 2);

  // After a silent second, the previous window had no requests: it counts 1.0.
  clock->advance_ms(2000);
  for (int i = 0; i < 3; ++i) result = limiter.allow();  // 2/3
  EXPECT_DOUBLE_EQ(result.effective_rate, (2.0 / 3 + 1.0) / 2);
}

TEST(Limiter, WindowsAreWholeSecondsNotSecondsSinceTheLastRequest) {
  auto clock = std::make_shared<FakeClock>();
  Limiter limiter(clock, 1);
  clock->advance_ms(900);
  limiter.allow();  // window 0: 1/1
  limiter.allow();  // window 0: 1/2
  clock->advance_ms(200);
  // 1.1 s after creation: window 1, although only 200 ms after the last request.
  const Limiter::Result result = limiter.allow();
  EXPECT_DOUBLE_EQ(result.effective_rate, (0.0 + 0.5) / 2);  // refused: 0/1 with 1/2
  EXPECT_FALSE(result.allowed);  // 0.2 tokens refilled since the refusal
}

// The limiter keeps the current window's end instead of dividing on every call: the
// exact boundary, a clock going back, and times near the int64 limit (where the end
// saturates) must still give the windows that the division gives.
TEST(Limiter, WindowEndsAreExactAcrossBoundariesBackwardsAndFarTimes) {
  auto clock = std::make_shared<FakeClock>();
  Limiter limiter(clock, 1000);
  clock->advance_ns(999'999'999);
  limiter.allow();  // window 0: 1/1
  clock->advance_ns(-500);
  limiter.allow();  // still window 0 (the clock went back): 2/2
  clock->advance_ns(501);
  // Exactly 1 s after creation: window 1; the previous window was 2/2.
  EXPECT_DOUBLE_EQ(limiter.allow().effective_rate, 1.0);
  clock->advance_ns(999'999'999);
  EXPECT_DOUBLE_EQ(limiter.allow().effective_rate, 1.0);  // window 1 still

  // Steady times within a second of the int64 limit (FakeClock's wall time would
  // overflow there).
  struct FarClock final : Clock {
    std::int64_t steady = 0;
    TimePoint now() const override { return TimePoint{0, steady}; }
  };
  auto far = std::make_shared<FarClock>();
  Limiter far_limiter(far, 1);
  far->steady = std::numeric_limits<std::int64_t>::max() - 10;
  EXPECT_TRUE(far_limiter.allow().allowed);
  EXPECT_FALSE(far_limiter.allow().allowed);
  far->steady += 5;
  const Limiter::Result result = far_limiter.allow();
  EXPECT_FALSE(result.allowed);
  EXPECT_DOUBLE_EQ(result.effective_rate, (1.0 / 3 + 1.0) / 2);  // same window; previous 1.0
}

// With the production clock the limiter reads the coarse monotonic clock: the burst,
// the refusal and the refill behave as with any other clock.
TEST(Limiter, ProductionClockBurstsRefusesAndRefills) {
  Limiter limiter(default_clock(), 50);
  EXPECT_EQ(count_allowed(limiter, 60), 50);
  const Limiter::Result refused = limiter.allow();
  EXPECT_FALSE(refused.allowed);
  EXPECT_LT(refused.effective_rate, 1.0);
  // 50 per second: a token every 20 ms; 200 ms refill several whatever the tick.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int refilled = count_allowed(limiter, 50);
  EXPECT_GE(refilled, 5);
  EXPECT_LE(refilled, 50);
}

}  // namespace
}  // namespace gatetrace
