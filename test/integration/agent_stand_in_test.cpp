// The agent stand-in itself: its HTTP handling and the trace tree it prints.
#include "agent_stand_in/agent_stand_in.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "gatetrace/export/curl_http_client.h"

namespace gatetrace {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

AgentUrl url_of(const standin::AgentStandIn& agent) {
  AgentUrl url;
  url.host = "127.0.0.1";
  url.port = agent.port();
  return url;
}

json span(std::uint64_t id, std::uint64_t parent, const std::string& service,
          const std::string& name, std::int64_t start, std::int64_t duration) {
  return {{"trace_id", 77},
          {"span_id", id},
          {"parent_id", parent},
          {"service", service},
          {"name", name},
          {"resource", name + " res"},
          {"start", start},
          {"duration", duration},
          {"error", 0},
          {"meta", json::object()},
          {"metrics", json::object()}};
}

TEST(RenderTraceTree, ChildrenUnderParentsSiblingsByStart) {
  json root = span(1, 999, "azure-apim", "azure.apim", 100, 12'345'678);
  root["metrics"]["_sampling_priority_v1"] = 2.0;
  root["meta"]["http.status_code"] = "200";
  root["meta"]["component"] = "azure-apim";
  root["meta"]["_dd.p.tid"] = "6553f1a200000000";
  json server = span(2, 1, "web-backend", "http.request", 200, 10'000'000);
  server["meta"]["span.kind"] = "server";
  json late = span(3, 2, "web-backend", "db.query", 900, 1'500'000);
  json early = span(4, 2, "web-backend", "cache.get", 300, 250'000);
  early["error"] = 1;
  early["meta"]["error.message"] = "miss";
  // Out of order on purpose: the tree must not depend on the chunk's order.
  const json chunk = json::array({late, server, root, early});

  const std::string expected =
      "trace 77 (_dd.p.tid 6553f1a200000000), 4 spans\n"
      "  azure-apim azure.apim \"azure.apim res\" 12.346 ms [http.status_code=200 "
      "component=azure-apim priority=2]\n"
      "    web-backend http.request \"http.request res\" 10.000 ms [span.kind=server]\n"
      "      web-backend cache.get \"cache.get res\" 0.250 ms [error=miss]\n"
      "      web-backend db.query \"db.query res\" 1.500 ms\n";
  EXPECT_EQ(standin::render_trace_tree(chunk), expected);
}

TEST(RenderTraceTree, MalformedInputDoesNotCrash) {
  EXPECT_EQ(standin::render_trace_tree(json::array()), "(empty or malformed trace chunk)\n");
  EXPECT_EQ(standin::render_trace_tree(json("text")), "(empty or malformed trace chunk)\n");
  // A span that is its own parent and a two-span cycle still print every span.
  json self = span(5, 5, "s", "self", 1, 1);
  json a = span(6, 7, "s", "a", 2, 1);
  json b = span(7, 6, "s", "b", 3, 1);
  const std::string text = standin::render_trace_tree(json::array({self, a, b, 42}));
  EXPECT_NE(text.find("4 spans"), std::string::npos);
  for (const char* name : {" self ", " a ", " b "}) {
    const auto first = text.find(name);
    EXPECT_NE(first, std::string::npos) << name;
    EXPECT_EQ(text.find(name, first + 1), std::string::npos) << name << " printed twice";
  }
}

TEST(AgentStandIn, AnswersInfoAndUnknownPaths) {
  standin::AgentStandIn agent;
  auto client = make_curl_http_client(url_of(agent));
  HttpRequest info;
  info.method = "GET";
  info.path = "/info";
  auto response = client->send(info, 5s);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  const json body = json::parse(response->body);
  EXPECT_EQ(body.at("endpoints").at(0), "/v0.4/traces");
  EXPECT_EQ(body.at("config").at("max_request_bytes"), 25 << 20);

  HttpRequest other;
  other.path = "/v0.5/traces";
  response = client->send(other, 5s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(agent.totals().requests, 0u);
  EXPECT_EQ(agent.connections_accepted(), 1u);  // keep-alive across both requests
}

TEST(AgentStandIn, RecordsUndecodableBodiesAndAnswersConfiguredReplies) {
  standin::AgentStandIn agent;
  agent.push_reply({503, "later"});
  auto client = make_curl_http_client(url_of(agent));
  HttpRequest request;
  request.path = "/v0.4/traces";
  request.headers = {{"X-Custom-Name", "Value"}};
  request.body = "\xc1 not msgpack";
  auto response = client->send(request, 5s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "later");
  response = client->send(request, 5s);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body), json::parse(R"({"rate_by_service":{"service:,env:":1}})"));

  const auto requests = agent.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[0].payload_decoded);
  EXPECT_EQ(requests[0].body, request.body);
  EXPECT_EQ(requests[0].headers.at("x-custom-name"), "Value");
  EXPECT_EQ(agent.totals().undecodable, 2u);
  EXPECT_TRUE(agent.traces().empty());
}

