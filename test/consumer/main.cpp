// The smallest program a user writes against an installed gatetrace: it creates a
// tracer for the agent named by DD_TRACE_AGENT_URL, sends one trace of two spans and
// flushes it. It exits 0 only when the flush completed, gatetrace logged no warning or
// error (a failed send is logged), and the startup log reported the version that
// gatetrace/version.h declares. It also formats a log correlation with fmt, which
// gatetrace's usage requirements must bring along. run.sh checks on the agent's side
// that the trace arrived.
#include <fmt/format.h>
#include <gatetrace/log_correlation.h>
#include <gatetrace/logger.h>
#include <gatetrace/span.h>
#include <gatetrace/span_config.h>
#include <gatetrace/tracer.h>
#include <gatetrace/tracer_config.h>
#include <gatetrace/version.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>

#if GATETRACE_VERSION_NUMBER < 100
#error "gatetrace/version.h does not define the version"
#endif

namespace {

// Forwards to stderr and remembers what the test needs to know.
class CheckingLogger : public gatetrace::Logger {
 public:
  void log(gatetrace::LogLevel level, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::cerr << "[gatetrace] " << message << "\n";
    if (level == gatetrace::LogLevel::kWarning || level == gatetrace::LogLevel::kError) {
      ++problems_;
    }
    const std::string version_field = "\"version\":\"" + std::string(gatetrace::kVersion) + "\"";
    if (message.find("DATADOG TRACER CONFIGURATION") != std::string_view::npos &&
        message.find(version_field) != std::string_view::npos) {
      startup_log_has_version_ = true;
    }
  }
  int problems() {
    std::lock_guard<std::mutex> lock(mutex_);
    return problems_;
  }
  bool startup_log_has_version() {
    std::lock_guard<std::mutex> lock(mutex_);
    return startup_log_has_version_;
  }

 private:
  std::mutex mutex_;
  int problems_ = 0;
  bool startup_log_has_version_ = false;
};

}  // namespace

int main() {
  if (std::getenv("DD_TRACE_AGENT_URL") == nullptr) {
    std::cerr << "consumer: set DD_TRACE_AGENT_URL to the agent (stand-in)\n";
    return 2;
  }
  auto logger = std::make_shared<CheckingLogger>();
  gatetrace::TracerConfig config;
  config.service = "gatetrace-consumer";
  config.startup_logs = true;
  config.logger = logger;
  auto finalized = gatetrace::finalize_config(config);
  if (!finalized) {
    std::cerr << "consumer: " << finalized.error().to_string() << "\n";
    return 1;
  }

  gatetrace::Tracer tracer(*finalized);
  std::string correlation;
  {
    gatetrace::SpanConfig root_config;
    root_config.name = "consumer.run";
    gatetrace::Span root = tracer.create_span(root_config);
    gatetrace::Span child = root.create_child();
    child.set_name("consumer.step");
    child.set_tag("consumer.linkage", GATETRACE_CONSUMER_LINKAGE);
    correlation = fmt::format("{}", gatetrace::log_correlation(child));
  }
  const bool correlated = correlation.find("dd.span_id=") != std::string::npos;
  const bool flushed = tracer.flush(std::chrono::seconds(10));

  std::cout << "gatetrace " << gatetrace::kVersion << " (" << GATETRACE_CONSUMER_LINKAGE
            << "): flushed=" << flushed << " problems=" << logger->problems()
            << " startup_log_version=" << logger->startup_log_has_version() << " log_correlation='"
            << correlation << "'" << std::endl;
  const bool ok =
      flushed && correlated && logger->problems() == 0 && logger->startup_log_has_version();
  return ok ? 0 : 1;
}
