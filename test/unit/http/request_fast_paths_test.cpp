// The request helper's fast paths and what they must fall back on: the status text
// written without std::to_chars, values joined with inline copies, the per-thread cache
// of URLs the default obfuscation pattern cannot change, and the inferred span taking
// the server span's outcome before the server span finishes (and after it, the old
// way, when a partial flush could deliver the server span on its own), the destructor
// leaving both spans to their own destructors, the method kept inline for set_route(),
// and a URL without '?' settled without the obfuscator.
#include <gtest/gtest.h>

#include <climits>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "gatetrace/http/query_obfuscator.h"
#include "gatetrace/http_server_span.h"
#include "gatetrace/proxy/inferred_span.h"
#include "gatetrace/proxy/joined_value.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// The span's tags in their order, as text (whatever the map stores them as).
Entries tags_of(const SpanData& span) {
  Entries result;
  for (const auto& entry : span.meta) {
    result.emplace_back(std::string(std::string_view(entry.first)),
                        std::string(std::string_view(entry.second)));
  }
  return result;
}

std::string tag(const SpanData& span, std::string_view key) {
  for (const auto& [k, v] : tags_of(span)) {
    if (k == key) return v;
  }
  return "<absent>";
}

TEST(StatusText, SameAsToString) {
  for (int status = -1200; status <= 1200; ++status) {
    ASSERT_EQ(StatusText(status).view(), std::to_string(status)) << status;
  }
  for (int status : {INT_MIN, INT_MIN + 1, -100000, 99999, 100000, INT_MAX}) {
    EXPECT_EQ(StatusText(status).view(), std::to_string(status)) << status;
  }
}

TEST(JoinedValueCopy, EverySizeUpToPastTheInlineLimit) {
  std::string source;
  for (int i = 0; i < 80; ++i) source.push_back(static_cast<char>('A' + i % 50));
  for (std::size_t n = 0; n <= source.size(); ++n) {
    std::string target(100, '.');
    detail::move_chars(target.data() + 5, source.data(), n);
    EXPECT_EQ(target.substr(0, 5), ".....") << n;
    EXPECT_EQ(target.substr(5, n), source.substr(0, n)) << n;
    EXPECT_EQ(target.substr(5 + n), std::string(95 - n, '.')) << n;
  }
}

// One JoinedValue joined again and again (as the request helper's resources are): each
// value is its pieces, shorter or longer than the last, past the inline buffer and back.
TEST(JoinedValueJoin, EachJoinReplacesTheValue) {
  const std::string long_route(300, 'r');
  const std::string non_ascii = "GET /caf\xc3\xa9/{id}";
  JoinedValue value;
  EXPECT_EQ(value.view(), "");
  EXPECT_EQ(value.join({"GET", " ", "/users/{id}"}), "GET /users/{id}");
  EXPECT_EQ(value.join({"POST", " ", "/x"}), "POST /x");
  EXPECT_EQ(value.join({"DELETE", " ", long_route}), "DELETE " + long_route);
  EXPECT_EQ(value.view(), "DELETE " + long_route);
  EXPECT_EQ(value.join({"", "", ""}), "");
  EXPECT_EQ(value.join({"/", "a"}), "/a");
  EXPECT_EQ(value.join({non_ascii.substr(0, 3), " ", non_ascii.substr(4)}), non_ascii);
  const std::string exactly_inline(256, 'i');
  EXPECT_EQ(value.join({exactly_inline.substr(0, 100), exactly_inline.substr(100)}),
            exactly_inline);
  EXPECT_EQ(value.join({exactly_inline, "+"}), exactly_inline + "+");
}