TEST(AgentStandIn, DelayedReplyAndPromptStopWithAHungConnection) {
  standin::AgentStandIn agent;
  agent.push_reply({200, "{}", standin::Fault::kDelay, 200ms});
  agent.set_reply({200, "", standin::Fault::kHang});
  auto client = make_curl_http_client(url_of(agent));
  HttpRequest request;
  request.path = "/v0.4/traces";
  request.body = std::string("\x90", 1);  // an empty payload
  const auto start = std::chrono::steady_clock::now();
  auto response = client->send(request, 5s);
  ASSERT_TRUE(response);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  // The next one hangs until the client gives up; the stand-in still stops at once.
  response = client->send(request, 300ms);
  EXPECT_FALSE(response);
  const auto stop_start = std::chrono::steady_clock::now();
  agent.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, 1s);
}

std::string msgpack(const json& value) {
  const std::vector<std::uint8_t> bytes = json::to_msgpack(value);
  return std::string(bytes.begin(), bytes.end());
}

// The traces of `body` by count_traces_from_header, given the bytes the stand-in reads.
standin::PayloadCount count_from_start(const std::string& body) {
  const std::size_t head = std::min(body.size(), standin::kMaxArrayHeaderBytes);
  return standin::count_traces_from_header(std::string_view(body).substr(0, head), body.size());
}

// A payload of `traces` traces of one span each, every span's name `name_bytes` long.
json payload_of(std::size_t traces, std::size_t name_bytes) {
  json payload = json::array();
  for (std::size_t i = 0; i < traces; ++i) {
    payload.push_back(json::array({span(i + 1, 0, "svc", std::string(name_bytes, 'n'), 5, 7)}));
  }
  return payload;
}

// Every array-header size (fixarray, array 16, array 32) counts as the decoder does.
TEST(CountTracesFromHeader, CountsTheTopLevelArrayOfEveryHeaderSize) {
  for (const std::size_t traces : {0u, 1u, 15u, 16u, 300u, 65535u, 65536u, 70000u}) {
    // Traces of one small span each: the header sizes need tens of thousands.
    json payload = json::array();
    for (std::size_t i = 0; i < traces; ++i) payload.push_back(json::array({json::object()}));
    const std::string body = msgpack(payload);
    const standin::PayloadCount counted = count_from_start(body);
    EXPECT_TRUE(counted.valid) << traces;
    EXPECT_EQ(counted.traces, traces);
    EXPECT_EQ(counted.traces, json::from_msgpack(body).size());
    EXPECT_EQ(counted.spans, 0u) << "spans are not counted from the header";
  }
}

// What it must refuse: a start that is not an array's header, a header cut short, a
// count the body is too short to hold, and inconsistent arguments.
TEST(CountTracesFromHeader, RefusesWhatCannotBeAPayload) {
  EXPECT_FALSE(count_from_start("").valid);
  EXPECT_FALSE(count_from_start(msgpack(json::object())).valid);
  EXPECT_FALSE(count_from_start(msgpack("text")).valid);
  EXPECT_FALSE(count_from_start(msgpack(7)).valid);
  EXPECT_FALSE(count_from_start("\xc1").valid);
  EXPECT_FALSE(count_from_start(std::string("\xdc\x00", 2)).valid);          // array 16, cut
  EXPECT_FALSE(count_from_start(std::string("\xdd\x00\x00\x01", 4)).valid);  // array 32, cut
  // Three elements announced, room for two.
  EXPECT_FALSE(count_from_start(std::string("\x93\x90\x90", 3)).valid);
  EXPECT_TRUE(count_from_start(std::string("\x93\x90\x90\x90", 4)).valid);
  // 65,536 elements announced by array 32 in a 9-byte body.
  EXPECT_FALSE(count_from_start(std::string("\xdd\x00\x01\x00\x00\x90\x90\x90\x90", 9)).valid);
  // More head than body.
  EXPECT_FALSE(standin::count_traces_from_header(std::string("\x91\x90", 2), 1).valid);
}

