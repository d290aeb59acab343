// Which spans a sampling rule applies to: globs (see glob.h) on the span's service,
// operation name and resource, and on the values of named tags. A rule that names tags
// applies only to spans that carry every one of them, in `meta` or in `metrics`. As in
// Datadog's tracers, a metric matches a value glob through its integer text ("200" for
// 200.0); a metric that is not a whole number matches only a glob of stars.
//
// Compiled once from configuration; `matches` neither allocates nor locks.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gatetrace/sampling/glob.h"
#include "gatetrace/span_data.h"

namespace gatetrace {

class SpanMatcher {
 public:
  SpanMatcher(std::string_view service, std::string_view name, std::string_view resource,
              const std::vector<std::pair<std::string, std::string>>& tags = {});

  bool matches(const SpanData& span) const;

 private:
  Glob service_;
  Glob name_;
  Glob resource_;
  std::vector<std::pair<std::string, Glob>> tags_;
};

// Whether `span` carries the tag `key` with a value that `glob` matches: in `meta`, or
// else in `metrics` (through `metric_as_integer_text`).
bool tag_matches(const SpanData& span, std::string_view key, const Glob& glob);

// `meta.find(key)`, faster for the short keys that tags have (see span_matcher.cpp).
TagLookup find_meta_value(const Meta& meta, std::string_view key);

// Whether a metric matches a tag's value glob (through `metric_as_integer_text`).
bool metric_matches(double metric, const Glob& glob);

// A metric's value as a tag glob sees it: true with `value` formatted as an integer
// into `buffer` when it is a whole number, false otherwise.
bool metric_as_integer_text(double value, char (&buffer)[400], std::string_view* text);

}  // namespace gatetrace
