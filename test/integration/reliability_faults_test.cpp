// Faults of the agent, end to end: a real Tracer, its real exporter and libcurl client,
// and an agent stand-in on loopback that misbehaves on request. For each fault: request
// threads are never held up, nothing crashes, the counters (tracer_stats) and the
// rate-limited log say what happened, and once the agent behaves again traces flow
// without a restart. Also: shutdown with traces pending, and fork().
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "agent_stand_in/agent_stand_in.h"
#include "gatetrace/export/agent_exporter.h"
#include "gatetrace/trace/tracer_core.h"
#include "integration/reliability_support.h"

// ThreadSanitizer kills a child that starts threads after a multithreaded fork unless
// told not to; the fork test's child must start its own flush thread.
extern "C" const char* __tsan_default_options() { return "die_after_fork=0"; }

namespace gatetrace::reliability {
namespace {

using standin::AgentStandIn;
using standin::Fault;
using standin::Reply;
using testing::RecordingLogger;

// Well under a second for 1,000 traces of two spans: a generous bound that only a
// request thread waiting on the network (or on the flush thread) would exceed.
constexpr auto kNeverBlocked = 1s;

// The agent recovered: new traces are delivered and counted, without a restart.
void expect_recovery(Tracer& tracer, AgentStandIn& agent, std::size_t traces = 10) {
  const std::uint64_t before = agent.totals().traces;
  const std::uint64_t sent_before = tracer_stats(tracer).traces_sent;
  finish_traces(tracer, traces);
  ASSERT_TRUE(tracer.flush(10s));
  ASSERT_TRUE(agent.wait_for_traces(before + traces, 5s));
  EXPECT_EQ(agent.totals().traces, before + traces);
  EXPECT_EQ(tracer_stats(tracer).traces_sent, sent_before + traces);
}

TEST(ReliabilityFaults, AgentNotListening) {
  const int port = free_port();
  auto logger = std::make_shared<RecordingLogger>();
  Tracer tracer(tracer_config(port, logger));

  EXPECT_LT(time_to_finish(tracer, 1000), kNeverBlocked);
  ASSERT_TRUE(tracer.flush(10s));
  TracerStats stats = tracer_stats(tracer);
  EXPECT_EQ(stats.traces_enqueued, 1000u);
  EXPECT_EQ(stats.traces_sent, 0u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 1000u);
  EXPECT_EQ(stats.transport_errors, 3u);  // one payload, three attempts
  // Three failures, one log line.
  EXPECT_EQ(logger->count_containing("cannot reach the agent"), 1u);

  standin::StandInOptions options;
  options.port = port;
  AgentStandIn agent(options);
  expect_recovery(tracer, agent);
  stats = tracer_stats(tracer);
  EXPECT_EQ(stats.traces_sent + stats.traces_dropped_send_failed, stats.traces_enqueued);
}

// The agent accepts the connection and reads the request, then answers late or never.
void run_silent_agent(const Reply& reply) {
  AgentStandIn agent;
  agent.set_reply(reply);
  auto logger = std::make_shared<RecordingLogger>();
  Tracer tracer(tracer_config(agent.port(), logger));

  finish_traces(tracer, 1);
  EXPECT_FALSE(tracer.flush(50ms));  // the flush thread is now waiting on the agent
  ASSERT_TRUE(agent.wait_for_requests(1, 5s));
  EXPECT_LT(time_to_finish(tracer, 1000), kNeverBlocked);

  ASSERT_TRUE(tracer.flush(20s));
  const TracerStats stats = tracer_stats(tracer);
  EXPECT_EQ(stats.traces_enqueued, 1001u);
  EXPECT_EQ(stats.traces_sent, 0u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 1001u);
  EXPECT_EQ(stats.transport_errors, 6u);  // two payloads, three timed-out attempts each
  EXPECT_EQ(logger->count_containing("cannot reach the agent"), 1u);
  EXPECT_EQ(logger->count_containing("imeout"), 1u);  // libcurl says why

  agent.set_reply(Reply{});
  expect_recovery(tracer, agent);
}

TEST(ReliabilityFaults, AgentAcceptsAndNeverAnswers) {
  run_silent_agent(Reply{200, "", Fault::kHang});
}

TEST(ReliabilityFaults, AgentAnswersAfterTenSeconds) {
  run_silent_agent(Reply{200, R"({"rate_by_service":{}})", Fault::kDelay, 10s});
}

// Requests the exporter makes for one payload of 20 traces, for each answer.
struct StatusCase {
  int status;
  std::uint64_t requests;
};

class ReliabilityStatus : public ::testing::TestWithParam<StatusCase> {};

TEST_P(ReliabilityStatus, IsRetriedOrNotAndCounted) {
  const StatusCase c = GetParam();
  AgentStandIn agent;
  agent.set_reply(Reply{c.status, "agent says no"});
  auto logger = std::make_shared<RecordingLogger>();
  Tracer tracer(tracer_config(agent.port(), logger));

  EXPECT_LT(time_to_finish(tracer, 20), kNeverBlocked);
  ASSERT_TRUE(tracer.flush(10s));
  const TracerStats stats = tracer_stats(tracer);
  EXPECT_EQ(agent.totals().requests, c.requests);
  EXPECT_EQ(stats.http_errors, c.requests);
  EXPECT_EQ(stats.transport_errors, 0u);
  EXPECT_EQ(stats.traces_sent, 0u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 20u);
  EXPECT_EQ(logger->count_containing("the agent answered " + std::to_string(c.status)), 1u);
  EXPECT_EQ(logger->count_containing("agent says no"), 1u);

  agent.set_reply(Reply{});
  expect_recovery(tracer, agent);
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, ReliabilityStatus,
    ::testing::Values(StatusCase{400, 1},  // not retried
                      StatusCase{408, 3}, StatusCase{429, 3}, StatusCase{500, 3},
                      StatusCase{503, 3},
                      // Split down to single traces: 20 + 10+10 + 5*4 + (3+2)*4 + 1*20
                      // payloads, i.e. every node of the halving tree: 2*20-1.
                      StatusCase{413, 39}),
    [](const auto& info) { return "Http" + std::to_string(info.param.status); });

TEST(ReliabilityFaults, PayloadTooLargeIsSplitUntilItFits) {
  AgentStandIn agent;
  agent.push_reply(Reply{413, "payload-too-large"});  // the first payload only
  auto logger = std::make_shared<RecordingLogger>();
  Tracer tracer(tracer_config(agent.port(), logger));
  finish_traces(tracer, 40);
  ASSERT_TRUE(tracer.flush(10s));

  const auto requests = agent.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].headers.at("x-datadog-trace-count"), "40");
  EXPECT_EQ(requests[1].headers.at("x-datadog-trace-count"), "20");
  EXPECT_EQ(requests[2].headers.at("x-datadog-trace-count"), "20");
  // The halves carry exactly the refused payload's traces, in order.
  std::vector<nlohmann::json> halves;
  for (const auto& chunk : requests[1].payload) halves.push_back(chunk);
  for (const auto& chunk : requests[2].payload) halves.push_back(chunk);
  ASSERT_EQ(halves.size(), requests[0].payload.size());
  for (std::size_t i = 0; i < halves.size(); ++i) EXPECT_EQ(halves[i], requests[0].payload[i]);
  const TracerStats stats = tracer_stats(tracer);
  EXPECT_EQ(stats.payloads_split, 1u);
  EXPECT_EQ(stats.traces_sent, 40u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 0u);
}

