// shared/spec/inferred-proxy-spans.md, row by row and case by case, through the HTTP
// server helper with a manual clock. The wire-level form (msgpack, _dd.base_service,
// language, ...) is asserted by the end-to-end test in test/integration.
#include <gtest/gtest.h>

#include <stdexcept>

#include "gatetrace/http_server_span.h"
#include "gatetrace/tracer.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// 1736973768000 ms; the manual clock starts 5 ms later.
constexpr std::int64_t kGatewayMs = 1'736'973'768'000;

Headers apim_headers() {
  return {
      {"x-dd-proxy", "azure-apim"},
      {"x-dd-proxy-request-time-ms", "1736973768000"},
      {"x-dd-proxy-httpMethod", "GET"},
      {"x-dd-proxy-path", "/api/widgets/{id}"},
      {"x-dd-proxy-region", "Canada Central"},
      {"x-dd-proxy-domain-name", "my-api.azure-api.net"},
      {"User-Agent", "curl/8.0"},
  };
}

Headers without(Headers headers, std::string_view name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) { return equals_ignore_case(h.first, name); }),
                headers.end());
  return headers;
}

Headers with(Headers headers, std::string_view name, std::string_view value) {
  headers = without(std::move(headers), name);
  headers.emplace_back(std::string(name), std::string(value));
  return headers;
}

struct Result {
  std::vector<testing::RecordingCollector::Chunk> chunks;
  const SpanData* inferred = nullptr;
  const SpanData* server = nullptr;
  std::vector<const SpanData*> others;
};

class InferredProxyTest : public ::testing::Test {
 protected:
  InferredProxyTest() {
    setup_.env["DD_ENV"] = "prod";
    setup_.env["DD_VERSION"] = "2.0.0";
    setup_.env["DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED"] = "true";
  }

  // Serves one request with `headers` and `status` through HttpServerSpan; the handler
  // takes 3 ms and creates one child span.
  Result serve(const Headers& headers, int status = 200) {
    auto config = setup_.config();
    config.startup_logs = false;
    auto finalized = finalize_config(config);
    EXPECT_TRUE(finalized) << (finalized ? "" : finalized.error().message);
    Tracer tracer(*finalized);
    std::vector<std::pair<std::string_view, std::string_view>> views(headers.begin(),
                                                                     headers.end());
    HeaderListReader reader(views);
    {
      HttpServerSpan request(tracer, {"GET", "/api/widgets/7", "", &reader});
      request.span().create_child({.name = "db.query"});
      setup_.clock->advance_ms(3);
      request.set_status(status);
    }
    return collect();
  }

  Result collect() {
    Result result;
    result.chunks = setup_.collector->chunks();
    EXPECT_EQ(result.chunks.size(), 1u);
    if (result.chunks.empty()) return result;
    for (const auto& span : result.chunks.back().spans) {
      if (span.metrics.contains("_dd.inferred_span")) {
        EXPECT_EQ(result.inferred, nullptr) << "at most one inferred span per request";
        result.inferred = &span;
      } else if (span.name == "web.request") {
        result.server = &span;
      } else {
        result.others.push_back(&span);
      }
    }
    EXPECT_NE(result.server, nullptr);
    return result;
  }

  static std::string meta(const SpanData& span, std::string_view key) {
    const auto value = span.meta.find(key);
    return value ? std::string(*value) : std::string("<absent>");
  }

  testing::TestTracerSetup setup_;
};

