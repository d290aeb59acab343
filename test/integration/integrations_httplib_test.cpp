// The cpp-httplib integration end to end: a real server on 127.0.0.1 traced by the
// Middleware, real requests (through an APIM-like gateway, with propagation headers,
// 200/404/500, a throwing handler, from several threads), a traced outgoing call to a
// downstream route, and the agent stand-in decoding what the real exporter sent.
#include "gatetrace/integrations/httplib.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "../src/gatetrace/integrations/httplib/httplib_headers.h"
#include "agent_stand_in/msgpack_count.h"
#include "integration/integrations_support.h"

namespace gatetrace {
namespace {

using nlohmann::json;
using testing::meta;
using testing::ReceivedSpans;

class HttplibIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    tracer_ = testing::make_integration_tracer(agent_);
    tracing_ = std::make_unique<httplib_tracing::Middleware>(*tracer_, server_);
    if (with_user_exception_handler_) {
      // Installed before the server runs, as an application would.
      tracing_->set_exception_handler(
          [this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            ++user_exception_calls_;
            res.status = 503;
            res.set_content("try later", "text/plain");
          });
    }
    // The application's own handlers, chained behind tracing's.
    tracing_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      ++pre_routing_calls_;
      if (req.path == "/blocked") {
        res.status = 403;
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    tracing_->set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      ++post_routing_calls_;
      res.set_header("X-Served-By", "node-1");
    });

    server_.Get(R"(/users/(\d+))",
                httplib_tracing::with_route(
                    "/users/{id}", [](const httplib::Request& req, httplib::Response& res) {
                      Span db = httplib_tracing::current_span().create_child({.name = "db.query"});
                      db.set_tag("user.id", req.matches[1].str());
                      res.set_content("user", "text/plain");
                    }));
    server_.Get("/checkout", [this](const httplib::Request&, httplib::Response& res) {
      httplib_tracing::set_route("/checkout");
      auto result =
          downstream_->Get(httplib_tracing::current_span(), "/inventory?token=s3cret&sku=7");
      res.status = result ? 200 : 502;
    });
    server_.Get("/inventory", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex_);
      inventory_headers_ = req.headers;
      res.set_content("7 left", "text/plain");
    });
    server_.Get("/fail", [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
    server_.Get("/throw", [](const httplib::Request&, httplib::Response&) {
      throw std::runtime_error("inventory database unreachable");
    });
    server_.Get("/outside", [this](const httplib::Request&, httplib::Response& res) {
      outside_span_was_current_ = !httplib_tracing::current_span().empty();
      res.status = 204;
    });

    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    // Before the server's threads exist: a request reaching a handler is ordered after
    // this only through the socket, which ThreadSanitizer cannot see.
    downstream_ = std::make_unique<httplib_tracing::Client>(
        *tracer_, "http://127.0.0.1:" + std::to_string(port_));
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  httplib::Result get(const std::string& path, httplib::Headers headers = {}) {
    httplib::Client client("127.0.0.1", port_);
    return client.Get(path, headers);
  }

  static httplib::Headers to_headers(const std::vector<std::pair<std::string, std::string>>& list) {
    return httplib::Headers(list.begin(), list.end());
  }

  standin::AgentStandIn agent_;
  std::unique_ptr<Tracer> tracer_;
  httplib::Server server_;
  std::unique_ptr<httplib_tracing::Middleware> tracing_;
  bool with_user_exception_handler_ = false;
  std::atomic<int> user_exception_calls_{0};
  std::unique_ptr<httplib_tracing::Client> downstream_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> pre_routing_calls_{0};
  std::atomic<int> post_routing_calls_{0};
  std::mutex mutex_;
  httplib::Headers inventory_headers_;
  std::atomic<bool> outside_span_was_current_{false};  // written on a server thread
};

TEST_F(HttplibIntegration, GatewayRequestWithPropagatedContext) {
  httplib::Headers headers = to_headers(testing::apim_headers("/users/{id}"));
  headers.emplace("x-datadog-trace-id", "4444");
  headers.emplace("x-datadog-parent-id", "5555");
  headers.emplace("x-datadog-sampling-priority", "1");
  headers.emplace("x-forwarded-for", "10.1.1.1, 203.0.113.77");
  headers.emplace("x-request-id", "req-1");
  auto response = get("/users/42?password=hunter2&page=1", headers);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("X-Served-By"), "node-1");

  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 3);
  ASSERT_EQ(received.spans.size(), 3u);
  const json inferred = received.named("azure.apim").at(0);
  const json server = received.named("web.request").at(0);
  const json db = received.named("db.query").at(0);

  EXPECT_EQ(inferred["trace_id"].get<std::uint64_t>(), 4444u);
  EXPECT_EQ(inferred["parent_id"].get<std::uint64_t>(), 5555u);
  EXPECT_EQ(inferred["service"], "shop.azure-api.net");
  EXPECT_EQ(inferred["resource"], "GET /users/{id}");
  EXPECT_EQ(meta(inferred, "http.status_code"), "200");
  EXPECT_EQ(meta(inferred, "request.id"), "req-1") << "header tags mirrored on the inferred span";
  EXPECT_EQ(meta(inferred, "served.by"), "node-1");

  EXPECT_EQ(server["trace_id"], inferred["trace_id"]);
  EXPECT_EQ(server["parent_id"], inferred["span_id"]);
  EXPECT_EQ(server["service"], "shop");
  EXPECT_EQ(server["resource"], "GET /users/{id}");
  EXPECT_EQ(server["error"], 0);
  EXPECT_EQ(meta(server, "http.route"), "/users/{id}");
  EXPECT_EQ(meta(server, "http.status_code"), "200");
  EXPECT_EQ(meta(server, "component"), "cpp-httplib");
  EXPECT_EQ(meta(server, "span.kind"), "server");
  EXPECT_EQ(meta(server, "http.method"), "GET");
  EXPECT_EQ(meta(server, "http.url"),
            "http://127.0.0.1:" + std::to_string(port_) + "/users/42?<redacted>&page=1");
  EXPECT_EQ(meta(server, "http.client_ip"), "203.0.113.77");
  EXPECT_EQ(meta(server, "request.id"), "req-1");
  EXPECT_EQ(meta(server, "served.by"), "node-1")
      << "response header, set by the user's post-routing";

  EXPECT_EQ(db["trace_id"], server["trace_id"]);
  EXPECT_EQ(db["parent_id"], server["span_id"]);
  EXPECT_EQ(meta(db, "user.id"), "42");
  EXPECT_EQ(pre_routing_calls_.load(), 1);
  EXPECT_EQ(post_routing_calls_.load(), 1);
}

