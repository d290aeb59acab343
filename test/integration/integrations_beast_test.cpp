// The Boost.Beast integration end to end: an asynchronous Beast server on 127.0.0.1
// (examples/beast/beast_server.h) whose handler is wrapped by TracedHandler, real
// requests over libcurl (through an APIM-like gateway, with propagation headers,
// 200/404/500, a throwing handler, from several threads), answers sent later from other
// threads, a traced outgoing libcurl call to a downstream route, and the agent stand-in
// decoding what the real exporter sent.
#include "gatetrace/integrations/beast.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "beast/beast_server.h"
#include "gatetrace/curl_client_span.h"
#include "integration/integrations_support.h"

namespace gatetrace {
namespace {

using nlohmann::json;
using testing::meta;
using testing::ReceivedSpans;
using Headers = std::vector<std::pair<std::string, std::string>>;
namespace http = boost::beast::http;
using beast_tracing::Request;
using beast_tracing::RequestContext;
using beast_tracing::Response;
using beast_tracing::Send;

std::size_t append(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

struct CurlResult {
  long status = 0;
  std::string body;
};

CurlResult curl_get(const std::string& url, const Headers& headers = {}) {
  CurlResult result;
  CURL* curl = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& [name, value] : headers)
    list = curl_slist_append(list, (name + ": " + value).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return result;
}

Response make_response(const Request& request, http::status status, std::string body) {
  Response response{status, request.version()};
  response.set(http::field::content_type, "text/plain");
  response.set("X-Served-By", "beast-1");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

class BeastIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    tracer_ = testing::make_integration_tracer(agent_);
    handler_ = std::make_unique<beast_tracing::TracedHandler>(
        *tracer_, [this](Request request, RequestContext context, Send send) {
          handle(std::move(request), std::move(context), std::move(send));
        });
    server_ = std::make_unique<beast_example::Server>(
        [this](Request request, std::string_view peer, std::function<void(Response)> send) {
          (*handler_)(std::move(request), peer, std::move(send));
        });
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& thread : deferred_) thread.join();
      deferred_.clear();
    }
    server_.reset();
  }

  void handle(Request request, RequestContext context, Send send) {
    const std::string target(request.target());
    const std::string path = target.substr(0, target.find('?'));
    if (target.rfind("/users/", 0) == 0) {
      context.set_route("/users/{id}");
      // Answer later, from another thread: the context travels with the work.
      std::lock_guard<std::mutex> lock(mutex_);
      deferred_.emplace_back([context, request = std::move(request), send, target]() mutable {
        {
          Span db = context.span().create_child({.name = "db.query"});
          db.set_tag("user.id", target.substr(7, target.find('?') - 7));
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        send(make_response(request, http::status::ok, "user"));
      });
    } else if (path == "/checkout") {
      context.set_route("/checkout");
      CURL* curl = curl_easy_init();
      std::string body;
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
      curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
      const CURLcode rc = perform_traced(*tracer_, context.span(), curl, "GET",
                                         base_ + "/inventory?api_key=k3y&sku=7");
      curl_easy_cleanup(curl);
      send(make_response(request, rc == CURLE_OK ? http::status::ok : http::status::bad_gateway,
                         body));
    } else if (path == "/inventory") {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& field : request) {
          inventory_headers_[std::string(field.name_string())] = std::string(field.value());
        }
      }
      send(make_response(request, http::status::ok, "7 left"));
    } else if (path == "/fail") {
      send(make_response(request, http::status::internal_server_error, "no"));
    } else if (path == "/throw") {
      throw std::runtime_error("inventory database unreachable");
    } else {
      send(make_response(request, http::status::not_found, "not found"));
    }
  }

  standin::AgentStandIn agent_;
  std::unique_ptr<Tracer> tracer_;
  std::unique_ptr<beast_tracing::TracedHandler> handler_;
  std::unique_ptr<beast_example::Server> server_;
  std::string base_;
  std::mutex mutex_;
  std::vector<std::thread> deferred_;
  std::map<std::string, std::string> inventory_headers_;
};

