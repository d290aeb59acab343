// The sampling rates the Datadog Agent sends back with every payload,
// `{"service:S,env:E": rate, ..., "service:,env:": default}`, as an immutable table.
// The trace sampler swaps in a new table on each agent response and looks up the local
// root's (service, env) pair without building a key string: the keys are split into
// their parts once, here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gatetrace {

class AgentRates {
 public:
  // Keys that do not read "service:S,env:E" and rates that are not numbers in [0, 1]
  // are skipped: the agent's response is untrusted input.
  explicit AgentRates(const std::unordered_map<std::string, double>& rate_by_service);

  // The rate for exactly (service, env); none when the agent sent no such key.
  std::optional<double> find(std::string_view service, std::string_view env) const;
  // The rate of the key "service:,env:", when the agent sent one.
  std::optional<double> default_rate() const { return default_rate_; }

  std::size_t size() const { return entries_.size() + (default_rate_ ? 1 : 0); }

 private:
  struct Entry {
    std::string service;
    std::string env;
    double rate = 1.0;
  };
  std::vector<Entry> entries_;  // sorted by (service, env)
  std::optional<double> default_rate_;
};

}  // namespace gatetrace