// A repeated header's first value is the one used, whether the name is one that the
// request's header index keeps (proxy, propagation) or one it leaves to the reader.
TEST_F(HttplibIntegration, RepeatedHeadersTakeTheFirstValue) {
  httplib::Headers headers = to_headers(testing::apim_headers("/users/{id}"));
  headers.emplace("X-DD-Proxy-Domain-Name", "second.azure-api.net");
  headers.emplace("x-datadog-trace-id", "4444");
  headers.emplace("x-datadog-parent-id", "5555");
  headers.emplace("X-Datadog-Trace-Id", "9999");
  headers.emplace("x-datadog-parent-id", "6666");
  headers.emplace("x-request-id", "req-1");
  headers.emplace("X-Request-Id", "req-2");
  auto response = get("/users/42", headers);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);

  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 3);
  ASSERT_EQ(received.spans.size(), 3u);
  const json inferred = received.named("azure.apim").at(0);
  const json server = received.named("web.request").at(0);
  EXPECT_EQ(inferred["trace_id"].get<std::uint64_t>(), 4444u);
  EXPECT_EQ(inferred["parent_id"].get<std::uint64_t>(), 5555u);
  EXPECT_EQ(inferred["service"], "shop.azure-api.net");
  EXPECT_EQ(meta(inferred, "request.id"), "req-1");
  EXPECT_EQ(meta(server, "request.id"), "req-1");
}

TEST_F(HttplibIntegration, OutgoingCallCarriesTheContextToTheDownstreamRoute) {
  auto response = get("/checkout");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);

  // checkout server span, its client span, and the inventory server span.
  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 3);
  const json checkout = received.server_for("/checkout");
  const json inventory = received.server_for("/inventory");
  const auto clients = received.named("http.request");
  ASSERT_EQ(clients.size(), 1u);
  const json client = clients[0];

  EXPECT_EQ(checkout["parent_id"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(checkout["resource"], "GET /checkout");
  EXPECT_EQ(client["trace_id"], checkout["trace_id"]);
  EXPECT_EQ(client["parent_id"], checkout["span_id"]);
  EXPECT_EQ(meta(client, "span.kind"), "client");
  EXPECT_EQ(meta(client, "component"), "cpp-httplib");
  EXPECT_EQ(meta(client, "http.method"), "GET");
  EXPECT_EQ(meta(client, "http.url"),
            "http://127.0.0.1:" + std::to_string(port_) + "/inventory?<redacted>&sku=7");
  EXPECT_EQ(meta(client, "out.host"), "127.0.0.1");
  EXPECT_EQ(meta(client, "http.status_code"), "200");
  EXPECT_EQ(inventory["trace_id"], checkout["trace_id"]);
  EXPECT_EQ(inventory["parent_id"], client["span_id"]);
  EXPECT_EQ(inventory["resource"], "GET");

  std::lock_guard<std::mutex> lock(mutex_);
  EXPECT_EQ(inventory_headers_.find("x-datadog-parent-id")->second,
            std::to_string(client["span_id"].get<std::uint64_t>()));
  EXPECT_EQ(inventory_headers_.find("x-datadog-trace-id")->second,
            std::to_string(checkout["trace_id"].get<std::uint64_t>()));
  EXPECT_EQ(inventory_headers_.count("traceparent"), 1u);
}

TEST_F(HttplibIntegration, ClientResultsAsHttplibGivesThem) {
  // The client sends its own request (not a copy): the result still carries the
  // headers sent, the caller's and the injected ones, and the body of the answer.
  Span parent = tracer_->create_span({.name = "job"});
  httplib::Result result = downstream_->Get(parent, "/inventory", {{"X-Caller", "job-7"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result.error(), httplib::Error::Success);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "7 left");
  EXPECT_EQ(result.get_request_header_value("X-Caller"), "job-7");
  EXPECT_TRUE(result.has_request_header("traceparent"));
  EXPECT_TRUE(result.has_request_header("x-datadog-parent-id"));
  EXPECT_TRUE(result.has_request_header("Host"));  // added by httplib as it sends

  // A call that gets no answer: httplib's error, and the span says so.
  const int closed_port = [] {
    // A port bound and closed again: nothing listens there.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), size), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
    ::close(fd);
    return static_cast<int>(ntohs(address.sin_port));
  }();
  httplib_tracing::Client nobody(*tracer_, "http://127.0.0.1:" + std::to_string(closed_port));
  httplib::Result refused = nobody.Post(parent, "/x", "{}", "application/json");
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.error(), httplib::Error::Connection);
  EXPECT_TRUE(refused.has_request_header("traceparent"));

  parent.finish();
  // job, its two client spans, and the inventory server span.
  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 4);
  const auto clients = received.named("http.request");
  ASSERT_EQ(clients.size(), 2u);
  const json& failed = meta(clients[0], "http.method") == "POST" ? clients[0] : clients[1];
  EXPECT_EQ(failed["error"], 1);
  EXPECT_EQ(meta(failed, "error.type"), "httplib::Error");
  EXPECT_EQ(meta(failed, "error.message"), httplib::to_string(httplib::Error::Connection));
  EXPECT_EQ(meta(failed, "http.status_code"), "<absent>");
}

