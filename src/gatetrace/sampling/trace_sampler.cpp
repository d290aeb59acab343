#include "gatetrace/sampling/trace_sampler.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <utility>

#include "gatetrace/common/thread_exit_safe.h"
#include "gatetrace/sampling/agent_rates.h"
#include "gatetrace/sampling/knuth.h"
#include "gatetrace/sampling/limiter.h"
#include "gatetrace/sampling/rule_list.h"
#include "gatetrace/span_keys.h"

namespace gatetrace {
namespace {

std::shared_ptr<const Clock> or_default(std::shared_ptr<const Clock> clock) {
  return clock ? std::move(clock) : default_clock();
}

// The agent's rates as this thread last read them, and from which sampler and version:
// a decision by agent rates (every trace no rule matches: all of them without rules)
// used to lock the sampler's mutex and copy its shared_ptr, two writes per trace to
// lines every request thread shares. Now a thread locks only when the flush thread has
// replaced the rates since its last look (or it decides for another sampler).
struct RatesSeenByThread {
  std::uint64_t sampler = 0;  // TraceSampler::State::serial; 0: none yet
  std::uint64_t version = 0;
  std::shared_ptr<const AgentRates> rates;  // keeps them alive while this thread uses them
};

// Never 0, never reused: a new sampler at a freed one's address is still another.
std::uint64_t next_sampler_serial() noexcept {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace

// Every request thread reads this (its version and serial on every decision) and none
// writes it between rate updates: 128-byte alignment keeps any other heap block (another
// thread's span, written per trace) off its lines and their adjacent-line prefetch pair.
struct alignas(128) TraceSampler::State {
  State(const FinalizedTracerConfig& config, std::shared_ptr<const Clock> clock)
      : limiter(or_default(std::move(clock)), config.rate_limit), environment(config.environment) {
    rates_by_rule.reserve(config.trace_sampling_rules.size());
    for (const TraceSamplingRule& rule : config.trace_sampling_rules) {
      rules.add(rule.service, rule.name, rule.resource, rule.tags);
      rates_by_rule.push_back({rule.sample_rate, KnuthRate(rule.sample_rate)});
    }
  }

  // The current rates (null before the agent's first answer), valid until this thread's
  // next call; `held` keeps them alive when this thread has no cache any more.
  const AgentRates* current_rates(std::shared_ptr<const AgentRates>& held) {
    // Null while the thread exits, after its copy went: then read under the lock.
    RatesSeenByThread* seen = ThreadExitSafe<RatesSeenByThread>::get();
    if (seen == nullptr) {
      std::lock_guard<std::mutex> lock(rates_mutex);
      held = rates;
      return held.get();
    }
    // A replacement racing with this load is seen by the next decision, as it was when
    // every decision took the lock.
    if (seen->sampler != serial || seen->version != version.load(std::memory_order_acquire)) {
      std::shared_ptr<const AgentRates> previous;  // freed after the lock is released
      std::lock_guard<std::mutex> lock(rates_mutex);
      previous = std::exchange(seen->rates, rates);
      seen->version = version.load(std::memory_order_relaxed);
      seen->sampler = serial;
    }
    return seen->rates.get();
  }

  RuleList rules;
  struct RuleRate {
    double rate;
    KnuthRate knuth;  // the rate's threshold, computed once
  };
  std::vector<RuleRate> rates_by_rule;  // rules' sample rates, by index
  Limiter limiter;
  std::string environment;

  // Replaced whole by the flush thread, which then counts up `version` (under the
  // mutex); a reader copies the pointer under the mutex only when `version` moved, so
  // the lock is held for a reference-count increment, never for a lookup.
  std::mutex rates_mutex;
  std::shared_ptr<const AgentRates> rates;  // null until the agent first answers
  std::atomic<std::uint64_t> version{0};
  const std::uint64_t serial = next_sampler_serial();
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

  std::shared_ptr<const AgentRates> held;
  if (const AgentRates* rates = state_->current_rates(held)) {
    // By its fixed id: no hash of the text.
    const auto env_tag = local_root.meta.find_known(span_keys::kEnv);
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
    state_->version.fetch_add(1, std::memory_order_release);
  }
  // `old` may be the last reference: it is freed here, after the lock is released.
}

}  // namespace gatetrace