// The --discard mode: traces counted from each payload's start, bodies of every size
// dropped unread, and the connection still in step afterwards (the next request on it
// is answered), over TCP (where the kernel drops the bytes) and a Unix socket.
void expect_counts_from_header(const standin::StandInOptions& options, const AgentUrl& url) {
  standin::AgentStandIn agent(options);
  AgentUrl target = url;
  if (target.scheme == AgentUrl::Scheme::kHttp) target.port = agent.port();
  auto client = make_curl_http_client(target);
  HttpRequest request;
  request.path = "/v0.4/traces";
  std::uint64_t bytes = 0;
  for (const std::size_t traces : {3u, 40u, 2000u}) {
    request.body = msgpack(payload_of(traces, 600));  // 2,000 traces: about 1.5 MB
    bytes += request.body.size();
    auto response = client->send(request, 10s);
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->status, 200);
  }
  request.body = "\xc1 not msgpack";
  bytes += request.body.size();
  auto response = client->send(request, 5s);
  ASSERT_TRUE(response);
  HttpRequest info;
  info.method = "GET";
  info.path = "/info";
  response = client->send(info, 5s);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body).at("endpoints").at(0), "/v0.4/traces");

  const standin::StandInTotals totals = agent.totals();
  EXPECT_EQ(totals.requests, 4u);
  EXPECT_EQ(totals.traces, 3u + 40u + 2000u);
  EXPECT_EQ(totals.spans, 0u);
  EXPECT_EQ(totals.bytes, bytes);
  EXPECT_EQ(totals.undecodable, 1u);
  EXPECT_EQ(agent.connections_accepted(), 1u);
  const auto requests = agent.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (const auto& recorded : requests) EXPECT_TRUE(recorded.body.empty());
  EXPECT_TRUE(agent.traces().empty());
}

TEST(AgentStandIn, DiscardModeCountsTracesFromThePayloadsStartOverTcp) {
  standin::StandInOptions options;
  options.decode_payloads = false;
  options.count_spans = false;
  expect_counts_from_header(options, AgentUrl{});
}

TEST(AgentStandIn, DiscardModeCountsTracesFromThePayloadsStartOverAUnixSocket) {
  standin::StandInOptions options;
  options.decode_payloads = false;
  options.count_spans = false;
  options.unix_socket_path =
      "/tmp/gatetrace-standin-discard-" + std::to_string(::getpid()) + ".sock";
  AgentUrl url;
  url.scheme = AgentUrl::Scheme::kUnix;
  url.socket_path = options.unix_socket_path;
  expect_counts_from_header(options, url);
}

// Counting spans without decoding still walks the whole body (and keeps it).
TEST(AgentStandIn, CountingSpansWithoutDecodingStillWalksTheBody) {
  standin::StandInOptions options;
  options.decode_payloads = false;
  standin::AgentStandIn agent(options);
  auto client = make_curl_http_client(url_of(agent));
  HttpRequest request;
  request.path = "/v0.4/traces";
  request.body =
      msgpack(json::array({json::array({span(1, 0, "s", "a", 1, 2), span(2, 1, "s", "b", 1, 1)}),
                           json::array({span(3, 0, "s", "c", 1, 2)})}));
  auto response = client->send(request, 5s);
  ASSERT_TRUE(response);
  // A valid start, a broken end: only the walk notices.
  request.body = msgpack(json::array({json::array({span(1, 0, "s", "a", 1, 2)})}));
  request.body.back() = '\xc1';
  response = client->send(request, 5s);
  ASSERT_TRUE(response);
  const standin::StandInTotals totals = agent.totals();
  EXPECT_EQ(totals.traces, 2u);
  EXPECT_EQ(totals.spans, 3u);
  EXPECT_EQ(totals.undecodable, 1u);
  const auto requests = agent.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[0].body.empty());
}

TEST(AgentStandIn, UnixSocketIsRemovedOnStop) {
  standin::StandInOptions options;
  options.unix_socket_path = "/tmp/gatetrace-standin-" + std::to_string(::getpid()) + ".sock";
  {
    standin::AgentStandIn agent(options);
    EXPECT_EQ(agent.url(), "unix://" + options.unix_socket_path);
    EXPECT_EQ(::access(options.unix_socket_path.c_str(), F_OK), 0);
  }
  EXPECT_NE(::access(options.unix_socket_path.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace gatetrace
