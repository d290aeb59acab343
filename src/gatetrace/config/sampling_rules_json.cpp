// The JSON forms of DD_TRACE_SAMPLING_RULES and DD_SPAN_SAMPLING_RULES.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "gatetrace/config/parse_values.h"

namespace gatetrace {
namespace {

using nlohmann::json;

Error rule_error(Error::Code code, std::string_view variable, std::size_t index,
                 std::string_view what) {
  return Error{code, fmt::format("{}: rule {}: {}", variable, index, what)};
}

Expected<json> parse_array(Error::Code code, std::string_view variable, std::string_view text) {
  json rules = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (rules.is_discarded()) {
    return Error{code, fmt::format("{}: '{}' is not valid JSON", variable, text)};
  }
  if (!rules.is_array()) {
    return Error{code, fmt::format("{}: '{}' is not a JSON array of rules", variable, text)};
  }
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].is_object()) {
      return rule_error(code, variable, i, fmt::format("{} is not an object", rules[i].dump()));
    }
  }
  return rules;
}

// Reads the pattern `key` of `rule` into `out` when present; it must be a string.
Expected<void> read_pattern(Error::Code code, std::string_view variable, std::size_t index,
                            const json& rule, const char* key, std::string& out) {
  const auto it = rule.find(key);
  if (it == rule.end()) return {};
  if (!it->is_string()) {
    return rule_error(code, variable, index,
                      fmt::format("\"{}\" must be a string, not {}", key, it->dump()));
  }
  out = it->get<std::string>();
  return {};
}

Expected<double> read_rate(Error::Code code, std::string_view variable, std::size_t index,
                           const json& rule) {
  const auto it = rule.find("sample_rate");
  if (it == rule.end()) return 1.0;
  if (!it->is_number()) {
    return rule_error(code, variable, index,
                      fmt::format("\"sample_rate\" must be a number, not {}", it->dump()));
  }
  const double rate = it->get<double>();
  if (!(rate >= 0 && rate <= 1)) {
    return rule_error(code, variable, index,
                      fmt::format("\"sample_rate\" {} is not between 0 and 1", it->dump()));
  }
  return rate;
}

Expected<void> check_keys(Error::Code code, std::string_view variable, std::size_t index,
                          const json& rule, std::initializer_list<std::string_view> allowed) {
  for (const auto& item : rule.items()) {
    bool known = false;
    for (std::string_view key : allowed) known = known || key == item.key();
    if (!known) {
      return rule_error(code, variable, index, fmt::format("unknown property \"{}\"", item.key()));
    }
  }
  return {};
}

}  // namespace

Expected<std::vector<TraceSamplingRule>> parse_trace_sampling_rules(std::string_view variable,
                                                                    std::string_view text) {
  constexpr Error::Code kCode = Error::kInvalidSamplingRules;
  auto rules = parse_array(kCode, variable, text);
  if (!rules) return rules.error();
  std::vector<TraceSamplingRule> result;
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const json& rule = (*rules)[i];
    // "provenance" and "target_span" come from remote configuration in other tracers.
    if (auto ok = check_keys(
            kCode, variable, i, rule,
            {"service", "name", "resource", "tags", "sample_rate", "provenance", "target_span"});
        !ok) {
      return ok.error();
    }
    TraceSamplingRule parsed;
    for (auto [key, out] : {std::pair{"service", &parsed.service}, std::pair{"name", &parsed.name},
                            std::pair{"resource", &parsed.resource}}) {
      if (auto ok = read_pattern(kCode, variable, i, rule, key, *out); !ok) return ok.error();
    }
    if (const auto tags = rule.find("tags"); tags != rule.end()) {
      if (!tags->is_object()) {
        return rule_error(kCode, variable, i, "\"tags\" must be an object of tag patterns");
      }
      for (const auto& tag : tags->items()) {
        if (!tag.value().is_string()) {
          return rule_error(kCode, variable, i,
                            fmt::format("tag \"{}\" must have a string pattern", tag.key()));
        }
        parsed.tags.emplace_back(tag.key(), tag.value().get<std::string>());
      }
    }
    auto rate = read_rate(kCode, variable, i, rule);
    if (!rate) return rate.error();
    parsed.sample_rate = *rate;
    result.push_back(std::move(parsed));
  }
  return result;
}

Expected<std::vector<SpanSamplingRule>> parse_span_sampling_rules(std::string_view variable,
                                                                  std::string_view text) {
  constexpr Error::Code kCode = Error::kInvalidSpanSamplingRules;
  auto rules = parse_array(kCode, variable, text);
  if (!rules) return rules.error();
  std::vector<SpanSamplingRule> result;
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const json& rule = (*rules)[i];
    if (auto ok = check_keys(kCode, variable, i, rule,
                             {"service", "name", "resource", "sample_rate", "max_per_second"});
        !ok) {
      return ok.error();
    }
    SpanSamplingRule parsed;
    for (auto [key, out] : {std::pair{"service", &parsed.service}, std::pair{"name", &parsed.name},
                            std::pair{"resource", &parsed.resource}}) {
      if (auto ok = read_pattern(kCode, variable, i, rule, key, *out); !ok) return ok.error();
    }
    auto rate = read_rate(kCode, variable, i, rule);
    if (!rate) return rate.error();
    parsed.sample_rate = *rate;
    if (const auto limit = rule.find("max_per_second"); limit != rule.end()) {
      if (!limit->is_number() || limit->get<double>() < 0) {
        return rule_error(
            kCode, variable, i,
            fmt::format("\"max_per_second\" must be a non-negative number, not {}", limit->dump()));
      }
      parsed.max_per_second = limit->get<double>();
    }
    result.push_back(std::move(parsed));
  }
  return result;
}

}  // namespace gatetrace
