#include "gatetrace/sampling/trace_sampler.h"

#include <mutex>
#include <string_view>
#include <utility>

#include "gatetrace/sampling/agent_rates.h"
#include "gatetrace/sampling/knuth.h"
#include "gatetrace/sampling/limiter.h"
#include "gatetrace/sampling/rule_list.h"

namespace gatetrace {
namespace {

std::shared_ptr<const Clock> or_default(std::shared_ptr<const Clock> clock) {
  return clock ? std::move(clock) : default_clock();
}

}  // namespace

struct TraceSampler::State {
  State(const FinalizedTracerConfig& config, std::shared_ptr<const Clock> clock)
      : limiter(or_default(std::move(clock)), config.rate_limit), environment(config.environment) {
    rates_by_rule.reserve(config.trace_sampling_rules.size());
    for (const TraceSamplingRule& rule : config.trace_sampling_rules) {
      rules.add(rule.service, rule.name, rule.resource, rule.tags);
      rates_by_rule.push_back({rule.sample_rate, KnuthRate(rule.sample_rate)});
    }
  }

  std::shared_ptr<const AgentRates> load_rates() {
    std::lock_guard<std::mutex> lock(rates_mutex);
    return rates;
  }

  RuleList rules;
  struct RuleRate {
    double rate;
    KnuthRate knuth;  // the rate's threshold, computed once
  };
  std::vector<RuleRate> rates_by_rule;  // rules' sample rates, by index
  Limiter limiter;
  std::string environment;

  // Replaced whole by the flush thread; readers only copy the pointer under the mutex,
  // so the lock is held for a reference-count increment, never for a lookup.
  std::mutex rates_mutex;
  std::shared_ptr<const AgentRates> rates;  // null until the agent first answers
};

TraceSampler::TraceSampler(const FinalizedTracerConfig& config, std::shared_ptr<const Clock> clock)
    : state_(std::make_unique<State>(config, std::move(clock))) {}

TraceSampler::~TraceSampler() = default;

SamplingDecision TraceSampler::decide(const SpanData& local_root) {
  SamplingDecision decision;
  const std::uint64_t id = local_root.trace_id.low;

  const std::size_t rule = state_->rules.first_match(local_root);
  if (rule != RuleList::kNoMatch) {
    const State::RuleRate& rate = state_->rates_by_rule[rule];
    decision.mechanism = SamplingMechanism::kRule;
    decision.rule_rate = rate.rate;
    decision.priority = -1;  // USER_REJECT
    if (rate.knuth.keeps(id)) {
      const Limiter::Result limited = state_->limiter.allow();
      decision.limiter_rate = limited.effective_rate;
      if (limited.allowed) decision.priority = 2;  // USER_KEEP
    }
    return decision;
  }

  if (const std::shared_ptr<const AgentRates> rates = state_->load_rates()) {
    const auto env_tag = local_root.meta.find("env");
    const std::string_view env = env_tag ? *env_tag : std::string_view(state_->environment);
    std::optional<double> rate = rates->find(local_root.service, env);
    if (!rate) rate = rates->default_rate();
    if (rate) {
      decision.mechanism = SamplingMechanism::kAgentRate;
      decision.agent_rate = *rate;
      decision.priority = knuth_keep(id, *rate) ? 1 : 0;  // AUTO_KEEP : AUTO_REJECT
      return decision;
    }
  }

  // Nothing from the agent yet (or nothing usable): keep everything, as every Datadog
  // tracer does before its first agent response.
  decision.mechanism = SamplingMechanism::kDefault;
  decision.priority = 1;
  return decision;
}

void TraceSampler::update_agent_rates(
    const std::unordered_map<std::string, double>& rate_by_service) {
  // Built outside the lock: request threads only ever wait for the pointer swap.
  auto fresh = std::make_shared<const AgentRates>(rate_by_service);
  std::shared_ptr<const AgentRates> old;
  {
    std::lock_guard<std::mutex> lock(state_->rates_mutex);
    old = std::exchange(state_->rates, std::move(fresh));
  }
  // `old` may be the last reference: it is freed here, after the lock is released.
}

}  // namespace gatetrace
