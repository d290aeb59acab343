#include "gatetrace/sampling/agent_rates.h"

#include <algorithm>
#include <tuple>

namespace gatetrace {
namespace {

constexpr std::string_view kServicePrefix = "service:";
constexpr std::string_view kEnvSeparator = ",env:";

}  // namespace

AgentRates::AgentRates(const std::unordered_map<std::string, double>& rate_by_service) {
  entries_.reserve(rate_by_service.size());
  for (const auto& [key, rate] : rate_by_service) {
    if (!(rate >= 0.0 && rate <= 1.0)) continue;  // also rejects NaN
    const std::string_view text = key;
    if (text.substr(0, kServicePrefix.size()) != kServicePrefix) continue;
    // The agent normalizes service names, which then hold no comma: the first
    // ",env:" is the separator.
    const std::size_t separator = text.find(kEnvSeparator, kServicePrefix.size());
    if (separator == std::string_view::npos) continue;
    const std::string_view service =
        text.substr(kServicePrefix.size(), separator - kServicePrefix.size());
    const std::string_view env = text.substr(separator + kEnvSeparator.size());
    if (service.empty() && env.empty()) {
      default_rate_ = rate;
    } else {
      entries_.push_back(Entry{std::string(service), std::string(env), rate});
    }
  }
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.service, a.env) < std::tie(b.service, b.env);
  });
}

std::optional<double> AgentRates::find(std::string_view service, std::string_view env) const {
  const auto found = std::lower_bound(
      entries_.begin(), entries_.end(), std::make_pair(service, env),
      [](const Entry& entry, const std::pair<std::string_view, std::string_view>& key) {
        const int by_service = std::string_view(entry.service).compare(key.first);
        return by_service < 0 || (by_service == 0 && std::string_view(entry.env) < key.second);
      });
  if (found == entries_.end() || found->service != service || found->env != env) {
    return std::nullopt;
  }
  return found->rate;
}

}  // namespace gatetrace
