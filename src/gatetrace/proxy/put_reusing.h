// put_reusing: sets one of a SpanConfig's optional strings over the text it already
// holds. The request helper creates its spans from per-thread SpanConfigs that are
// refilled for every request; written this way (detail::assign_reusing, inline) rather
// than with std::string's assignment (a library call), a field that is no longer than
// the previous request's costs a copy of its bytes. Used by the inferred span (proxy)
// and the server span (http).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gatetrace/span_data.h"

namespace gatetrace {

inline void put_reusing(std::optional<std::string>& field, std::string_view value) {
  if (!field) field.emplace();
  detail::assign_reusing(*field, value);
}

}  // namespace gatetrace