TEST(ReliabilityFaults, LoneTraceRefusedWith413IsDroppedAndCounted) {
  AgentStandIn agent;
  agent.push_reply(Reply{413, "payload-too-large"});
  auto logger = std::make_shared<RecordingLogger>();
  Tracer tracer(tracer_config(agent.port(), logger));
  finish_traces(tracer, 1, 50);
  ASSERT_TRUE(tracer.flush(10s));
  EXPECT_EQ(agent.totals().requests, 1u);  // nothing smaller to try, and no retry
  const TracerStats stats = tracer_stats(tracer);
  EXPECT_EQ(stats.payloads_split, 0u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 1u);
  expect_recovery(tracer, agent);
}

// Faults where no usable HTTP answer arrives: each attempt is a transport error.
void run_broken_answer(Fault fault) {
  AgentStandIn agent;
  agent.set_reply(Reply{200, "", fault});
  auto logger = std::make_shared<RecordingLogger>();
  Tracer tracer(tracer_config(agent.port(), logger));
  EXPECT_LT(time_to_finish(tracer, 1000), kNeverBlocked);
  ASSERT_TRUE(tracer.flush(10s));
  const TracerStats stats = tracer_stats(tracer);
  // Three attempts; one may die on the connection the stand-in is closing before the
  // stand-in reads it (libcurl reused it), so the stand-in sees two or three.
  EXPECT_GE(agent.totals().requests, 2u);
  EXPECT_LE(agent.totals().requests, 3u);
  EXPECT_EQ(stats.transport_errors, 3u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 1000u);
  EXPECT_EQ(logger->count_containing("cannot reach the agent"), 1u);
  agent.set_reply(Reply{});
  expect_recovery(tracer, agent);
}