// The cache answers only for a URL it has seen cleared; every other URL is scanned.
TEST(UnchangedUrlCache, RepeatsAndChanges) {
  const QueryObfuscator obfuscator(std::nullopt, nullptr);
  EXPECT_FALSE(obfuscator.may_change("http://h/a?xx=1"));
  EXPECT_FALSE(obfuscator.may_change("http://h/a?xx=1"));
  // Same length, one word different.
  EXPECT_TRUE(obfuscator.may_change("http://h/a?pw=1"));
  EXPECT_FALSE(obfuscator.may_change("http://h/a?xx=1"));
  // Same length, last byte different.
  EXPECT_FALSE(obfuscator.may_change("http://h/a?xx=2"));
  EXPECT_TRUE(obfuscator.may_change("http://h/a?xx=2&token=3"));
  // No query string: cleared and kept too.
  EXPECT_FALSE(obfuscator.may_change("http://h/api/users/7"));
  EXPECT_FALSE(obfuscator.may_change("http://h/api/users/7"));
  EXPECT_TRUE(obfuscator.may_change("http://h/api/users/7?secret=1"));
  // Non-ASCII queries are always left to RE2, also when repeated.
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(obfuscator.may_change("http://h/q?caf\xc3\xa9=1"));
  EXPECT_FALSE(obfuscator.may_change(""));
  EXPECT_FALSE(obfuscator.may_change(""));
  // Longer than the cache holds: scanned every time.
  const std::string long_clean = "http://h/p?" + std::string(300, 'x') + "=1";
  const std::string long_secret = "http://h/p?" + std::string(300, 'x') + "=1&password=2";
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(obfuscator.may_change(long_clean));
    EXPECT_TRUE(obfuscator.may_change(long_secret));
  }
  // Exactly the cache's size, then one more byte.
  std::string edge = "http://h/p?q=" + std::string(256 - 13, 'x');
  ASSERT_EQ(edge.size(), 256u);
  EXPECT_FALSE(obfuscator.may_change(edge));
  EXPECT_FALSE(obfuscator.may_change(edge));
  EXPECT_TRUE(obfuscator.may_change(edge.substr(0, 250) + "token="));
  EXPECT_FALSE(obfuscator.may_change(edge + "y"));
}

// A custom pattern or none: the cache of the default pattern's answers is not consulted.
TEST(UnchangedUrlCache, OnlyForTheDefaultPattern) {
  const QueryObfuscator by_default(std::nullopt, nullptr);
  const QueryObfuscator custom(std::string("sort=[a-z]+"), nullptr);
  const QueryObfuscator disabled(std::string(""), nullptr);
  const std::string url = "http://h/a?sort=asc";
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(by_default.may_change(url));
    EXPECT_TRUE(custom.may_change(url));
    EXPECT_FALSE(disabled.may_change(url));
  }
  EXPECT_FALSE(custom.may_change("http://h/a"));
  std::string rewritten = url;
  custom.obfuscate_url(rewritten);
  EXPECT_EQ(rewritten, "http://h/a?<redacted>");
}

TEST(UnchangedUrlCache, PerThread) {
  const QueryObfuscator obfuscator(std::nullopt, nullptr);
  EXPECT_FALSE(obfuscator.may_change("http://h/a?x=1"));
  bool other_thread = false;
  std::thread([&] {
    other_thread = obfuscator.may_change("http://h/a?x=1&auth=2");
    EXPECT_FALSE(obfuscator.may_change("http://h/a?x=1"));
  }).join();
  EXPECT_TRUE(other_thread);
  EXPECT_FALSE(obfuscator.may_change("http://h/a?x=1"));
}

// Requests whose http.url changes in any part between requests: each is obfuscated on
// its own, whatever the previous request cached.
TEST(UnchangedUrlCache, HelperSeesEveryChangeBetweenRequests) {
  testing::TestTracerSetup setup;
  auto config = setup.config();
  config.startup_logs = false;
  Tracer tracer(config);
  const struct {
    std::string host;
    std::string target;
    std::string url;
  } requests[] = {
      {"api.example", "/p?x=1", "http://api.example/p?x=1"},
      {"api.example", "/p?x=1", "http://api.example/p?x=1"},
      {"api.example", "/p?password=1", "http://api.example/p?<redacted>"},
      {"api.example", "/p?x=1", "http://api.example/p?x=1"},
      {"h?password=x", "/p", "http://h?<redacted>"},
      {"api.example", "/p", "http://api.example/p"},
      {"api.example", "/p", "http://api.example/p"},
      {"api.example", "/p?token=abc", "http://api.example/p?<redacted>"},
      {"api.example", "/p?tokem=abc", "http://api.example/p?tokem=abc"},
      {"api.example", "/p?tokem=abc", "http://api.example/p?tokem=abc"},
  };
  for (const auto& request : requests) {
    const HeaderListReader::Headers headers = {{"host", request.host}};
    HeaderListReader reader(headers);
    { HttpServerSpan span(tracer, {"GET", request.target, "", &reader}); }
    EXPECT_EQ(tag(setup.collector->spans_by_name()["web.request"], "http.url"), request.url)
        << request.host << " " << request.target;
  }
}

