#include "gatetrace/sampling/trace_sampler.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "unit/sampling/fake_clock.h"
#include "unit/sampling/sampling_test_util.h"

namespace gatetrace {
namespace {

using testing::FakeClock;
using testing::find_id;
using testing::make_config;
using testing::make_root;
using testing::rule;

TEST(TraceSampler, FirstMatchingRuleWins) {
  auto clock = std::make_shared<FakeClock>();
  // The catch-all (DD_TRACE_SAMPLE_RATE as the config appends it) comes last.
  TraceSampler sampler(make_config({rule("pay*", 0.0), rule("*", 0.5, "db.*"), rule("*", 1.0)}),
                       clock);
  const std::uint64_t id = find_id(0.5, false);

  SamplingDecision payments = sampler.decide(make_root("payments", id));
  EXPECT_EQ(payments.mechanism, SamplingMechanism::kRule);
  EXPECT_EQ(payments.rule_rate, 0.0);
  EXPECT_EQ(payments.priority, -1);

  SamplingDecision db = sampler.decide(make_root("checkout", id, "db.query"));
  EXPECT_EQ(db.rule_rate, 0.5);
  EXPECT_EQ(db.priority, -1);

  SamplingDecision other = sampler.decide(make_root("checkout", id, "http.request"));
  EXPECT_EQ(other.rule_rate, 1.0);
  EXPECT_EQ(other.priority, 2);
}

TEST(TraceSampler, RuleKeepPassesTheLimiterRuleDropDoesNotConsultIt) {
  auto clock = std::make_shared<FakeClock>();
  TraceSampler sampler(make_config({rule("*", 0.5)}), clock);

  SamplingDecision kept = sampler.decide(make_root("checkout", find_id(0.5, true)));
  EXPECT_EQ(kept.priority, 2);
  EXPECT_EQ(kept.mechanism, SamplingMechanism::kRule);
  EXPECT_EQ(kept.rule_rate, 0.5);
  ASSERT_TRUE(kept.limiter_rate.has_value());
  EXPECT_EQ(*kept.limiter_rate, 1.0);
  EXPECT_FALSE(kept.agent_rate.has_value());

  SamplingDecision dropped = sampler.decide(make_root("checkout", find_id(0.5, false)));
  EXPECT_EQ(dropped.priority, -1);
  EXPECT_EQ(dropped.mechanism, SamplingMechanism::kRule);
  EXPECT_EQ(dropped.rule_rate, 0.5);
  EXPECT_FALSE(dropped.limiter_rate.has_value());
}

TEST(TraceSampler, LimiterTurnsRuleKeepsIntoUserRejects) {
  auto clock = std::make_shared<FakeClock>();
  TraceSampler sampler(make_config({rule("*", 1.0)}, /*rate_limit=*/2), clock);
  EXPECT_EQ(sampler.decide(make_root("checkout", 1)).priority, 2);
  EXPECT_EQ(sampler.decide(make_root("checkout", 2)).priority, 2);
  SamplingDecision limited = sampler.decide(make_root("checkout", 3));
  EXPECT_EQ(limited.priority, -1);
  EXPECT_EQ(limited.mechanism, SamplingMechanism::kRule);
  EXPECT_EQ(limited.rule_rate, 1.0);
  ASSERT_TRUE(limited.limiter_rate.has_value());
  EXPECT_DOUBLE_EQ(*limited.limiter_rate, 2.0 / 3.0);
  clock->advance_ms(500);  // one token back
  EXPECT_EQ(sampler.decide(make_root("checkout", 4)).priority, 2);
}

TEST(TraceSampler, RulesMatchOnTags) {
  auto clock = std::make_shared<FakeClock>();
  TraceSampler sampler(
      make_config({rule("*", 0.0, "*", "*", {{"http.status_code", "5??"}}), rule("*", 1.0)}),
      clock);
  SpanData error = make_root("checkout", 7);
  error.metrics.set("http.status_code", 503.0);
  EXPECT_EQ(sampler.decide(error).rule_rate, 0.0);
  SpanData ok = make_root("checkout", 7);
  ok.metrics.set("http.status_code", 200.0);
  EXPECT_EQ(sampler.decide(ok).rule_rate, 1.0);
  EXPECT_EQ(sampler.decide(make_root("checkout", 7)).rule_rate, 1.0);
}

TEST(TraceSampler, WithoutRulesOrAgentRatesKeepsByDefault) {
  TraceSampler sampler(make_config({}), std::make_shared<FakeClock>());
  for (std::uint64_t id : {std::uint64_t{0}, find_id(0.01, false), ~std::uint64_t{0}}) {
    const SamplingDecision decision = sampler.decide(make_root("checkout", id));
    EXPECT_EQ(decision.priority, 1);
    EXPECT_EQ(decision.mechanism, SamplingMechanism::kDefault);
    EXPECT_FALSE(decision.agent_rate || decision.rule_rate || decision.limiter_rate);
  }
}

TEST(TraceSampler, AgentRatesBySpecificKeyThenDefaultKeyThenFallback) {
  TraceSampler sampler(make_config({}), std::make_shared<FakeClock>());
  const std::uint64_t kept_at_half = find_id(0.5, true);
  const std::uint64_t dropped_at_half = find_id(0.5, false);

  sampler.update_agent_rates({{"service:checkout,env:prod", 0.5}, {"service:,env:", 0.0}});
  SamplingDecision specific = sampler.decide(make_root("checkout", kept_at_half));
  EXPECT_EQ(specific.mechanism, SamplingMechanism::kAgentRate);
  EXPECT_EQ(specific.agent_rate, 0.5);
  EXPECT_EQ(specific.priority, 1);
  EXPECT_FALSE(specific.rule_rate || specific.limiter_rate);
  EXPECT_EQ(sampler.decide(make_root("checkout", dropped_at_half)).priority, 0);

  // Another service: the default key.
  SamplingDecision by_default = sampler.decide(make_root("search", kept_at_half));
  EXPECT_EQ(by_default.mechanism, SamplingMechanism::kAgentRate);
  EXPECT_EQ(by_default.agent_rate, 0.0);
  EXPECT_EQ(by_default.priority, 0);

  // The root's own `env` tag picks the key over the configured environment.
  SpanData staging = make_root("checkout", kept_at_half);
  staging.meta.set("env", "staging");
  EXPECT_EQ(sampler.decide(staging).agent_rate, 0.0);

  // Rates change mid-run: the next decision sees the new table.
  sampler.update_agent_rates({{"service:checkout,env:staging", 1.0}});
  EXPECT_EQ(sampler.decide(staging).agent_rate, 1.0);
  EXPECT_EQ(sampler.decide(staging).priority, 1);
  // No default key any more: other services fall back to keeping all.
  SamplingDecision fallback = sampler.decide(make_root("search", dropped_at_half));
  EXPECT_EQ(fallback.mechanism, SamplingMechanism::kDefault);
  EXPECT_EQ(fallback.priority, 1);
  EXPECT_FALSE(fallback.agent_rate.has_value());

  // An empty response clears every rate.
  sampler.update_agent_rates({});
  EXPECT_EQ(sampler.decide(staging).mechanism, SamplingMechanism::kDefault);
}

TEST(TraceSampler, InvalidAgentRatesAreIgnored) {
  TraceSampler sampler(make_config({}), std::make_shared<FakeClock>());
  sampler.update_agent_rates({{"service:checkout,env:prod", 1.5},
                              {"service:search,env:prod", -0.1},
                              {"service:cart,env:prod", std::nan("")},
                              {"garbage", 0.0},
                              {"service:,env:", 0.25}});
  for (const char* service : {"checkout", "search", "cart"}) {
    EXPECT_EQ(sampler.decide(make_root(service, 1)).agent_rate, 0.25) << service;
  }
}

TEST(TraceSampler, RulesTakePrecedenceOverAgentRates) {
  TraceSampler sampler(make_config({rule("checkout", 1.0)}), std::make_shared<FakeClock>());
  sampler.update_agent_rates({{"service:checkout,env:prod", 0.0}, {"service:,env:", 0.0}});
  EXPECT_EQ(sampler.decide(make_root("checkout", 1)).mechanism, SamplingMechanism::kRule);
  EXPECT_EQ(sampler.decide(make_root("search", 1)).mechanism, SamplingMechanism::kAgentRate);
}

TEST(TraceSampler, SameTraceIdSameDecisionAndRateShareHolds) {
  TraceSampler sampler(make_config({rule("*", 0.3)}, /*rate_limit=*/-1),
                       std::make_shared<FakeClock>());
  std::mt19937_64 random(42);
  int kept = 0;
  constexpr int kTraces = 100000;
  for (int i = 0; i < kTraces; ++i) {
    const std::uint64_t id = random();
    const int priority = sampler.decide(make_root("checkout", id)).priority;
    if (priority == 2) ++kept;
    if (i % 1000 == 0) {
      EXPECT_EQ(sampler.decide(make_root("other", id)).priority, priority);
    }
  }
  EXPECT_GE(kept, kTraces * 29 / 100);
  EXPECT_LE(kept, kTraces * 31 / 100);
}

}  // namespace
}  // namespace gatetrace
