// Writing a sampling decision into the local root's tags (see trace_sampler.h).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
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

void set_tag(TagList& tags, std::string_view key, std::string_view value) {
  for (auto& entry : tags) {
    if (entry.first == key) {
      entry.second.assign(value.data(), value.size());
      return;
    }
  }
  // The pair made in place: no temporary pair of strings to move in.
  tags.emplace_back(std::piecewise_construct, std::forward_as_tuple(key),
                    std::forward_as_tuple(value));
}

void erase_tag(TagList& tags, std::string_view key) {
  // Usually absent (or the list empty): a plain scan finds that in a few instructions,
  // where std::find_if's unrolled loop paid for its set-up first.
  auto first = tags.begin();
  while (first != tags.end() && first->first != key) ++first;
  if (first == tags.end()) return;
  const auto named = [key](const auto& entry) { return entry.first == key; };
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

// "-<mechanism>", written into `buffer`: the mechanisms are single digits, written
// without std::to_string (and, as every caller copies the text, without a string).
std::string_view decision_maker(SamplingMechanism mechanism, char (&buffer)[16]) {
  const int value = static_cast<int>(mechanism);
  buffer[0] = '-';
  if (value >= 0 && value <= 9) {
    buffer[1] = static_cast<char>('0' + value);
    return {buffer, 2};
  }
  const char* end = std::to_chars(buffer + 1, buffer + sizeof buffer, value).ptr;
  return {buffer, static_cast<std::size_t>(end - buffer)};
}

// The rate `_dd.p.ksr` gives: only a rule's or the agent's. Datadog's tracers leave it
// out for manual decisions and for the default keep-all before the agent's first
// response (there is no rate for the backend to extrapolate from).
std::optional<double> knuth_rate(const SamplingDecision& decision) {
  if (decision.mechanism == SamplingMechanism::kRule) return decision.rule_rate;
  if (decision.mechanism == SamplingMechanism::kAgentRate) return decision.agent_rate;
  return std::nullopt;
}

}  // namespace

void set_sampling_metrics(const SamplingDecision& decision, SpanData& local_root) {
  // A decision replaces any earlier one (e.g. a manual keep after a rule's drop): rates
  // it does not carry would describe a decision that no longer holds.
  // Looked for before any is set: a rate set below is not erased by its own bit. Also
  // before the priority, which is no rate: a fresh root's metrics are then still empty,
  // and nothing is compared.
  const std::uint32_t held = rate_metrics_held(local_root.metrics);
  local_root.metrics.set_known(span_keys::kSamplingPriority,
                               static_cast<double>(decision.priority));
  set_or_erase_metric(local_root.metrics, span_keys::kAgentRate, decision.agent_rate, held);
  set_or_erase_metric(local_root.metrics, span_keys::kRuleRate, decision.rule_rate, held);
  set_or_erase_metric(local_root.metrics, span_keys::kLimitRate, decision.limiter_rate, held);
}

void set_sampling_trace_tags(const SamplingDecision& decision, TagList& trace_tags) {
  char buffer[16];
  if (decision.priority > 0) {
    set_tag(trace_tags, kDecisionMaker, decision_maker(decision.mechanism, buffer));
  } else {
    erase_tag(trace_tags, kDecisionMaker);
  }
  if (const std::optional<double> rate = knuth_rate(decision)) {
    set_tag(trace_tags, kKnuthRate, format_knuth_rate(*rate));
  } else {
    erase_tag(trace_tags, kKnuthRate);
  }
}

void apply_sampling_decision(const SamplingDecision& decision, SpanData& local_root,
                             TagList& trace_tags) {
  set_sampling_metrics(decision, local_root);
  set_sampling_trace_tags(decision, trace_tags);
}

void apply_sampling_decision_to_root(const SamplingDecision& decision, SpanData& local_root) {
  set_sampling_metrics(decision, local_root);
  // The tags in the order set_sampling_trace_tags() appends them to an empty list, set
  // as copying that list onto the root would set them.
  char buffer[16];
  if (decision.priority > 0) {
    local_root.meta.set_known(span_keys::kDecisionMaker,
                              decision_maker(decision.mechanism, buffer));
  }
  if (const std::optional<double> rate = knuth_rate(decision)) {
    local_root.meta.set(kKnuthRate, format_knuth_rate(*rate));
  }
}

}  // namespace gatetrace
