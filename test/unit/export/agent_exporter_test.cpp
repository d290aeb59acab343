#include "gatetrace/export/agent_exporter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "support/fake_http_client.h"
#include "support/msgpack_inspect.h"
#include "support/recording_logger.h"
#include "support/span_factory.h"

namespace gatetrace {
namespace {

using namespace std::chrono_literals;
using testing::FakeHttpClient;
using testing::RecordingLogger;

class AgentExporterTest : public ::testing::Test {
 protected:
  ExporterSettings settings() {
    ExporterSettings s;
    s.flush_interval = 1h;  // flushes only when a test asks
    s.early_flush_bytes = 0;
    s.shutdown_timeout = 2s;
    s.request_timeout = 2s;
    s.default_service = "web-backend";
    s.runtime_id = "rid-1";
    s.process_id = 321;
    s.cgroup_path = "";
    s.on_agent_rates = [this](const std::unordered_map<std::string, double>& rates) {
      std::lock_guard<std::mutex> lock(rates_mutex_);
      rates_.push_back(rates);
    };
    return s;
  }

  std::vector<std::unordered_map<std::string, double>> rates() {
    std::lock_guard<std::mutex> lock(rates_mutex_);
    return rates_;
  }

  static std::string header(const HttpRequest& request, const std::string& name) {
    for (const auto& [key, value] : request.headers) {
      if (key == name) return value;
    }
    return "(absent)";
  }

  std::shared_ptr<FakeHttpClient> client_ = std::make_shared<FakeHttpClient>();
  std::shared_ptr<RecordingLogger> logger_ = std::make_shared<RecordingLogger>();
  std::mutex rates_mutex_;
  std::vector<std::unordered_map<std::string, double>> rates_;
};

TEST_F(AgentExporterTest, SendsQueuedChunksWithTheProtocolHeaders) {
  client_->set_default(HttpResponse{
      200, R"({"rate_by_service":{"service:web-backend,env:prod":0.25,"service:,env:":1}})"});
  AgentExporter exporter(settings(), client_, logger_);
  auto first = testing::make_chunk(1, 3);
  auto second = testing::make_chunk(2, 1, "other");
  exporter.send(first.chunk);
  exporter.send(second.chunk);
  ASSERT_TRUE(exporter.flush(5s));

  const auto requests = client_->requests();
  ASSERT_EQ(requests.size(), 1u);
  const HttpRequest& request = requests[0].request;
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.path, "/v0.4/traces");
  EXPECT_EQ(requests[0].timeout, 2s);
  const std::vector<std::pair<std::string, std::string>> expected_headers = {
      {"Content-Type", "application/msgpack"},
      {"Datadog-Meta-Lang", "cpp"},
      {"Datadog-Meta-Lang-Version", "17"},  // the library's standard, not the test's
      {"Datadog-Meta-Lang-Interpreter", header(request, "Datadog-Meta-Lang-Interpreter")},
      {"Datadog-Meta-Tracer-Version", header(request, "Datadog-Meta-Tracer-Version")},
      {"Datadog-Send-Real-Http-Status", "true"},
      {"X-Datadog-Trace-Count", "2"},
  };
  EXPECT_EQ(request.headers, expected_headers);
  EXPECT_TRUE(header(request, "Datadog-Meta-Lang-Interpreter").rfind("gcc-", 0) == 0 ||
              header(request, "Datadog-Meta-Lang-Interpreter").rfind("clang-", 0) == 0);
  EXPECT_FALSE(header(request, "Datadog-Meta-Tracer-Version").empty());

  const nlohmann::json payload = testing::decode_checked(request.body);
  ASSERT_EQ(payload.size(), 2u);
  EXPECT_EQ(payload[0].size(), 3u);
  EXPECT_EQ(payload[0][0].at("trace_id").get<std::uint64_t>(), 1u);
  EXPECT_EQ(payload[1][0].at("service"), "other");
  EXPECT_EQ(payload[1][0].at("meta").at("_dd.base_service"), "web-backend");
  EXPECT_EQ(payload[1][0].at("meta").at("runtime-id"), "rid-1");
  EXPECT_EQ(payload[1][0].at("metrics").at("process_id").get<double>(), 321.0);

  const auto received = rates();
  ASSERT_EQ(received.size(), 1u);
  const std::unordered_map<std::string, double> expected_rates = {
      {"service:web-backend,env:prod", 0.25}, {"service:,env:", 1.0}};
  EXPECT_EQ(received[0], expected_rates);