TEST(UnchangedUrlCache, KnownUnchangedIsTheDefaultPatternsLastAnswer) {
  const QueryObfuscator by_default(std::nullopt, nullptr);
  const QueryObfuscator custom(std::string("sort=[a-z]+"), nullptr);
  EXPECT_FALSE(by_default.may_change("http://h/k?sort=asc"));
  EXPECT_TRUE(known_unchanged_by_default_pattern("http://h/k?sort=asc"));
  EXPECT_FALSE(known_unchanged_by_default_pattern("http://h/k?sort=asd"));
  EXPECT_FALSE(known_unchanged_by_default_pattern("http://h/k?sort=as"));
  EXPECT_TRUE(custom.may_change("http://h/k?sort=asd"));
  EXPECT_TRUE(known_unchanged_by_default_pattern("http://h/k?sort=asc"))
      << "a custom pattern neither fills nor clears it";
  EXPECT_TRUE(by_default.may_change("http://h/k?token=1"));
  EXPECT_TRUE(known_unchanged_by_default_pattern("http://h/k?sort=asc"));
  bool other_thread = true;
  std::thread([&] {
    other_thread = known_unchanged_by_default_pattern("http://h/k?sort=asc");
  }).join();
  EXPECT_FALSE(other_thread);
}

// The helper settles a URL from that cache only for a tracer on the default pattern:
// tracers with another pattern, none, or an invalid one (which falls back to the
// default) serve the same URL on the same thread in between.
TEST(UnchangedUrlCache, HelperUsesItOnlyForTheDefaultPattern) {
  struct Case {
    std::optional<std::string> pattern;
    std::string url;
  };
  const std::string target = "/p?fields=name&sort=asc";
  const Case cases[] = {
      {std::nullopt, "http://h/p?fields=name&sort=asc"},
      {std::string("sort=[a-z]+"), "http://h/p?fields=name&<redacted>"},
      {std::string(""), "http://h/p?fields=name&sort=asc"},
      {std::string("("), "http://h/p?fields=name&sort=asc"},
      {std::nullopt, "http://h/p?fields=name&sort=asc"},
      {std::string("fields"), "http://h/p?<redacted>=name&sort=asc"},
  };
  for (int round = 0; round < 2; ++round) {
    for (const Case& c : cases) {
      testing::TestTracerSetup setup;
      auto config = setup.config();
      config.startup_logs = false;
      config.query_string_obfuscation_regex = c.pattern;
      Tracer tracer(config);
      const HeaderListReader::Headers headers = {{"host", "h"}};
      HeaderListReader reader(headers);
      for (int i = 0; i < 2; ++i) {
        { HttpServerSpan span(tracer, {"GET", target, "", &reader}); }
        EXPECT_EQ(tag(setup.collector->spans_by_name()["web.request"], "http.url"), c.url)
            << c.pattern.value_or("<default>");
      }
      // An absolute target goes through the same check.
      { HttpServerSpan span(tracer, {"GET", "http://h" + target, "", &reader}); }
      EXPECT_EQ(tag(setup.collector->spans_by_name()["web.request"], "http.url"), c.url);
    }
  }
}