TEST_F(InferredProxyTest, WorkedExampleEveryField) {
  Result r = serve(apim_headers());
  ASSERT_NE(r.inferred, nullptr);
  const SpanData& inferred = *r.inferred;
  const SpanData& server = *r.server;
  EXPECT_EQ(inferred.name, "azure.apim");
  EXPECT_EQ(inferred.service, "my-api.azure-api.net");
  EXPECT_EQ(inferred.resource, "GET /api/widgets/{id}");
  EXPECT_EQ(inferred.type, "web");
  EXPECT_EQ(inferred.start.wall_ns, kGatewayMs * 1'000'000);
  EXPECT_EQ(inferred.parent_id, 0u);
  EXPECT_FALSE(inferred.error);
  EXPECT_EQ(meta(inferred, "component"), "azure-apim");
  EXPECT_EQ(meta(inferred, "span.kind"), "server");
  EXPECT_EQ(meta(inferred, "http.method"), "GET");
  EXPECT_EQ(meta(inferred, "http.url"), "https://my-api.azure-api.net/api/widgets/{id}");
  EXPECT_EQ(meta(inferred, "region"), "Canada Central");
  EXPECT_EQ(meta(inferred, "http.status_code"), "200");
  EXPECT_EQ(meta(inferred, "http.useragent"), "curl/8.0");
  EXPECT_EQ(meta(inferred, "env"), "prod");
  EXPECT_EQ(meta(inferred, "version"), "<absent>") << "version is for default-service spans";
  EXPECT_EQ(meta(inferred, "http.route"), "<absent>") << "no resource path for APIM";
  EXPECT_EQ(meta(inferred, "stage"), "<absent>");
  EXPECT_EQ(*inferred.metrics.find("_dd.inferred_span"), 1.0);
  EXPECT_EQ(*inferred.metrics.find("_sampling_priority_v1"), 1.0);
  EXPECT_EQ(meta(inferred, "_dd.p.dm"), "-0");
  EXPECT_EQ(r.chunks[0].spans[0].span_id, inferred.span_id) << "the local root comes first";

  EXPECT_EQ(server.service, "my-backend");
  EXPECT_EQ(server.parent_id, inferred.span_id);
  EXPECT_EQ(server.trace_id, inferred.trace_id);
  EXPECT_EQ(meta(server, "version"), "2.0.0");
  EXPECT_EQ(meta(server, "http.status_code"), "200");
  EXPECT_FALSE(server.metrics.contains("_sampling_priority_v1")) << "only on the local root";

  // The inferred span ends with the server span: end = server start + server duration.
  EXPECT_EQ(inferred.start.wall_ns + inferred.duration_ns,
            server.start.wall_ns + server.duration_ns);
  EXPECT_EQ(inferred.duration_ns, 8'000'000) << "5 ms in the gateway + 3 ms in the handler";
}

TEST_F(InferredProxyTest, ChildrenOfTheServerSpanKeepTheBackendService) {
  Result r = serve(apim_headers());
  ASSERT_EQ(r.others.size(), 1u);
  EXPECT_EQ(r.others[0]->service, "my-backend");
  EXPECT_EQ(r.others[0]->parent_id, r.server->span_id);
}

struct KindCase {
  const char* header_value;
  const char* span_name;
  const char* component;
};

class ProxyKindTest : public InferredProxyTest, public ::testing::WithParamInterface<KindCase> {};

TEST_P(ProxyKindTest, EachKindNamesItsSpanAndComponent) {
  Result r = serve(with(apim_headers(), "x-dd-proxy", GetParam().header_value));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->name, GetParam().span_name);
  EXPECT_EQ(meta(*r.inferred, "component"), GetParam().component);
  EXPECT_EQ(r.inferred->start.wall_ns, kGatewayMs * 1'000'000);
}

INSTANTIATE_TEST_SUITE_P(Kinds, ProxyKindTest,
                         ::testing::Values(KindCase{"azure-apim", "azure.apim", "azure-apim"},
                                           KindCase{"aws-apigateway", "aws.apigateway",
                                                    "aws-apigateway"},
                                           KindCase{"aws-httpapi", "aws.httpapi", "aws-httpapi"},
                                           KindCase{"azure-gw", "azure.app-gateway", "azure-gw"},
                                           KindCase{"azure-fd", "azure.frontdoor", "azure-fd"},
                                           KindCase{"AZURE-APIM", "azure.apim", "azure-apim"},
                                           KindCase{"Aws-HttpApi", "aws.httpapi", "aws-httpapi"}));

TEST_F(InferredProxyTest, UnknownOrEmptyKindMeansNoInferredSpan) {
  for (const char* value : {"nginx", "", "azure_apim", "azure-apim-x"}) {
    setup_.collector = std::make_shared<testing::RecordingCollector>();
    Result r = serve(with(apim_headers(), "x-dd-proxy", value));
    EXPECT_EQ(r.inferred, nullptr) << value;
    EXPECT_EQ(r.server->parent_id, 0u) << value;
  }
}