TEST_F(HttplibIntegration, StatusesErrorsAndExceptions) {
  auto fail = get("/fail");
  auto thrown = get("/throw");
  auto missing = get("/no/such/route");
  auto blocked = get("/blocked");
  ASSERT_TRUE(fail && thrown && missing && blocked);
  EXPECT_EQ(fail->status, 500);
  EXPECT_EQ(thrown->status, 500);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(blocked->status, 403);

  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 4);
  const json failed = received.server_for("/fail");
  EXPECT_EQ(failed["error"], 1);
  EXPECT_EQ(meta(failed, "http.status_code"), "500");

  const json threw = received.server_for("/throw");
  EXPECT_EQ(threw["error"], 1);
  EXPECT_EQ(meta(threw, "http.status_code"), "500");
  EXPECT_EQ(meta(threw, "error.message"), "inventory database unreachable");
  EXPECT_NE(meta(threw, "error.type").find("runtime_error"), std::string::npos);

  const json not_found = received.server_for("/no/such/route");
  EXPECT_EQ(not_found["error"], 0);
  EXPECT_EQ(not_found["resource"], "GET");
  EXPECT_EQ(meta(not_found, "http.status_code"), "404");

  const json handled_early = received.server_for("/blocked");
  EXPECT_EQ(meta(handled_early, "http.status_code"), "403");
  for (const auto& span : received.spans) EXPECT_EQ(span["parent_id"], 0) << span.dump();
}

class HttplibIntegrationWithExceptionHandler : public HttplibIntegration {
 protected:
  void SetUp() override {
    with_user_exception_handler_ = true;
    HttplibIntegration::SetUp();
  }
};

TEST_F(HttplibIntegrationWithExceptionHandler, UserExceptionHandlerIsChained) {
  auto response = get("/throw");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "try later");
  EXPECT_EQ(user_exception_calls_.load(), 1);
  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 1);
  const json threw = received.server_for("/throw");
  EXPECT_EQ(meta(threw, "http.status_code"), "503");
  EXPECT_EQ(meta(threw, "error.message"), "inventory database unreachable");
  EXPECT_EQ(threw["error"], 1);
}

