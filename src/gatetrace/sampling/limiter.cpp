#include "gatetrace/sampling/limiter.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <utility>

namespace gatetrace {
namespace {

constexpr std::int64_t kWindowNs = 1'000'000'000;
// Tokens are counted in billionths so that a refill of `elapsed_ns * limit` is exact
// for whole-number limits (0.01 s * 100/s would otherwise be 0.9999999999999999).
constexpr double kNanosPerToken = 1e9;

}  // namespace

std::int64_t Limiter::now_ns() const {
#ifdef CLOCK_MONOTONIC_COARSE
  // The coarse clock is the steady clock (CLOCK_MONOTONIC) at tick resolution: the
  // fallback below, should it ever be taken, stays on the same time line.
  if (coarse_) {
    timespec now;
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &now) == 0) {
      return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
    }
  }
#endif
  return clock_->now().steady_ns;
}

Limiter::Limiter(std::shared_ptr<const Clock> clock, double max_per_second)
    : clock_(std::move(clock)),
      coarse_(clock_ == default_clock()),
      max_per_second_(max_per_second),
      capacity_(max_per_second > 0 ? std::ceil(max_per_second) : 0.0),
      tokens_(capacity_ * kNanosPerToken) {
  const std::int64_t now = now_ns();
  last_refill_ns_ = now;
  origin_ns_ = now;
  window_end_ns_ = now;  // the first call computes it
}

double Limiter::ratio(std::int64_t allowed, std::int64_t requested) const {
  // x / x is exactly 1 for any x > 0: no division when nothing was refused.
  if (allowed == requested) return 1.0;
  return static_cast<double>(allowed) / static_cast<double>(requested);
}

void Limiter::start_window(std::int64_t now) {
  // A steady clock never goes back; a test double might, and must not make the window
  // index or the token count go backwards.
  const std::int64_t window = now > origin_ns_ ? (now - origin_ns_) / kWindowNs : 0;
  if (window > window_) {
    // The window right before `window` is the current one only if no whole second
    // passed without a request.
    previous_window_rate_ = window == window_ + 1 ? ratio(window_allowed_, window_requested_) : 1.0;
    has_previous_window_ = true;
    window_ = window;
    window_allowed_ = 0;
    window_requested_ = 0;
  }
  // Saturates for a test double's far-away times: the division is then made every call.
  std::int64_t end;
  if (__builtin_mul_overflow(window_ + 1, kWindowNs, &end) ||
      __builtin_add_overflow(end, origin_ns_, &end)) {
    end = std::numeric_limits<std::int64_t>::max();
  }
  window_end_ns_ = end;
}

Limiter::Result Limiter::allow() {
  if (max_per_second_ < 0) return {true, 1.0};
  const std::int64_t now = now_ns();

  std::lock_guard<SpinLock> lock(lock_);
  // Within the current window (the common case) there is nothing to divide.
  if (now >= window_end_ns_) start_window(now);

  if (now > last_refill_ns_) {
    const double refill = static_cast<double>(now - last_refill_ns_) * max_per_second_;
    tokens_ = std::min(capacity_ * kNanosPerToken, tokens_ + refill);
    last_refill_ns_ = now;
  }

  Result result;
  ++window_requested_;
  if (tokens_ >= kNanosPerToken) {
    tokens_ -= kNanosPerToken;
    ++window_allowed_;
    result.allowed = true;
  }
  const double current = ratio(window_allowed_, window_requested_);
  result.effective_rate = has_previous_window_ ? (current + previous_window_rate_) / 2.0 : current;
  return result;
}

}  // namespace gatetrace
