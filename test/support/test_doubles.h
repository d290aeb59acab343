// Deterministic stand-ins for the tracer's seams: a clock the test moves by hand, ids
// that count up, and a collector that keeps finished chunks in memory (the logger that
// keeps its lines is in recording_logger.h). They make unit tests exact; wire-level tests use the
// real exporter and the agent stand-in instead.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gatetrace/clock.h"
#include "gatetrace/collector.h"
#include "gatetrace/id_generator.h"
#include "gatetrace/logger.h"
#include "gatetrace/span_data.h"
#include "gatetrace/tracer_config.h"
#include "support/recording_logger.h"

namespace gatetrace::testing {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t wall_ns = 1'736'973'768'005'000'000)
      : wall_(wall_ns), steady_(1'000'000'000) {}
  TimePoint now() const override { return TimePoint{wall_.load(), steady_.load()}; }
  void advance_ns(std::int64_t ns) {
    wall_ += ns;
    steady_ += ns;
  }
  void advance_ms(std::int64_t ms) { advance_ns(ms * 1'000'000); }

 private:
  std::atomic<std::int64_t> wall_;
  std::atomic<std::int64_t> steady_;
};

class SequentialIds final : public IdGenerator {
 public:
  std::uint64_t span_id() override { return next_++; }
  TraceId trace_id(std::int64_t start_wall_ns, bool use_128_bit) override {
    TraceId id{next_++, 0};
    if (use_128_bit) id.high = (static_cast<std::uint64_t>(start_wall_ns / 1'000'000'000) << 32);
    return id;
  }

 private:
  std::atomic<std::uint64_t> next_{100};
};

// Keeps copies of every chunk it receives.
class RecordingCollector final : public Collector {
 public:
  struct Chunk {
    std::vector<SpanData> spans;
    int sampling_priority = 0;
  };

  void send(const TraceChunk& chunk) override {
    Chunk copy;
    copy.sampling_priority = chunk.sampling_priority;
    for (const SpanData* span : chunk.spans) copy.spans.push_back(*span);
    std::lock_guard<std::mutex> lock(mutex_);
    chunks_.push_back(std::move(copy));
  }
  bool flush(std::chrono::milliseconds) override { return true; }

  std::vector<Chunk> chunks() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return chunks_;
  }
  // Every span received, by name (the last one of that name).
  std::map<std::string, SpanData> spans_by_name() const {
    std::map<std::string, SpanData> result;
    for (const auto& chunk : chunks()) {
      for (const auto& span : chunk.spans) result[span.name] = span;
    }
    return result;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Chunk> chunks_;
};

// A TracerConfig wired to the doubles above, with an empty environment so the
// machine's DD_* variables cannot leak into a test.
struct TestTracerSetup {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  std::shared_ptr<SequentialIds> ids = std::make_shared<SequentialIds>();
  std::shared_ptr<RecordingCollector> collector = std::make_shared<RecordingCollector>();
  std::shared_ptr<RecordingLogger> logger = std::make_shared<RecordingLogger>();
  std::map<std::string, std::string> env;

  TracerConfig config() {
    TracerConfig config;
    config.service = "my-backend";
    config.clock = clock;
    config.id_generator = ids;
    config.collector = collector;
    config.logger = logger;
    config.environment_lookup = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env.find(std::string(name));
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    return config;
  }
};

}  // namespace gatetrace::testing