TEST_F(HttplibIntegration, ConcurrentRequestsFromSeveralThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 8;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", port_);
      for (int i = 0; i < kPerThread; ++i) {
        auto headers = to_headers(testing::apim_headers("/users/{id}"));
        auto response = client.Get("/users/" + std::to_string(t * 100 + i), headers);
        if (response && response->status == 200) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);

  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 3 * kThreads * kPerThread);
  const auto inferred = received.named("azure.apim");
  ASSERT_EQ(inferred.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::set<std::string> user_ids;
  for (const json& root : inferred) {
    const auto trace = received.in_trace(root["trace_id"].get<std::uint64_t>());
    ASSERT_EQ(trace.size(), 3u) << "each request its own trace";
    EXPECT_EQ(root["parent_id"], 0);
    json server, db;
    for (const json& span : trace) {
      if (span["name"] == "web.request") server = span;
      if (span["name"] == "db.query") db = span;
    }
    ASSERT_FALSE(server.is_null());
    ASSERT_FALSE(db.is_null());
    EXPECT_EQ(server["parent_id"], root["span_id"]);
    EXPECT_EQ(db["parent_id"], server["span_id"]);
    EXPECT_NE(meta(server, "http.url").find("/users/" + meta(db, "user.id")), std::string::npos)
        << "the child belongs to its own request";
    user_ids.insert(meta(db, "user.id"));
  }
  EXPECT_EQ(user_ids.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_F(HttplibIntegration, NoCurrentSpanOutsideARequest) {
  EXPECT_TRUE(httplib_tracing::current_span().empty());
  EXPECT_EQ(httplib_tracing::current_request(), nullptr);
  auto response = get("/outside");
  ASSERT_TRUE(response);
  EXPECT_TRUE(outside_span_was_current_.load())
      << "inside the handler, the request's span is current";
}

// What the client wrapper writes into an outgoing request's headers equals what setting
// them one at a time into the map did (erase, then emplace), whatever the map held.
httplib::Headers set_one_at_a_time(httplib::Headers headers,
                                   const std::vector<std::pair<std::string, std::string>>& set) {
  for (const auto& [name, value] : set) {
    headers.erase(name);
    headers.emplace(name, value);
  }
  return headers;
}

TEST(HttplibInjectedHeaders, SameMapAsSettingEachHeader) {
  const std::vector<std::pair<std::string, std::string>> injected = {
      {"x-datadog-trace-id", "1"},          {"x-datadog-parent-id", "2"},
      {"x-datadog-sampling-priority", "1"}, {"x-datadog-tags", "_dd.p.tid=66"},
      {"traceparent", "00-aa-bb-01"},       {"tracestate", "dd=s:1"}};
  const std::vector<httplib::Headers> before = {
      {},
      {{"Accept", "*/*"}, {"User-Agent", "shop"}},
      // Names the injection replaces, in other cases, repeated, and before/after its own.
      {{"TraceParent", "stale"},
       {"traceparent", "stale-too"},
       {"X-Datadog-Tags", "old"},
       {"a", "1"},
       {"zzz", "2"},
       {"x-datadog-trace-idx", "kept"}},
  };
  for (const auto& headers : before) {
    httplib::Headers fast = headers;
    httplib_tracing::InjectedHeaders writer;
    for (const auto& [name, value] : injected) writer.set(name, value);
    writer.move_into(fast);
    EXPECT_EQ(fast, set_one_at_a_time(headers, injected));
    EXPECT_TRUE(writer.entries().empty());
  }
}

TEST(HttplibInjectedHeaders, ANameSetAgainKeepsItsLastValue) {
  httplib_tracing::InjectedHeaders writer;
  writer.set("tracestate", "dd=s:1");
  writer.set("b3", "x");
  writer.set("TraceState", "dd=s:2");
  ASSERT_EQ(writer.entries().size(), 2u);
  httplib::Headers headers;
  writer.move_into(headers);
  EXPECT_EQ(headers, set_one_at_a_time(
                         {}, {{"tracestate", "dd=s:1"}, {"b3", "x"}, {"TraceState", "dd=s:2"}}));
  EXPECT_EQ(headers.find("tracestate")->second, "dd=s:2");
}

// Names are compared by size first: names of one size that differ stay apart, and a
// longer or shorter name never replaces one it starts or ends like.
TEST(HttplibInjectedHeaders, OnlyTheSameNameReplaces) {
  httplib_tracing::InjectedHeaders writer;
  writer.set("x-a", "1");
  writer.set("x-b", "2");
  writer.set("x-ab", "3");
  writer.set("X-A", "4");
  ASSERT_EQ(writer.entries().size(), 3u);
  httplib::Headers headers;
  writer.move_into(headers);
  EXPECT_EQ(headers,
            set_one_at_a_time({}, {{"x-a", "1"}, {"x-b", "2"}, {"x-ab", "3"}, {"X-A", "4"}}));
}

TEST(HttplibInjectedHeaders, AReusedWriterCarriesNothingOver) {
  // The client reuses one writer per thread: a shorter injection after a longer one,
  // with longer and shorter texts, leaves exactly its own headers.
  httplib_tracing::InjectedHeaders writer;
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"x-datadog-sampling-priority", "1"},
                                                        {"traceparent", std::string(60, 'a')},
                                                        {"b3", "x"}}) {
    writer.set(name, value);
  }
  httplib::Headers first;
  writer.move_into(first);
  ASSERT_EQ(first.size(), 3u);
  writer.set("tracestate", "dd=s:1");
  writer.set("traceparent", "00-b");
  ASSERT_EQ(writer.entries().size(), 2u);
  httplib::Headers second;
  writer.move_into(second);
  EXPECT_EQ(second, set_one_at_a_time({}, {{"tracestate", "dd=s:1"}, {"traceparent", "00-b"}}));
  EXPECT_TRUE(writer.entries().empty());
  // An injection abandoned before move_into leaves nothing behind after clear().
  writer.set("b3", "stale");
  writer.clear();
  writer.set("traceparent", "00-c");
  httplib::Headers third;
  writer.move_into(third);
  EXPECT_EQ(third, set_one_at_a_time({}, {{"traceparent", "00-c"}}));
}

