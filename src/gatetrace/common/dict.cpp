#include "gatetrace/dict_reader.h"
#include "gatetrace/dict_writer.h"

namespace gatetrace {
namespace {

char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> HeaderListReader::lookup(std::string_view key) const {
  for (const auto& [name, value] : headers_) {
    if (equals_ignore_case(name, key)) return value;
  }
  return std::nullopt;
}

void HeaderListReader::visit(
    const std::function<void(std::string_view, std::string_view)>& visitor) const {
  for (const auto& [name, value] : headers_) visitor(name, value);
}

void HeaderListWriter::set(std::string_view key, std::string_view value) {
  for (auto& [name, existing] : headers_) {
    if (equals_ignore_case(name, key)) {
      existing.assign(value);
      return;
    }
  }
  headers_.emplace_back(std::string(key), std::string(value));
}

}  // namespace gatetrace
