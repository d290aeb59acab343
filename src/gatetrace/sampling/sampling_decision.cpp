// Writing a sampling decision into the local root's tags (see trace_sampler.h).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
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
  tags.emplace_back(std::string(key), std::move(value));
}

void erase_tag(TagList& tags, std::string_view key) {
  tags.erase(std::remove_if(tags.begin(), tags.end(),
                            [key](const auto& entry) { return entry.first == key; }),
             tags.end());
}

// `known_key`: a metric key of span_keys.h.
void set_or_erase_metric(Metrics& metrics, std::uint32_t known_key,
                         const std::optional<double>& value) {
  if (value) {
    metrics.set_known(known_key, *value);
  } else {
    metrics.erase(span_keys::kTexts[known_key]);
  }
}

}  // namespace

void apply_sampling_decision(const SamplingDecision& decision, SpanData& local_root,
                             TagList& trace_tags) {
  local_root.metrics.set_known(span_keys::kSamplingPriority,
                               static_cast<double>(decision.priority));
  // A decision replaces any earlier one (e.g. a manual keep after a rule's drop): rates
  // it does not carry would describe a decision that no longer holds.
  set_or_erase_metric(local_root.metrics, span_keys::kAgentRate, decision.agent_rate);
  set_or_erase_metric(local_root.metrics, span_keys::kRuleRate, decision.rule_rate);
  set_or_erase_metric(local_root.metrics, span_keys::kLimitRate, decision.limiter_rate);

  if (decision.priority > 0) {
    set_tag(trace_tags, kDecisionMaker, "-" + std::to_string(static_cast<int>(decision.mechanism)));
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
