// The keys of a span's meta in iteration order, for tests that check what a Meta
// shows through its interface (order kept, dead entries never visible).
#pragma once

#include <string>
#include <vector>

#include "gatetrace/span_data.h"

namespace gatetrace::testing {

inline std::vector<std::string> meta_keys(const Meta& meta) {
  std::vector<std::string> out;
  for (const auto& [key, value] : meta) out.emplace_back(key);
  return out;
}

}  // namespace gatetrace::testing
