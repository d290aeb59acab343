// apply_sampling_decision: every tag for every mechanism.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gatetrace/sampling/trace_sampler.h"
#include "unit/sampling/fake_clock.h"
#include "unit/sampling/sampling_test_util.h"

namespace gatetrace {
namespace {

using testing::FakeClock;
using testing::find_id;
using testing::make_config;
using testing::make_root;
using testing::rule;

const std::string* find_tag(const TagList& tags, const std::string& key) {
  for (const auto& entry : tags) {
    if (entry.first == key) return &entry.second;
  }
  return nullptr;
}

std::optional<double> metric(const SpanData& span, const char* key) {
  const double* value = span.metrics.find(key);
  return value ? std::optional<double>(*value) : std::nullopt;
}

struct Applied {
  SpanData root;
  TagList tags;
};

Applied apply(const SamplingDecision& decision) {
  Applied applied;
  applied.root = make_root("checkout", 1);
  applied.tags = {{"_dd.p.tid", "6650000000000000"}};
  apply_sampling_decision(decision, applied.root, applied.tags);
  return applied;
}

TEST(ApplySamplingDecision, RuleKeep) {
  TraceSampler sampler(make_config({rule("*", 0.5)}), std::make_shared<FakeClock>());
  const Applied a = apply(sampler.decide(make_root("checkout", find_id(0.5, true))));
  EXPECT_EQ(metric(a.root, "_sampling_priority_v1"), 2.0);
  EXPECT_EQ(metric(a.root, "_dd.rule_psr"), 0.5);
  EXPECT_EQ(metric(a.root, "_dd.limit_psr"), 1.0);
  EXPECT_FALSE(metric(a.root, "_dd.agent_psr"));
  EXPECT_EQ(a.root.metrics.size(), 3u);
  ASSERT_EQ(a.tags.size(), 3u);
  EXPECT_EQ(*find_tag(a.tags, "_dd.p.tid"), "6650000000000000");
  EXPECT_EQ(*find_tag(a.tags, "_dd.p.dm"), "-3");
  EXPECT_EQ(*find_tag(a.tags, "_dd.p.ksr"), "0.5");
}

TEST(ApplySamplingDecision, RuleDropByRate) {
  TraceSampler sampler(make_config({rule("*", 1.0 / 3)}), std::make_shared<FakeClock>());
  const Applied a = apply(sampler.decide(make_root("checkout", find_id(1.0 / 3, false))));
  EXPECT_EQ(metric(a.root, "_sampling_priority_v1"), -1.0);
  EXPECT_DOUBLE_EQ(*metric(a.root, "_dd.rule_psr"), 1.0 / 3);
  EXPECT_FALSE(metric(a.root, "_dd.limit_psr"));
  EXPECT_EQ(a.root.metrics.size(), 2u);
  ASSERT_EQ(a.tags.size(), 2u);
  EXPECT_EQ(find_tag(a.tags, "_dd.p.dm"), nullptr);
  EXPECT_EQ(*find_tag(a.tags, "_dd.p.ksr"), "0.333333");
}

TEST(ApplySamplingDecision, RuleDropByLimiter) {
  auto clock = std::make_shared<FakeClock>();
  TraceSampler sampler(make_config({rule("*", 1.0)}, /*rate_limit=*/1), clock);
  sampler.decide(make_root("checkout", 1));
  const Applied a = apply(sampler.decide(make_root("checkout", 2)));
  EXPECT_EQ(metric(a.root, "_sampling_priority_v1"), -1.0);
  EXPECT_EQ(metric(a.root, "_dd.rule_psr"), 1.0);
  EXPECT_EQ(metric(a.root, "_dd.limit_psr"), 0.5);
  EXPECT_EQ(a.root.metrics.size(), 3u);
  EXPECT_EQ(find_tag(a.tags, "_dd.p.dm"), nullptr);
  EXPECT_EQ(*find_tag(a.tags, "_dd.p.ksr"), "1");
  EXPECT_EQ(a.tags.size(), 2u);
}

TEST(ApplySamplingDecision, AgentRateKeepAndDrop) {
  TraceSampler sampler(make_config({}), std::make_shared<FakeClock>());
  sampler.update_agent_rates({{"service:checkout,env:prod", 0.25}});

  const Applied kept = apply(sampler.decide(make_root("checkout", find_id(0.25, true))));
  EXPECT_EQ(metric(kept.root, "_sampling_priority_v1"), 1.0);
  EXPECT_EQ(metric(kept.root, "_dd.agent_psr"), 0.25);
  EXPECT_EQ(kept.root.metrics.size(), 2u);
  EXPECT_EQ(*find_tag(kept.tags, "_dd.p.dm"), "-1");
  EXPECT_EQ(*find_tag(kept.tags, "_dd.p.ksr"), "0.25");
  EXPECT_EQ(kept.tags.size(), 3u);

  const Applied dropped = apply(sampler.decide(make_root("checkout", find_id(0.25, false))));
  EXPECT_EQ(metric(dropped.root, "_sampling_priority_v1"), 0.0);
  EXPECT_EQ(metric(dropped.root, "_dd.agent_psr"), 0.25);
  EXPECT_EQ(dropped.root.metrics.size(), 2u);
  EXPECT_EQ(find_tag(dropped.tags, "_dd.p.dm"), nullptr);
  EXPECT_EQ(*find_tag(dropped.tags, "_dd.p.ksr"), "0.25");
  EXPECT_EQ(dropped.tags.size(), 2u);
}

TEST(ApplySamplingDecision, DefaultKeepHasNoRates) {
  TraceSampler sampler(make_config({}), std::make_shared<FakeClock>());
  const Applied a = apply(sampler.decide(make_root("checkout", 99)));
  EXPECT_EQ(metric(a.root, "_sampling_priority_v1"), 1.0);
  EXPECT_EQ(a.root.metrics.size(), 1u);
  EXPECT_EQ(*find_tag(a.tags, "_dd.p.dm"), "-0");
  EXPECT_EQ(find_tag(a.tags, "_dd.p.ksr"), nullptr);
  EXPECT_EQ(a.tags.size(), 2u);
}

TEST(ApplySamplingDecision, ManualKeepAndDrop) {
  SamplingDecision keep;
  keep.priority = 2;
  keep.mechanism = SamplingMechanism::kManual;
  const Applied kept = apply(keep);
  EXPECT_EQ(metric(kept.root, "_sampling_priority_v1"), 2.0);
  EXPECT_EQ(kept.root.metrics.size(), 1u);
  EXPECT_EQ(*find_tag(kept.tags, "_dd.p.dm"), "-4");
  EXPECT_EQ(find_tag(kept.tags, "_dd.p.ksr"), nullptr);
  EXPECT_EQ(kept.tags.size(), 2u);

  SamplingDecision drop = keep;
  drop.priority = -1;
  const Applied dropped = apply(drop);
  EXPECT_EQ(metric(dropped.root, "_sampling_priority_v1"), -1.0);
  EXPECT_EQ(dropped.root.metrics.size(), 1u);
  EXPECT_EQ(find_tag(dropped.tags, "_dd.p.dm"), nullptr);
  EXPECT_EQ(dropped.tags.size(), 1u);
}

TEST(ApplySamplingDecision, ALaterDecisionReplacesTheEarlierOnesTags) {
  TraceSampler sampler(make_config({rule("*", 0.5)}), std::make_shared<FakeClock>());
  SpanData root = make_root("checkout", find_id(0.5, true));
  TagList tags;
  apply_sampling_decision(sampler.decide(root), root, tags);
  ASSERT_EQ(*find_tag(tags, "_dd.p.dm"), "-3");

  SamplingDecision manual_drop;
  manual_drop.priority = -1;
  manual_drop.mechanism = SamplingMechanism::kManual;
  apply_sampling_decision(manual_drop, root, tags);
  EXPECT_EQ(metric(root, "_sampling_priority_v1"), -1.0);
  EXPECT_EQ(root.metrics.size(), 1u);
  EXPECT_TRUE(tags.empty());

  SamplingDecision manual_keep = manual_drop;
  manual_keep.priority = 2;
  apply_sampling_decision(manual_keep, root, tags);
  apply_sampling_decision(manual_keep, root, tags);
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(*find_tag(tags, "_dd.p.dm"), "-4");
  EXPECT_EQ(metric(root, "_sampling_priority_v1"), 2.0);
}

// The rates a decision does not carry go, wherever they sit among other metrics (some
// of the same length as theirs), and only those.
TEST(ApplySamplingDecision, RatesNotCarriedAreErasedAmongOtherMetrics) {
  SpanData root = make_root("checkout", 1);
  root.metrics.set("_dd.top_level", 1.0);  // 13 bytes, as _dd.agent_psr
  root.metrics.set("_dd.agent_psr", 0.5);
  root.metrics.set("_dd.rule_psX", 3.0);  // 12 bytes, as _dd.rule_psr
  root.metrics.set("_dd.limit_psr", 0.25);
  root.metrics.set("_dd.rule_psr", 0.75);
  TagList tags;
  SamplingDecision rule_keep;
  rule_keep.priority = 2;
  rule_keep.mechanism = SamplingMechanism::kRule;
  rule_keep.rule_rate = 0.125;
  apply_sampling_decision(rule_keep, root, tags);
  EXPECT_FALSE(metric(root, "_dd.agent_psr"));
  EXPECT_FALSE(metric(root, "_dd.limit_psr"));
  EXPECT_EQ(metric(root, "_dd.rule_psr"), 0.125);
  EXPECT_EQ(metric(root, "_dd.top_level"), 1.0);
  EXPECT_EQ(metric(root, "_dd.rule_psX"), 3.0);
  EXPECT_EQ(root.metrics.size(), 4u);  // with _sampling_priority_v1
}

TEST(ApplySamplingDecision, DecisionMakerTextForAnyMechanismValue) {
  for (const int value : {0, 1, 3, 4, 9, 10, 42, -3}) {
    SamplingDecision decision;
    decision.priority = 1;
    decision.mechanism = static_cast<SamplingMechanism>(value);
    SpanData root = make_root("checkout", 1);
    TagList tags;
    apply_sampling_decision(decision, root, tags);
    ASSERT_NE(find_tag(tags, "_dd.p.dm"), nullptr);
    EXPECT_EQ(*find_tag(tags, "_dd.p.dm"), "-" + std::to_string(value));
  }
}

std::vector<std::pair<std::string, std::string>> meta_of(const SpanData& span) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : span.meta) out.emplace_back(key, value);
  return out;
}

