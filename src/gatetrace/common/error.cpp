#include "gatetrace/error.h"

#include <fmt/format.h>

namespace gatetrace {

std::string Error::to_string() const {
  return fmt::format("[gatetrace error {}] {}", static_cast<int>(code), message);
}

}  // namespace gatetrace
