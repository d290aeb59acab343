// The exporter against a real HTTP server: AgentExporter + the libcurl client + the
// agent stand-in, over TCP on 127.0.0.1 and over a Unix domain socket.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "agent_stand_in/agent_stand_in.h"
#include "gatetrace/export/agent_exporter.h"
#include "gatetrace/export/curl_http_client.h"
#include "support/msgpack_inspect.h"
#include "support/recording_logger.h"
#include "support/span_factory.h"

namespace gatetrace {
namespace {

using namespace std::chrono_literals;
using standin::AgentStandIn;
using standin::Fault;
using standin::Reply;

// The library is built as C++17 (see DESIGN.md); tests are built as C++20.
const std::string kLibraryLangVersion = "17";

AgentUrl tcp_url(const AgentStandIn& agent) {
  AgentUrl url;
  url.scheme = AgentUrl::Scheme::kHttp;
  url.host = "127.0.0.1";
  url.port = agent.port();
  return url;
}

AgentUrl unix_url(const AgentStandIn& agent) {
  AgentUrl url;
  url.scheme = AgentUrl::Scheme::kUnix;
  url.socket_path = agent.unix_socket_path();
  return url;
}

std::string unique_socket_path() {
  static int counter = 0;
  return "/tmp/gatetrace-it-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) +
         ".sock";
}

class ExportIntegration : public ::testing::Test {
 protected:
  ExporterSettings settings() {
    ExporterSettings s;
    s.flush_interval = 1h;  // flushes only when a test asks
    s.early_flush_bytes = 0;
    s.shutdown_timeout = 3s;
    s.request_timeout = 3s;
    s.default_service = "web-backend";
    s.runtime_id = "0f8d2b6e-5f5c-4c1e-9d0a-3c2b1a000001";
    s.process_id = 4321;
    s.cgroup_path = "";
    s.on_agent_rates = [this](const std::unordered_map<std::string, double>& rates) {
      std::lock_guard<std::mutex> lock(mutex_);
      rates_.push_back(rates);
    };
    return s;
  }

  std::vector<std::unordered_map<std::string, double>> rates() {
    std::lock_guard<std::mutex> lock(mutex_);
    return rates_;
  }

