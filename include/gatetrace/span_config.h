// SpanConfig: optional properties of a span at creation. Anything unset is inherited:
// a root span takes the tracer's default service, a child its parent's service.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gatetrace/clock.h"

namespace gatetrace {

struct SpanConfig {
  std::optional<std::string> name;
  std::optional<std::string> service;
  std::optional<std::string> resource;
  std::optional<std::string> type;
  std::optional<TimePoint> start;  // unset: now
  std::vector<std::pair<std::string, std::string>> tags;
};

}  // namespace gatetrace