TEST_F(BeastIntegration, GatewayRequestWithPropagatedContextAnsweredLater) {
  Headers headers = testing::apim_headers("/users/{id}");
  headers.emplace_back("x-datadog-trace-id", "4444");
  headers.emplace_back("x-datadog-parent-id", "5555");
  headers.emplace_back("x-datadog-sampling-priority", "1");
  headers.emplace_back("true-client-ip", "198.51.100.23");
  headers.emplace_back("x-request-id", "req-9");
  CurlResult response = curl_get(base_ + "/users/42?secret=abc&page=1", headers);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "user");

  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 3);
  ASSERT_EQ(received.spans.size(), 3u);
  const json inferred = received.named("azure.apim").at(0);
  const json server = received.named("web.request").at(0);
  const json db = received.named("db.query").at(0);

  EXPECT_EQ(inferred["trace_id"].get<std::uint64_t>(), 4444u);
  EXPECT_EQ(inferred["parent_id"].get<std::uint64_t>(), 5555u);
  EXPECT_EQ(inferred["service"], "shop.azure-api.net");
  EXPECT_EQ(meta(inferred, "http.status_code"), "200");
  EXPECT_EQ(meta(inferred, "served.by"), "beast-1");

  EXPECT_EQ(server["trace_id"], inferred["trace_id"]);
  EXPECT_EQ(server["parent_id"], inferred["span_id"]);
  EXPECT_EQ(server["resource"], "GET /users/{id}");
  EXPECT_EQ(server["error"], 0);
  EXPECT_EQ(meta(server, "component"), "boost.beast");
  EXPECT_EQ(meta(server, "http.status_code"), "200");
  EXPECT_EQ(meta(server, "http.route"), "/users/{id}");
  EXPECT_EQ(meta(server, "http.url"), base_ + "/users/42?<redacted>&page=1");
  EXPECT_EQ(meta(server, "http.client_ip"), "198.51.100.23");
  EXPECT_EQ(meta(server, "request.id"), "req-9");
  EXPECT_EQ(meta(server, "served.by"), "beast-1");

  EXPECT_EQ(db["trace_id"], server["trace_id"]);
  EXPECT_EQ(db["parent_id"], server["span_id"]);
  EXPECT_EQ(meta(db, "user.id"), "42");
  const auto server_end =
      server["start"].get<std::int64_t>() + server["duration"].get<std::int64_t>();
  const auto db_end = db["start"].get<std::int64_t>() + db["duration"].get<std::int64_t>();
  EXPECT_GE(server_end, db_end) << "the server span ends when the response is sent";
}