  std::shared_ptr<testing::RecordingLogger> logger_ = std::make_shared<testing::RecordingLogger>();
  std::mutex mutex_;
  std::vector<std::unordered_map<std::string, double>> rates_;
};

void expect_protocol_request(const standin::RecordedRequest& request, std::size_t traces) {
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.path, "/v0.4/traces");
  const auto& h = request.headers;
  EXPECT_EQ(h.at("content-type"), "application/msgpack");
  EXPECT_EQ(h.at("content-length"), std::to_string(request.body.size()));
  EXPECT_EQ(h.at("x-datadog-trace-count"), std::to_string(traces));
  EXPECT_EQ(h.at("datadog-meta-lang"), "cpp");
  // The standard the library was compiled with (C++17 at least), not the test's.
  EXPECT_EQ(h.at("datadog-meta-lang-version"), kLibraryLangVersion);
  EXPECT_TRUE(h.at("datadog-meta-lang-interpreter").rfind("gcc-", 0) == 0 ||
              h.at("datadog-meta-lang-interpreter").rfind("clang-", 0) == 0);
  EXPECT_FALSE(h.at("datadog-meta-tracer-version").empty());
  EXPECT_EQ(h.at("datadog-send-real-http-status"), "true");
  // An empty Expect: makes libcurl send no Expect header at all.
  EXPECT_EQ(h.count("expect"), 0u);
  EXPECT_EQ(h.count("transfer-encoding"), 0u);
  EXPECT_EQ(h.count("datadog-client-computed-top-level"), 0u);
  EXPECT_EQ(h.count("datadog-container-id"), 0u);  // cgroup reading disabled in tests
  ASSERT_TRUE(request.payload_decoded);
  EXPECT_EQ(request.payload.size(), traces);
}

TEST_F(ExportIntegration, DeliversSpansOverTcpWithEveryHeader) {
  AgentStandIn agent;
  agent.set_reply(Reply{
      200, R"({"rate_by_service":{"service:web-backend,env:prod":0.5,"service:,env:":0.75}})"});
  AgentExporter exporter(settings(), make_curl_http_client(tcp_url(agent)), logger_);

  auto first = testing::make_chunk(0x8000000000000011u, 3);
  first.storage[0]->meta.set("_dd.p.tid", "6553f1a200000000");
  first.storage[0]->metrics.set("_sampling_priority_v1", 1);
  first.storage[1]->error = true;
  first.storage[1]->meta.set("error.message", "boom");
  auto second = testing::make_chunk(42, 1, "azure-apim");
  exporter.send(first.chunk);
  exporter.send(second.chunk);
  ASSERT_TRUE(exporter.flush(10s));

  const auto requests = agent.requests();
  ASSERT_EQ(requests.size(), 1u);
  expect_protocol_request(requests[0], 2);
  const nlohmann::json payload = testing::decode_checked(requests[0].body);
  EXPECT_EQ(payload, requests[0].payload);

  const auto traces = agent.traces();
  ASSERT_EQ(traces.size(), 2u);
  ASSERT_EQ(traces[0].size(), 3u);
  const auto& root = traces[0][0];
  EXPECT_EQ(root.at("trace_id").get<std::uint64_t>(), 0x8000000000000011u);
  EXPECT_EQ(root.at("parent_id").get<std::uint64_t>(), 0u);
  EXPECT_EQ(root.at("meta").at("_dd.p.tid"), "6553f1a200000000");
  EXPECT_EQ(root.at("meta").at("language"), "cpp");
  EXPECT_EQ(root.at("metrics").at("_sampling_priority_v1").get<double>(), 1.0);
  EXPECT_EQ(root.at("metrics").at("process_id").get<double>(), 4321.0);
  EXPECT_EQ(traces[0][1].at("error").get<int>(), 1);
  EXPECT_EQ(traces[0][1].at("parent_id").get<std::uint64_t>(),
            root.at("span_id").get<std::uint64_t>());
  EXPECT_EQ(traces[1][0].at("service"), "azure-apim");
  EXPECT_EQ(traces[1][0].at("meta").at("_dd.base_service"), "web-backend");

  const auto received = rates();
  ASSERT_EQ(received.size(), 1u);
  const std::unordered_map<std::string, double> expected = {{"service:web-backend,env:prod", 0.5},
                                                            {"service:,env:", 0.75}};
  EXPECT_EQ(received[0], expected);

  // A second flush reuses the connection.
  exporter.send(second.chunk);
  ASSERT_TRUE(exporter.flush(10s));
  EXPECT_EQ(agent.requests().size(), 2u);
  EXPECT_EQ(agent.connections_accepted(), 1u);
  const ExporterStats stats = exporter.stats();
  EXPECT_EQ(stats.traces_sent, 3u);
  EXPECT_EQ(stats.payloads_sent, 2u);
  EXPECT_EQ(stats.bytes_sent, requests[0].body.size() + agent.requests()[1].body.size());
}

TEST_F(ExportIntegration, DeliversOverAUnixSocket) {
  standin::StandInOptions options;
  options.unix_socket_path = unique_socket_path();
  AgentStandIn agent(options);
  AgentExporter exporter(settings(), make_curl_http_client(unix_url(agent)), logger_);
  auto chunk = testing::make_chunk(7, 2);
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(10s));
  const auto requests = agent.requests();
  ASSERT_EQ(requests.size(), 1u);
  expect_protocol_request(requests[0], 1);
  EXPECT_EQ(requests[0].payload[0][1].at("span_id").get<std::uint64_t>(), 7002u);
  ASSERT_EQ(rates().size(), 1u);
  EXPECT_EQ(rates()[0].at("service:,env:"), 1.0);
}

TEST_F(ExportIntegration, QueueFullDropsAreCounted) {
  AgentStandIn agent;
  auto s = settings();
  s.buffer_size_bytes = 2048;
  AgentExporter exporter(s, make_curl_http_client(tcp_url(agent)), logger_);
  auto chunk = testing::make_chunk(1, 4);
  for (int i = 0; i < 100; ++i) exporter.send(chunk.chunk);
  const ExporterStats before = exporter.stats();
  EXPECT_GT(before.traces_dropped_queue_full, 0u);
  EXPECT_EQ(before.traces_enqueued + before.traces_dropped_queue_full, 100u);
  ASSERT_TRUE(exporter.flush(10s));
  ASSERT_TRUE(agent.wait_for_traces(before.traces_enqueued, 5s));
  EXPECT_EQ(agent.traces().size(), before.traces_enqueued);
  EXPECT_EQ(exporter.stats().traces_sent, before.traces_enqueued);
}

TEST_F(ExportIntegration, DestructionFlushesEverything) {
  AgentStandIn agent;
  {
    AgentExporter exporter(settings(), make_curl_http_client(tcp_url(agent)), logger_);
    for (std::uint64_t i = 1; i <= 25; ++i) {
      auto chunk = testing::make_chunk(i, 2);
      exporter.send(chunk.chunk);
    }
  }
  const auto traces = agent.traces();
  ASSERT_EQ(traces.size(), 25u);
  for (std::uint64_t i = 0; i < 25; ++i) {
    EXPECT_EQ(traces[i][0].at("trace_id").get<std::uint64_t>(), i + 1);
  }
}