TEST_F(InferredProxyTest, MissingProxyHeader) {
  Result r = serve(without(apim_headers(), "x-dd-proxy"));
  EXPECT_EQ(r.inferred, nullptr);
}

TEST_F(InferredProxyTest, MissingMethod) {
  Result r = serve(without(apim_headers(), "x-dd-proxy-httpmethod"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->resource, "/api/widgets/{id}");
  EXPECT_EQ(meta(*r.inferred, "http.method"), "<absent>");
}

TEST_F(InferredProxyTest, MissingPath) {
  Result r = serve(without(apim_headers(), "x-dd-proxy-path"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->resource, "GET");
  EXPECT_EQ(meta(*r.inferred, "http.url"), "https://my-api.azure-api.net");
}

TEST_F(InferredProxyTest, MissingMethodAndPathMakeTheSpanNameTheResource) {
  Result r = serve(without(without(apim_headers(), "x-dd-proxy-path"), "x-dd-proxy-httpmethod"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->resource, "azure.apim");
}

TEST_F(InferredProxyTest, MissingDomainUsesDefaultServiceAndNoUrl) {
  Result r = serve(without(apim_headers(), "x-dd-proxy-domain-name"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->service, "my-backend");
  EXPECT_EQ(meta(*r.inferred, "http.url"), "<absent>");
  EXPECT_EQ(meta(*r.inferred, "version"), "2.0.0") << "the default service's span has version";
}

TEST_F(InferredProxyTest, MissingRegion) {
  Result r = serve(without(apim_headers(), "x-dd-proxy-region"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(meta(*r.inferred, "region"), "<absent>");
}

TEST_F(InferredProxyTest, MissingUserAgent) {
  Result r = serve(without(apim_headers(), "user-agent"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(meta(*r.inferred, "http.useragent"), "<absent>");
}

TEST_F(InferredProxyTest, MissingTimestampForARequiredKind) {
  Result r = serve(without(apim_headers(), "x-dd-proxy-request-time-ms"));
  EXPECT_EQ(r.inferred, nullptr);
}

TEST_F(InferredProxyTest, MissingTimestampForAnOptionalKindMeansNow) {
  for (const char* kind : {"azure-gw", "azure-fd"}) {
    setup_.collector = std::make_shared<testing::RecordingCollector>();
    Result r =
        serve(with(without(apim_headers(), "x-dd-proxy-request-time-ms"), "x-dd-proxy", kind));
    ASSERT_NE(r.inferred, nullptr) << kind;
    EXPECT_EQ(r.inferred->start.wall_ns, r.server->start.wall_ns) << kind;
  }
}

class BadTimestampTest : public InferredProxyTest,
                         public ::testing::WithParamInterface<const char*> {};

TEST_P(BadTimestampTest, NoInferredSpanAndTheTraceIsAsWithoutHeaders) {
  setup_.env["DD_TRACE_DEBUG"] = "true";
  Result r = serve(with(apim_headers(), "x-dd-proxy-request-time-ms", GetParam()));
  EXPECT_EQ(r.inferred, nullptr);
  EXPECT_EQ(r.server->parent_id, 0u);
  EXPECT_EQ(r.chunks[0].spans.size(), 2u) << "server span and its child only";
  EXPECT_EQ(r.chunks[0].spans[0].name, "web.request");
  EXPECT_GE(setup_.logger->count_containing("x-dd-proxy-request-time-ms"), 1u)
      << "a debug line says why";
}

TEST_P(BadTimestampTest, OptionalKindsFallBackToNow) {
  Result r = serve(with(with(apim_headers(), "x-dd-proxy-request-time-ms", GetParam()),
                        "x-dd-proxy", "azure-fd"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->start.wall_ns, r.server->start.wall_ns);
}

INSTANTIATE_TEST_SUITE_P(
    Timestamps, BadTimestampTest,
    ::testing::Values("abc", "12.5", "-1", "123abc", "", "   ", "99999999999999999999",
                      "1234567890123456789012345678901234567890123456789012345678901234", "0",
                      "946684799999",         // one millisecond before 2000-01-01
                      "1736970167999",        // more than an hour before the clock
                      "9223372036854775807",  // overflows when converted to ns
                      "+1736973768000", "0x1"));

TEST_F(InferredProxyTest, TimestampAtTheEdgeOfTheHourIsAccepted) {
  Result r = serve(with(apim_headers(), "x-dd-proxy-request-time-ms", "1736970168005"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->start.wall_ns, 1'736'970'168'005'000'000);
}

TEST_F(InferredProxyTest, TimestampIsTrimmed) {
  Result r = serve(with(apim_headers(), "x-dd-proxy-request-time-ms", " \t1736973768000 "));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->start.wall_ns, kGatewayMs * 1'000'000);
}

TEST_F(InferredProxyTest, GatewayClockAheadIsClampedToNow) {
  Result r = serve(with(apim_headers(), "x-dd-proxy-request-time-ms", "1736973768900"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->start.wall_ns, r.server->start.wall_ns);
  EXPECT_GE(r.inferred->duration_ns, r.server->duration_ns);
}

TEST_F(InferredProxyTest, MixedCaseHeaderNamesAndValueAreTrimmed) {
  Headers headers = {
      {"X-DD-Proxy", "  Azure-APIM\t"},
      {"X-Dd-Proxy-Request-Time-Ms", "1736973768000"},
      {"X-DD-PROXY-HTTPMETHOD", " POST "},
      {"x-dd-proxy-PATH", "/orders"},
      {"X-Dd-Proxy-Domain-Name", " shop.azure-api.net "},
  };
  Result r = serve(headers);
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->service, "shop.azure-api.net");
  EXPECT_EQ(r.inferred->resource, "POST /orders");
  EXPECT_EQ(meta(*r.inferred, "component"), "azure-apim");
}

TEST_F(InferredProxyTest, RepeatedHeadersTakeTheFirstValue) {
  Headers headers = apim_headers();
  headers.emplace_back("x-dd-proxy-domain-name", "evil.example.com");
  Result r = serve(headers);
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->service, "my-api.azure-api.net");
}

TEST_F(InferredProxyTest, PathWithoutLeadingSlashGetsOne) {
  Result r = serve(with(apim_headers(), "x-dd-proxy-path", "api/widgets"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->resource, "GET /api/widgets");
  EXPECT_EQ(meta(*r.inferred, "http.url"), "https://my-api.azure-api.net/api/widgets");
}

// The resource joins the '/' a path lacks in each of its forms (with and without a
// method), and never to a resource path, which is taken as sent.
struct ResourceCase {
  const char* path;
  const char* resource_path;  // "" for none
  bool method;
  const char* resource;
};

class ResourceTest : public InferredProxyTest,
                     public ::testing::WithParamInterface<ResourceCase> {};

TEST_P(ResourceTest, AddsTheSlashOnlyToAPathThatLacksIt) {
  const ResourceCase& c = GetParam();
  Headers headers = with(apim_headers(), "x-dd-proxy-path", c.path);
  if (*c.resource_path != '\0') {
    headers = with(headers, "x-dd-proxy-resource-path", c.resource_path);
  }
  if (!c.method) headers = without(headers, "x-dd-proxy-httpmethod");
  Result r = serve(headers);
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->resource, c.resource);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, ResourceTest,
    ::testing::Values(ResourceCase{"api/widgets", "", true, "GET /api/widgets"},
                      ResourceCase{"a", "", true, "GET /a"},
                      ResourceCase{"api/widgets", "", false, "/api/widgets"},
                      ResourceCase{"/api/widgets", "", false, "/api/widgets"},
                      ResourceCase{"api/widgets", "users/{id}", true, "GET users/{id}"},
                      ResourceCase{"api/widgets", "users/{id}", false, "users/{id}"}));

// http.url is joined on a stack buffer of 320 bytes when it fits and by JoinedValue
// past it: every size around that edge, with and without the '/' the path may lack,
// and the longest domain and path the headers allow.
TEST(InferredUrl, JoinedAtEverySizeAroundTheStackBuffer) {
  const std::string domain(253, 'd');
  std::vector<std::pair<std::string, std::string>> cases;  // path header, path in the URL
  for (std::size_t size = 40; size <= 80; ++size) {
    cases.emplace_back("/" + std::string(size - 1, 'p'), "/" + std::string(size - 1, 'p'));
    cases.emplace_back(std::string(size, 'q'), "/" + std::string(size, 'q'));
  }
  cases.emplace_back("/" + std::string(1023, 'r'), "/" + std::string(1023, 'r'));
  cases.emplace_back("", "");
  for (const auto& [path, url_path] : cases) {
    testing::TestTracerSetup setup;
    auto config = setup.config();
    config.startup_logs = false;
    config.inferred_proxy_services_enabled = true;
    Tracer tracer(config);
    Headers headers = with(apim_headers(), "x-dd-proxy-domain-name", domain);
    headers = path.empty() ? without(std::move(headers), "x-dd-proxy-path")
                           : with(std::move(headers), "x-dd-proxy-path", path);
    std::vector<std::pair<std::string_view, std::string_view>> views(headers.begin(),
                                                                     headers.end());
    HeaderListReader reader(views);
    { HttpServerSpan request(tracer, {"GET", "/x", "", &reader}); }
    const auto spans = setup.collector->spans_by_name();
    ASSERT_EQ(spans.count("azure.apim"), 1u) << path.size();
    const auto url = spans.at("azure.apim").meta.find("http.url");
    ASSERT_TRUE(url);
    EXPECT_EQ(*url, "https://" + domain + url_path) << path.size();
  }
}

TEST_F(InferredProxyTest, ResourcePathIsPreferredAndBecomesTheRoute) {
  Result r = serve(with(apim_headers(), "x-dd-proxy-resource-path", "/widgets/{proxy+}"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->resource, "GET /widgets/{proxy+}");
  EXPECT_EQ(meta(*r.inferred, "http.route"), "/widgets/{proxy+}");
  EXPECT_EQ(meta(*r.inferred, "http.url"), "https://my-api.azure-api.net/api/widgets/{id}");
}

TEST_F(InferredProxyTest, AwsTagsAndResourceKey) {
  Headers headers = {
      {"x-dd-proxy", "aws-apigateway"},
      {"x-dd-proxy-request-time-ms", "1736973768000"},
      {"x-dd-proxy-httpmethod", "GET"},
      {"x-dd-proxy-path", "/prod/users/7"},
      {"x-dd-proxy-resource-path", "/users/{id}"},
      {"x-dd-proxy-domain-name", "abc123.execute-api.us-east-1.amazonaws.com"},
      {"x-dd-proxy-region", "us-east-1"},
      {"x-dd-proxy-stage", "prod"},
      {"x-dd-proxy-account-id", "123456789012"},
      {"x-dd-proxy-api-id", "abc123"},
      {"x-dd-proxy-user", "alice"},
  };
  Result r = serve(headers);
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(meta(*r.inferred, "stage"), "prod");
  EXPECT_EQ(meta(*r.inferred, "account_id"), "123456789012");
  EXPECT_EQ(meta(*r.inferred, "apiid"), "abc123");
  EXPECT_EQ(meta(*r.inferred, "aws_user"), "alice");
  EXPECT_EQ(meta(*r.inferred, "dd_resource_key"), "arn:aws:apigateway:us-east-1::/restapis/abc123");

  setup_.collector = std::make_shared<testing::RecordingCollector>();
  r = serve(with(headers, "x-dd-proxy", "aws-httpapi"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(meta(*r.inferred, "dd_resource_key"), "arn:aws:apigateway:us-east-1::/apis/abc123");

  setup_.collector = std::make_shared<testing::RecordingCollector>();
  r = serve(without(headers, "x-dd-proxy-api-id"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(meta(*r.inferred, "dd_resource_key"), "<absent>");
}

TEST_F(InferredProxyTest, AwsTagsAreNotSetForAzure) {
  Headers headers =
      with(with(apim_headers(), "x-dd-proxy-api-id", "abc"), "x-dd-proxy-account-id", "123");
  Result r = serve(headers);
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(meta(*r.inferred, "apiid"), "<absent>");
  EXPECT_EQ(meta(*r.inferred, "account_id"), "<absent>");
}

TEST_F(InferredProxyTest, FeatureOffIgnoresTheHeadersCompletely) {
  setup_.env["DD_TRACE_INFERRED_PROXY_SERVICES_ENABLED"] = "false";
  Result with_headers = serve(apim_headers());
  setup_.collector = std::make_shared<testing::RecordingCollector>();
  Result plain = serve({{"User-Agent", "curl/8.0"}});
  EXPECT_EQ(with_headers.inferred, nullptr);
  ASSERT_EQ(with_headers.chunks[0].spans.size(), plain.chunks[0].spans.size());
  const SpanData& a = *with_headers.server;
  const SpanData& b = *plain.server;
  EXPECT_EQ(a.parent_id, b.parent_id);
  EXPECT_EQ(a.service, b.service);
  EXPECT_EQ(a.resource, b.resource);
  ASSERT_EQ(a.meta.size(), b.meta.size());
  for (const auto& [key, value] : b.meta) {
    if (key == "_dd.p.tid") continue;  // the trace ids differ
    EXPECT_EQ(meta(a, key), value) << key;
  }
}

TEST_F(InferredProxyTest, AllowlistAcceptsListedDomains) {
  setup_.env["GATETRACE_INFERRED_PROXY_ALLOWED_DOMAINS"] = "*.azure-api.net";
  Result r = serve(apim_headers());
  EXPECT_NE(r.inferred, nullptr);
}

TEST_F(InferredProxyTest, AllowlistIgnoresUnlistedDomains) {
  setup_.env["GATETRACE_INFERRED_PROXY_ALLOWED_DOMAINS"] = "*.azure-api.net,api.example.com";
  Result r = serve(with(apim_headers(), "x-dd-proxy-domain-name", "attacker.example.org"));
  EXPECT_EQ(r.inferred, nullptr);
  EXPECT_EQ(r.server->parent_id, 0u);
  setup_.collector = std::make_shared<testing::RecordingCollector>();
  r = serve(without(apim_headers(), "x-dd-proxy-domain-name"));
  EXPECT_EQ(r.inferred, nullptr) << "a missing domain is not on the list either";
}

TEST_F(InferredProxyTest, LongValuesAreCapped) {
  const std::string huge(100'000, 'a');
  Result r = serve(
      with(with(apim_headers(), "x-dd-proxy-domain-name", huge), "x-dd-proxy-path", "/" + huge));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->service.size(), 253u);
  EXPECT_LE(r.inferred->resource.size(), 4u + 1024u);
}

TEST_F(InferredProxyTest, PathIsCappedIncludingTheAddedSlash) {
  Result r = serve(with(apim_headers(), "x-dd-proxy-path", std::string(1100, 'a')));
  ASSERT_NE(r.inferred, nullptr);
  const std::string url = meta(*r.inferred, "http.url");
  const std::string path = url.substr(std::string("https://my-api.azure-api.net").size());
  EXPECT_EQ(path.size(), 1024u);
  EXPECT_EQ(path.front(), '/');
}

TEST_F(InferredProxyTest, DistributedContextFromDatadogHeaders) {
  Headers headers = apim_headers();
  headers.emplace_back("x-datadog-trace-id", "1");
  headers.emplace_back("x-datadog-parent-id", "2");
  headers.emplace_back("x-datadog-sampling-priority", "2");
  Result r = serve(headers);
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->trace_id.low, 1u);
  EXPECT_EQ(r.inferred->parent_id, 2u);
  EXPECT_EQ(*r.inferred->metrics.find("_sampling_priority_v1"), 2.0);
  EXPECT_EQ(r.server->parent_id, r.inferred->span_id);
  EXPECT_EQ(r.server->trace_id.low, 1u);
}

TEST_F(InferredProxyTest, DistributedContextFromTraceparent) {
  Headers headers = apim_headers();
  headers.emplace_back("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  Result r = serve(headers);
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(r.inferred->trace_id.high, 0x0af7651916cd43ddULL);
  EXPECT_EQ(r.inferred->trace_id.low, 0x8448eb211c80319cULL);
  EXPECT_EQ(r.inferred->parent_id, 0xb7ad6b7169203331ULL);
  EXPECT_EQ(*r.inferred->metrics.find("_sampling_priority_v1"), 1.0);
  EXPECT_EQ(r.server->parent_id, r.inferred->span_id);
}

TEST_F(InferredProxyTest, ServerErrorStatusMarksBothSpans) {
  Result r = serve(apim_headers(), 500);
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_TRUE(r.inferred->error);
  EXPECT_TRUE(r.server->error);
  EXPECT_EQ(meta(*r.inferred, "http.status_code"), "500");
}

TEST_F(InferredProxyTest, NotFoundMarksNeither) {
  Result r = serve(apim_headers(), 404);
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_FALSE(r.inferred->error);
  EXPECT_FALSE(r.server->error);
  EXPECT_EQ(meta(*r.inferred, "http.status_code"), "404");
}

TEST_F(InferredProxyTest, ConfiguredServerErrorStatuses) {
  setup_.env["DD_TRACE_HTTP_SERVER_ERROR_STATUSES"] = "404,500-599";
  Result r = serve(apim_headers(), 404);
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_TRUE(r.inferred->error);
  EXPECT_TRUE(r.server->error);
}

TEST_F(InferredProxyTest, ExceptionInTheHandlerMarksBothAndCopiesDetails) {
  auto config = setup_.config();
  config.startup_logs = false;
  Tracer tracer(*finalize_config(config));
  Headers headers = apim_headers();
  std::vector<std::pair<std::string_view, std::string_view>> views(headers.begin(), headers.end());
  HeaderListReader reader(views);
  try {
    HttpServerSpan request(tracer, {"GET", "/api/widgets/7", "", &reader});
    try {
      throw std::runtime_error("database unavailable");
    } catch (const std::exception& e) {
      request.set_exception(e);
      request.set_status(500);
      throw;
    }
  } catch (const std::runtime_error&) {
  }
  Result r = collect();
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_TRUE(r.inferred->error);
  EXPECT_TRUE(r.server->error);
  EXPECT_EQ(meta(*r.server, "error.message"), "database unavailable");
  EXPECT_EQ(meta(*r.inferred, "error.message"), "database unavailable");
  EXPECT_EQ(meta(*r.inferred, "error.type"), "std::runtime_error");
  EXPECT_EQ(meta(*r.inferred, "error.type"), meta(*r.server, "error.type"));
}

TEST_F(InferredProxyTest, UnwindingThroughTheHelperFinishesBothSpansAsErrors) {
  auto config = setup_.config();
  config.startup_logs = false;
  Tracer tracer(*finalize_config(config));
  Headers headers = apim_headers();
  std::vector<std::pair<std::string_view, std::string_view>> views(headers.begin(), headers.end());
  HeaderListReader reader(views);
  EXPECT_THROW(
      {
        HttpServerSpan request(tracer, {"GET", "/api/widgets/7", "", &reader});
        throw std::logic_error("bug");
      },
      std::logic_error);
  Result r = collect();
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_TRUE(r.server->error);
  EXPECT_TRUE(r.inferred->error);
}

TEST_F(InferredProxyTest, SamplingRuleOnTheGatewayServiceApplies) {
  setup_.env["DD_TRACE_SAMPLING_RULES"] = R"([{"service":"my-api.azure-api.net","sample_rate":0}])";
  Result r = serve(apim_headers());
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(*r.inferred->metrics.find("_sampling_priority_v1"), -1.0);
  EXPECT_EQ(*r.inferred->metrics.find("_dd.rule_psr"), 0.0);
}

TEST_F(InferredProxyTest, SamplingRuleOnTheBackendServiceNoLongerApplies) {
  setup_.env["DD_TRACE_SAMPLING_RULES"] = R"([{"service":"my-backend","sample_rate":0}])";
  Result r = serve(apim_headers());
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(*r.inferred->metrics.find("_sampling_priority_v1"), 1.0);
  EXPECT_FALSE(r.inferred->metrics.contains("_dd.rule_psr"));
  // Without the gateway the same rule matches the backend's root.
  setup_.collector = std::make_shared<testing::RecordingCollector>();
  r = serve(without(apim_headers(), "x-dd-proxy"));
  EXPECT_EQ(*r.server->metrics.find("_sampling_priority_v1"), -1.0);
}

TEST_F(InferredProxyTest, HeaderTagsAreMirroredOntoTheInferredSpan) {
  setup_.env["DD_TRACE_HEADER_TAGS"] = "x-request-id:request.id";
  Result r = serve(with(apim_headers(), "X-Request-Id", "abc-123"));
  ASSERT_NE(r.inferred, nullptr);
  EXPECT_EQ(meta(*r.server, "request.id"), "abc-123");
  EXPECT_EQ(meta(*r.inferred, "request.id"), "abc-123");
}

}  // namespace
}  // namespace gatetrace