// Both spans' resources are written over the recycled spans' texts from request to
// request: every resource, longer or shorter than the last, non-ASCII or past the joined
// value's inline buffer, is the request's own.
TEST(RequestResources, FollowEveryRequest) {
  testing::TestTracerSetup setup;
  auto config = setup.config();
  config.startup_logs = false;
  config.inferred_proxy_services_enabled = true;
  Tracer tracer(config);
  const std::string long_path = "/" + std::string(300, 'p');
  const struct {
    std::string method;
    std::string path;
    std::string route;
    std::string inferred_resource;
    std::string server_resource;
  } requests[] = {
      {"GET", "/api/widgets/{id}", "/w/{id}", "GET /api/widgets/{id}", "GET /w/{id}"},
      {"DELETE", long_path, "", "DELETE " + long_path, "GET"},
      {"GET", "nolead", "/caf\xc3\xa9/{id}", "GET /nolead", "GET /caf\xc3\xa9/{id}"},
      {"", "/only/path", "/r", "/only/path", "GET /r"},
      {"POST", "", long_path, "POST", "GET " + long_path},
      {"", "", "/r", "azure.apim", "GET /r"},
      {"GET", "/api/widgets/{id}", "/w/{id}", "GET /api/widgets/{id}", "GET /w/{id}"},
  };
  for (const auto& request : requests) {
    HeaderListReader::Headers headers = {
        {"x-dd-proxy", "azure-apim"},
        {"x-dd-proxy-request-time-ms", "1736973768000"},
        {"x-dd-proxy-domain-name", "my-api.azure-api.net"},
    };
    if (!request.method.empty()) headers.emplace_back("x-dd-proxy-httpmethod", request.method);
    if (!request.path.empty()) headers.emplace_back("x-dd-proxy-path", request.path);
    HeaderListReader reader(headers);
    {
      HttpServerSpan span(tracer, {"GET", "/x", request.route, &reader});
      span.set_status(200);
    }
    auto spans = setup.collector->spans_by_name();
    EXPECT_EQ(spans["azure.apim"].resource, request.inferred_resource);
    EXPECT_EQ(spans["azure.apim"].service, "my-api.azure-api.net");
    EXPECT_EQ(spans["web.request"].resource, request.server_resource);
    EXPECT_EQ(spans["web.request"].service, "my-backend");
    // The type is set once in the per-thread configs.
    EXPECT_EQ(spans["azure.apim"].type, "web");
    EXPECT_EQ(spans["web.request"].type, "web");
  }
}

// The inferred span's outcome, for the fast path (server span still open) and the old
// path (partial flush on).
class InferredOutcomeTest : public ::testing::TestWithParam<bool> {
 protected:
  bool partial_flush() const { return GetParam(); }

  struct Result {
    SpanData server;
    SpanData inferred;
  };

  template <typename Handle>
  Result serve(Handle&& handle, std::string_view route = "/api/widgets/{id}") {
    auto config = setup_.config();
    config.startup_logs = false;
    config.inferred_proxy_services_enabled = true;
    if (partial_flush()) {
      config.partial_flush_enabled = true;
      config.partial_flush_min_spans = 1;
    }
    if (configure_) configure_(config);
    Tracer tracer(config);
    const HeaderListReader::Headers headers = {
        {"x-dd-proxy", "azure-apim"},
        {"x-dd-proxy-request-time-ms", "1736973768000"},
        {"x-dd-proxy-httpmethod", "GET"},
        {"x-dd-proxy-path", "/api/widgets/{id}"},
        {"x-dd-proxy-domain-name", "my-api.azure-api.net"},
        {"user-agent", "curl/8.0"},
    };
    HeaderListReader reader(headers);
    {
      HttpServerSpan span(tracer, {"GET", "/api/widgets/7", route, &reader});
      EXPECT_NE(span.inferred_span(), nullptr);
      handle(span);
    }
    auto spans = setup_.collector->spans_by_name();
    return Result{spans["web.request"], spans["azure.apim"]};
  }

  // The inferred span's tags that come from the server span, in their order.
  static Entries outcome_tags(const SpanData& span) {
    Entries result;
    for (auto& [key, value] : tags_of(span)) {
      if (key == "http.status_code" || key.rfind("error.", 0) == 0) {
        result.emplace_back(key, value);
      }
    }
    return result;
  }

  testing::TestTracerSetup setup_;
  std::function<void(TracerConfig&)> configure_;
};

