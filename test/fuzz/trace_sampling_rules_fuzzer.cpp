// Fuzzes DD_TRACE_SAMPLING_RULES: the JSON parser, then a TraceSampler built from the
// rules it accepted, deciding on spans. Every decision is a valid priority with the
// rates its mechanism implies. A rule's own patterns, read as a span's service, name,
// resource and tags, match the rule (a glob matches its own text), so such a span
// must be decided by a rule.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "gatetrace/config/parse_values.h"
#include "gatetrace/sampling/trace_sampler.h"

namespace {

using gatetrace::SamplingDecision;
using gatetrace::SamplingMechanism;

bool is_rate(const std::optional<double>& rate) {
  return rate.has_value() && *rate >= 0.0 && *rate <= 1.0;
}

void check_decision(const SamplingDecision& decision) {
  GATETRACE_FUZZ_CHECK(decision.priority >= -1 && decision.priority <= 2);
  switch (decision.mechanism) {
    case SamplingMechanism::kRule:
      GATETRACE_FUZZ_CHECK(decision.priority == 2 || decision.priority == -1);
      GATETRACE_FUZZ_CHECK(is_rate(decision.rule_rate));
      GATETRACE_FUZZ_CHECK(!decision.limiter_rate || is_rate(decision.limiter_rate));
      break;
    case SamplingMechanism::kAgentRate:
      GATETRACE_FUZZ_CHECK(decision.priority == 1 || decision.priority == 0);
      GATETRACE_FUZZ_CHECK(is_rate(decision.agent_rate));
      break;
    case SamplingMechanism::kDefault:
      GATETRACE_FUZZ_CHECK(decision.priority == 1);
      break;
    default:
      GATETRACE_FUZZ_CHECK(false);
  }
}

// Writing the decision's tags works whatever the decision.
void apply(const SamplingDecision& decision, gatetrace::SpanData& span) {
  gatetrace::TagList trace_tags;
  gatetrace::apply_sampling_decision(decision, span, trace_tags);
  const double* priority = span.metrics.find("_sampling_priority_v1");
  GATETRACE_FUZZ_CHECK(priority != nullptr && *priority == decision.priority);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = gatetrace::fuzz::as_text(data, size);
  auto rules = gatetrace::parse_trace_sampling_rules("DD_TRACE_SAMPLING_RULES", text);
  if (!rules) {
    GATETRACE_FUZZ_CHECK(rules.error().message.rfind("DD_TRACE_SAMPLING_RULES: ", 0) == 0);
    return 0;
  }
  for (const auto& rule : *rules) {
    GATETRACE_FUZZ_CHECK(rule.sample_rate >= 0.0 && rule.sample_rate <= 1.0);
  }

  gatetrace::FinalizedTracerConfig config;
  config.service = "fuzzed-service";
  config.environment = "fuzz";
  config.trace_sampling_rules = *rules;
  const auto clock = std::make_shared<gatetrace::fuzz::FixedClock>(
      gatetrace::TimePoint{gatetrace::fuzz::kFuzzNowWallNs, 1'000'000'000});
  gatetrace::TraceSampler sampler(config, clock);
  sampler.update_agent_rates({{"service:fuzzed-service,env:fuzz", 0.5}, {"service:,env:", 0.25}});

  gatetrace::SpanData plain;
  plain.trace_id = gatetrace::TraceId{0x9e3779b97f4a7c15, 0};
  plain.span_id = 7;
  plain.service = "fuzzed-service";
  plain.name = "http.request";
  plain.resource = "GET /";
  plain.meta.set("env", "fuzz");
  const SamplingDecision plain_decision = sampler.decide(plain);
  check_decision(plain_decision);
  apply(plain_decision, plain);

  // At most a few spans per input: the rules are what is being fuzzed.
  for (std::size_t i = 0; i < rules->size() && i < 8; ++i) {
    const auto& rule = (*rules)[i];
    gatetrace::SpanData span;
    span.trace_id = gatetrace::TraceId{0x1000 + i, 0};
    span.span_id = 1;
    span.service = rule.service;
    span.name = rule.name;
    span.resource = rule.resource;
    for (const auto& [key, pattern] : rule.tags) span.meta.set(key, pattern);
    const SamplingDecision decision = sampler.decide(span);
    check_decision(decision);
    GATETRACE_FUZZ_CHECK(decision.mechanism == SamplingMechanism::kRule);
    // Knuth keeps everything at rate 1 and nothing at rate 0.
    if (*decision.rule_rate == 0.0) GATETRACE_FUZZ_CHECK(decision.priority == -1);
    apply(decision, span);
  }
  return 0;
}
