// What the http module adds to HttpServerSpan: obfuscated http.url and http.client_ip.
#include <gtest/gtest.h>

#include <exception>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>

#include "gatetrace/http_server_span.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

std::string meta(const SpanData& span, std::string_view key) {
  const auto value = span.meta.find(key);
  return value ? std::string(*value) : std::string("<absent>");
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

// The helper reads the count of uncaught exceptions itself (not through
// std::uncaught_exceptions): a request ended by unwinding is an error; one served
// whole inside a destructor that runs during unwinding is not, nor is one on another
// thread while this one unwinds.
TEST(ServerSpanTags, OnlyUnwindingThroughTheRequestMarksItAnError) {
  testing::TestTracerSetup setup;
  auto config = setup.config();
  config.startup_logs = false;
  Tracer tracer(config);
  HeaderListReader::Headers none;
  HeaderListReader reader(none);
  struct ServesWhenDestroyed {
    Tracer& tracer;
    HeaderListReader& reader;
    ~ServesWhenDestroyed() {
      HttpServerSpan span(tracer, {"GET", "/in-destructor", "", &reader});
      EXPECT_EQ(std::uncaught_exceptions(), 1);
      std::thread other([&] {
        HttpServerSpan span(tracer, {"GET", "/other-thread", "", &reader});
      });
      other.join();
    }
  };
  try {
    HttpServerSpan unwound(tracer, {"GET", "/unwound", "", &reader});
    ServesWhenDestroyed serves{tracer, reader};
    throw std::runtime_error("handler failed");
  } catch (const std::runtime_error&) {
  }
  std::map<std::string, bool> error_by_url;
  for (const auto& chunk : setup.collector->chunks()) {
    for (const auto& span : chunk.spans) error_by_url[meta(span, "http.url")] = span.error;
  }
  EXPECT_EQ(error_by_url, (std::map<std::string, bool>{{"http:///unwound", true},
                                                       {"http:///in-destructor", false},
                                                       {"http:///other-thread", false}}));
}

TEST(ServerSpanTags, UrlObfuscatedByDefault) {
  testing::TestTracerSetup setup;
  SpanData span = serve(setup, {{"host", "api.example"}}, "/login?user=a&password=b", "");
  EXPECT_EQ(meta(span, "http.url"), "http://api.example/login?user=a&<redacted>");
  EXPECT_EQ(meta(span, "http.client_ip"), "<absent>") << "client IP is off by default";
}

// http.url is built on the stack and only a URL with a '?' reaches the obfuscator: every
// shape of it must read as before.
TEST(ServerSpanTags, UrlShapes) {
  testing::TestTracerSetup setup;
  EXPECT_EQ(meta(serve(setup, {{"host", "api.example"}}, "/users/7", ""), "http.url"),
            "http://api.example/users/7");
  EXPECT_EQ(meta(serve(setup, {}, "/users/7", ""), "http.url"), "http:///users/7");
  EXPECT_EQ(
      meta(serve(setup, {{"host", "api.example"}}, "https://other.example/a?password=x&b=1", ""),
           "http.url"),
      "https://other.example/a?<redacted>&b=1");
  EXPECT_EQ(
      meta(serve(setup, {{"host", "api.example"}}, "https://other.example/a", ""), "http.url"),
      "https://other.example/a");
  // The obfuscator searches from the first '?', even one in the Host header.
  EXPECT_EQ(meta(serve(setup, {{"host", "h?password=x"}}, "/p", ""), "http.url"),
            "http://h?<redacted>");
  // Longer than the stack buffer: host capped at 255 bytes, target at 2048.
  const std::string host(300, 'h');
  const std::string path = "/" + std::string(3000, 'p');
  EXPECT_EQ(meta(serve(setup, {{"host", host}}, path, ""), "http.url"),
            "http://" + host.substr(0, 255) + path.substr(0, 2048));
  EXPECT_EQ(meta(serve(setup, {{"host", host}}, path + "?password=x", ""), "http.url"),
            "http://" + host.substr(0, 255) + path.substr(0, 2048));
  EXPECT_EQ(meta(serve(setup, {{"host", host}}, "/a?password=x", ""), "http.url"),
            "http://" + host.substr(0, 255) + "/a?<redacted>");
}

TEST(ServerSpanTags, UrlNotObfuscatedWhenDisabled) {
  testing::TestTracerSetup setup;
  setup.env["DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP"] = "";
  EXPECT_EQ(meta(serve(setup, {{"host", "api.example"}}, "/login?password=b", ""), "http.url"),
            "http://api.example/login?password=b");
}

TEST(ServerSpanTags, ResourceAndStatusCode) {
  testing::TestTracerSetup setup;
  auto config = setup.config();
  config.startup_logs = false;
  Tracer tracer(config);
  const HeaderListReader::Headers headers;
  HeaderListReader reader(headers);
  const std::string long_route = "/" + std::string(400, 'r');
  for (const auto& [route, status, code] :
       {std::tuple{std::string("/users/{id}"), 201, "201"}, std::tuple{long_route, -7, "-7"},
        std::tuple{std::string(), 2147483647, "2147483647"}}) {
    HttpServerRequest request{"POST", "/x", route, &reader};
    {
      HttpServerSpan span(tracer, request);
      span.set_status(status);
    }
    SpanData data = setup.collector->spans_by_name()["web.request"];
    EXPECT_EQ(data.resource, route.empty() ? "POST" : "POST " + route);
    EXPECT_EQ(meta(data, "http.status_code"), code);
  }
  {
    HttpServerRequest request{"GET", "/x", "", &reader};
    HttpServerSpan span(tracer, request);
    span.set_route(long_route);
  }
  EXPECT_EQ(setup.collector->spans_by_name()["web.request"].resource, "GET " + long_route);
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