TEST_P(InferredOutcomeTest, StatusCodes) {
  for (const auto& [status, error] :
       {std::pair{200, false}, std::pair{404, false}, std::pair{500, true}, std::pair{599, true}}) {
    Result r = serve([status = status](HttpServerSpan& span) { span.set_status(status); });
    EXPECT_EQ(outcome_tags(r.inferred), (Entries{{"http.status_code", std::to_string(status)}}));
    EXPECT_EQ(r.inferred.error, error) << status;
    EXPECT_EQ(r.server.error, error) << status;
    EXPECT_EQ(r.inferred.duration_ns,
              r.server.start.wall_ns + r.server.duration_ns - r.inferred.start.wall_ns);
  }
  Result none = serve([](HttpServerSpan&) {});
  EXPECT_EQ(outcome_tags(none.inferred), Entries{});
  EXPECT_FALSE(none.inferred.error);
}

TEST_P(InferredOutcomeTest, ErrorDetailsInOrderAfterTheStatus) {
  const std::string long_message(300, 'm');
  Result r = serve([&](HttpServerSpan& span) {
    span.span().set_error_stack("frame 1\nframe 2");
    span.set_error("std::runtime_error", long_message);
    span.set_status(503);
  });
  EXPECT_EQ(outcome_tags(r.inferred), (Entries{{"http.status_code", "503"},
                                               {"error.message", long_message},
                                               {"error.type", "std::runtime_error"},
                                               {"error.stack", "frame 1\nframe 2"}}));
  EXPECT_TRUE(r.inferred.error);
}

// Tags the application set on the server span itself are read from the span, not from
// what the helper remembers.
TEST_P(InferredOutcomeTest, TagsTheApplicationSetItself) {
  Result r = serve([](HttpServerSpan& span) {
    span.span().set_tag("error.message", "caf\xc3\xa9 closed");
    span.set_status(200);
  });
  EXPECT_FALSE(r.server.error);
  EXPECT_TRUE(r.inferred.error) << "set_error_message marks the inferred span";
  EXPECT_EQ(outcome_tags(r.inferred),
            (Entries{{"http.status_code", "200"}, {"error.message", "caf\xc3\xa9 closed"}}));

  Result cleared = serve([](HttpServerSpan& span) {
    span.set_error("T", "M");
    span.span().set_error(false);
    span.set_status(404);
  });
  EXPECT_FALSE(cleared.inferred.error);
  EXPECT_EQ(outcome_tags(cleared.inferred), (Entries{{"http.status_code", "404"}}));

  Result flagged = serve([](HttpServerSpan& span) { span.span().set_error(true); });
  EXPECT_TRUE(flagged.inferred.error);
  EXPECT_EQ(outcome_tags(flagged.inferred), Entries{});

  // A status the application wrote over the helper's stays on the server span only.
  Result overridden = serve([](HttpServerSpan& span) {
    span.set_status(200);
    span.span().set_tag("http.status_code", "299");
  });
  EXPECT_EQ(tag(overridden.server, "http.status_code"), "299");
  EXPECT_EQ(tag(overridden.inferred, "http.status_code"), "200");
}

TEST_P(InferredOutcomeTest, ExceptionUnwindingThroughTheHelper) {
  Result r;
  try {
    r = serve([](HttpServerSpan&) { throw std::logic_error("bug"); });
  } catch (const std::logic_error&) {
    auto spans = setup_.collector->spans_by_name();
    r = Result{spans["web.request"], spans["azure.apim"]};
  }
  EXPECT_TRUE(r.server.error);
  EXPECT_TRUE(r.inferred.error);
  EXPECT_EQ(outcome_tags(r.inferred),
            (Entries{{"error.message", "the request handler exited with an exception"},
                     {"error.type", "exception"}}));
}

// Finishing skips looking up the server span's error tags while only the helper has
// tagged it; every way they can get there must still reach the inferred span.
TEST_P(InferredOutcomeTest, NoErrorTagsWhileOnlyTheHelperTagged) {
  for (int status : {200, 404, 500}) {
    Result r = serve([status](HttpServerSpan& span) { span.set_status(status); });
    EXPECT_EQ(outcome_tags(r.inferred), (Entries{{"http.status_code", std::to_string(status)}}));
    EXPECT_EQ(r.inferred.error, status == 500);
    EXPECT_EQ(tag(r.server, "error.message"), "<absent>");
  }
}