TEST(ReliabilityFaults, ConnectionClosedWithoutAnswer) {
  run_broken_answer(Fault::kCloseWithoutAnswer);
}

TEST(ReliabilityFaults, GarbageInsteadOfHttp) { run_broken_answer(Fault::kGarbageResponse); }

TEST(ReliabilityFaults, GarbageBodyIsIgnoredAndTheTracesCountAsSent) {
  AgentStandIn agent;
  agent.set_reply(Reply{200, "", Fault::kGarbageBody});
  auto logger = std::make_shared<RecordingLogger>();
  Tracer tracer(tracer_config(agent.port(), logger));
  finish_traces(tracer, 100);
  ASSERT_TRUE(tracer.flush(10s));
  finish_traces(tracer, 100);
  ASSERT_TRUE(tracer.flush(10s));
  const TracerStats stats = tracer_stats(tracer);
  EXPECT_EQ(stats.traces_sent, 200u);  // the agent did take them
  EXPECT_EQ(stats.payloads_sent, 2u);
  EXPECT_EQ(logger->count_containing("not a JSON object"), 1u);  // rate-limited
  agent.set_reply(Reply{});
  expect_recovery(tracer, agent);
}

TEST(ReliabilityFaults, ClosedMidResponse) {
  RawAgent agent;
  auto logger = std::make_shared<RecordingLogger>();
  Tracer tracer(tracer_config(agent.port(), logger));
  EXPECT_LT(time_to_finish(tracer, 1000), kNeverBlocked);
  ASSERT_TRUE(tracer.flush(10s));
  TracerStats stats = tracer_stats(tracer);
  EXPECT_EQ(agent.requests.load(), 3);
  EXPECT_EQ(stats.transport_errors, 3u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 1000u);
  EXPECT_EQ(logger->count_containing("cannot reach the agent"), 1u);

  agent.truncate = false;
  finish_traces(tracer, 10);
  ASSERT_TRUE(tracer.flush(10s));
  stats = tracer_stats(tracer);
  EXPECT_EQ(agent.complete_answers.load(), 1);
  EXPECT_EQ(stats.traces_sent, 10u);
}

TEST(ReliabilityFaults, AgentGoesAwayAndComesBack) {
  auto logger = std::make_shared<RecordingLogger>();
  auto agent = std::make_unique<AgentStandIn>();
  const int port = agent->port();
  Tracer tracer(tracer_config(port, logger));
  expect_recovery(tracer, *agent);  // delivered over a kept-alive connection

  agent.reset();  // the agent restarts: its connections and its port are gone
  EXPECT_LT(time_to_finish(tracer, 1000), kNeverBlocked);
  ASSERT_TRUE(tracer.flush(10s));
  EXPECT_EQ(tracer_stats(tracer).traces_dropped_send_failed, 1000u);

  standin::StandInOptions options;
  options.port = port;
  agent = std::make_unique<AgentStandIn>(options);
  expect_recovery(tracer, *agent);
  const TracerStats stats = tracer_stats(tracer);
  EXPECT_EQ(stats.traces_sent, 20u);
  EXPECT_EQ(stats.traces_sent + stats.traces_dropped_send_failed, stats.traces_enqueued);
}

// Shutdown.

TEST(ReliabilityShutdown, PendingTracesAreDeliveredWithinTheDeadline) {
  AgentStandIn agent;
  auto logger = std::make_shared<RecordingLogger>();
  TracerOptions options;
  options.shutdown_timeout = 2s;
  auto tracer = std::make_unique<Tracer>(tracer_config(agent.port(), logger, options));
  finish_traces(*tracer, 500);
  EXPECT_EQ(agent.totals().traces, 0u);  // nothing flushed yet (interval: 1 h)
  const auto start = std::chrono::steady_clock::now();
  tracer.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, options.shutdown_timeout);
  EXPECT_EQ(agent.totals().traces, 500u);
  EXPECT_EQ(logger->count_containing("shutdown timeout reached"), 0u);
}

