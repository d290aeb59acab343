// The tag keys through which an application sets its trace's sampling decision:
// Span::set_tag("manual.keep", ...) keeps the trace and stores no tag (as with Datadog's
// tracers). Every path that writes tags on a user's behalf routes these keys to the
// segment instead of storing them (Span::set_tag, SpanTagWriter).
#pragma once

#include <string_view>

namespace gatetrace {

inline constexpr std::string_view kManualKeepKey = "manual.keep";
inline constexpr std::string_view kManualDropKey = "manual.drop";

// Both keys are 11 bytes: a constant key folds this away, and other keys fail on size.
constexpr bool is_manual_sampling_key(std::string_view key) noexcept {
  return key.size() == kManualKeepKey.size() && (key == kManualKeepKey || key == kManualDropKey);
}
static_assert(kManualKeepKey.size() == kManualDropKey.size(), "one size check for both");

}  // namespace gatetrace
