// Helpers shared by the sampler tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gatetrace/sampling/knuth.h"
#include "gatetrace/span_data.h"
#include "gatetrace/tracer_config.h"

namespace gatetrace {
namespace testing {

// A span with the three fields the rules' globs test.
inline SpanData span_of(std::string service, std::string name, std::string resource) {
  SpanData span;
  span.service = std::move(service);
  span.name = std::move(name);
  span.resource = std::move(resource);
  return span;
}

// The first id from `start` that `rate` keeps (or drops, with keep = false).
inline std::uint64_t find_id(double rate, bool keep, std::uint64_t start = 1) {
  std::uint64_t id = start;
  while (knuth_keep(id, rate) != keep) ++id;
  return id;
}

inline SpanData make_root(std::string service, std::uint64_t trace_id_low,
                          std::string name = "http.request", std::string resource = "GET /") {
  SpanData span;
  span.trace_id.low = trace_id_low;
  span.trace_id.high = 0x6650000000000000u;
  span.span_id = trace_id_low ^ 0x5555u;
  span.service = std::move(service);
  span.name = std::move(name);
  span.resource = std::move(resource);
  return span;
}

inline TraceSamplingRule rule(std::string service, double rate, std::string name = "*",
                              std::string resource = "*",
                              std::vector<std::pair<std::string, std::string>> tags = {}) {
  TraceSamplingRule result;
  result.service = std::move(service);
  result.name = std::move(name);
  result.resource = std::move(resource);
  result.tags = std::move(tags);
  result.sample_rate = rate;
  return result;
}

inline FinalizedTracerConfig make_config(std::vector<TraceSamplingRule> rules,
                                         double rate_limit = 100) {
  FinalizedTracerConfig config;
  config.service = "checkout";
  config.environment = "prod";
  config.trace_sampling_rules = std::move(rules);
  config.rate_limit = rate_limit;
  return config;
}

}  // namespace testing
}  // namespace gatetrace