  const ExporterStats stats = exporter.stats();
  EXPECT_EQ(stats.traces_enqueued, 2u);
  EXPECT_EQ(stats.traces_sent, 2u);
  EXPECT_EQ(stats.payloads_sent, 1u);
  EXPECT_EQ(stats.bytes_sent, request.body.size());
  EXPECT_EQ(stats.http_errors, 0u);
}

TEST_F(AgentExporterTest, ContainerHeadersWhenTheCgroupFileNamesAContainer) {
  const std::string id(64, 'c');
  const std::string path =
      ::testing::TempDir() + "gatetrace_exporter_cgroup_" + std::to_string(::getpid());
  {
    std::ofstream file(path);
    file << "0::/system.slice/docker-" << id << ".scope\n";
  }
  auto s = settings();
  s.cgroup_path = path;
  {
    AgentExporter exporter(s, client_, logger_);
    auto chunk = testing::make_chunk(1);
    exporter.send(chunk.chunk);
    ASSERT_TRUE(exporter.flush(5s));
  }
  std::remove(path.c_str());
  const auto requests = client_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(header(requests[0].request, "Datadog-Container-ID"), id);
  EXPECT_EQ(header(requests[0].request, "Datadog-Entity-ID"), "ci-" + id);
}

TEST_F(AgentExporterTest, NoRequestWhenNothingIsQueued) {
  AgentExporter exporter(settings(), client_, logger_);
  TraceChunk empty;
  exporter.send(empty);
  EXPECT_TRUE(exporter.flush(5s));
  EXPECT_EQ(client_->request_count(), 0u);
  EXPECT_EQ(exporter.stats().traces_enqueued, 0u);
}

TEST_F(AgentExporterTest, QueueFullDropsAreCountedAndLogged) {
  auto chunk = testing::make_chunk(1, 2);
  std::string encoded;
  encode_chunk(encoded, chunk.chunk, EncodeContext{"web-backend", "rid-1", 321});
  auto s = settings();
  // Room for three chunks and their bookkeeping, not four.
  s.buffer_size_bytes = 3 * (encoded.size() + 64);
  AgentExporter exporter(s, client_, logger_);
  for (int i = 0; i < 10; ++i) exporter.send(chunk.chunk);
  ExporterStats stats = exporter.stats();
  EXPECT_EQ(stats.traces_enqueued, 3u);
  EXPECT_EQ(stats.traces_dropped_queue_full, 7u);

  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(exporter.stats().traces_sent, 3u);
  EXPECT_EQ(logger_->count_containing("7 traces dropped"), 1u);
  // Sending freed the space.
  exporter.send(chunk.chunk);
  EXPECT_EQ(exporter.stats().traces_enqueued, 4u);
}

TEST_F(AgentExporterTest, BadRequestIsNotRetried) {
  client_->set_default(HttpResponse{400, "undecodable"});
  AgentExporter exporter(settings(), client_, logger_);
  auto chunk = testing::make_chunk(1);
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(client_->request_count(), 1u);
  const ExporterStats stats = exporter.stats();
  EXPECT_EQ(stats.http_errors, 1u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 1u);
  EXPECT_EQ(stats.traces_sent, 0u);
  EXPECT_EQ(logger_->count_containing("answered 400"), 1u);
  EXPECT_TRUE(rates().empty());
}

TEST_F(AgentExporterTest, PayloadTooLargeIsNotRetried) {
  client_->set_default(HttpResponse{413, "payload-too-large"});
  AgentExporter exporter(settings(), client_, logger_);
  auto chunk = testing::make_chunk(1);
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(client_->request_count(), 1u);
  EXPECT_EQ(exporter.stats().traces_dropped_send_failed, 1u);
}

TEST_F(AgentExporterTest, TransientFailuresAreRetried) {
  client_->push(HttpResponse{503, "restarting"});
  client_->push(HttpResponse{429, "too many"});
  AgentExporter exporter(settings(), client_, logger_);
  auto chunk = testing::make_chunk(1);
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(5s));
  const auto requests = client_->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].request.body, requests[0].request.body);
  const ExporterStats stats = exporter.stats();
  EXPECT_EQ(stats.http_errors, 2u);
  EXPECT_EQ(stats.traces_sent, 1u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 0u);
}

