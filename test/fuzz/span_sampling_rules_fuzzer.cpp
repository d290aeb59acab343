// Fuzzes DD_SPAN_SAMPLING_RULES: the JSON parser, then a SpanSampler built from the
// rules it accepted, sampling spans. A kept span carries mechanism 8 and its rule's
// rate and limit; a span whose service, name and resource are the first rule's own
// patterns matches that rule (a glob matches its own text), so at rate 1 with room in
// the limiter it is kept.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "gatetrace/config/parse_values.h"
#include "gatetrace/sampling/trace_sampler.h"

namespace {

constexpr std::string_view kMechanism = "_dd.span_sampling.mechanism";
constexpr std::string_view kRuleRate = "_dd.span_sampling.rule_rate";
constexpr std::string_view kMaxPerSecond = "_dd.span_sampling.max_per_second";

// True when the span was kept; checks the tags either way.
bool check_sampled(const gatetrace::SpanData& span) {
  const double* mechanism = span.metrics.find(kMechanism);
  const double* rate = span.metrics.find(kRuleRate);
  if (mechanism == nullptr) {
    GATETRACE_FUZZ_CHECK(rate == nullptr && !span.metrics.contains(kMaxPerSecond));
    return false;
  }
  GATETRACE_FUZZ_CHECK(*mechanism == 8);
  GATETRACE_FUZZ_CHECK(rate != nullptr && *rate >= 0.0 && *rate <= 1.0);
  if (const double* limit = span.metrics.find(kMaxPerSecond)) {
    GATETRACE_FUZZ_CHECK(*limit >= 0.0);
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = gatetrace::fuzz::as_text(data, size);
  auto rules = gatetrace::parse_span_sampling_rules("DD_SPAN_SAMPLING_RULES", text);
  if (!rules) {
    GATETRACE_FUZZ_CHECK(rules.error().message.rfind("DD_SPAN_SAMPLING_RULES: ", 0) == 0);
    return 0;
  }
  for (const auto& rule : *rules) {
    GATETRACE_FUZZ_CHECK(rule.sample_rate >= 0.0 && rule.sample_rate <= 1.0);
    GATETRACE_FUZZ_CHECK(!rule.max_per_second || *rule.max_per_second >= 0.0);
  }

  const auto clock = std::make_shared<gatetrace::fuzz::FixedClock>(
      gatetrace::TimePoint{gatetrace::fuzz::kFuzzNowWallNs, 1'000'000'000});
  gatetrace::SpanSampler sampler(*rules, clock);
  GATETRACE_FUZZ_CHECK(sampler.enabled() == !rules->empty());

  gatetrace::SpanData plain;
  plain.span_id = 0x9e3779b97f4a7c15;
  plain.service = "fuzzed-service";
  plain.name = "http.request";
  plain.resource = "GET /";
  sampler.sample(plain);
  check_sampled(plain);

  for (std::size_t i = 0; i < rules->size() && i < 8; ++i) {
    const auto& rule = (*rules)[i];
    gatetrace::SpanData span;
    span.span_id = 0x1000 + i;
    span.service = rule.service;
    span.name = rule.name;
    span.resource = rule.resource;
    sampler.sample(span);
    const bool kept = check_sampled(span);
    // The first rule decides for its own patterns; a fresh limiter holds ceil(limit)
    // tokens, but `plain` may have taken one.
    if (i == 0 && rule.sample_rate == 1.0 && (!rule.max_per_second || *rule.max_per_second > 1)) {
      GATETRACE_FUZZ_CHECK(kept);
      GATETRACE_FUZZ_CHECK(*span.metrics.find(kRuleRate) == 1.0);
    }
    if (rule.sample_rate == 0.0 && kept) {
      // Kept by an earlier rule that also matched.
      GATETRACE_FUZZ_CHECK(i > 0);
    }
  }
  return 0;
}
