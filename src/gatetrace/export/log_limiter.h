// LogLimiter: keeps a failing agent from flooding the application's log. The exporter
// logs each cause of failure (a transport error, an HTTP status, queue-full drops) at
// most once per interval and says how many occurrences the silence hid. Used by the
// flush thread only, so it has no lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace gatetrace {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogLimiter(Clock::duration interval = std::chrono::minutes(1)) : interval_(interval) {}

  // True when a line for `cause` may be written now. `*suppressed` (if given) receives
  // how many occurrences were silenced since the last line written for that cause.
  bool allow(const std::string& cause, Clock::time_point now, std::uint64_t* suppressed = nullptr);

 private:
  struct Entry {
    Clock::time_point last;
    std::uint64_t suppressed = 0;
  };
  Clock::duration interval_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace gatetrace
