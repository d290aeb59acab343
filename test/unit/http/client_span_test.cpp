// HttpClientSpan: tags, parent link, injected headers, error statuses, obfuscation.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gatetrace/http_client_span.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

std::string meta(const SpanData& span, std::string_view key) {
  const auto value = span.meta.find(key);
  return value ? std::string(*value) : std::string("<absent>");
}

class ClientSpanTest : public ::testing::Test {
 protected:
  Tracer make_tracer() {
    auto config = setup_.config();
    config.startup_logs = false;
    auto finalized = finalize_config(config);
    EXPECT_TRUE(finalized);
    return Tracer(*finalized);
  }
  testing::TestTracerSetup setup_;
};

TEST_F(ClientSpanTest, TagsParentAndInjectedContext) {
  Tracer tracer = make_tracer();
  std::uint64_t parent_id = 0;
  std::uint64_t client_id = 0;
  HeaderListWriter headers;
  {
    Span parent = tracer.create_span({.name = "web.request"});
    parent_id = parent.id();
    HttpClientSpan call(tracer, parent,
                        {"POST", "http://user:pw@billing.internal:8080/charge?token=s3cret&x=1"});
    client_id = call.span().id();
    call.inject(headers);
    call.span().set_tag("peer.service", "billing");
    call.set_status(201);
  }
  bool found_parent_header = false;
  for (const auto& [key, value] : headers.headers()) {
    if (key == "x-datadog-parent-id") {
      found_parent_header = true;
      EXPECT_EQ(value, std::to_string(client_id)) << "downstream's parent is the client span";
    }
  }
  EXPECT_TRUE(found_parent_header);

  auto chunks = setup_.collector->chunks();
  ASSERT_EQ(chunks.size(), 1u);
  ASSERT_EQ(chunks[0].spans.size(), 2u);
  const SpanData* client = nullptr;
  for (const auto& span : chunks[0].spans) {
    if (span.span_id == client_id) client = &span;
  }
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->parent_id, parent_id);
  EXPECT_EQ(client->name, "http.request");
  EXPECT_EQ(client->resource, "POST");
  EXPECT_EQ(client->type, "http");
  EXPECT_EQ(client->service, "my-backend");
  EXPECT_FALSE(client->error);
  EXPECT_EQ(meta(*client, "span.kind"), "client");
  EXPECT_EQ(meta(*client, "http.method"), "POST");
  EXPECT_EQ(meta(*client, "http.url"),
            "http://user:pw@billing.internal:8080/charge?<redacted>&x=1");
  EXPECT_EQ(meta(*client, "http.status_code"), "201");
  EXPECT_EQ(meta(*client, "out.host"), "billing.internal");
  EXPECT_EQ(meta(*client, "peer.service"), "billing");
}

TEST_F(ClientSpanTest, DefaultErrorStatusesAre4xx) {
  Tracer tracer = make_tracer();
  Span parent = tracer.create_span();
  for (int status : {200, 302, 399, 400, 404, 499, 500, 503}) {
    HttpClientSpan call(tracer, parent, {"GET", "http://h/"});
    call.set_status(status);
    EXPECT_EQ(call.span().error(), status >= 400 && status <= 499) << status;
  }
}

TEST_F(ClientSpanTest, ConfiguredErrorStatuses) {
  setup_.env["DD_TRACE_HTTP_CLIENT_ERROR_STATUSES"] = "500-599,429";
  Tracer tracer = make_tracer();
  Span parent = tracer.create_span();
  for (int status : {404, 429, 500, 200}) {
    HttpClientSpan call(tracer, parent, {"GET", "http://h/"});
    call.set_status(status);
    EXPECT_EQ(call.span().error(), status == 429 || status == 500) << status;
  }
}

TEST_F(ClientSpanTest, TransportErrorAndRootWithoutParent) {
  Tracer tracer = make_tracer();
  {
    HttpClientSpan call(tracer, Span(), {"GET", "http://[2001:db8::1]:81/x", "curl"});
    EXPECT_EQ(call.span().parent_id(), 0u);
    call.set_error("CURLcode 7", "Couldn't connect to server");
  }
  auto spans = setup_.collector->spans_by_name();
  ASSERT_EQ(spans.count("http.request"), 1u);
  const SpanData& span = spans["http.request"];
  EXPECT_TRUE(span.error);
  EXPECT_EQ(meta(span, "error.type"), "CURLcode 7");
  EXPECT_EQ(meta(span, "error.message"), "Couldn't connect to server");
  EXPECT_EQ(meta(span, "out.host"), "2001:db8::1");
  EXPECT_EQ(meta(span, "component"), "curl");
  EXPECT_EQ(meta(span, "http.status_code"), "<absent>");
}

