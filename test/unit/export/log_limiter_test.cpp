#include "gatetrace/export/log_limiter.h"

#include <gtest/gtest.h>

#include <chrono>

namespace gatetrace {
namespace {

using std::chrono::seconds;

TEST(LogLimiter, OneLinePerCausePerInterval) {
  LogLimiter limiter(seconds(60));
  const LogLimiter::Clock::time_point t0{};
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(limiter.allow("http 500", t0 + seconds(1), &suppressed));
  EXPECT_EQ(suppressed, 0u);
  EXPECT_FALSE(limiter.allow("http 500", t0 + seconds(2)));
  EXPECT_FALSE(limiter.allow("http 500", t0 + seconds(60)));
  // Another cause has its own budget.
  EXPECT_TRUE(limiter.allow("transport", t0 + seconds(2)));
  EXPECT_TRUE(limiter.allow("http 500", t0 + seconds(61), &suppressed));
  EXPECT_EQ(suppressed, 2u);
  EXPECT_FALSE(limiter.allow("http 500", t0 + seconds(62)));
  EXPECT_TRUE(limiter.allow("http 500", t0 + seconds(200), &suppressed));
  EXPECT_EQ(suppressed, 1u);
}

}  // namespace
}  // namespace gatetrace
