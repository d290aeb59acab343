// Helpers for the request helper's tests: a delivered span's tags as (key, value)
// pairs in the span's order, and the ones among a set of keys.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gatetrace/span_data.h"

namespace gatetrace {
namespace testing {

using TagEntries = std::vector<std::pair<std::string, std::string>>;

inline TagEntries tags_of(const SpanData& span) {
  TagEntries result;
  for (const auto& [key, value] : span.meta) result.emplace_back(key, value);
  return result;
}

// The entries of `tags` whose keys are in `keys`, in the order of `tags`.
inline TagEntries tags_among(const TagEntries& tags, const std::vector<std::string>& keys) {
  TagEntries result;
  for (const auto& tag : tags) {
    for (const auto& key : keys) {
      if (tag.first == key) {
        result.push_back(tag);
        break;
      }
    }
  }
  return result;
}

inline TagEntries tags_among(const SpanData& span, const std::vector<std::string>& keys) {
  return tags_among(tags_of(span), keys);
}

}  // namespace testing
}  // namespace gatetrace