TEST_F(ClientSpanTest, ObfuscationCanBeDisabled) {
  setup_.env["DD_TRACE_OBFUSCATION_QUERY_STRING_REGEXP"] = "";
  Tracer tracer = make_tracer();
  { HttpClientSpan call(tracer, tracer.create_span(), {"GET", "http://h/p?token=abc"}); }
  auto spans = setup_.collector->spans_by_name();
  EXPECT_EQ(meta(spans["http.request"], "http.url"), "http://h/p?token=abc");
}

TEST_F(ClientSpanTest, ServiceIsTheParentsOrTheTracersOnceTheParentFinished) {
  Tracer tracer = make_tracer();
  Span root = tracer.create_span({.name = "web.request"});
  Span worker = root.create_child({.name = "work", .service = "worker"});
  Span done = root.create_child({.name = "done", .service = "other"});
  done.finish();
  { HttpClientSpan call(tracer, worker, {"GET", "http://h/", "gatetrace", "under.worker"}); }
  { HttpClientSpan call(tracer, done, {"GET", "http://h/", "gatetrace", "under.done"}); }
  worker.finish();
  root.finish();
  auto spans = setup_.collector->spans_by_name();
  EXPECT_EQ(spans["under.worker"].service, "worker");
  EXPECT_EQ(spans["under.done"].service, "my-backend");
  EXPECT_EQ(spans["under.done"].parent_id, done.id());
}

TEST_F(ClientSpanTest, DefaultTagsOfTheSameKeysAreOverwrittenInPlace) {
  setup_.env["DD_TAGS"] = "out.host:x,team:a,component:y";
  Tracer tracer = make_tracer();
  Span parent = tracer.create_span({.name = "web.request"});
  { HttpClientSpan call(tracer, parent, {"GET", "http://billing/", "curl"}); }
  parent.finish();
  auto spans = setup_.collector->spans_by_name();
  std::vector<std::string> keys;
  for (const auto& [key, value] : spans["http.request"].meta) keys.emplace_back(key);
  // DD_TAGS' keys keep their places; the client's other tags follow.
  const std::vector<std::string> expected = {"out.host",  "team",        "component",
                                             "span.kind", "http.method", "http.url"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(meta(spans["http.request"], "out.host"), "billing");
  EXPECT_EQ(meta(spans["http.request"], "component"), "curl");
}

TEST_F(ClientSpanTest, StatusAfterTheSpanWasMovedOutDoesNothing) {
  setup_.env["DD_TRACE_HTTP_CLIENT_ERROR_STATUSES"] = "200";
  Tracer tracer = make_tracer();
  Span parent = tracer.create_span({.name = "web.request"});
  {
    HttpClientSpan call(tracer, parent, {"GET", "http://h/"});
    Span taken = std::move(call.span());
    call.set_status(200);
    EXPECT_FALSE(taken.error());
    EXPECT_FALSE(taken.lookup_tag("http.status_code"));
  }
  parent.finish();
  auto spans = setup_.collector->spans_by_name();
  EXPECT_FALSE(spans["http.request"].error);
}

TEST(UrlHost, Forms) {
  EXPECT_EQ(url_host("http://example.com"), "example.com");
  EXPECT_EQ(url_host("https://a:b@example.com:8443/p?q#f"), "example.com");
  EXPECT_EQ(url_host("http://[::1]:80/"), "::1");
  EXPECT_EQ(url_host("/relative/path"), "");
  // The authority ends at the first of '/', '?' or '#', whichever comes first.
  EXPECT_EQ(url_host("http://h?x=/y"), "h");
  EXPECT_EQ(url_host("http://h#frag/x"), "h");
  EXPECT_EQ(url_host("http://u@h:1?q@x"), "h");
  EXPECT_EQ(url_host("http://"), "");
  EXPECT_EQ(url_host("http://[::1"), "::1");
}

TEST_F(ClientSpanTest, ConsecutiveCallsDoNotCarryTagsOver) {
  // Client spans are written over recycled span storage, and an obfuscated URL over a
  // per-thread string: a call without a host after one with a host, a shorter URL after
  // a longer one.
  Tracer tracer = make_tracer();
  Span parent = tracer.create_span({.name = "web.request"});
  {
    HttpClientSpan call(tracer, parent,
                        {"POST", "http://billing.internal/a/long/path?x=1", "curl", "charge"});
  }
  { HttpClientSpan call(tracer, parent, {"GET", "/relative"}); }
  parent.finish();
  auto chunks = setup_.collector->chunks();
  ASSERT_EQ(chunks.size(), 1u);
  const SpanData* first = nullptr;
  const SpanData* second = nullptr;
  for (const auto& span : chunks[0].spans) {
    if (span.name == "charge") first = &span;
    if (span.name == "http.request") second = &span;
  }
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->resource, "POST");
  EXPECT_EQ(meta(*first, "component"), "curl");
  EXPECT_EQ(meta(*first, "out.host"), "billing.internal");
  EXPECT_EQ(second->resource, "GET");
  EXPECT_EQ(second->type, "http");
  EXPECT_EQ(second->service, "my-backend");
  EXPECT_EQ(meta(*second, "component"), "gatetrace");
  EXPECT_EQ(meta(*second, "http.method"), "GET");
  EXPECT_EQ(meta(*second, "http.url"), "/relative");
  EXPECT_EQ(meta(*second, "out.host"), "<absent>");
}