TEST(ReliabilityShutdown, AgentDownDropsAndCountsWithoutWaitingPastTheDeadline) {
  auto logger = std::make_shared<RecordingLogger>();
  TracerOptions options;
  options.shutdown_timeout = 1s;
  auto tracer = std::make_unique<Tracer>(tracer_config(free_port(), logger, options));
  // Keep the machinery alive past the Tracer to read its counters afterwards.
  std::shared_ptr<TracerCore> core = tracer->core();
  finish_traces(*tracer, 300);
  const auto start = std::chrono::steady_clock::now();
  tracer.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, options.shutdown_timeout);
  const ExporterStats stats = dynamic_cast<AgentExporter&>(*core->collector).stats();
  EXPECT_EQ(stats.traces_dropped_send_failed, 300u);
  EXPECT_EQ(stats.transport_errors, 3u);
  core.reset();
  EXPECT_EQ(logger->count_containing("cannot reach the agent"), 1u);
}

TEST(ReliabilityShutdown, HungAgentHoldsShutdownAtMostTheDeadlinePlusOneRequest) {
  AgentStandIn agent;
  agent.set_reply(Reply{200, "", Fault::kHang});
  auto logger = std::make_shared<RecordingLogger>();
  TracerOptions options;
  options.shutdown_timeout = 500ms;
  options.request_timeout = std::nullopt;  // the production 2 s per request
  auto tracer = std::make_unique<Tracer>(tracer_config(agent.port(), logger, options));
  finish_traces(*tracer, 300);
  const auto start = std::chrono::steady_clock::now();
  tracer.reset();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Bound: shutdown_timeout, plus the remainder of the request in flight (2 s at most;
  // here the Tracer's flush starts it, and the exporter caps it by the deadline).
  EXPECT_LT(elapsed, options.shutdown_timeout + 2s);
  EXPECT_EQ(agent.totals().requests, 1u);  // no retry past the deadline
  EXPECT_EQ(logger->count_containing("shutdown timeout reached"), 1u);
}

// fork(): the child keeps tracing with its own identity, thread and connection.

std::set<std::string> runtime_ids(const AgentStandIn& agent) {
  std::set<std::string> ids;
  for (const auto& chunk : agent.traces()) {
    for (const auto& span : chunk) ids.insert(span.at("meta").at("runtime-id").get<std::string>());
  }
  return ids;
}

std::set<double> process_ids(const AgentStandIn& agent) {
  std::set<double> ids;
  for (const auto& chunk : agent.traces()) {
    for (const auto& span : chunk) ids.insert(span.at("metrics").at("process_id").get<double>());
  }
  return ids;
}

TEST(ReliabilityFork, ChildKeepsTracingAndTheParentIsUnaffected) {
  AgentStandIn agent;
  // The parent's flush thread is inside a request (its client's lock held, its
  // connection busy) when the process forks: the child must not need either.
  agent.push_reply(Reply{200, R"({"rate_by_service":{}})", Fault::kDelay, 500ms});
  auto logger = std::make_shared<RecordingLogger>();
  TracerOptions options;
  options.request_timeout = std::nullopt;  // the production client, re-created in the child
  Tracer tracer(tracer_config(agent.port(), logger, options));
  finish_traces(tracer, 5);
  EXPECT_FALSE(tracer.flush(10ms));
  ASSERT_TRUE(agent.wait_for_requests(1, 5s));

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe exits from here: no gtest assertions in the child.
    finish_traces(tracer, 7);
    const bool flushed = tracer.flush(5s);
    const TracerStats stats = tracer_stats(tracer);
    const bool ok = flushed && stats.traces_sent == 7 && stats.traces_enqueued == 7;
    ::_exit(ok ? 0 : 1);
  }
  finish_traces(tracer, 3);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child could not trace";

  ASSERT_TRUE(tracer.flush(10s));
  ASSERT_TRUE(agent.wait_for_traces(15, 5s));
  EXPECT_EQ(agent.totals().traces, 15u);
  EXPECT_EQ(tracer_stats(tracer).traces_sent, 8u);  // the parent's own
  EXPECT_EQ(runtime_ids(agent).size(), 2u);
  const std::set<double> pids = process_ids(agent);
  EXPECT_EQ(pids, (std::set<double>{static_cast<double>(::getpid()), static_cast<double>(child)}));
  // The child connected on its own.
  EXPECT_GE(agent.connections_accepted(), 2u);
}

}  // namespace
}  // namespace gatetrace::reliability
