#include "gatetrace/sampling/span_matcher.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace gatetrace {
namespace {

SpanData make_span() {
  SpanData span;
  span.service = "Checkout";
  span.name = "http.request";
  span.resource = "GET /cart";
  span.meta.set("http.method", "GET");
  span.metrics.set("http.status_code", 200.0);
  span.metrics.set("ratio", 0.25);
  return span;
}

TEST(SpanMatcher, MatchesServiceNameAndResourceGlobs) {
  const SpanData span = make_span();
  EXPECT_TRUE(SpanMatcher("*", "*", "*").matches(span));
  EXPECT_TRUE(SpanMatcher("checkout", "http.*", "GET /c?rt").matches(span));
  EXPECT_FALSE(SpanMatcher("payments", "*", "*").matches(span));
  EXPECT_FALSE(SpanMatcher("*", "grpc.*", "*").matches(span));
  EXPECT_FALSE(SpanMatcher("*", "*", "POST *").matches(span));
}

TEST(SpanMatcher, TagsMustBePresentAndMatch) {
  const SpanData span = make_span();
  EXPECT_TRUE(SpanMatcher("*", "*", "*", {{"http.method", "get"}}).matches(span));
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"http.method", "POST"}}).matches(span));
  // Even a star needs the tag to exist.
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"absent", "*"}}).matches(span));
  // Every listed tag must match.
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"http.method", "GET"}, {"absent", "*"}}).matches(span));
  EXPECT_TRUE(SpanMatcher("*", "*", "*", {{"http.method", "G*"}, {"http.status_code", "2??"}})
                  .matches(span));
}

TEST(SpanMatcher, MetricsMatchThroughTheirIntegerText) {
  const SpanData span = make_span();
  EXPECT_TRUE(SpanMatcher("*", "*", "*", {{"http.status_code", "200"}}).matches(span));
  EXPECT_TRUE(SpanMatcher("*", "*", "*", {{"http.status_code", "2*"}}).matches(span));
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"http.status_code", "200.0"}}).matches(span));
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"http.status_code", "404"}}).matches(span));
  // A non-integer metric matches only a glob of stars.
  EXPECT_TRUE(SpanMatcher("*", "*", "*", {{"ratio", "*"}}).matches(span));
  EXPECT_TRUE(SpanMatcher("*", "*", "*", {{"ratio", "**"}}).matches(span));
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"ratio", "0.25"}}).matches(span));
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"ratio", "0*"}}).matches(span));
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"ratio", "*?"}}).matches(span));
}

TEST(SpanMatcher, MetaWinsOverAMetricOfTheSameName) {
  SpanData span = make_span();
  span.meta.set("http.status_code", "OK");
  EXPECT_TRUE(SpanMatcher("*", "*", "*", {{"http.status_code", "ok"}}).matches(span));
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"http.status_code", "200"}}).matches(span));
}

// Tag keys are looked up by length and words: keys of every length class (empty, short,
// 8, 9 to 16 and over 16 bytes) next to others of the same length that differ in one
// byte, first, in the middle or last.
TEST(SpanMatcher, TagKeysOfEveryLengthFindOnlyTheirOwnEntry) {
  SpanData span;
  const std::vector<std::string> keys = {"",
                                         "a",
                                         "b",
                                         "env",
                                         "enw",
                                         "key.abcd",
                                         "key.abce",
                                         "peer.hostname",
                                         "customer.tier",
                                         "customer.ties",
                                         "http.status_code",
                                         "http.status_codf",
                                         "http.request.header.x-one",
                                         "http.request.header.x-onf",
                                         "http.request.header.y-one"};
  for (const std::string& key : keys) span.meta.set(key, "v:" + key);
  for (const std::string& key : keys) {
    EXPECT_TRUE(SpanMatcher("*", "*", "*", {{key, "v:" + key}}).matches(span)) << key;
  }
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"http.status_codg", "*"}}).matches(span));
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"http.request.header.x-onX", "*"}}).matches(span));
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"c", "*"}}).matches(span));
  // Keys compare exactly: no case folding.
  EXPECT_FALSE(SpanMatcher("*", "*", "*", {{"Customer.tier", "*"}}).matches(span));
}

TEST(SpanMatcher, IntegerTextOfMetrics) {
  char buffer[400];
  std::string_view text;
  ASSERT_TRUE(metric_as_integer_text(200.0, buffer, &text));
  EXPECT_EQ(text, "200");
  ASSERT_TRUE(metric_as_integer_text(-3.0, buffer, &text));
  EXPECT_EQ(text, "-3");
  ASSERT_TRUE(metric_as_integer_text(-0.0, buffer, &text));
  EXPECT_EQ(text, "0");
  ASSERT_TRUE(metric_as_integer_text(1e20, buffer, &text));
  EXPECT_EQ(text, "100000000000000000000");
  ASSERT_TRUE(metric_as_integer_text(std::numeric_limits<double>::max(), buffer, &text));
  EXPECT_EQ(text.size(), 309u);
  EXPECT_FALSE(metric_as_integer_text(0.5, buffer, &text));
  EXPECT_FALSE(metric_as_integer_text(std::numeric_limits<double>::infinity(), buffer, &text));
  EXPECT_FALSE(metric_as_integer_text(std::numeric_limits<double>::quiet_NaN(), buffer, &text));
}

}  // namespace
}  // namespace gatetrace
