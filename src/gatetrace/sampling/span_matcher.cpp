#include "gatetrace/sampling/span_matcher.h"

#include <cmath>
#include <cstdio>

namespace gatetrace {

SpanMatcher::SpanMatcher(std::string_view service, std::string_view name, std::string_view resource,
                         const std::vector<std::pair<std::string, std::string>>& tags)
    : service_(service), name_(name), resource_(resource) {
  tags_.reserve(tags.size());
  for (const auto& [key, pattern] : tags) tags_.emplace_back(key, Glob(pattern));
}

bool metric_as_integer_text(double value, char (&buffer)[400], std::string_view* text) {
  if (!std::isfinite(value) || std::trunc(value) != value) return false;
  if (value == 0.0) value = 0.0;  // -0 reads "0", as Python's str(int(-0.0))
  // A whole double prints exactly with "%.0f" (at most 309 digits and a sign).
  const int length = std::snprintf(buffer, sizeof buffer, "%.0f", value);
  if (length <= 0 || static_cast<std::size_t>(length) >= sizeof buffer) return false;
  *text = std::string_view(buffer, static_cast<std::size_t>(length));
  return true;
}

bool SpanMatcher::matches(const SpanData& span) const {
  if (!service_.match(span.service) || !name_.match(span.name) || !resource_.match(span.resource)) {
    return false;
  }
  for (const auto& [key, glob] : tags_) {
    if (const std::string* value = span.meta.find(key)) {
      if (!glob.match(*value)) return false;
      continue;
    }
    const double* metric = span.metrics.find(key);
    if (metric == nullptr) return false;
    if (glob.matches_everything()) continue;
    char buffer[400];
    std::string_view text;
    if (!metric_as_integer_text(*metric, buffer, &text) || !glob.match(text)) return false;
  }
  return true;
}

}  // namespace gatetrace