// A reused writer keeps the last injection's order while the names stay the same; any
// change of names (another name in a slot, fewer or more names, a name set again in
// another spelling) must give the map's order for the new names.
TEST(HttplibInjectedHeaders, AReusedWritersOrderFollowsItsNames) {
  using Injection = std::vector<std::pair<std::string, std::string>>;
  const Injection usual = {{"x-datadog-trace-id", "1"},          {"x-datadog-parent-id", "2"},
                           {"x-datadog-sampling-priority", "1"}, {"x-datadog-tags", "_dd.p.dm=-0"},
                           {"traceparent", "00-aa-bb-01"},       {"tracestate", "dd=s:1"}};
  Injection other_name = usual;
  other_name[2].first = "a-first";  // sorts first instead of fifth
  Injection reversed(usual.rbegin(), usual.rend());
  const std::vector<Injection> sequence = {
      usual,
      usual,
      {{"x-datadog-trace-id", "7"}, {"x-datadog-parent-id", "8"}},  // fewer
      usual,
      other_name,
      usual,
      reversed,
      usual,
      {{"traceparent", "00-cc"}, {"b3", "x"}, {"TRACEPARENT", "00-dd"}},  // set again
      {{"traceparent", "00-cc"}, {"b3", "x"}},
      {{"TRACEPARENT", "00-ee"}, {"b3", "y"}},  // another spelling, same slot
      [&] {
        Injection more = usual;  // more
        more.emplace_back("zz-last", "1");
        more.emplace_back("0-first", "2");
        return more;
      }(),
      usual,
  };
  httplib_tracing::InjectedHeaders writer;
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    for (int pass = 0; pass < 2; ++pass) {  // each injection twice: the order reused
      Injection values = sequence[i];
      for (auto& entry : values) entry.second += std::to_string(pass);
      for (const auto& [name, value] : values) writer.set(name, value);
      httplib::Headers fast = pass == 0 ? httplib::Headers{} : httplib::Headers{{"Accept", "*/*"}};
      writer.move_into(fast);
      const httplib::Headers expected = set_one_at_a_time(
          pass == 0 ? httplib::Headers{} : httplib::Headers{{"Accept", "*/*"}}, values);
      EXPECT_EQ(fast, expected) << "injection " << i << ", pass " << pass;
      std::vector<std::string> names;
      for (const auto& entry : fast) names.push_back(entry.first);
      std::vector<std::string> expected_names;
      for (const auto& entry : expected) expected_names.push_back(entry.first);
      EXPECT_EQ(names, expected_names) << "injection " << i << ", pass " << pass;
    }
  }
}

// Into an empty map the writer copies a map it keeps (names in the map's order, the
// last values): every injection must give exactly its own headers whatever came before
// (names changed, fewer or more, values longer or shorter, an injection into a map with
// entries in between, an empty one), and a map given out earlier must not change.
TEST(HttplibInjectedHeaders, CopiesIntoEmptyMapsCarryOnlyTheirOwnInjection) {
  using Injection = std::vector<std::pair<std::string, std::string>>;
  const Injection usual = {{"x-datadog-trace-id", "1234567890123456789"},
                           {"x-datadog-parent-id", "42"},
                           {"x-datadog-sampling-priority", "1"},
                           {"x-datadog-tags", "_dd.p.tid=66,_dd.p.dm=-0"},
                           {"traceparent", "00-0000000000000000000000000000002a-01"},
                           {"tracestate", "dd=s:1;p:000000000000002a"}};
  Injection short_values = usual;
  for (auto& entry : short_values) entry.second = "v";
  Injection renamed = usual;
  renamed[3].first = "X-Datadog-Origin";
  const std::vector<Injection> sequence = {
      usual,   usual, short_values,  usual, {},    usual,
      renamed, usual, {{"b3", "1"}}, usual, usual, {{"TRACEPARENT", "00-x"}},
  };
  httplib_tracing::InjectedHeaders writer;
  std::vector<httplib::Headers> given;
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    for (const auto& [name, value] : sequence[i]) writer.set(name, value);
    httplib::Headers headers;
    // Every fourth goes into a map with an entry: the writer inserts, and the kept map
    // must still match the next injection into an empty one.
    if (i % 4 == 3) headers.emplace("Accept", "*/*");
    const httplib::Headers before = headers;
    writer.move_into(headers);
    EXPECT_EQ(headers, set_one_at_a_time(before, sequence[i])) << "injection " << i;
    EXPECT_TRUE(writer.entries().empty());
    given.push_back(headers);
  }
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    httplib::Headers expected;
    if (i % 4 == 3) expected.emplace("Accept", "*/*");
    EXPECT_EQ(given[i], set_one_at_a_time(expected, sequence[i])) << "map given out " << i;
  }
}

TEST(HttplibInjectedHeaders, AnEmptyInjectionLeavesTheMapAsItWas) {
  httplib_tracing::InjectedHeaders writer;
  writer.set("traceparent", "00-a");
  httplib::Headers first;
  writer.move_into(first);
  ASSERT_EQ(first.size(), 1u);
  httplib::Headers empty;
  writer.move_into(empty);
  EXPECT_TRUE(empty.empty());
  httplib::Headers with_entry = {{"Accept", "*/*"}};
  writer.move_into(with_entry);
  EXPECT_EQ(with_entry, (httplib::Headers{{"Accept", "*/*"}}));
}

TEST(HttplibInjectedHeaders, OrdersNamesAsTheMapDoes) {
  // Mixed case, shared prefixes, a prefix of another name, bytes above 0x7f.
  const std::vector<std::pair<std::string, std::string>> injected = {
      {"B", "1"}, {"a", "2"}, {"ab", "3"}, {"A-", "4"}, {"\xc3\xa9", "5"}, {"Z", "6"}, {"_", "7"}};
  httplib_tracing::InjectedHeaders writer;
  for (const auto& [name, value] : injected) writer.set(name, value);
  httplib::Headers fast;
  writer.move_into(fast);
  EXPECT_EQ(fast, set_one_at_a_time({}, injected));
}

