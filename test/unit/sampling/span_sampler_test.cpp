#include <gtest/gtest.h>

#include <memory>

#include "gatetrace/sampling/trace_sampler.h"
#include "unit/sampling/fake_clock.h"
#include "unit/sampling/sampling_test_util.h"

namespace gatetrace {
namespace {

using testing::FakeClock;
using testing::find_id;

SpanSamplingRule span_rule(std::string service, std::string name, double rate,
                           std::optional<double> max_per_second = std::nullopt) {
  SpanSamplingRule rule;
  rule.service = std::move(service);
  rule.name = std::move(name);
  rule.sample_rate = rate;
  rule.max_per_second = max_per_second;
  return rule;
}

SpanData make_span(std::string service, std::string name, std::uint64_t span_id) {
  SpanData span;
  span.trace_id.low = 1;  // the span id decides, never the trace id
  span.span_id = span_id;
  span.service = std::move(service);
  span.name = std::move(name);
  span.resource = "GET /";
  return span;
}

bool was_kept(const SpanData& span) {
  const double* mechanism = span.metrics.find("_dd.span_sampling.mechanism");
  return mechanism != nullptr && *mechanism == 8.0;
}

TEST(SpanSampler, DisabledWithoutRules) {
  SpanSampler sampler({}, std::make_shared<FakeClock>());
  EXPECT_FALSE(sampler.enabled());
  SpanData span = make_span("checkout", "db.query", 1);
  sampler.sample(span);
  EXPECT_TRUE(span.metrics.empty());
}

TEST(SpanSampler, KeptSpansGetTheRuleTags) {
  SpanSampler sampler({span_rule("check*", "db.*", 0.5)}, std::make_shared<FakeClock>());
  EXPECT_TRUE(sampler.enabled());
  SpanData kept = make_span("checkout", "db.query", find_id(0.5, true));
  sampler.sample(kept);
  EXPECT_TRUE(was_kept(kept));
  EXPECT_EQ(*kept.metrics.find("_dd.span_sampling.rule_rate"), 0.5);
  EXPECT_EQ(kept.metrics.find("_dd.span_sampling.max_per_second"), nullptr);
  EXPECT_EQ(kept.metrics.size(), 2u);

  SpanData dropped = make_span("checkout", "db.query", find_id(0.5, false));
  sampler.sample(dropped);
  EXPECT_TRUE(dropped.metrics.empty());

  SpanData unmatched = make_span("search", "db.query", find_id(0.5, true));
  sampler.sample(unmatched);
  EXPECT_TRUE(unmatched.metrics.empty());
}

TEST(SpanSampler, FirstMatchingRuleDecidesEvenWhenItDrops) {
  SpanSampler sampler({span_rule("*", "db.*", 0.0), span_rule("*", "*", 1.0)},
                      std::make_shared<FakeClock>());
  SpanData db = make_span("checkout", "db.query", 5);
  sampler.sample(db);
  EXPECT_FALSE(was_kept(db));
  SpanData http = make_span("checkout", "http.request", 5);
  sampler.sample(http);
  EXPECT_TRUE(was_kept(http));
  EXPECT_EQ(*http.metrics.find("_dd.span_sampling.rule_rate"), 1.0);
}

TEST(SpanSampler, PerRuleLimits) {
  auto clock = std::make_shared<FakeClock>();
  SpanSampler sampler({span_rule("*", "db.*", 1.0, 2.0), span_rule("*", "*", 1.0, 1.0)}, clock);
  int db_kept = 0;
  int other_kept = 0;
  for (std::uint64_t id = 1; id <= 10; ++id) {
    SpanData db = make_span("checkout", "db.query", id);
    sampler.sample(db);
    if (was_kept(db)) {
      ++db_kept;
      EXPECT_EQ(*db.metrics.find("_dd.span_sampling.max_per_second"), 2.0);
      EXPECT_EQ(db.metrics.size(), 3u);
    }
    SpanData other = make_span("checkout", "http.request", id);
    sampler.sample(other);
    if (was_kept(other)) ++other_kept;
  }
  // Each rule has its own bucket.
  EXPECT_EQ(db_kept, 2);
  EXPECT_EQ(other_kept, 1);
  clock->advance_ms(500);
  SpanData db = make_span("checkout", "db.query", 11);
  sampler.sample(db);
  EXPECT_TRUE(was_kept(db));
  SpanData other = make_span("checkout", "http.request", 11);
  sampler.sample(other);
  EXPECT_FALSE(was_kept(other));
}

}  // namespace
}  // namespace gatetrace
