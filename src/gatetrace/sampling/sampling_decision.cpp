// Writing a sampling decision into the local root's tags (see trace_sampler.h).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "gatetrace/sampling/knuth.h"
#include "gatetrace/sampling/trace_sampler.h"
#include "gatetrace/span_keys.h"

namespace gatetrace {
namespace {

constexpr std::string_view kDecisionMaker = "_dd.p.dm";
constexpr std::string_view kKnuthRate = "_dd.p.ksr";

void set_tag(TagList& tags, std::string_view key, std::string value) {
  for (auto& entry : tags) {
    if (entry.first == key) {
      entry.second = std::move(value);
      return;
    }
  }
  // The pair made in place: no temporary pair of strings to move in.
  tags.emplace_back(std::piecewise_construct, std::forward_as_tuple(key),
                    std::forward_as_tuple(std::move(value)));
}

void erase_tag(TagList& tags, std::string_view key) {
  const auto named = [key](const auto& entry) { return entry.first == key; };
  // Usually absent: found first, so that nothing is moved or erased then.
  const auto first = std::find_if(tags.begin(), tags.end(), named);
  if (first == tags.end()) return;
  tags.erase(std::remove_if(first, tags.end(), named), tags.end());
}

// The rate metrics a decision writes, each by its bit (1 << its span_keys.h id).
constexpr std::uint32_t kRateKeys[] = {span_keys::kAgentRate, span_keys::kRuleRate,
                                       span_keys::kLimitRate};

// Which rate metrics `metrics` holds, in one pass: a decision usually finds none of them
// (a fresh root holds no rate), and erasing each absent one by text scanned them all.
std::uint32_t rate_metrics_held(const Metrics& metrics) {
  std::uint32_t held = 0;
  for (const auto& entry : metrics) {
    for (const std::uint32_t key : kRateKeys) {
      if (entry.first.holds(span_keys::kTexts[key])) held |= std::uint32_t{1} << key;
    }
  }
  return held;
}

// `known_key`: a metric key of span_keys.h; `held`: rate_metrics_held's answer.
void set_or_erase_metric(Metrics& metrics, std::uint32_t known_key,
                         const std::optional<double>& value, std::uint32_t held) {
  if (value) {
    metrics.set_known(known_key, *value);
  } else if ((held & (std::uint32_t{1} << known_key)) != 0) {
    metrics.erase(span_keys::kTexts[known_key]);
  }
}

// "-<mechanism>": the mechanisms are single digits, written without std::to_string.
std::string decision_maker(SamplingMechanism mechanism) {
  const int value = static_cast<int>(mechanism);
  if (value >= 0 && value <= 9) return std::string{'-', static_cast<char>('0' + value)};
  return "-" + std::to_string(value);
}

}  // namespace

void apply_sampling_decision(const SamplingDecision& decision, SpanData& local_root,
                             TagList& trace_tags) {
  local_root.metrics.set_known(span_keys::kSamplingPriority,
                               static_cast<double>(decision.priority));
  // A decision replaces any earlier one (e.g. a manual keep after a rule's drop): rates
  // it does not carry would describe a decision that no longer holds.
  // Looked for before any is set: a rate set below is not erased by its own bit.
  const std::uint32_t held = rate_metrics_held(local_root.metrics);
  set_or_erase_metric(local_root.metrics, span_keys::kAgentRate, decision.agent_rate, held);
  set_or_erase_metric(local_root.metrics, span_keys::kRuleRate, decision.rule_rate, held);
  set_or_erase_metric(local_root.metrics, span_keys::kLimitRate, decision.limiter_rate, held);

  if (decision.priority > 0) {
    set_tag(trace_tags, kDecisionMaker, decision_maker(decision.mechanism));
  } else {
    erase_tag(trace_tags, kDecisionMaker);
  }

  // The Knuth rate exists only when a rate decided: a rule's or the agent's. Datadog's
  // tracers leave it out for manual decisions and for the default keep-all before the
  // agent's first response (there is no rate for the backend to extrapolate from).
  std::optional<double> knuth_rate;
  if (decision.mechanism == SamplingMechanism::kRule) knuth_rate = decision.rule_rate;
  if (decision.mechanism == SamplingMechanism::kAgentRate) knuth_rate = decision.agent_rate;
  if (knuth_rate) {
    set_tag(trace_tags, kKnuthRate, format_knuth_rate(*knuth_rate));
  } else {
    erase_tag(trace_tags, kKnuthRate);
  }
}

}  // namespace gatetrace
