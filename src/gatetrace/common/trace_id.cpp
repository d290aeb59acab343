#include "gatetrace/trace_id.h"

#include <fmt/format.h>

namespace gatetrace {

std::string TraceId::hex() const {
  if (high == 0) return fmt::format("{:016x}", low);
  return hex_padded();
}

std::string TraceId::hex_padded() const { return fmt::format("{:016x}{:016x}", high, low); }

}  // namespace gatetrace
