// The request helper writes the HTTP tags of a fresh span as one run (Meta::Appender,
// the URLs straight into the span's storage) when the span has room for all of them
// and none of their keys; else one by one. Either way the tags must come out the same:
// checked here at every URL size across the room a recycled span has (so that requests
// take both ways), with keys already set by DD_TAGS, with a Host header or a custom
// obfuscation pattern that sends the URL through the obfuscator, and for the inferred
// span's URL around its stack buffer.
#include <gtest/gtest.h>

#include <string>
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

const std::vector<std::string> kServerKeys = {"span.kind",      "component",       "http.method",
                                              "http.url",       "http.client_ip",  "http.route",
                                              "http.useragent", "http.status_code"};
const std::vector<std::string> kInferredKeys = {"component", "span.kind",       "http.method",
                                                "http.url",  "http.route",      "http.useragent",
                                                "region",    "http.status_code"};

struct Served {
  SpanData server;
  SpanData inferred;
};

class RequestTagRunTest : public ::testing::Test {
 protected:
  Tracer make_tracer(const Entries& dd_tags, bool client_ip = true) {
    auto config = setup_.config();
    config.startup_logs = false;
    config.inferred_proxy_services_enabled = true;
    config.client_ip_enabled = client_ip;
    config.tags = dd_tags;
    return Tracer(config);
  }

  Served serve(Tracer& tracer, const std::string& host, const std::string& target,
               const std::string& domain, const std::string& proxy_path,
               const std::string& agent = "curl/8.0") {
    HeaderListReader::Headers headers = {{"x-dd-proxy", "azure-apim"},
                                         {"x-dd-proxy-request-time-ms", "1736973768000"},
                                         {"x-dd-proxy-httpmethod", "GET"},
                                         {"x-dd-proxy-path", proxy_path},
                                         {"x-dd-proxy-domain-name", domain},
                                         {"x-dd-proxy-region", "West Europe"},
                                         {"user-agent", agent},
                                         {"host", host},
                                         {"x-forwarded-for", "8.8.8.8"}};
    HeaderListReader reader(headers);
    {
      HttpServerRequest request;
      request.method = "GET";
      request.target = target;
      request.route = "/api/{id}";
      request.headers = &reader;
      request.component = "cpp-httplib";
      HttpServerSpan span(tracer, request);
      span.set_status(200);
    }
    auto spans = setup_.collector->spans_by_name();
    return Served{spans["web.request"], spans["azure.apim"]};
  }

  testing::TestTracerSetup setup_;
};

TEST_F(RequestTagRunTest, EveryUrlSizeAcrossTheRoom) {
  const std::vector<Entries> configs = {
      {}, {{"team", "web"}}, {{"team", std::string(120, 't')}}, {{"a", "b"}, {"c", "d"}}};
  for (const Entries& dd_tags : configs) {
    Tracer tracer = make_tracer(dd_tags);
    // Up, then down: a recycled span's area has room for some sizes and not others.
    std::vector<std::size_t> sizes;
    for (std::size_t n = 0; n <= 420; n += 7) sizes.push_back(n);
    for (std::size_t n = 421; n-- > 0;) {
      if (n % 13 == 0) sizes.push_back(n);
    }
    for (std::size_t n : sizes) {
      const std::string target = "/" + std::string(n, 'p');
      const std::string proxy_path = "/" + std::string(n / 2, 'q');
      const std::string agent(n % 80, 'a');
      const Served served =
          serve(tracer, "backend.internal", target, "shop.example", proxy_path, agent);
      // The helper's tags in their order, once each.
      const Entries server = tags_of(served.server);
      const Entries helper_tags = {
          {"span.kind", "server"},       {"component", "cpp-httplib"},
          {"http.method", "GET"},        {"http.url", "http://backend.internal" + target},
          {"http.client_ip", "8.8.8.8"}, {"http.route", "/api/{id}"},
          {"http.useragent", agent},     {"http.status_code", "200"}};
      EXPECT_EQ(tags_among(server, kServerKeys), helper_tags) << n;
      // DD_TAGS before them.
      EXPECT_EQ(tags_among(server, {"team", "a", "c"}), dd_tags) << n;
      const Entries inferred = tags_of(served.inferred);
      // (The gateway's User-Agent only when not empty.)
      Entries inferred_tags = {{"component", "azure-apim"},
                               {"span.kind", "server"},
                               {"http.method", "GET"},
                               {"http.url", "https://shop.example" + proxy_path}};
      if (!agent.empty()) inferred_tags.emplace_back("http.useragent", agent);
      inferred_tags.emplace_back("region", "West Europe");
      inferred_tags.emplace_back("http.status_code", "200");
      EXPECT_EQ(tags_among(inferred, kInferredKeys), inferred_tags) << n;
      EXPECT_EQ(tags_among(inferred, {"team", "a", "c"}), dd_tags) << n;
    }
  }
}