TEST(HttplibInjectedHeaders, ManyHeadersAreInsertedWithoutTheSortedPath) {
  // More names than the writer sorts itself (16), in reverse order, some already there.
  std::vector<std::pair<std::string, std::string>> injected;
  for (int i = 40; i >= 0; i -= 2) injected.emplace_back("X-Name-" + std::to_string(i), "v");
  const httplib::Headers before = {{"x-name-10", "old"}, {"accept", "*/*"}};
  httplib::Headers fast = before;
  httplib_tracing::InjectedHeaders writer;
  for (const auto& [name, value] : injected) writer.set(name, value);
  ASSERT_GT(writer.entries().size(), 16u);
  writer.move_into(fast);
  EXPECT_EQ(fast, set_one_at_a_time(before, injected));
}

TEST(HttplibHeadersReader, IndexedEntriesAreTheVisitInItsOrder) {
  const httplib::Headers headers = {{"X-B", "1"}, {"x-a", "2"}, {"X-A", "3"}, {"c", "4"}};
  const httplib_tracing::IndexedHeadersReader reader(headers);
  ASSERT_TRUE(reader.visit_is_indexable());
  std::vector<DictReader::Entry> visited;
  reader.visit([&](std::string_view k, std::string_view v) { visited.emplace_back(k, v); });
  const DictReader::Entries entries = reader.indexable_entries();
  ASSERT_EQ(entries.size, visited.size());
  for (std::size_t i = 0; i < visited.size(); ++i) {
    EXPECT_EQ(entries.data[i], visited[i]);
    EXPECT_EQ(entries.data[i].first.data(), visited[i].first.data()) << "views into the map";
  }
  EXPECT_EQ(reader.lookup("x-a"), "2") << "first value, as the entries list it";
}

TEST(HttplibHeadersReader, TooManyHeadersFallBackToVisit) {
  httplib::Headers headers;
  for (std::size_t i = 0; i <= httplib_tracing::IndexedHeadersReader::kMaxEntries; ++i) {
    headers.emplace("h" + std::to_string(i), "v");
  }
  const httplib_tracing::IndexedHeadersReader reader(headers);
  EXPECT_EQ(reader.indexable_entries().data, nullptr);
  headers.erase("h0");
  const httplib_tracing::IndexedHeadersReader fits(headers);
  EXPECT_EQ(fits.indexable_entries().size, httplib_tracing::IndexedHeadersReader::kMaxEntries);
  // A full array holds every header, the last one included, in the map's order.
  std::size_t at = 0;
  for (const auto& [name, value] : headers) {
    const DictReader::Entry& entry = fits.indexable_entries().data[at++];
    EXPECT_EQ(entry.first.data(), name.data());
    EXPECT_EQ(entry.second, value);
  }
  const httplib::Headers none;
  EXPECT_EQ(httplib_tracing::IndexedHeadersReader(none).indexable_entries().size, 0u);
}

// A request of the cpp-httplib example over many headers still reads the first value.
TEST_F(HttplibIntegration, RequestWithMoreHeadersThanTheIndexedArray) {
  httplib::Headers headers = to_headers(testing::apim_headers("/users/{id}"));
  for (std::size_t i = 0; i < httplib_tracing::IndexedHeadersReader::kMaxEntries; ++i) {
    headers.emplace("x-filler-" + std::to_string(i), "v");
  }
  headers.emplace("x-datadog-trace-id", "4444");
  headers.emplace("x-datadog-parent-id", "5555");
  auto response = get("/users/42", headers);
  ASSERT_TRUE(response);
  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 3);
  const json inferred = received.named("azure.apim").at(0);
  EXPECT_EQ(inferred["trace_id"].get<std::uint64_t>(), 4444u);
  EXPECT_EQ(inferred["parent_id"].get<std::uint64_t>(), 5555u);
}

// The stand-in's --discard mode counts payloads without decoding them; its counts and
// its verdict must be the decoder's.
void expect_counted_as_decoded(const std::string& body) {
  const standin::PayloadCount counted = standin::count_payload(body);
  const json decoded = json::from_msgpack(body, true, /*allow_exceptions=*/false);
  const bool valid = !decoded.is_discarded() && decoded.is_array();
  ASSERT_EQ(counted.valid, valid);
  if (!valid) return;
  std::uint64_t spans = 0;
  for (const auto& chunk : decoded) spans += chunk.is_array() ? chunk.size() : 0;
  EXPECT_EQ(counted.traces, decoded.size());
  EXPECT_EQ(counted.spans, spans);
}

std::string msgpack(const json& value) {
  const std::vector<std::uint8_t> bytes = json::to_msgpack(value);
  return std::string(bytes.begin(), bytes.end());
}

TEST(StandInPayloadCount, CountsAsTheDecoderDoes) {
  json span = {{"trace_id", 1},
               {"span_id", 18446744073709551615ull},
               {"name", "web.request"},
               {"start", -5},
               {"duration", 1.5},
               {"error", 0},
               {"meta", {{"k", std::string(300, 'v')}, {"e", ""}}},
               {"metrics", {{"_sampling_priority_v1", 1.0}}},
               {"flag", true},
               {"none", nullptr},
               {"list", json::array({1, "two", json::object()})}};
  json many = json::array();
  for (int i = 0; i < 20; ++i) many.push_back(span);
  expect_counted_as_decoded(msgpack(json::array()));
  expect_counted_as_decoded(msgpack(json::array({json::array({span, span}), json::array()})));
  expect_counted_as_decoded(msgpack(json::array({many, json::array({span}), 7, "x"})));
  std::string big_string(70000, 'x');
  expect_counted_as_decoded(msgpack(json::array({json::array({{{"k", big_string}}})})));
}

