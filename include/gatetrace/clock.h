// Time as gatetrace measures it. A span's start is wall-clock nanoseconds since the
// Unix epoch (what the agent wants); its duration comes from the steady clock (so a
// wall-clock step during a request cannot make it negative). A `TimePoint` carries
// both readings of one instant. The default clock reads only the steady clock and
// derives wall time from a per-process offset taken at start-up: one clock read per
// event instead of two. Tests inject a `Clock` to make time deterministic.
#pragma once

#include "gatetrace/api.h"

#include <cstdint>
#include <memory>

namespace gatetrace {

struct TimePoint {
  std::int64_t wall_ns = 0;    // nanoseconds since the Unix epoch
  std::int64_t steady_ns = 0;  // nanoseconds on a monotonic clock (any origin)
};

class GATETRACE_API Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// The production clock: steady clock plus a wall offset measured at construction.
GATETRACE_API std::shared_ptr<const Clock> default_clock();

}  // namespace gatetrace