TEST_F(RequestTagRunTest, KeysAlreadySetKeepTheirPlace) {
  // One of the run's keys set by DD_TAGS on every span: the tags are set one by one,
  // that key replaced where it is.
  Tracer tracer = make_tracer({{"http.useragent", "dd"}, {"span.kind", "dd"}, {"k", "v"}});
  const Served served = serve(tracer, "h", "/x", "d.example", "nolead");
  std::vector<std::string> server_keys = kServerKeys;
  server_keys.push_back("k");
  EXPECT_EQ(tags_among(tags_of(served.server), server_keys),
            (Entries{{"http.useragent", "curl/8.0"},
                     {"span.kind", "server"},
                     {"k", "v"},
                     {"component", "cpp-httplib"},
                     {"http.method", "GET"},
                     {"http.url", "http://h/x"},
                     {"http.client_ip", "8.8.8.8"},
                     {"http.route", "/api/{id}"},
                     {"http.status_code", "200"}}));
  std::vector<std::string> inferred_keys = kInferredKeys;
  inferred_keys.push_back("k");
  const Entries inferred_among = tags_among(tags_of(served.inferred), inferred_keys);
  EXPECT_EQ(inferred_among, (Entries{{"http.useragent", "curl/8.0"},
                                     {"span.kind", "server"},
                                     {"k", "v"},
                                     {"component", "azure-apim"},
                                     {"http.method", "GET"},
                                     {"http.url", "https://d.example/nolead"},
                                     {"region", "West Europe"},
                                     {"http.status_code", "200"}}));
}

std::string url_of(const SpanData& span) {
  for (const auto& [key, value] : tags_of(span)) {
    if (key == "http.url") return value;
  }
  return "<absent>";
}

TEST_F(RequestTagRunTest, UrlsThatGoThroughTheObfuscator) {
  {
    // A '?' in the Host header alone: the obfuscator looks from it.
    Tracer tracer = make_tracer({}, false);
    EXPECT_EQ(url_of(serve(tracer, "h?password=1", "/p", "d", "/").server), "http://h?<redacted>");
    EXPECT_EQ(url_of(serve(tracer, "h", "/p", "d", "/").server), "http://h/p");
  }
  // A custom pattern that would match: URLs without '?' are still left as they are.
  setup_.env["DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP"] = "users|host";
  Tracer tracer = make_tracer({}, false);
  EXPECT_EQ(url_of(serve(tracer, "host.example", "/users/7", "d", "/").server),
            "http://host.example/users/7");
  EXPECT_EQ(url_of(serve(tracer, "", "/users/7", "d", "/").server), "http:///users/7");
  EXPECT_EQ(url_of(serve(tracer, "h", "https://a/users", "d", "/").server), "https://a/users");
}

TEST_F(RequestTagRunTest, StatusFirstAsARunThenOverwritten) {
  // The first three-digit status is a new tag written straight into the span's storage;
  // later ones (or a status the application set first) overwrite it in place.
  Tracer tracer = make_tracer({{"k", "v"}});
  const HeaderListReader::Headers headers = {{"x-dd-proxy", "azure-apim"},
                                             {"x-dd-proxy-request-time-ms", "1736973768000"},
                                             {"x-dd-proxy-domain-name", "d.example"},
                                             {"host", "h"}};
  HeaderListReader reader(headers);
  const std::vector<std::vector<int>> sequences = {{200},       {200, 503},     {99, 200},
                                                   {200, 1000}, {-5, 404, 404}, {}};
  for (const auto& statuses : sequences) {
    for (bool app_first : {false, true}) {
      {
        HttpServerRequest request;
        request.method = "GET";
        request.target = "/s";
        request.headers = &reader;
        HttpServerSpan span(tracer, request);
        if (app_first) span.span().set_tag("http.status_code", "app");
        for (int status : statuses) span.set_status(status);
      }
      const auto spans = setup_.collector->spans_by_name();
      for (const char* name : {"web.request", "azure.apim"}) {
        const Entries status_tags = tags_among(tags_of(spans.at(name)), {"http.status_code"});
        Entries expected;
        if (!statuses.empty()) {
          expected.emplace_back("http.status_code", std::to_string(statuses.back()));
        } else if (app_first && std::string(name) == "web.request") {
          expected.emplace_back("http.status_code", "app");
        }
        EXPECT_EQ(status_tags, expected) << name << " " << statuses.size() << app_first;
      }
    }
  }
}

TEST_F(RequestTagRunTest, InferredUrlAroundItsStackBuffer) {
  Tracer tracer = make_tracer({});
  // "https://" + domain + path: 320 bytes is the stack buffer of the one-by-one way.
  for (std::size_t size = 300; size <= 340; ++size) {
    for (bool slash : {false, true}) {
      const std::string domain(100, 'd');
      const std::size_t path_size = size - 8 - domain.size() - (slash ? 1 : 0);
      const std::string path =
          slash ? std::string(path_size, 'p') : "/" + std::string(path_size - 1, 'p');
      const Served served = serve(tracer, "h", "/x", domain, path);
      std::string url;
      for (const auto& [key, value] : tags_of(served.inferred)) {
        if (key == "http.url") url = value;
      }
      EXPECT_EQ(url, "https://" + domain + "/" + std::string(path_size - (slash ? 0 : 1), 'p'))
          << size << slash;
      EXPECT_EQ(url.size(), size);
    }
  }
}

}  // namespace
}  // namespace gatetrace
