// The spec's worked example end to end: a real HTTP server on loopback traces its
// requests with HttpServerSpan, a real client sends what Azure API Management would
// forward, the tracer's real exporter sends the trace, and the agent stand-in decodes
// it with nlohmann's msgpack decoder. Every field of both spans is asserted on the wire.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <thread>

#include "agent_stand_in/agent_stand_in.h"
#include "gatetrace/http_server_span.h"
#include "gatetrace/tracer.h"

namespace gatetrace {
namespace {

using nlohmann::json;

// Exposes an httplib request's headers to gatetrace.
class HttplibHeaders final : public DictReader {
 public:
  explicit HttplibHeaders(const httplib::Headers& headers) : headers_(headers) {}
  std::optional<std::string_view> lookup(std::string_view key) const override {
    auto it = headers_.find(std::string(key));  // httplib compares case-insensitively
    if (it == headers_.end()) return std::nullopt;
    return std::string_view(it->second);
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    for (const auto& [name, value] : headers_) visitor(name, value);
  }

 private:
  const httplib::Headers& headers_;
};

class InferredProxyEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { start(std::nullopt); }

  // Starts the tracer (optionally with DD_TRACE_SAMPLING_RULES), then the server.
  void start(std::optional<std::string> sampling_rules) {
    TracerConfig config;
    config.service = "my-backend";
    config.environment = "prod";
    config.version = "3.1.0";
    config.agent_url = agent_.url();
    config.inferred_proxy_services_enabled = true;
    config.startup_logs = false;
    config.flush_interval = std::chrono::milliseconds(100);
    config.environment_lookup =
        [sampling_rules](std::string_view name) -> std::optional<std::string> {
      if (name == "DD_TRACE_SAMPLING_RULES") return sampling_rules;
      return std::nullopt;
    };
    auto finalized = finalize_config(config);
    ASSERT_TRUE(finalized) << finalized.error().message;
    tracer_ = std::make_unique<Tracer>(*finalized);

    server_.Get(
        R"(/api/widgets/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
          HttplibHeaders headers(req.headers);
          HttpServerSpan request(*tracer_, {req.method, req.target, "/api/widgets/{id}", &headers,
                                            "cpp-httplib", req.remote_addr});
          {
            Span child = request.span().create_child({.name = "widgets.load"});
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
          res.set_content("{\"id\":" + std::string(req.matches[1]) + "}", "application/json");
          request.set_status(200);
        });
    server_.Get("/fail", [this](const httplib::Request& req, httplib::Response& res) {
      HttplibHeaders headers(req.headers);
      HttpServerSpan request(*tracer_, {req.method, req.target, "/fail", &headers});
      res.status = 503;
      request.set_status(503);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
    tracer_.reset();
  }

  httplib::Headers apim_headers(std::int64_t timestamp_ms) {
    return {
        {"x-dd-proxy", "azure-apim"},
        {"x-dd-proxy-request-time-ms", std::to_string(timestamp_ms)},
        {"x-dd-proxy-httpMethod", "GET"},
        {"x-dd-proxy-path", "/api/widgets/{id}"},
        {"x-dd-proxy-region", "Canada Central"},
        {"x-dd-proxy-domain-name", "my-api.azure-api.net"},
        {"User-Agent", "curl/8.0"},
    };
  }

  static std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // The spans of the single received chunk, by name.
  std::map<std::string, json> receive_one_trace() {
    EXPECT_TRUE(tracer_->flush(std::chrono::seconds(5)));
    EXPECT_TRUE(agent_.wait_for_traces(1, std::chrono::seconds(5)));
    std::map<std::string, json> spans;
    const auto traces = agent_.traces();
    EXPECT_EQ(traces.size(), 1u);
    if (traces.empty()) return spans;
    first_span_ = traces[0][0];
    for (const json& span : traces[0]) spans[span["name"].get<std::string>()] = span;
    return spans;
  }

  standin::AgentStandIn agent_;
  std::unique_ptr<Tracer> tracer_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  json first_span_;
};

TEST_F(InferredProxyEndToEnd, WorkedExampleOnTheWire) {
  // A few milliseconds in the past, as a gateway's clock would be.
  const std::int64_t timestamp_ms = now_ms() - 5;
  httplib::Client client("127.0.0.1", port_);
  auto response = client.Get("/api/widgets/7", apim_headers(timestamp_ms));
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200);

  auto spans = receive_one_trace();
  ASSERT_EQ(spans.size(), 3u);
  const json& inferred = spans.at("azure.apim");
  const json& server = spans.at("web.request");
  const json& child = spans.at("widgets.load");

  EXPECT_EQ(first_span_["name"], "azure.apim") << "the local root is written first";
  EXPECT_EQ(inferred["service"], "my-api.azure-api.net");
  EXPECT_EQ(inferred["resource"], "GET /api/widgets/{id}");
  EXPECT_EQ(inferred["type"], "web");
  EXPECT_EQ(inferred["start"].get<std::int64_t>(), timestamp_ms * 1'000'000);
  EXPECT_EQ(inferred["parent_id"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(inferred["error"].get<int>(), 0);

  const json& meta = inferred["meta"];
  EXPECT_EQ(meta["component"], "azure-apim");
  EXPECT_EQ(meta["span.kind"], "server");
  EXPECT_EQ(meta["http.method"], "GET");
  EXPECT_EQ(meta["http.url"], "https://my-api.azure-api.net/api/widgets/{id}");
  EXPECT_EQ(meta["region"], "Canada Central");
  EXPECT_EQ(meta["http.status_code"], "200");
  EXPECT_EQ(meta["http.useragent"], "curl/8.0");
  EXPECT_EQ(meta["env"], "prod");
  EXPECT_EQ(meta["_dd.base_service"], "my-backend");
  EXPECT_EQ(meta["language"], "cpp");
  EXPECT_EQ(meta["_dd.p.dm"], "-0");
  EXPECT_EQ(meta["_dd.p.tid"].get<std::string>().size(), 16u);
  EXPECT_FALSE(meta.contains("version")) << "version belongs to default-service spans";
  EXPECT_FALSE(meta.contains("http.route"));
  EXPECT_FALSE(meta.contains("service")) << "no literal meta.service artefact";
  EXPECT_EQ(inferred["metrics"]["_dd.inferred_span"], 1);
  EXPECT_EQ(inferred["metrics"]["_sampling_priority_v1"], 1);
  EXPECT_TRUE(inferred["metrics"].contains("process_id"));
  for (const auto& [key, value] : meta.items()) {
    EXPECT_TRUE(value.is_string()) << key;
  }

  EXPECT_EQ(server["service"], "my-backend");
  EXPECT_EQ(server["parent_id"], inferred["span_id"]);
  EXPECT_EQ(server["trace_id"], inferred["trace_id"]);
  EXPECT_EQ(server["resource"], "GET /api/widgets/{id}");
  EXPECT_EQ(server["meta"]["http.route"], "/api/widgets/{id}");
  EXPECT_EQ(server["meta"]["http.status_code"], "200");
  EXPECT_EQ(server["meta"]["component"], "cpp-httplib");
  EXPECT_EQ(server["meta"]["version"], "3.1.0");
  EXPECT_FALSE(server["meta"].contains("_dd.base_service"));
  EXPECT_FALSE(server["metrics"].contains("_sampling_priority_v1"));

  EXPECT_EQ(child["service"], "my-backend");
  EXPECT_EQ(child["parent_id"], server["span_id"]);

  const auto inferred_end =
      inferred["start"].get<std::int64_t>() + inferred["duration"].get<std::int64_t>();
  const auto server_end =
      server["start"].get<std::int64_t>() + server["duration"].get<std::int64_t>();
  EXPECT_GE(inferred_end, server_end);
  EXPECT_LE(inferred["start"].get<std::int64_t>(), server["start"].get<std::int64_t>());

  // The request headers the agent saw.
  const auto requests = agent_.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/msgpack");
  EXPECT_EQ(requests[0].headers.at("x-datadog-trace-count"), "1");
}

TEST_F(InferredProxyEndToEnd, DistributedContextContinuesThroughTheGateway) {
  httplib::Headers headers = apim_headers(now_ms() - 2);
  headers.emplace("x-datadog-trace-id", "1");
  headers.emplace("x-datadog-parent-id", "2");
  headers.emplace("x-datadog-sampling-priority", "2");
  httplib::Client client("127.0.0.1", port_);
  ASSERT_TRUE(client.Get("/api/widgets/8", headers));
  auto spans = receive_one_trace();
  const json& inferred = spans.at("azure.apim");
  EXPECT_EQ(inferred["trace_id"].get<std::uint64_t>(), 1u);
  EXPECT_EQ(inferred["parent_id"].get<std::uint64_t>(), 2u);
  EXPECT_EQ(inferred["metrics"]["_sampling_priority_v1"], 2);
  EXPECT_EQ(spans.at("web.request")["parent_id"], inferred["span_id"]);
}

TEST_F(InferredProxyEndToEnd, ServerErrorMarksBothSpans) {
  httplib::Headers headers = apim_headers(now_ms() - 2);
  httplib::Client client("127.0.0.1", port_);
  auto response = client.Get("/fail", headers);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  auto spans = receive_one_trace();
  EXPECT_EQ(spans.at("azure.apim")["error"], 1);
  EXPECT_EQ(spans.at("web.request")["error"], 1);
  EXPECT_EQ(spans.at("azure.apim")["meta"]["http.status_code"], "503");
}

// The Azure documentation's example: a rule written for the backend's service no longer
// matches requests through APIM; rewritten for the gateway's service (or without a
// service) it does. Each case starts its tracer with the rules before the server runs.
struct SamplingCase {
  const char* rules;
  int priority;
  std::optional<double> rule_rate;            // _dd.rule_psr
  std::optional<const char*> decision_maker;  // _dd.p.dm
};

class InferredProxySamplingEndToEnd : public InferredProxyEndToEnd,
                                      public ::testing::WithParamInterface<SamplingCase> {
 protected:
  void SetUp() override { start(std::string(GetParam().rules)); }
};

TEST_P(InferredProxySamplingEndToEnd, RulesSeeTheGatewaySpan) {
  httplib::Client client("127.0.0.1", port_);
  ASSERT_TRUE(client.Get("/api/widgets/7", apim_headers(now_ms() - 2)));
  auto spans = receive_one_trace();
  const json& inferred = spans.at("azure.apim");
  EXPECT_EQ(inferred["metrics"]["_sampling_priority_v1"], GetParam().priority)
      << "dropped traces are sent too";
  if (GetParam().rule_rate) {
    EXPECT_EQ(inferred["metrics"]["_dd.rule_psr"], *GetParam().rule_rate);
  } else {
    EXPECT_FALSE(inferred["metrics"].contains("_dd.rule_psr"));
  }
  if (GetParam().decision_maker) {
    EXPECT_EQ(inferred["meta"]["_dd.p.dm"], *GetParam().decision_maker);
  } else {
    EXPECT_FALSE(inferred["meta"].contains("_dd.p.dm"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    AzureDocumentationExample, InferredProxySamplingEndToEnd,
    ::testing::Values(
        // The backend's rule no longer matches: default sampling applies.
        SamplingCase{R"([{"service":"my-backend","sample_rate":0}])", 1, std::nullopt, "-0"},
        // Rewritten for the gateway's service: it matches (and drops).
        SamplingCase{R"([{"service":"my-api.azure-api.net","sample_rate":0}])", -1, 0.0,
                     std::nullopt},
        // Without a service, on the inferred span's name and resource.
        SamplingCase{R"([{"name":"azure.apim","resource":"GET /api/widgets/*","sample_rate":1}])",
                     2, 1.0, "-3"}));

TEST_F(InferredProxyEndToEnd, WithoutGatewayHeadersTheServerSpanIsTheRoot) {
  httplib::Client client("127.0.0.1", port_);
  ASSERT_TRUE(client.Get("/api/widgets/9"));
  auto spans = receive_one_trace();
  EXPECT_EQ(spans.count("azure.apim"), 0u);
  EXPECT_EQ(spans.at("web.request")["parent_id"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(first_span_["name"], "web.request");
}

}  // namespace
}  // namespace gatetrace
