// The rate limiter behind sampling rules (DD_TRACE_RATE_LIMIT, default 100 traces per
// second) and behind span sampling rules' `max_per_second`: a token bucket that holds at
// most ceil(limit) tokens (so a burst up to the limit passes at once) and refills
// continuously at `limit` tokens per second, read from the injected Clock's steady time.
//
// It also reports its effective rate, which the trace sampler writes as `_dd.limit_psr`
// so the backend can extrapolate from what was kept: as in dd-trace-py, the mean of the
// allowed/requested ratio of the current one-second window and that of the previous
// window (a window without requests counts as 1.0, nothing having been refused; before
// a previous window exists, the current ratio alone). Windows are whole seconds of
// steady time counted from the limiter's creation.
//
// Given the production clock (`default_clock()`), it reads the kernel's coarse
// monotonic clock instead (a few ms of resolution, but no TSC read, which costs about
// 30 ns on virtual machines): a bucket that refills at most a few hundred tokens per
// second does not need nanoseconds. An injected clock is read as given.
//
// Thread-safety: `allow` may be called from any thread. A spin lock (common/spin_lock.h)
// guards a few arithmetic operations; it is per limiter, and only consulted after a
// rule's rate already kept the trace or span.
#pragma once

#include <cstdint>
#include <memory>

#include "gatetrace/clock.h"
#include "gatetrace/common/spin_lock.h"

namespace gatetrace {

class Limiter {
 public:
  struct Result {
    bool allowed = false;
    double effective_rate = 1.0;
  };

  // A negative limit means "no limit"; 0 refuses everything.
  Limiter(std::shared_ptr<const Clock> clock, double max_per_second);

  Result allow();

  double max_per_second() const { return max_per_second_; }

 private:
  double ratio(std::int64_t allowed, std::int64_t requested) const;
  std::int64_t now_ns() const;
  // Moves to the window that `now` (at or after `window_end_ns_`) falls in.
  void start_window(std::int64_t now);

  const std::shared_ptr<const Clock> clock_;
  const bool coarse_;  // `clock_` is the production clock: read the coarse one
  const double max_per_second_;
  const double capacity_;

  SpinLock lock_;
  double tokens_;  // in billionths of a token
  std::int64_t last_refill_ns_;
  std::int64_t origin_ns_;
  std::int64_t window_ = 0;     // index of the current window since `origin_ns_`
  std::int64_t window_end_ns_;  // where window `window_` ends
  std::int64_t window_allowed_ = 0;
  std::int64_t window_requested_ = 0;
  bool has_previous_window_ = false;
  double previous_window_rate_ = 1.0;
};

}  // namespace gatetrace
