// Concurrency stress, end to end: 8 threads build three-span traces whose spans are
// created and finished on different threads (a root on one thread, its child finished on
// the next, the grandchild created there and finished on a third), 100,000 traces
// (times GATETRACE_STRESS_SCALE). The agent stand-in checks that every span arrives
// exactly once, in its trace's chunk, with its parent.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#include "agent_stand_in/agent_stand_in.h"
#include "gatetrace/http_server_span.h"
#include "integration/reliability_support.h"
#include "support/msgpack_inspect.h"

namespace gatetrace::reliability {
namespace {

using standin::AgentStandIn;
using testing::RecordingLogger;

// (trace id low 64 bits, span id, parent id)
using SpanKey = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>;

constexpr int kThreads = 8;

// A span handed to another thread, and how far along its trace it is.
struct Handoff {
  Span span;
  int depth = 0;  // 1: the root's child; 2: the grandchild
};

class Inbox {
 public:
  void push(Handoff handoff) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(std::move(handoff));
  }
  std::vector<Handoff> take() {
    std::vector<Handoff> out;
    std::lock_guard<std::mutex> lock(mutex_);
    out.swap(items_);
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<Handoff> items_;
};

TEST(ReliabilityStress, EverySpanArrivesOnceInItsTraceWithItsParent) {
  const std::size_t traces = scaled(100'000);
  const std::size_t per_thread = (traces + kThreads - 1) / kThreads;
  const std::size_t total_traces = per_thread * kThreads;

  // Declared before the stand-in, whose threads write them until it is destroyed.
  std::mutex received_mutex;
  std::vector<SpanKey> received;
  std::size_t mixed_chunks = 0;
  standin::StandInOptions stand_in_options;
  stand_in_options.keep_requests = false;  // only what the test needs is kept
  AgentStandIn agent(stand_in_options);
  agent.set_on_request([&](const standin::RecordedRequest& request) {
    if (!request.payload_decoded) return;
    std::lock_guard<std::mutex> lock(received_mutex);
    for (const auto& chunk : request.payload) {
      const auto trace = chunk.at(0).at("trace_id").get<std::uint64_t>();
      for (const auto& span : chunk) {
        const auto span_trace = span.at("trace_id").get<std::uint64_t>();
        if (span_trace != trace) ++mixed_chunks;
        received.emplace_back(span_trace, span.at("span_id").get<std::uint64_t>(),
                              span.at("parent_id").get<std::uint64_t>());
      }
    }
  });

  auto logger = std::make_shared<RecordingLogger>();
  TracerOptions options;
  options.flush_interval = 100ms;
  options.buffer_bytes = 512u << 20;  // nothing may be dropped: the test counts spans
  // Long: a request that times out after the stand-in took it would be sent twice.
  options.request_timeout = 60s;
  Tracer tracer(tracer_config(agent.port(), logger, options));

  std::vector<Inbox> inboxes(kThreads);
  std::vector<std::vector<SpanKey>> expected(kThreads);
  std::atomic<std::size_t> open_handoffs{0};
  std::atomic<int> producing{kThreads};

  auto worker = [&](int index) {
    Inbox& next = inboxes[(index + 1) % kThreads];
    std::vector<SpanKey>& mine = expected[index];
    mine.reserve(per_thread * 3 + 1024);
    auto record = [&](const Span& span) {
      mine.emplace_back(span.trace_id().low, span.id(), span.parent_id());
    };
    auto drain = [&] {
      for (Handoff& item : inboxes[index].take()) {
        if (item.depth == 1) {
          // Created on another thread; its child is created here and finished on yet
          // another; the span itself is finished here.
          Span grandchild = item.span.create_child({.name = "grandchild"});
          record(grandchild);
          open_handoffs.fetch_add(1);
          next.push(Handoff{std::move(grandchild), 2});
        }
        item.span.finish();
        open_handoffs.fetch_sub(1);
      }
    };
    for (std::size_t i = 0; i < per_thread; ++i) {
      Span root = tracer.create_span({.name = "root"});
      record(root);
      Span child = root.create_child({.name = "child"});
      child.set_tag("thread", std::to_string(index));
      record(child);
      open_handoffs.fetch_add(1);
      next.push(Handoff{std::move(child), 1});
      root.finish();  // before its descendants, on purpose
      if (i % 64 == 0) drain();
    }
    producing.fetch_sub(1);
    while (producing.load() != 0 || open_handoffs.load() != 0) {
      drain();
      std::this_thread::yield();
    }
  };
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i);
  for (auto& thread : threads) thread.join();
  const auto produced = std::chrono::steady_clock::now();

  ASSERT_TRUE(tracer.flush(60s));
  ASSERT_TRUE(agent.wait_for_traces(total_traces, 30s));
  std::printf("produced in %lld ms, delivered %lld ms later\n",
              static_cast<long long>((produced - started) / 1ms),
              static_cast<long long>((std::chrono::steady_clock::now() - produced) / 1ms));

  std::vector<SpanKey> all;
  for (const auto& keys : expected) all.insert(all.end(), keys.begin(), keys.end());
  ASSERT_EQ(all.size(), total_traces * 3);
  std::sort(all.begin(), all.end());
  ASSERT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "span ids must be unique";

  std::lock_guard<std::mutex> lock(received_mutex);
  EXPECT_EQ(mixed_chunks, 0u);
  std::sort(received.begin(), received.end());
  EXPECT_EQ(received.size(), all.size());
  EXPECT_TRUE(received == all) << "some span is missing, duplicated, or has a wrong parent";
  EXPECT_EQ(agent.totals().traces, total_traces);  // one chunk per trace
  const TracerStats stats = tracer_stats(tracer);
  EXPECT_EQ(stats.traces_sent, total_traces);
  EXPECT_EQ(stats.traces_dropped_queue_full, 0u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 0u);
  if (HasFailure()) {
    for (const auto& line : logger->lines()) std::printf("log: %s\n", line.second.c_str());
  }
}

// Open traces are bounded: a root that never finishes (a leaked span) cannot make its
// trace hold more than kMaxSpansPerSegment spans; partial flush sends finished ones.
TEST(ReliabilityStress, SpansPerTraceAreCapped) {
  AgentStandIn agent;
  auto logger = std::make_shared<RecordingLogger>();
  TracerOptions options;
  options.buffer_bytes = 256u << 20;  // room for the one huge chunk at the end
  options.request_timeout = 60s;      // the stand-in takes a while to decode 100,000 spans
  Tracer tracer(tracer_config(agent.port(), logger, options));
  constexpr std::size_t kCap = 100'000;
  constexpr std::size_t kOver = 25;
  {
    // Its children finish, but the trace is held until the root does.
    Span root = tracer.create_span({.name = "leaky-connection"});
    for (std::size_t i = 1; i < kCap; ++i) root.create_child({.name = "message"});
    EXPECT_EQ(tracer_stats(tracer).spans_dropped_segment_full, 0u);
    std::vector<Span> refused;
    for (std::size_t i = 0; i < kOver; ++i) refused.push_back(root.create_child({.name = "x"}));
    // Spans beyond the cap still work for the caller.
    refused.back().set_tag("still", "works");
    EXPECT_EQ(refused.back().lookup_tag("still"), "works");
    EXPECT_EQ(refused.back().parent_id(), root.id());
    EXPECT_EQ(tracer_stats(tracer).spans_dropped_segment_full, kOver);
    EXPECT_EQ(logger->count_containing("further spans are not recorded"), 1u);
  }
  ASSERT_TRUE(tracer.flush(30s));
  ASSERT_TRUE(agent.wait_for_traces(1, 10s));
  const auto traces = agent.traces();
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_EQ(traces[0].size(), kCap);  // the root and the first kCap - 1 children
  EXPECT_EQ(traces[0][0].at("name"), "leaky-connection");
}

TEST(ReliabilityStress, PartialFlushKeepsALeakedRootsTraceSmall) {
  AgentStandIn agent;
  auto logger = std::make_shared<RecordingLogger>();
  TracerOptions options;
  options.partial_flush = true;  // DD_TRACE_PARTIAL_FLUSH_MIN_SPANS: default 1000
  // A timed-out request that the agent did receive is retried, hence sent twice: give
  // the stand-in time to decode large payloads.
  options.request_timeout = 60s;
  options.buffer_bytes = 256u << 20;  // the test counts spans: nothing may be dropped
  Tracer tracer(tracer_config(agent.port(), logger, options));
  Span root = tracer.create_span({.name = "long-lived"});
  // More than the cap over the root's lifetime (fewer under sanitizers: still 15 chunks).
  const std::size_t children = scaled(150'000);
  for (std::size_t i = 0; i < children; ++i) root.create_child({.name = "message"});
  EXPECT_EQ(tracer_stats(tracer).spans_dropped_segment_full, 0u);
  ASSERT_TRUE(tracer.flush(30s));
  std::size_t spans = 0;
  for (const auto& chunk : agent.traces()) spans += chunk.size();
  EXPECT_EQ(spans, children);  // all sent in chunks of 1000 while the root stays open
  root.finish();
  ASSERT_TRUE(tracer.flush(30s));
  EXPECT_EQ(agent.totals().spans, children + 1);
}

// Hostile input: a request whose every header is huge or forged. Values taken from the
// request are capped (URL 2048 bytes, header tags and user agent 512, proxy headers as in
// proxy_headers.h); nothing in it changes the tracer's configuration; and everything it
// carries reaches the agent as a string value of `meta`, never as a key of its own.
TEST(ReliabilityHostile, RequestValuesAreCappedAndNeverConfigureTheTracer) {
  AgentStandIn agent;
  auto logger = std::make_shared<RecordingLogger>();
  TracerConfig config = tracer_config(agent.port(), logger, {});
  config.header_tags = std::vector<std::pair<std::string, std::string>>{{"x-custom", "custom.tag"}};
  config.inferred_proxy_services_enabled = true;
  Tracer tracer(config);
  const std::string huge(100'000, 'a');
  const std::string now_ms = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  const std::vector<std::pair<std::string, std::string>> owned = {
      {"host", huge},
      {"user-agent", huge},
      {"x-custom", huge},
      {"x-dd-proxy", "aws-apigateway"},
      {"x-dd-proxy-request-time-ms", now_ms},
      {"x-dd-proxy-domain-name", huge},
      {"x-dd-proxy-httpmethod", huge},
      {"x-dd-proxy-path", "/" + huge},
      {"x-dd-proxy-stage", huge},
      {"x-datadog-trace-id", "12345"},
      {"x-datadog-parent-id", "67890"},
      {"x-datadog-tags", "_dd.p.dm=-4," + huge},
      {"baggage", "k=" + huge},
      // Names of configuration variables, as headers: just headers.
      {"dd_service", "attacker"},
      {"dd-trace-sample-rate", "0"},
      {"dd_trace_agent_url", "http://evil.example:1"},
  };
  HeaderListReader::Headers views;
  for (const auto& [name, value] : owned) views.emplace_back(name, value);
  HeaderListReader headers(views);
  const std::string target = "/" + huge + "?password=" + huge;
  {
    HttpServerSpan span(tracer, HttpServerRequest{"GET", target, "", &headers});
    span.set_status(200);
  }
  ASSERT_TRUE(tracer.flush(10s));
  ASSERT_TRUE(agent.wait_for_traces(1, 5s));

  EXPECT_EQ(tracer.config().service, "reliability");
  EXPECT_EQ(tracer.config().agent_url.port, agent.port());
  EXPECT_TRUE(tracer.config().trace_sampling_rules.empty());
  std::size_t spans = 0;
  for (const auto& request : agent.requests()) {
    const nlohmann::json payload = testing::decode_checked(request.body);
    for (const auto& chunk : payload) {
      for (const auto& span : chunk) {
        ++spans;
        EXPECT_NE(span.at("service"), "attacker");
        EXPECT_LE(span.at("resource").get<std::string>().size(), 2048u + 16u);
        for (const auto& [key, value] : span.at("meta").items()) {
          ASSERT_TRUE(value.is_string()) << key;
          // http.url: "http://" + host (capped at 255) + target (capped at 2048).
          const std::size_t cap = key == "http.url" ? 7u + 255u + 2048u : 2048u;
          EXPECT_LE(value.get<std::string>().size(), cap) << key;
          EXPECT_LE(key.size(), 128u);
        }
        for (const auto& [key, value] : span.at("metrics").items()) {
          EXPECT_TRUE(value.is_number()) << key;
        }
      }
    }
  }
  EXPECT_EQ(spans, 2u);  // the inferred gateway span and the server span
  EXPECT_EQ(tracer.config().service, "reliability");
}

}  // namespace
}  // namespace gatetrace::reliability