TEST_P(InferredOutcomeTest, ErrorTagsFromSetErrorAndExceptions) {
  Result r = serve([](HttpServerSpan& span) {
    span.set_exception(std::out_of_range("no such widget"));
    span.set_status(404);
  });
  EXPECT_TRUE(r.inferred.error);
  EXPECT_EQ(outcome_tags(r.inferred), (Entries{{"http.status_code", "404"},
                                               {"error.message", "no such widget"},
                                               {"error.type", "std::out_of_range"}}));
  Result empty = serve([](HttpServerSpan& span) { span.set_error("", ""); });
  EXPECT_EQ(outcome_tags(empty.inferred), (Entries{{"error.message", ""}, {"error.type", ""}}));
}

TEST_P(InferredOutcomeTest, ErrorTagsThroughASpanHandedOutBeforeAMove) {
  Result r = serve([](HttpServerSpan& span) {
    span.span().set_tag("error.stack", "frame");
    HttpServerSpan moved(std::move(span));  // takes what span() handed out along
    moved.set_status(200);
  });
  EXPECT_TRUE(r.inferred.error);
  EXPECT_EQ(outcome_tags(r.inferred),
            (Entries{{"http.status_code", "200"}, {"error.stack", "frame"}}));
}

// The application may move the server span out of span() and finish it: the helper then
// holds an empty span, whose error tags it cannot read (and must not read by id from a
// span that no longer has any); the inferred span keeps only the status.
TEST_P(InferredOutcomeTest, NoErrorTagsFromAServerSpanMovedOut) {
  Result r = serve([](HttpServerSpan& span) {
    span.set_status(200);
    Span taken = std::move(span.span());
    taken.set_error_message("taken away");
  });
  EXPECT_EQ(tag(r.server, "error.message"), "taken away");
  EXPECT_FALSE(r.inferred.error);
  EXPECT_EQ(outcome_tags(r.inferred), (Entries{{"http.status_code", "200"}}));
}

TEST_P(InferredOutcomeTest, ErrorTagsFromTheTracersDefaultTags) {
  configure_ = [](TracerConfig& config) {
    config.tags = std::vector<std::pair<std::string, std::string>>{{"error.type", "cfg"}};
  };
  Result r = serve([](HttpServerSpan& span) { span.set_status(200); });
  EXPECT_TRUE(r.inferred.error) << "set_error_type marks the inferred span";
  EXPECT_EQ(tag(r.inferred, "error.type"), "cfg");
  EXPECT_FALSE(r.server.error);
}

TEST_P(InferredOutcomeTest, ErrorTagsFromHeaderTags) {
  configure_ = [](TracerConfig& config) {
    config.header_tags =
        std::vector<std::pair<std::string, std::string>>{{"user-agent", "error.message"}};
  };
  Result r = serve([](HttpServerSpan& span) { span.set_status(201); });
  EXPECT_TRUE(r.inferred.error);
  EXPECT_EQ(outcome_tags(r.inferred),
            (Entries{{"error.message", "curl/8.0"}, {"http.status_code", "201"}}))
      << "the inferred span's own header tag keeps its place";
}

INSTANTIATE_TEST_SUITE_P(Paths, InferredOutcomeTest, ::testing::Bool(), [](const auto& info) {
  return info.param ? "PartialFlush" : "ServerSpanOpen";
});

}  // namespace
}  // namespace gatetrace

