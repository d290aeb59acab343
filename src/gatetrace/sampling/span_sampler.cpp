#include <memory>
#include <optional>
#include <utility>

#include "gatetrace/sampling/knuth.h"
#include "gatetrace/sampling/limiter.h"
#include "gatetrace/sampling/span_matcher.h"
#include "gatetrace/sampling/trace_sampler.h"

namespace gatetrace {
namespace {

constexpr std::string_view kMechanism = "_dd.span_sampling.mechanism";
constexpr std::string_view kRuleRate = "_dd.span_sampling.rule_rate";
constexpr std::string_view kMaxPerSecond = "_dd.span_sampling.max_per_second";
constexpr double kSpanSamplingMechanism = 8;

struct CompiledSpanRule {
  SpanMatcher matcher;
  double rate;
  std::optional<double> max_per_second;
  std::unique_ptr<Limiter> limiter;  // a Limiter holds a mutex: not movable
};

}  // namespace

struct SpanSampler::State {
  std::vector<CompiledSpanRule> rules;
};

SpanSampler::SpanSampler(const std::vector<SpanSamplingRule>& rules,
                         std::shared_ptr<const Clock> clock)
    : state_(std::make_unique<State>()) {
  if (!clock) clock = default_clock();
  state_->rules.reserve(rules.size());
  for (const SpanSamplingRule& rule : rules) {
    CompiledSpanRule compiled{SpanMatcher(rule.service, rule.name, rule.resource), rule.sample_rate,
                              rule.max_per_second, nullptr};
    if (rule.max_per_second) {
      compiled.limiter = std::make_unique<Limiter>(clock, *rule.max_per_second);
    }
    state_->rules.push_back(std::move(compiled));
  }
}

SpanSampler::~SpanSampler() = default;

bool SpanSampler::enabled() const { return !state_->rules.empty(); }

void SpanSampler::sample(SpanData& span) {
  for (CompiledSpanRule& rule : state_->rules) {
    if (!rule.matcher.matches(span)) continue;
    // The first matching rule decides, whatever it decides.
    if (!knuth_keep(span.span_id, rule.rate)) return;
    if (rule.limiter && !rule.limiter->allow().allowed) return;
    span.metrics.set(kMechanism, kSpanSamplingMechanism);
    span.metrics.set(kRuleRate, rule.rate);
    if (rule.max_per_second) span.metrics.set(kMaxPerSecond, *rule.max_per_second);
    return;
  }
}

}  // namespace gatetrace
