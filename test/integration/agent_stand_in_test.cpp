// The agent stand-in itself: its HTTP handling and the trace tree it prints.
#include "agent_stand_in/agent_stand_in.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

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
