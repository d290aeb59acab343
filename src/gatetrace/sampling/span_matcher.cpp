#include "gatetrace/sampling/span_matcher.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "gatetrace/sampling/folded_bytes.h"

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

using folded_bytes_detail::load64;

// `meta.find(key)` without a memcmp call per candidate: tag keys often share a length
// ("peer.hostname", "customer.tier"). Keys of 8 bytes or more compare their first and
// last eight bytes as words (the whole key up to 16 bytes), shorter ones their first
// byte before memcmp.
TagLookup find_meta_value(const Meta& meta, std::string_view key) {
  const std::size_t size = key.size();
  if (size >= 8) {
    const std::uint64_t head = load64(key.data());
    const std::uint64_t tail = load64(key.data() + size - 8);
    for (const auto& [name, value] : meta) {
      if (name.size() == size && load64(name.data()) == head &&
          load64(name.data() + size - 8) == tail &&
          (size <= 16 || std::memcmp(name.data() + 8, key.data() + 8, size - 16) == 0)) {
        return TagLookup(value);
      }
    }
    return nullptr;
  }
  if (size == 0) return meta.find(key);
  for (const auto& [name, value] : meta) {
    if (name.size() == size && name[0] == key[0] &&
        std::memcmp(name.data(), key.data(), size) == 0) {
      return TagLookup(value);
    }
  }
  return nullptr;
}

// Out of line: its 400-byte buffer would make every tag lookup set up a large frame.
[[gnu::noinline]] bool metric_matches(double metric, const Glob& glob) {
  if (glob.matches_everything()) return true;
  char buffer[400];
  std::string_view text;
  return metric_as_integer_text(metric, buffer, &text) && glob.match(text);
}

bool tag_matches(const SpanData& span, std::string_view key, const Glob& glob) {
  if (const auto value = find_meta_value(span.meta, key)) return glob.match(*value);
  const double* metric = span.metrics.find(key);
  return metric != nullptr && metric_matches(*metric, glob);
}

bool SpanMatcher::matches(const SpanData& span) const {
  if (!service_.match(span.service) || !name_.match(span.name) || !resource_.match(span.resource)) {
    return false;
  }
  for (const auto& [key, glob] : tags_) {
    if (!tag_matches(span, key, glob)) return false;
  }
  return true;
}

}  // namespace gatetrace