TEST_F(AgentExporterTest, TransportErrorsAreRetriedABoundedNumberOfTimes) {
  client_->set_default(Error{Error::kHttpTransport, "connection refused"});
  AgentExporter exporter(settings(), client_, logger_);
  auto chunk = testing::make_chunk(1);
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(client_->request_count(), 3u);
  const ExporterStats stats = exporter.stats();
  EXPECT_EQ(stats.transport_errors, 3u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 1u);
  // Three failures of one cause within a minute: one log line.
  EXPECT_EQ(logger_->count_containing("connection refused"), 1u);
}

TEST_F(AgentExporterTest, FailuresAreLoggedOncePerCausePerMinute) {
  client_->set_default(HttpResponse{400, "bad"});
  AgentExporter exporter(settings(), client_, logger_);
  auto chunk = testing::make_chunk(1);
  for (int i = 0; i < 5; ++i) {
    exporter.send(chunk.chunk);
    ASSERT_TRUE(exporter.flush(5s));
  }
  EXPECT_EQ(client_->request_count(), 5u);
  EXPECT_EQ(logger_->count_containing("answered 400"), 1u);
  client_->set_default(HttpResponse{500, "oops"});
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(5s));
  EXPECT_EQ(logger_->count_containing("answered 500"), 1u);
}

TEST_F(AgentExporterTest, GarbageAndOddResponsesAreIgnored) {
  client_->push(HttpResponse{200, "\x01\x02 not json {"});
  client_->push(HttpResponse{200, "[1,2,3]"});
  client_->push(HttpResponse{200, "{}"});
  client_->push(HttpResponse{200, R"({"rate_by_service":"nope"})"});
  client_->push(HttpResponse{200, R"({"rate_by_service":{"a":"x","b":0.5,"c":7,"d":null}})"});
  AgentExporter exporter(settings(), client_, logger_);
  auto chunk = testing::make_chunk(1);
  for (int i = 0; i < 5; ++i) {
    exporter.send(chunk.chunk);
    ASSERT_TRUE(exporter.flush(5s));
  }
  const auto received = rates();
  ASSERT_EQ(received.size(), 1u);  // only the last one carried an object of rates
  const std::unordered_map<std::string, double> expected = {{"b", 0.5}};
  EXPECT_EQ(received[0], expected);
  EXPECT_EQ(exporter.stats().traces_sent, 5u);
}

TEST_F(AgentExporterTest, LargeFlushesAreSplitIntoPayloadsWithinTheMaximum) {
  auto s = settings();
  s.max_payload_size_bytes = 4096;
  AgentExporter exporter(s, client_, logger_);
  auto chunk = testing::make_chunk(1, 3);
  for (int i = 0; i < 50; ++i) exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(5s));
  const auto requests = client_->requests();
  ASSERT_GT(requests.size(), 1u);
  std::size_t traces = 0;
  for (const auto& recorded : requests) {
    EXPECT_LE(recorded.request.body.size(), 4096u);
    const nlohmann::json payload = testing::decode_checked(recorded.request.body);
    EXPECT_EQ(header(recorded.request, "X-Datadog-Trace-Count"), std::to_string(payload.size()));
    traces += payload.size();
  }
  EXPECT_EQ(traces, 50u);
  EXPECT_EQ(exporter.stats().payloads_sent, requests.size());
}

TEST_F(AgentExporterTest, RequestBodyGrowsOnceToAWholePayloadsRoom) {
  // Payloads of growing size, one per flush: the reused body is made once with room for
  // the largest payload allowed and keeps it, so the memory it holds does not depend on
  // the order payload sizes come in (the string's own growth would double past a
  // slightly larger payload, and a body over the limit is dropped and made again).
  auto s = settings();
  s.max_payload_size_bytes = 64 * 1024;
  AgentExporter exporter(s, client_, logger_);
  auto chunk = testing::make_chunk(1, 3);
  std::size_t sent = 0;
  for (int traces : {1, 2, 5, 13, 40}) {
    for (int i = 0; i < traces; ++i) exporter.send(chunk.chunk);
    sent += static_cast<std::size_t>(traces);
    ASSERT_TRUE(exporter.flush(5s));
  }
  const auto requests = client_->requests();
  ASSERT_EQ(requests.size(), 5u);  // each flush fits one payload
  EXPECT_LT(requests[0].request.body.size() * 10, requests[4].request.body.size());
  for (const auto& recorded : requests) {
    EXPECT_GE(recorded.body_capacity, s.max_payload_size_bytes);
    EXPECT_LE(recorded.body_capacity, s.max_payload_size_bytes + 64);
    EXPECT_EQ(recorded.body_capacity, requests[0].body_capacity);
  }
  EXPECT_EQ(exporter.stats().traces_sent, sent);
}