TEST_F(ExportIntegration, BadRequestIsNotRetried) {
  AgentStandIn agent;
  agent.set_reply(Reply{400, "decoding error"});
  AgentExporter exporter(settings(), make_curl_http_client(tcp_url(agent)), logger_);
  auto chunk = testing::make_chunk(1);
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(10s));
  EXPECT_EQ(agent.totals().requests, 1u);
  const ExporterStats stats = exporter.stats();
  EXPECT_EQ(stats.http_errors, 1u);
  EXPECT_EQ(stats.traces_dropped_send_failed, 1u);
  EXPECT_EQ(logger_->count_containing("decoding error"), 1u);
  EXPECT_TRUE(rates().empty());
}

TEST_F(ExportIntegration, OverloadedAgentIsRetried) {
  AgentStandIn agent;
  agent.push_reply(Reply{429, "too busy"});
  AgentExporter exporter(settings(), make_curl_http_client(tcp_url(agent)), logger_);
  auto chunk = testing::make_chunk(1);
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(10s));
  const auto requests = agent.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, requests[1].body);
  EXPECT_EQ(exporter.stats().traces_sent, 1u);
}

TEST_F(ExportIntegration, ConnectionClosedWithoutAnswerIsATransportError) {
  AgentStandIn agent;
  agent.push_reply(Reply{200, "", Fault::kCloseWithoutAnswer});
  AgentExporter exporter(settings(), make_curl_http_client(tcp_url(agent)), logger_);
  auto chunk = testing::make_chunk(1);
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(10s));
  EXPECT_EQ(agent.totals().requests, 2u);
  EXPECT_EQ(exporter.stats().transport_errors, 1u);
  EXPECT_EQ(exporter.stats().traces_sent, 1u);
}

TEST_F(ExportIntegration, GarbageAnswerIsIgnored) {
  AgentStandIn agent;
  agent.set_reply(Reply{200, "", Fault::kGarbageBody});
  AgentExporter exporter(settings(), make_curl_http_client(tcp_url(agent)), logger_);
  auto chunk = testing::make_chunk(1);
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(10s));
  EXPECT_TRUE(rates().empty());
  EXPECT_EQ(exporter.stats().traces_sent, 1u);
  EXPECT_EQ(logger_->count_containing("not a JSON object"), 1u);
}

TEST_F(ExportIntegration, PayloadOverTheMaximumIsSplit) {
  AgentStandIn agent;
  auto s = settings();
  s.max_payload_size_bytes = 8 * 1024;
  AgentExporter exporter(s, make_curl_http_client(tcp_url(agent)), logger_);
  for (std::uint64_t i = 1; i <= 60; ++i) {
    auto chunk = testing::make_chunk(i, 4);
    exporter.send(chunk.chunk);
  }
  ASSERT_TRUE(exporter.flush(10s));
  const auto requests = agent.requests();
  ASSERT_GT(requests.size(), 1u);
  std::size_t traces = 0;
  for (const auto& request : requests) {
    EXPECT_LE(request.body.size(), s.max_payload_size_bytes);
    ASSERT_TRUE(request.payload_decoded);
    EXPECT_EQ(request.headers.at("x-datadog-trace-count"), std::to_string(request.payload.size()));
    traces += request.payload.size();
  }
  EXPECT_EQ(traces, 60u);
  const auto chunks = agent.traces();
  for (std::uint64_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i][0].at("trace_id").get<std::uint64_t>(), i + 1);  // order kept
  }
  EXPECT_EQ(agent.connections_accepted(), 1u);
}

TEST_F(ExportIntegration, HungAgentDoesNotHoldShutdown) {
  AgentStandIn agent;
  agent.set_reply(Reply{200, "", Fault::kHang});
  auto s = settings();
  s.shutdown_timeout = 300ms;
  s.request_timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  {
    AgentExporter exporter(s, make_curl_http_client(tcp_url(agent)), logger_);
    auto chunk = testing::make_chunk(1);
    exporter.send(chunk.chunk);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_GE(agent.totals().requests, 1u);
}

TEST_F(ExportIntegration, UnreachableAgentCountsTransportErrors) {
  int port;
  {
    AgentStandIn closed;  // take a free port, then release it
    port = closed.port();
  }
  AgentUrl url;
  url.host = "127.0.0.1";
  url.port = port;
  AgentExporter exporter(settings(), make_curl_http_client(url), logger_);
  auto chunk = testing::make_chunk(1);
  exporter.send(chunk.chunk);
  ASSERT_TRUE(exporter.flush(10s));
  EXPECT_EQ(exporter.stats().transport_errors, 3u);
  EXPECT_EQ(exporter.stats().traces_dropped_send_failed, 1u);
  EXPECT_EQ(logger_->count_containing("cannot reach the agent"), 1u);
}

}  // namespace
}  // namespace gatetrace
