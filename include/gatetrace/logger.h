// Where gatetrace's own diagnostics go. The default logger writes one line per message
// to stderr, prefixed "[gatetrace]". Replace it to route messages into the
// application's logging. Debug messages are only produced when `DD_TRACE_DEBUG` is on.
#pragma once

#include "gatetrace/api.h"

#include <memory>
#include <string_view>

namespace gatetrace {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

class GATETRACE_API Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(LogLevel level, std::string_view message) = 0;
};

GATETRACE_API std::shared_ptr<Logger> default_logger();

}  // namespace gatetrace
