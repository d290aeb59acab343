// The request helper and the inferred span write their HTTP tags by fixed key id
// (SpanTagWriter), not through Span::set_tag: the tags must come out as set_tag would
// have written them, also over the same keys already set by DD_TAGS (replaced in place,
// their order kept), with long values, on recycled spans, and after the application
// tagged the server span itself.
#include <gtest/gtest.h>

#include <climits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gatetrace/http_server_span.h"
#include "span_tags_test_util.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

using Entries = testing::TagEntries;
using testing::tags_among;
using testing::tags_of;

const std::vector<std::string> kHelperKeys = {
    "component",  "span.kind",      "http.method",      "http.url",       "http.client_ip",
    "http.route", "http.useragent", "http.status_code", "region",         "stage",
    "account_id", "apiid",          "aws_user",         "dd_resource_key"};

struct Served {
  SpanData server;
  SpanData inferred;
};

class RequestTagsByIdTest : public ::testing::Test {
 protected:
  Tracer make_tracer(bool dd_tags) {
    auto config = setup_.config();
    config.startup_logs = false;
    config.inferred_proxy_services_enabled = true;
    config.client_ip_enabled = true;
    if (dd_tags) {
      // Every key the helper writes, already on every span: replaced in place.
      Entries tags;
      for (const auto& key : kHelperKeys) tags.emplace_back(key, "from-dd-tags-" + key);
      config.tags = tags;
    }
    return Tracer(config);
  }

  Served serve(Tracer& tracer, const std::string& agent, const std::string& route, int status) {
    const HeaderListReader::Headers headers = {
        {"x-dd-proxy", "aws-apigateway"},
        {"x-dd-proxy-request-time-ms", "1736973768000"},
        {"x-dd-proxy-httpmethod", "GET"},
        {"x-dd-proxy-path", "/api/widgets/{id}"},
        {"x-dd-proxy-resource-path", route},
        {"x-dd-proxy-domain-name", "abc.execute-api.us-east-1.amazonaws.com"},
        {"x-dd-proxy-region", "us-east-1"},
        {"x-dd-proxy-stage", "prod"},
        {"x-dd-proxy-account-id", "123456789012"},
        {"x-dd-proxy-api-id", "abc"},
        {"x-dd-proxy-user", "bob"},
        {"user-agent", agent},
        {"host", "backend.internal"},
        {"x-forwarded-for", "8.8.8.8"},
    };
    HeaderListReader reader(headers);
    {
      HttpServerSpan span(tracer, {"GET", "/api/widgets/7?q=1", route, &reader});
      EXPECT_NE(span.inferred_span(), nullptr);
      span.set_status(status);
    }
    auto spans = setup_.collector->spans_by_name();
    return Served{spans["web.request"], spans["aws.apigateway"]};
  }

  testing::TestTracerSetup setup_;
};

TEST_F(RequestTagsByIdTest, TheHelpersTags) {
  Tracer tracer = make_tracer(false);
  const Served served = serve(tracer, "curl/8.0", "/api/widgets/{id}", 200);
  EXPECT_EQ(tags_among(served.server, kHelperKeys),
            (Entries{{"span.kind", "server"},
                     {"component", "gatetrace"},
                     {"http.method", "GET"},
                     {"http.url", "http://backend.internal/api/widgets/7?q=1"},
                     {"http.client_ip", "8.8.8.8"},
                     {"http.route", "/api/widgets/{id}"},
                     {"http.useragent", "curl/8.0"},
                     {"http.status_code", "200"}}));
  EXPECT_EQ(
      tags_among(served.inferred, kHelperKeys),
      (Entries{{"component", "aws-apigateway"},
               {"span.kind", "server"},
               {"http.method", "GET"},
               {"http.url", "https://abc.execute-api.us-east-1.amazonaws.com/api/widgets/{id}"},
               {"http.route", "/api/widgets/{id}"},
               {"http.useragent", "curl/8.0"},
               {"region", "us-east-1"},
               {"stage", "prod"},
               {"account_id", "123456789012"},
               {"apiid", "abc"},
               {"aws_user", "bob"},
               {"dd_resource_key", "arn:aws:apigateway:us-east-1::/restapis/abc"},
               {"http.status_code", "200"}}));
}

