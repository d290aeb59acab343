// Memory is bounded while the agent is down: 8 threads produce traces flat out against
// a port nobody listens on; resident memory stays under the stated cap, and once the
// agent is back every trace is accounted for exactly: sent (as counted by the agent
// stand-in) + dropped (queue full, or send failed) = produced.
//
// The cap: RSS before the tracer starts + the queue's byte limit + one payload being
// built (the flush thread copies queued chunks into a request body of at most
// max_payload_size_bytes) + kSlackBytes for everything else (8 threads' stacks, span
// pools and encoding buffers, malloc's per-thread arenas, libcurl).
//
// Duration: 10 s times GATETRACE_STRESS_SCALE; GATETRACE_SOAK_SECONDS overrides it
// (test/soak/run-soak.sh runs it for 60 s or longer).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "agent_stand_in/agent_stand_in.h"
#include "integration/reliability_support.h"

namespace gatetrace::reliability {
namespace {

using standin::AgentStandIn;
using testing::RecordingLogger;

constexpr std::size_t kQueueBytes = 8u << 20;
constexpr std::size_t kPayloadBytes = 4u << 20;  // the default maximum payload
constexpr std::size_t kSlackBytes = 32u << 20;

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::chrono::milliseconds run_duration(std::chrono::milliseconds ci) {
  if (const char* soak = std::getenv("GATETRACE_SOAK_SECONDS")) {
    return std::chrono::seconds(std::atoll(soak));
  }
  return std::chrono::milliseconds(scaled(static_cast<std::size_t>(ci.count())));
}

struct Outcome {
  std::uint64_t produced = 0;
  std::size_t baseline_rss = 0;
  std::size_t peak_rss = 0;
};

void agent_down_then_back(std::chrono::milliseconds duration, std::size_t queue_bytes,
                          Outcome& outcome) {
  const int port = free_port();
  auto logger = std::make_shared<RecordingLogger>();
  TracerOptions options;
  options.buffer_bytes = queue_bytes;
  options.flush_interval = 200ms;
  // Refused connections fail at once; after recovery, a request that timed out after the
  // agent took it would be retried and counted twice. The stand-in needs time to decode.
  options.request_timeout = 60s;
  outcome.baseline_rss = resident_bytes();
  auto tracer = std::make_unique<Tracer>(tracer_config(port, logger, options));

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> produced{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::uint64_t mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        Span root = tracer->create_span({.name = "request", .resource = "GET /items/{id}"});
        root.set_tag("http.url", "https://example.com/items/" + std::to_string(mine));
        {
          Span db = root.create_child({.name = "db.query"});
          db.set_tag("db.statement", "SELECT * FROM items WHERE id = ?");
        }
        Span cache = root.create_child({.name = "cache.get"});
        cache.set_tag("thread", std::to_string(t));
        ++mine;
      }
      produced.fetch_add(mine);
    });
  }
  std::size_t peak = resident_bytes();
  const auto end = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(20ms);
    peak = std::max(peak, resident_bytes());
  }
  stop = true;
  for (auto& thread : threads) thread.join();
  peak = std::max(peak, resident_bytes());
  outcome.produced = produced.load();
  outcome.peak_rss = peak;

  // The agent comes back on the same port: what is still queued is delivered.
  standin::StandInOptions stand_in_options;
  stand_in_options.port = port;
  stand_in_options.keep_requests = false;
  AgentStandIn agent(stand_in_options);
  // And one trace made once the agent is back, so that delivery is tested whatever the
  // flush thread did between the producers' stop and now (with a small queue its early
  // flushes may have drained it, every send refused, and then nothing would be left).
  { Span after = tracer->create_span({.name = "request", .resource = "GET /after"}); }
  ++outcome.produced;
  ASSERT_TRUE(tracer->flush(30s));
  const TracerStats stats = tracer_stats(*tracer);
  const std::uint64_t sent = agent.totals().traces;
  EXPECT_GT(outcome.produced, 0u);
  EXPECT_GT(stats.traces_dropped_queue_full, 0u) << "the queue never filled: no bound tested";
  EXPECT_GT(sent, 0u) << "nothing was delivered after the agent came back";
  EXPECT_EQ(stats.traces_sent, sent);
  EXPECT_EQ(stats.traces_enqueued + stats.traces_dropped_queue_full, outcome.produced);
  EXPECT_EQ(sent + stats.traces_dropped_queue_full + stats.traces_dropped_send_failed,
            outcome.produced);
  EXPECT_EQ(agent.totals().undecodable, 0u);
  // The log says so, without flooding: once per cause per minute.
  const std::size_t most_lines = static_cast<std::size_t>(duration / 1min) + 1;
  EXPECT_GE(logger->count_containing("traces dropped"), 1u);
  EXPECT_LE(logger->count_containing("traces dropped"), most_lines);
  EXPECT_GE(logger->count_containing("cannot reach the agent"), 1u);
  EXPECT_LE(logger->count_containing("cannot reach the agent"), most_lines);
  tracer.reset();
}

// Runs everywhere, sanitizers included (scaled down there).
TEST(ReliabilityMemory, DropsAreCountedExactlyWhileTheAgentIsDown) {
  Outcome outcome;
  // A small queue, so that it fills even when a sanitizer slows the producers down.
  agent_down_then_back(std::max(run_duration(2000ms), std::chrono::milliseconds(1000)), 256u << 10,
                       outcome);
}

// RSS means nothing under AddressSanitizer (quarantine, shadow memory): labeled
// no-sanitizer in test/CMakeLists.txt.
TEST(ReliabilityMemory, ResidentMemoryStaysUnderTheCap) {
  Outcome outcome;
  agent_down_then_back(run_duration(10'000ms), kQueueBytes, outcome);
  const std::size_t cap = outcome.baseline_rss + kQueueBytes + kPayloadBytes + kSlackBytes;
  std::printf("produced %llu traces; RSS baseline %zu MiB, peak %zu MiB, cap %zu MiB\n",
              static_cast<unsigned long long>(outcome.produced), outcome.baseline_rss >> 20,
              outcome.peak_rss >> 20, cap >> 20);
  EXPECT_LT(outcome.peak_rss, cap);
}

}  // namespace
}  // namespace gatetrace::reliability