TEST_F(ClientSpanTest, ReusedTextsAreRewrittenOnlyWhereTheyDiffer) {
  // The recycled span storage and the per-thread URL string keep the last call's texts,
  // the URL as obfuscated: calls alike, calls whose URL is the last one's obfuscated form, then its
  // raw form again, a value of the same size with other bytes, and a method and host that change.
  Tracer tracer = make_tracer();
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"GET", "http://h/p?token=abc"},  {"GET", "http://h/p?token=abc"},
      {"GET", "http://h/p?<redacted>"}, {"GET", "http://h/p?token=abc"},
      {"PUT", "http://g/p?token=abd"},  {"GET", "http://h/p"},
  };
  const std::vector<std::string> expected_urls = {"http://h/p?<redacted>", "http://h/p?<redacted>",
                                                  "http://h/p?<redacted>", "http://h/p?<redacted>",
                                                  "http://g/p?<redacted>", "http://h/p"};
  for (std::size_t i = 0; i < calls.size(); ++i) {
    Span parent = tracer.create_span({.name = "job" + std::to_string(i)});
    { HttpClientSpan call(tracer, parent, {calls[i].first, calls[i].second}); }
    parent.finish();
  }
  auto chunks = setup_.collector->chunks();
  ASSERT_EQ(chunks.size(), calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const SpanData* client = nullptr;
    for (const auto& span : chunks[i].spans) {
      if (span.name == "http.request") client = &span;
    }
    ASSERT_NE(client, nullptr) << "call " << i;
    EXPECT_EQ(client->resource, calls[i].first) << "call " << i;
    EXPECT_EQ(client->type, "http");
    EXPECT_EQ(meta(*client, "span.kind"), "client");
    EXPECT_EQ(meta(*client, "http.method"), calls[i].first) << "call " << i;
    EXPECT_EQ(meta(*client, "http.url"), expected_urls[i]) << "call " << i;
    EXPECT_EQ(meta(*client, "out.host"), i == 4 ? "g" : "h") << "call " << i;
  }
}

// out.host is written by its fixed id, after http.url, in the same run as the other
// tags when the span has room for them all, else one by one: the same tags in the same
// order either way, checked at URL sizes around the room a recycled span has.
TEST_F(ClientSpanTest, OutHostFollowsTheUrlAtEverySize) {
  Tracer tracer = make_tracer();
  const std::vector<std::string> keys = {"span.kind", "component", "http.method", "http.url",
                                         "out.host"};
  for (std::size_t size = 0; size <= 400; size += 7) {
    for (const std::string& prefix : {std::string("http://h.internal/"), std::string("/")}) {
      const std::string url = prefix + std::string(size, 'p');
      Span parent = tracer.create_span({.name = "job"});
      { HttpClientSpan call(tracer, parent, {"GET", url}); }
      parent.finish();
      const auto chunks = setup_.collector->chunks();
      const SpanData* client = nullptr;
      for (const auto& span : chunks.back().spans) {
        if (span.name == "http.request") client = &span;
      }
      ASSERT_NE(client, nullptr);
      std::vector<std::pair<std::string, std::string>> tags;
      for (const auto& [key, value] : client->meta) {
        for (const auto& wanted : keys) {
          if (key == wanted) tags.emplace_back(key, value);
        }
      }
      std::vector<std::pair<std::string, std::string>> expected = {{"span.kind", "client"},
                                                                   {"component", "gatetrace"},
                                                                   {"http.method", "GET"},
                                                                   {"http.url", url}};
      if (prefix != "/") expected.emplace_back("out.host", "h.internal");
      EXPECT_EQ(tags, expected) << url.size();
    }
  }
}

}  // namespace
}  // namespace gatetrace
