#include "gatetrace/logger.h"

#include <cstdio>
#include <string>

namespace gatetrace {
namespace {

class StderrLogger final : public Logger {
 public:
  void log(LogLevel level, std::string_view message) override {
    const char* prefix = level == LogLevel::kError     ? "[gatetrace] error: "
                         : level == LogLevel::kWarning ? "[gatetrace] warning: "
                         : level == LogLevel::kDebug   ? "[gatetrace] debug: "
                                                       : "[gatetrace] ";
    std::string line(prefix);
    line.append(message);
    line.push_back('\n');
    // One fwrite per line keeps lines from concurrent threads whole.
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
};

}  // namespace

std::shared_ptr<Logger> default_logger() {
  static const auto logger = std::make_shared<StderrLogger>();
  return logger;
}

}  // namespace gatetrace
