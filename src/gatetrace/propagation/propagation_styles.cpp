// Style names: parsing DD_TRACE_PROPAGATION_STYLE* values and printing styles.
#include <fmt/format.h>

#include <algorithm>

#include "codec.h"
#include "propagation.h"

namespace gatetrace {
namespace {

bool is_separator(char c) { return c == ',' || c == ' ' || c == '\t'; }

// Splits at runs of separators, so "datadog, b3" and "datadog,,b3" both give two names.
std::vector<std::string_view> split_names(std::string_view text) {
  std::vector<std::string_view> names;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_separator(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_separator(text[i])) ++i;
    if (i > start) names.push_back(text.substr(start, i - start));
  }
  return names;
}

std::optional<PropagationStyle> style_from_name(std::string_view name) {
  using propagation::iequals;
  if (iequals(name, "datadog")) return PropagationStyle::kDatadog;
  if (iequals(name, "tracecontext")) return PropagationStyle::kTraceContext;
  if (iequals(name, "b3multi")) return PropagationStyle::kB3Multi;
  if (iequals(name, "b3")) return PropagationStyle::kB3Single;
  if (iequals(name, "baggage")) return PropagationStyle::kBaggage;
  if (iequals(name, "none")) return PropagationStyle::kNone;
  return std::nullopt;
}

}  // namespace

Expected<std::vector<PropagationStyle>> parse_propagation_styles(std::string_view text) {
  const std::vector<std::string_view> names = split_names(text);
  if (names.empty()) {
    return Error{
        Error::kInvalidPropagationStyle,
        fmt::format("{} names no propagation style", propagation::quote_for_message(text))};
  }
  std::vector<PropagationStyle> styles;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto style = style_from_name(names[i]);
    if (!style) {
      return Error{Error::kInvalidPropagationStyle,
                   fmt::format("unknown propagation style {} in {} (expected datadog, "
                               "tracecontext, b3multi, b3, baggage or none)",
                               propagation::quote_for_message(names[i]),
                               propagation::quote_for_message(text))};
    }
    // "b3 single header" is the long spelling of "b3"; the spaces made it three names.
    if (*style == PropagationStyle::kB3Single && i + 2 < names.size() &&
        propagation::iequals(names[i + 1], "single") &&
        propagation::iequals(names[i + 2], "header")) {
      i += 2;
    }
    if (std::find(styles.begin(), styles.end(), *style) == styles.end()) styles.push_back(*style);
  }
  return styles;
}

std::string_view to_string(PropagationStyle style) {
  switch (style) {
    case PropagationStyle::kDatadog:
      return "datadog";
    case PropagationStyle::kTraceContext:
      return "tracecontext";
    case PropagationStyle::kB3Multi:
      return "b3multi";
    case PropagationStyle::kB3Single:
      return "b3";
    case PropagationStyle::kBaggage:
      return "baggage";
    case PropagationStyle::kNone:
      return "none";
  }
  return "none";
}

}  // namespace gatetrace
