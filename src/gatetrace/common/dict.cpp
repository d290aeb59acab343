#include <cstdint>
#include <cstring>
#include <typeinfo>

#include "gatetrace/dict_reader.h"
#include "gatetrace/dict_writer.h"

namespace gatetrace {
namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighBits = 0x8080808080808080ull;

std::uint64_t load8(const char* p) noexcept {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// Lowercases the ASCII letters of 8 bytes at once. A byte is 'A'..'Z' exactly when
// adding (0x80 - 'A') to its low 7 bits sets bit 7 while adding (0x80 - 'Z' - 1) does
// not; bytes with bit 7 set (non-ASCII) are excluded, so they are compared as they are.
// The additions cannot carry between bytes: each low-7-bit value plus at most 0x3F
// stays below 0x100.
std::uint64_t fold8(std::uint64_t word) noexcept {
  const std::uint64_t low7 = word & ~kHighBits;
  const std::uint64_t at_least_a = low7 + kOnes * (0x80 - 'A');
  const std::uint64_t above_z = low7 + kOnes * (0x80 - 'Z' - 1);
  const std::uint64_t upper = (at_least_a ^ above_z) & ~word & kHighBits;
  return word | (upper >> 2);  // 0x80 >> 2 == 0x20, the case bit
}

char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

// Same-size comparison; the hot part of every header lookup, so it stays in this file
// where the lookup loops can inline it.
inline bool same_size_equal_ignore_case(const char* a, const char* b, std::size_t size) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const std::uint64_t x = load8(a + i);
    const std::uint64_t y = load8(b + i);
    if (x != y && fold8(x) != fold8(y)) return false;
  }
  for (; i < size; ++i) {
    if (a[i] != b[i] && ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && same_size_equal_ignore_case(a.data(), b.data(), a.size());
}

std::optional<std::string_view> HeaderListReader::lookup(std::string_view key) const {
  // Most names differ in length from the key, so the size check rejects them before
  // any byte is read.
  const std::size_t size = key.size();
  for (const auto& [name, value] : headers_) {
    if (name.size() == size && same_size_equal_ignore_case(name.data(), key.data(), size)) {
      return value;
    }
  }
  return std::nullopt;
}

void HeaderListReader::visit(
    const std::function<void(std::string_view, std::string_view)>& visitor) const {
  for (const auto& [name, value] : headers_) visitor(name, value);
}

DictReader::Entries HeaderListReader::indexable_entries() const {
  // A subclass may override `visit` (to hide some headers, say) while keeping the
  // opt-in it inherits; the raw list would then bypass it. Its exact type is checked
  // rather than cast to: a type_info comparison is a pointer comparison here.
  if (typeid(*this) != typeid(HeaderListReader)) return {};
  return {headers_.data(), headers_.size()};
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