TEST(StandInPayloadCount, RefusesWhatTheDecoderRefuses) {
  const std::string good = msgpack(json::array({json::array({{{"a", 1}}})}));
  expect_counted_as_decoded(good.substr(0, good.size() - 1));         // truncated
  expect_counted_as_decoded(good + std::string(1, '\x01'));           // trailing bytes
  expect_counted_as_decoded(msgpack(json::object({{"a", 1}})));       // not an array
  expect_counted_as_decoded(std::string("\x91\xc1", 2));              // never-used byte
  expect_counted_as_decoded(std::string("\x91\x81\x01\x02", 4));      // a map key not a string
  expect_counted_as_decoded(std::string("\xdd\xff\xff\xff\xff", 5));  // huge claimed size
  expect_counted_as_decoded(std::string());
  // Binary, ext and fixext values, as other clients may send.
  expect_counted_as_decoded(std::string("\x92\xc4\x02\x61\x62\xd4\x01\x02", 8));
  expect_counted_as_decoded(std::string("\x91\xc7\x01\x05\x61", 5));
}

TEST(StandInPayloadCount, GeneratedAndDamagedPayloadsCountAsTheDecoderDoes) {
  // Every prefix of a payload and every single-byte change to it: each fixed-size type
  // byte where a key, a value or a container header was, lengths cut short.
  json span = {{"trace_id", 1},          {"span_id", 1u << 31}, {"parent_id", 70000},
               {"name", "web.request"},  {"start", -200},       {"duration", 0.25},
               {"error", false},         {"f", 1.5f},           {"meta", {{"k", "v"}}},
               {"metrics", {{"m", 2.0}}}};
  const std::string good = msgpack(json::array({json::array({span, span}), json::array()}));
  for (std::size_t size = 0; size <= good.size(); ++size) {
    expect_counted_as_decoded(good.substr(0, size));
  }
  const unsigned char replacements[] = {0x00, 0x7f, 0x80, 0x81, 0x90, 0x91, 0xa0, 0xa3,
                                        0xbf, 0xc0, 0xc2, 0xca, 0xcb, 0xcc, 0xcf, 0xd0,
                                        0xd3, 0xd4, 0xd8, 0xd9, 0xdc, 0xde, 0xe0, 0xff};
  for (std::size_t at = 0; at < good.size(); ++at) {
    for (const unsigned char replacement : replacements) {
      std::string damaged = good;
      damaged[at] = static_cast<char>(replacement);
      expect_counted_as_decoded(damaged);
    }
  }
}

// The flush thread's scheduling (agent_exporter.cpp): named, so that operators find it
// (`top -H`), and nicer than the application, so that its bursts yield to request
// threads. Found by name in /proc/self/task; every exporter's flush thread has it.
std::vector<pid_t> flush_thread_ids() {
  std::vector<pid_t> ids;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name == "gatetrace-flush") ids.push_back(std::stoi(task.path().filename().string()));
  }
  return ids;
}

TEST_F(HttplibIntegration, FlushThreadRunsBatchScheduledAndNicerThanTheApplication) {
  // A request's trace starts the flush thread; the flush waits for its first cycle.
  ASSERT_TRUE(get("/users/1"));
  ASSERT_TRUE(tracer_->flush(std::chrono::seconds(5)));
  const std::vector<pid_t> ids = flush_thread_ids();
  ASSERT_FALSE(ids.empty());
  errno = 0;
  const int application_nice = ::getpriority(PRIO_PROCESS, 0);
  ASSERT_EQ(errno, 0);
  for (const pid_t id : ids) {
    EXPECT_EQ(::sched_getscheduler(id), SCHED_BATCH);
    errno = 0;
    EXPECT_EQ(::getpriority(PRIO_PROCESS, static_cast<id_t>(id)),
              std::min(19, application_nice + 5));
    EXPECT_EQ(errno, 0);
  }
}

// A policy the application chose is kept: the flush thread inherits it from the thread
// that first sends, and from SCHED_IDLE a switch to SCHED_BATCH would be a raise.
TEST(HttplibFlushThread, KeepsASchedulingPolicyTheApplicationChose) {
  standin::AgentStandIn agent(
      standin::StandInOptions{.keep_requests = false, .decode_payloads = false});
  std::thread application([&] {
    sched_param param{};
    ASSERT_EQ(::sched_setscheduler(0, SCHED_IDLE, &param), 0);
    errno = 0;
    const int application_nice = ::getpriority(PRIO_PROCESS, 0);
    ASSERT_EQ(errno, 0);
    std::unique_ptr<Tracer> tracer = testing::make_integration_tracer(agent);
    { Span span = tracer->create_span({.name = "idle.work"}); }
    ASSERT_TRUE(tracer->flush(std::chrono::seconds(5)));
    const std::vector<pid_t> ids = flush_thread_ids();
    ASSERT_FALSE(ids.empty());
    for (const pid_t id : ids) {
      EXPECT_EQ(::sched_getscheduler(id), SCHED_IDLE);
      EXPECT_EQ(::getpriority(PRIO_PROCESS, static_cast<id_t>(id)), application_nice);
    }
  });
  application.join();
}