namespace gatetrace {
namespace {

const HeaderListReader::Headers kApimHeaders = {
    {"x-dd-proxy", "azure-apim"},
    {"x-dd-proxy-request-time-ms", "1736973768000"},
    {"x-dd-proxy-httpmethod", "GET"},
    {"x-dd-proxy-path", "/api/widgets/{id}"},
    {"x-dd-proxy-domain-name", "my-api.azure-api.net"},
    {"host", "h"},
};

Tracer helper_tracer(testing::TestTracerSetup& setup) {
  auto config = setup.config();
  config.startup_logs = false;
  config.inferred_proxy_services_enabled = true;
  return Tracer(config);
}

std::int64_t steady_end(const SpanData& span) { return span.start.steady_ns + span.duration_ns; }

// The destructor gives both spans their end and outcome, and their own destructors
// finish them: the trace arrives whole, both spans ending when the helper ended, as
// when finish() is called first.
TEST(HelperDestructor, EndsBothSpansAsFinishDoes) {
  for (bool finish_first : {false, true}) {
    testing::TestTracerSetup setup;
    Tracer tracer = helper_tracer(setup);
    HeaderListReader reader(kApimHeaders);
    std::int64_t ended_at = 0;
    {
      HttpServerSpan span(tracer, {"GET", "/x", "/r", &reader});
      span.set_status(503);
      setup.clock->advance_ms(7);
      if (finish_first) {
        ended_at = setup.clock->now().steady_ns;
        span.finish();
        EXPECT_EQ(setup.collector->chunks().size(), 1u);
      }
      setup.clock->advance_ms(5);
      if (!finish_first) {
        ended_at = setup.clock->now().steady_ns;
        EXPECT_TRUE(setup.collector->chunks().empty());
      }
    }
    const auto chunks = setup.collector->chunks();
    ASSERT_EQ(chunks.size(), 1u) << finish_first;
    ASSERT_EQ(chunks[0].spans.size(), 2u);
    const SpanData& inferred = chunks[0].spans[0];
    const SpanData& server = chunks[0].spans[1];
    EXPECT_EQ(inferred.name, "azure.apim");
    EXPECT_EQ(server.name, "web.request");
    EXPECT_EQ(steady_end(server), ended_at);
    EXPECT_EQ(steady_end(inferred), ended_at);
    EXPECT_EQ(tag(inferred, "http.status_code"), "503");
    EXPECT_EQ(tag(server, "http.status_code"), "503");
    EXPECT_EQ(server.type, "web");
    EXPECT_EQ(inferred.type, "web");
  }
}

// Without a gateway, the server span alone, ended when the helper ended.
TEST(HelperDestructor, ServerSpanAloneEndsAtTheHelpersEnd) {
  testing::TestTracerSetup setup;
  Tracer tracer = helper_tracer(setup);
  const HeaderListReader::Headers headers = {{"host", "h"}};
  HeaderListReader reader(headers);
  std::int64_t ended_at = 0;
  {
    HttpServerSpan span(tracer, {"GET", "/x", "", &reader});
    EXPECT_EQ(span.inferred_span(), nullptr);
    setup.clock->advance_ms(3);
    ended_at = setup.clock->now().steady_ns;
  }
  const auto chunks = setup.collector->chunks();
  ASSERT_EQ(chunks.size(), 1u);
  ASSERT_EQ(chunks[0].spans.size(), 1u);
  EXPECT_EQ(steady_end(chunks[0].spans[0]), ended_at);
  EXPECT_EQ(chunks[0].spans[0].type, "web");
}

// A server span the application took out of span() is its own to finish: the helper's
// destructor ends the inferred span only, and the trace arrives once the application's
// span finishes.
TEST(HelperDestructor, LeavesATakenServerSpanToTheApplication) {
  testing::TestTracerSetup setup;
  Tracer tracer = helper_tracer(setup);
  HeaderListReader reader(kApimHeaders);
  std::int64_t helper_end = 0;
  std::optional<Span> taken;
  {
    HttpServerSpan span(tracer, {"GET", "/x", "/r", &reader});
    span.set_status(200);
    taken.emplace(std::move(span.span()));
    setup.clock->advance_ms(2);
    helper_end = setup.clock->now().steady_ns;
  }
  EXPECT_TRUE(setup.collector->chunks().empty());
  setup.clock->advance_ms(4);
  const std::int64_t taken_end = setup.clock->now().steady_ns;
  taken.reset();
  const auto spans = setup.collector->spans_by_name();
  ASSERT_EQ(spans.count("web.request"), 1u);
  ASSERT_EQ(spans.count("azure.apim"), 1u);
  EXPECT_EQ(steady_end(spans.at("web.request")), taken_end);
  EXPECT_EQ(steady_end(spans.at("azure.apim")), helper_end);
}

// set_route() joins the method kept at construction: short ones inline, longer ones
// (past 15 bytes) in a string; also after the helper was moved.
TEST(RequestMethod, SetRouteJoinsMethodsOfEverySize) {
  testing::TestTracerSetup setup;
  Tracer tracer = helper_tracer(setup);
  const HeaderListReader::Headers headers = {{"host", "h"}};
  HeaderListReader reader(headers);
  const std::string methods[] = {"",
                                 "GET",
                                 "OPTIONS",
                                 std::string(14, 'A'),
                                 std::string(15, 'B'),
                                 std::string(16, 'C'),
                                 std::string(100, 'D'),
                                 "G\xc3\x89T",
                                 "GET"};
  for (const std::string& method : methods) {
    for (bool moved : {false, true}) {
      std::string owned_method = method;  // gone before set_route()
      std::optional<HttpServerSpan> first;
      first.emplace(tracer, HttpServerRequest{owned_method, "/x", "", &reader});
      owned_method.assign(owned_method.size(), '#');
      std::optional<HttpServerSpan> second;
      HttpServerSpan* span = &*first;
      if (moved) {
        second.emplace(std::move(*first));
        first.reset();
        span = &*second;
      }
      span->set_route("/late/{id}");
      first.reset();
      second.reset();
      const SpanData server = setup.collector->spans_by_name()["web.request"];
      EXPECT_EQ(server.resource, method + " /late/{id}") << method.size() << " " << moved;
      EXPECT_EQ(tag(server, "http.method"), method);
    }
  }
}

// With the default pattern, a URL without '?' is written as it is (the obfuscator
// changes nothing without one), even when it holds words the pattern looks for; a '?'
// in the Host header still sends the URL through the obfuscator, as before.
TEST(ServerUrl, QuestionMarkDecidesWhetherTheDefaultPatternLooks) {
  testing::TestTracerSetup setup;
  Tracer tracer = helper_tracer(setup);
  const QueryObfuscator reference(std::nullopt, nullptr);
  struct Case {
    std::string host;
    std::string target;
  };
  const Case cases[] = {
      {"h", "/a/token=abc/password=x"},
      {"h?token=abc", "/x"},
      {"h", "/a?token=abc"},
      {"h", "/a/token=abc"},
      {"", ""},
      {"h", "?"},
      {"h?", ""},
  };
  for (int round = 0; round < 2; ++round) {
    for (const Case& c : cases) {
      HeaderListReader::Headers headers;
      if (!c.host.empty()) headers.emplace_back("host", c.host);
      HeaderListReader reader(headers);
      { HttpServerSpan span(tracer, {"GET", c.target, "", &reader}); }
      // (A target not starting with '/' is taken as an absolute URL.)
      std::string expected =
          !c.target.empty() && c.target.front() != '/' ? c.target : "http://" + c.host + c.target;
      reference.obfuscate_url(expected);
      EXPECT_EQ(tag(setup.collector->spans_by_name()["web.request"], "http.url"), expected)
          << c.host << " " << c.target;
    }
  }
  std::string in_host = "http://h?token=abc/x";
  reference.obfuscate_url(in_host);
  EXPECT_NE(in_host, "http://h?token=abc/x") << "the case above must exercise the obfuscator";
}

// An invalid custom pattern is still reported on the first request, whether or not its
// URL has a query string (only the default pattern skips the obfuscator).
TEST(ServerUrl, InvalidCustomPatternLoggedOnTheFirstRequest) {
  testing::TestTracerSetup setup;
  auto config = setup.config();
  config.startup_logs = false;
  config.query_string_obfuscation_regex = "(";
  Tracer tracer(config);
  const HeaderListReader::Headers headers = {{"host", "h"}};
  HeaderListReader reader(headers);
  const auto errors = [&] {
    int count = 0;
    for (const auto& [level, line] : setup.logger->lines()) {
      if (line.find("DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP") != std::string::npos) ++count;
    }
    return count;
  };
  EXPECT_EQ(errors(), 0);
  { HttpServerSpan span(tracer, {"GET", "/no/query", "", &reader}); }
  EXPECT_EQ(errors(), 1);
  { HttpServerSpan span(tracer, {"GET", "/a?token=abc", "", &reader}); }
  EXPECT_EQ(errors(), 1);
}

}  // namespace
}  // namespace gatetrace