// A repeated header's first value is the one used, whether the name is one that the
// request's header index keeps (proxy, propagation) or one it leaves to the reader.
TEST_F(BeastIntegration, RepeatedHeadersTakeTheFirstValue) {
  Headers headers = testing::apim_headers("/users/{id}");
  headers.emplace_back("x-datadog-trace-id", "4444");
  headers.emplace_back("X-DD-Proxy-Domain-Name", "second.azure-api.net");
  headers.emplace_back("x-datadog-parent-id", "5555");
  headers.emplace_back("X-Datadog-Trace-Id", "9999");
  headers.emplace_back("x-request-id", "req-1");
  headers.emplace_back("x-datadog-parent-id", "6666");
  headers.emplace_back("X-Request-Id", "req-2");
  CurlResult response = curl_get(base_ + "/users/42", headers);
  EXPECT_EQ(response.status, 200);

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

TEST_F(BeastIntegration, OutgoingCurlCallCarriesTheContextToTheDownstreamRoute) {
  CurlResult response = curl_get(base_ + "/checkout");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "7 left");

  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 3);
  const json checkout = received.server_for("/checkout");
  const json inventory = received.server_for("/inventory");
  const auto clients = received.named("http.request");
  ASSERT_EQ(clients.size(), 1u);
  const json client = clients[0];

  EXPECT_EQ(checkout["parent_id"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(client["trace_id"], checkout["trace_id"]);
  EXPECT_EQ(client["parent_id"], checkout["span_id"]);
  EXPECT_EQ(meta(client, "span.kind"), "client");
  EXPECT_EQ(meta(client, "component"), "curl");
  EXPECT_EQ(meta(client, "http.url"), base_ + "/inventory?<redacted>&sku=7");
  EXPECT_EQ(meta(client, "http.status_code"), "200");
  EXPECT_EQ(meta(client, "out.host"), "127.0.0.1");
  EXPECT_EQ(client["error"], 0);
  EXPECT_EQ(inventory["trace_id"], checkout["trace_id"]);
  EXPECT_EQ(inventory["parent_id"], client["span_id"]);

  std::lock_guard<std::mutex> lock(mutex_);
  EXPECT_EQ(inventory_headers_["x-datadog-parent-id"],
            std::to_string(client["span_id"].get<std::uint64_t>()));
  EXPECT_EQ(inventory_headers_["x-datadog-trace-id"],
            std::to_string(checkout["trace_id"].get<std::uint64_t>()));
  EXPECT_EQ(inventory_headers_.count("traceparent"), 1u);
}

TEST_F(BeastIntegration, StatusesErrorsAndExceptions) {
  EXPECT_EQ(curl_get(base_ + "/fail").status, 500);
  CurlResult thrown = curl_get(base_ + "/throw");
  EXPECT_EQ(thrown.status, 500) << "the integration answers a handler that threw";
  EXPECT_EQ(curl_get(base_ + "/missing").status, 404);

  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 3);
  const json failed = received.server_for("/fail");
  EXPECT_EQ(failed["error"], 1);
  EXPECT_EQ(meta(failed, "http.status_code"), "500");
  const json threw = received.server_for("/throw");
  EXPECT_EQ(threw["error"], 1);
  EXPECT_EQ(meta(threw, "http.status_code"), "500");
  EXPECT_EQ(meta(threw, "error.message"), "inventory database unreachable");
  EXPECT_NE(meta(threw, "error.type").find("runtime_error"), std::string::npos);
  const json missing = received.server_for("/missing");
  EXPECT_EQ(missing["error"], 0);
  EXPECT_EQ(meta(missing, "http.status_code"), "404");
  EXPECT_EQ(missing["resource"], "GET");
}

TEST_F(BeastIntegration, ConcurrentRequestsFromSeveralThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 8;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto response = curl_get(base_ + "/users/" + std::to_string(t * 100 + i),
                                 testing::apim_headers("/users/{id}"));
        if (response.status == 200) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);

  ReceivedSpans received = ReceivedSpans::collect(*tracer_, agent_, 3 * kThreads * kPerThread);
  const auto roots = received.named("azure.apim");
  ASSERT_EQ(roots.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::set<std::string> user_ids;
  for (const json& root : roots) {
    const auto trace = received.in_trace(root["trace_id"].get<std::uint64_t>());
    ASSERT_EQ(trace.size(), 3u);
    json server, db;
    for (const json& span : trace) {
      if (span["name"] == "web.request") server = span;
      if (span["name"] == "db.query") db = span;
    }
    ASSERT_FALSE(server.is_null());
    ASSERT_FALSE(db.is_null());
    EXPECT_EQ(server["parent_id"], root["span_id"]);
    EXPECT_EQ(db["parent_id"], server["span_id"]);
    EXPECT_NE(meta(server, "http.url").find("/users/" + meta(db, "user.id")), std::string::npos);
    user_ids.insert(meta(db, "user.id"));
  }
  EXPECT_EQ(user_ids.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace gatetrace
