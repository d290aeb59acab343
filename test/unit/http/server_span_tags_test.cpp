// What the http module adds to HttpServerSpan: obfuscated http.url and http.client_ip.
#include <gtest/gtest.h>

#include "gatetrace/http_server_span.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

std::string meta(const SpanData& span, std::string_view key) {
  const std::string* value = span.meta.find(key);
  return value ? *value : std::string("<absent>");
}

SpanData serve(testing::TestTracerSetup& setup, const HeaderListReader::Headers& headers,
               std::string_view target, std::string_view peer) {
  auto config = setup.config();
  config.startup_logs = false;
  Tracer tracer(config);
  HeaderListReader reader(headers);
  HttpServerRequest request{"GET", target, "", &reader};
  request.peer_address = peer;
  { HttpServerSpan span(tracer, request); }
  return setup.collector->spans_by_name()["web.request"];
}

TEST(ServerSpanTags, UrlObfuscatedByDefault) {
  testing::TestTracerSetup setup;
  SpanData span = serve(setup, {{"host", "api.example"}}, "/login?user=a&password=b", "");
  EXPECT_EQ(meta(span, "http.url"), "http://api.example/login?user=a&<redacted>");
  EXPECT_EQ(meta(span, "http.client_ip"), "<absent>") << "client IP is off by default";
}

TEST(ServerSpanTags, ClientIpWhenEnabled) {
  testing::TestTracerSetup setup;
  setup.env["DD_TRACE_CLIENT_IP_ENABLED"] = "true";
  SpanData span = serve(setup, {{"X-Forwarded-For", "10.0.0.1, 203.0.113.50"}}, "/", "192.168.0.2");
  EXPECT_EQ(meta(span, "http.client_ip"), "203.0.113.50");

  testing::TestTracerSetup peer_only;
  peer_only.env["DD_TRACE_CLIENT_IP_ENABLED"] = "true";
  EXPECT_EQ(meta(serve(peer_only, {}, "/", "127.0.0.1"), "http.client_ip"), "127.0.0.1");
}

}  // namespace
}  // namespace gatetrace