TEST_F(RequestTagsByIdTest, OverDefaultTagsOfTheSameKeysInPlace) {
  Tracer tracer = make_tracer(true);
  const Served served = serve(tracer, "curl/8.0", "/api/widgets/{id}", 503);
  // DD_TAGS' order, the helper's values.
  for (const SpanData* span : {&served.server, &served.inferred}) {
    const Entries tags = tags_among(*span, kHelperKeys);
    ASSERT_EQ(tags.size(), kHelperKeys.size());
    for (std::size_t i = 0; i < tags.size(); ++i) EXPECT_EQ(tags[i].first, kHelperKeys[i]);
  }
  EXPECT_EQ(tags_among(served.server, {"http.status_code", "component", "http.route"}),
            (Entries{{"component", "gatetrace"},
                     {"http.route", "/api/widgets/{id}"},
                     {"http.status_code", "503"}}));
  EXPECT_EQ(tags_among(served.server, {"region"}), (Entries{{"region", "from-dd-tags-region"}}))
      << "a key the helper does not write on the server span";
  EXPECT_EQ(tags_among(served.inferred, {"http.status_code", "region"}),
            (Entries{{"http.status_code", "503"}, {"region", "us-east-1"}}));
}

TEST_F(RequestTagsByIdTest, LongValuesAndExtremeStatusesOnRecycledSpans) {
  for (bool dd_tags : {false, true}) {
    Tracer tracer = make_tracer(dd_tags);
    const std::vector<std::string> agents = {"a", std::string(64, 'b'), std::string(65, 'c'),
                                             std::string(700, 'd'), ""};
    const std::vector<std::string> routes = {"/r", std::string(100, 'r'), "/api/{id}"};
    int i = 0;
    for (int status : {200, INT_MIN, -1, 0, 99, 100, 999, 1000, INT_MAX, 404}) {
      const std::string& agent = agents[i % agents.size()];
      const std::string& route = routes[i % routes.size()];
      ++i;
      const Served served = serve(tracer, agent, route, status);
      const std::string expected_agent = agent.substr(0, 512);
      EXPECT_EQ(tags_among(served.server, {"http.status_code"}),
                (Entries{{"http.status_code", std::to_string(status)}}));
      EXPECT_EQ(tags_among(served.inferred, {"http.status_code"}),
                (Entries{{"http.status_code", std::to_string(status)}}));
      EXPECT_EQ(tags_among(served.server, {"http.route"}), (Entries{{"http.route", route}}));
      // An empty User-Agent header is a tag too.
      EXPECT_EQ(tags_among(served.server, {"http.useragent"}),
                (Entries{{"http.useragent", expected_agent}}));
    }
  }
}

TEST_F(RequestTagsByIdTest, AfterTheApplicationsOwnTags) {
  Tracer tracer = make_tracer(false);
  const HeaderListReader::Headers headers = {{"host", "h"}};
  HeaderListReader reader(headers);
  {
    HttpServerSpan span(tracer, {"GET", "/x", "", &reader});
    span.span().set_tag("http.status_code", "999");
    span.span().set_tag("http.route", "/app");
    span.set_route("/late/{route}");
    span.set_status(201);
  }
  const SpanData server = setup_.collector->spans_by_name()["web.request"];
  EXPECT_EQ(tags_among(server, {"http.status_code", "http.route"}),
            (Entries{{"http.status_code", "201"}, {"http.route", "/late/{route}"}}));
  EXPECT_EQ(server.resource, "GET /late/{route}");
}

}  // namespace
}  // namespace gatetrace