std::vector<std::pair<std::string, double>> metrics_of(const SpanData& span) {
  return {span.metrics.begin(), span.metrics.end()};
}

// apply_sampling_decision_to_root: the root that applying the decision with an empty
// trace-tag list, then setting that list's tags on the root, gives; for every kind of
// decision, and roots that already hold some of the keys.
TEST(ApplySamplingDecision, ToRootAsWithAnEmptyListThenItsTagsOnTheRoot) {
  std::vector<SamplingDecision> decisions;
  decisions.push_back({2, SamplingMechanism::kRule, std::nullopt, 0.5, 1.0});
  decisions.push_back({-1, SamplingMechanism::kRule, std::nullopt, 0.25, std::nullopt});
  decisions.push_back({-1, SamplingMechanism::kRule, std::nullopt, 1.0, 0.5});
  decisions.push_back({1, SamplingMechanism::kAgentRate, 0.75, std::nullopt, std::nullopt});
  decisions.push_back({0, SamplingMechanism::kAgentRate, 0.0, std::nullopt, std::nullopt});
  decisions.push_back({1, SamplingMechanism::kDefault, std::nullopt, std::nullopt, std::nullopt});
  decisions.push_back({2, SamplingMechanism::kManual, std::nullopt, std::nullopt, std::nullopt});
  decisions.push_back({-1, SamplingMechanism::kManual, std::nullopt, std::nullopt, std::nullopt});
  std::vector<SpanData> roots(4, make_root("checkout", 1));
  roots[1].meta.set("_dd.p.dm", "-9");
  roots[2].meta.set("_dd.p.ksr", "0.1");
  roots[2].meta.set("http.method", "GET");
  roots[3].metrics.set("_dd.agent_psr", 0.125);
  roots[3].metrics.set("_dd.rule_psr", 0.5);
  for (const SamplingDecision& decision : decisions) {
    for (const SpanData& root : roots) {
      SpanData via_list = root;
      TagList tags;
      apply_sampling_decision(decision, via_list, tags);
      for (const auto& [key, value] : tags) via_list.meta.set(key, value);
      SpanData direct = root;
      apply_sampling_decision_to_root(decision, direct);
      EXPECT_EQ(meta_of(direct), meta_of(via_list));
      EXPECT_EQ(metrics_of(direct), metrics_of(via_list));
    }
  }
}

}  // namespace
}  // namespace gatetrace