// At its lower priority the flush thread must still drain the buffer while request
// threads keep every CPU busy: it needs a small share of the CPU, which a nicer thread
// still gets (a SCHED_IDLE thread would wait for an idle CPU and the buffer would fill).
TEST(HttplibFlushUnderLoad, TracesAreSentWhileRequestThreadsSaturateTheCpus) {
  standin::AgentStandIn agent(
      standin::StandInOptions{.keep_requests = false, .decode_payloads = false});
  std::unique_ptr<Tracer> tracer = testing::make_integration_tracer(agent);  // 50 ms flushes
  httplib::Server server;
  httplib_tracing::Middleware tracing(*tracer, server);
  server.set_tcp_nodelay(true);  // else each keep-alive request waits for a delayed ACK
  server.Get("/work", [](const httplib::Request&, httplib::Response& res) {
    Span child = httplib_tracing::current_span().create_child({.name = "work"});
    child.set_tag("work.kind", "load");
    res.set_content("done", "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  // Clients sending back to back, and as many threads spinning at the application's
  // priority as there are CPUs: the CPUs are never idle while the load runs.
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> served{0};
  std::vector<std::thread> load;
  for (unsigned i = 0; i < 2 * cpus; ++i) {
    load.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      while (!stop.load(std::memory_order_relaxed)) {
        auto result = client.Get("/work");
        if (result && result->status == 200) served.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (unsigned i = 0; i < cpus; ++i) {
    load.emplace_back([&] {
      volatile std::uint64_t spins = 0;
      while (!stop.load(std::memory_order_relaxed)) spins = spins + 1;
    });
  }
  // Over two seconds of saturation, the agent keeps receiving: payloads arrive in most
  // quarter-second windows, not only once the load stops.
  int windows_with_payloads = 0;
  std::uint64_t payloads = agent.totals().requests;
  for (int window = 0; window < 8; ++window) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const std::uint64_t now = agent.totals().requests;
    if (now > payloads) ++windows_with_payloads;
    payloads = now;
  }
  const std::uint64_t traces_during_load = agent.totals().traces;
  const std::uint64_t served_during_load = served.load();
  std::printf("served %llu, traces received meanwhile %llu, windows with payloads %d\n",
              static_cast<unsigned long long>(served_during_load),
              static_cast<unsigned long long>(traces_during_load), windows_with_payloads);
  stop = true;
  for (auto& thread : load) thread.join();
  server.stop();
  serving.join();

  EXPECT_GE(windows_with_payloads, 4);
  EXPECT_GT(served_during_load, 0u);
  EXPECT_GE(traces_during_load, served_during_load / 2) << "sent while the load ran";
  // Nothing was dropped: every request's trace arrives.
  ASSERT_TRUE(tracer->flush(std::chrono::seconds(10)));
  EXPECT_TRUE(agent.wait_for_traces(served.load(), std::chrono::seconds(10)));
  EXPECT_EQ(agent.totals().traces, served.load());
}

TEST(StandInReception, LargeAndPipelinedBodiesAreReceivedWhole) {
  standin::AgentStandIn agent(
      standin::StandInOptions{.keep_requests = true, .decode_payloads = false});
  json chunk = json::array();
  for (int i = 0; i < 400; ++i) {
    chunk.push_back({{"name", "n"}, {"meta", {{"k", std::string(500, 'v')}}}});
  }
  const std::string large = msgpack(json::array({chunk, chunk}));  // ~400 KB
  const std::string small = msgpack(json::array({json::array({{{"a", 1}}})}));
  ASSERT_GT(large.size(), 256u * 1024);
  httplib::Client client("127.0.0.1", agent.port());
  client.set_keep_alive(true);
  for (int round = 0; round < 2; ++round) {  // the second on the same connection
    auto result = client.Put("/v0.4/traces", large, "application/msgpack");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
  }
  // Two requests in one write: the first body ends inside what was read with it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(agent.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  std::string pipelined;
  for (int i = 0; i < 2; ++i) {
    pipelined += "PUT /v0.4/traces HTTP/1.1\r\nContent-Length: " + std::to_string(small.size()) +
                 "\r\n\r\n" + small;
  }
  ASSERT_EQ(::send(fd, pipelined.data(), pipelined.size(), 0),
            static_cast<ssize_t>(pipelined.size()));
  ASSERT_TRUE(agent.wait_for_requests(4, std::chrono::seconds(10)));
  ::close(fd);
  const std::vector<standin::RecordedRequest> received = agent.requests();
  ASSERT_EQ(received.size(), 4u);
  EXPECT_EQ(received[0].body, large);
  EXPECT_EQ(received[1].body, large);
  EXPECT_EQ(received[2].body, small);
  EXPECT_EQ(received[3].body, small);
  const standin::StandInTotals totals = agent.totals();
  EXPECT_EQ(totals.traces, 2u + 2u + 1u + 1u);
  EXPECT_EQ(totals.spans, 800u + 800u + 1u + 1u);
  EXPECT_EQ(totals.undecodable, 0u);
}

}  // namespace
}  // namespace gatetrace