TEST_F(AgentExporterTest, FlushTimesOutWhileTheAgentHangs) {
  client_->hold(true);
  auto s = settings();
  s.shutdown_timeout = 300ms;
  s.request_timeout = 300ms;
  auto exporter = std::make_unique<AgentExporter>(s, client_, logger_);
  auto chunk = testing::make_chunk(1);
  exporter->send(chunk.chunk);
  EXPECT_FALSE(exporter->flush(50ms));
  const auto start = std::chrono::steady_clock::now();
  exporter.reset();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, 1500ms);
}

TEST_F(AgentExporterTest, DestructionDeliversWhatIsQueued) {
  {
    AgentExporter exporter(settings(), client_, logger_);
    auto chunk = testing::make_chunk(1);
    for (int i = 0; i < 3; ++i) exporter.send(chunk.chunk);
  }
  const auto requests = client_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(header(requests[0].request, "X-Datadog-Trace-Count"), "3");
}

TEST_F(AgentExporterTest, DestructionIsBoundedWhenTheAgentHangs) {
  client_->hold(true);
  auto s = settings();
  s.shutdown_timeout = 200ms;
  s.request_timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  {
    AgentExporter exporter(s, client_, logger_);
    auto chunk = testing::make_chunk(1);
    exporter.send(chunk.chunk);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, 1000ms);
  // The one attempt made had its timeout capped by the shutdown deadline.
  const auto requests = client_->requests();
  ASSERT_GE(requests.size(), 1u);
  EXPECT_LE(requests[0].timeout, 200ms);
}

TEST_F(AgentExporterTest, PeriodicFlushWithoutBeingAsked) {
  auto s = settings();
  s.flush_interval = 50ms;
  AgentExporter exporter(s, client_, logger_);
  auto chunk = testing::make_chunk(1);
  exporter.send(chunk.chunk);
  EXPECT_TRUE(client_->wait_for_requests(1, 5s));
}

TEST_F(AgentExporterTest, ConcurrentSendersLoseNothing) {
  auto s = settings();
  s.flush_interval = 5ms;  // the flush thread drains while senders push
  AgentExporter exporter(s, client_, logger_);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&exporter, t] {
      auto chunk = testing::make_chunk(static_cast<std::uint64_t>(t + 1), 2);
      for (int i = 0; i < kPerThread; ++i) exporter.send(chunk.chunk);
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(exporter.flush(10s));
  std::vector<int> per_trace(kThreads + 1, 0);
  std::size_t traces = 0;
  for (const auto& recorded : client_->requests()) {
    const auto payload = nlohmann::json::from_msgpack(recorded.request.body);
    for (const auto& chunk : payload) {
      ++per_trace.at(chunk[0].at("trace_id").get<std::size_t>());
      ++traces;
    }
  }
  EXPECT_EQ(traces, static_cast<std::size_t>(kThreads * kPerThread));
  for (int t = 1; t <= kThreads; ++t) EXPECT_EQ(per_trace[t], kPerThread);
  EXPECT_EQ(exporter.stats().traces_sent, static_cast<std::uint64_t>(kThreads * kPerThread));
}

TEST(AgentRequestHeaders, ContainerHeadersOnlyWithAnId) {
  const auto without = agent_request_headers(std::nullopt);
  for (const auto& header : without) {
    EXPECT_NE(header.first, "Datadog-Container-ID");
    EXPECT_NE(header.first, "Datadog-Entity-ID");
    EXPECT_NE(header.first, "Datadog-Client-Computed-Top-Level");
  }
  const auto with = agent_request_headers(std::string("abc"));
  EXPECT_EQ(with.size(), without.size() + 2);
  EXPECT_EQ(with[with.size() - 2],
            std::make_pair(std::string("Datadog-Container-ID"), std::string("abc")));
  EXPECT_EQ(with.back(), std::make_pair(std::string("Datadog-Entity-ID"), std::string("ci-abc")));
}

}  // namespace
}  // namespace gatetrace
