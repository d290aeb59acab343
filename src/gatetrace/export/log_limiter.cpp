#include "gatetrace/export/log_limiter.h"

namespace gatetrace {

bool LogLimiter::allow(const std::string& cause, Clock::time_point now, std::uint64_t* suppressed) {
  auto [it, inserted] = entries_.try_emplace(cause);
  Entry& entry = it->second;
  if (!inserted && now - entry.last < interval_) {
    ++entry.suppressed;
    return false;
  }
  if (suppressed != nullptr) *suppressed = entry.suppressed;
  entry.last = now;
  entry.suppressed = 0;
  return true;
}

}  // namespace gatetrace
