#include "gatetrace/proxy/header_index.h"

#include <array>
#include <cstring>
#include <utility>

namespace gatetrace {
namespace {

constexpr std::size_t kNameCount = std::size(kIndexedHeaderNames);
constexpr std::size_t kSlotBits = 7;
constexpr std::size_t kSlots = std::size_t{1} << kSlotBits;
static_assert(kNameCount * 2 <= kSlots, "keep the table at most half full");

constexpr std::uint32_t fold(char c) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(c) | 0x20);
}

// A hash of the name's length and three of its bytes, case-folded (| 0x20 lowercases the
// letters; any other byte hashes alike in both cases of the name, which is all that is
// needed). The multiplier was picked so that the indexed names fall in distinct slots;
// a collision would only cost a probe, the table being open-addressed. `size` > 0.
constexpr std::size_t slot_of(const char* name, std::size_t size) {
  const std::uint32_t key = static_cast<std::uint32_t>(size & 0xFF) | fold(name[size - 1]) << 8 |
                            fold(name[size / 2]) << 16 | fold(name[size >= 2 ? size - 2 : 0]) << 24;
  return static_cast<std::size_t>((key * 0xCDBE8D3Du) >> (32 - kSlotBits));
}

// The names again, each in a zero-padded 32-byte array, so that comparisons can read
// them 8 bytes at a time.
constexpr std::size_t kPadded = 32;
struct PaddedName {
  std::array<char, kPadded> bytes{};
  std::size_t size = 0;
};
using PaddedNames = std::array<PaddedName, kNameCount>;

constexpr PaddedNames make_padded_names() {
  PaddedNames names{};
  for (std::size_t i = 0; i < kNameCount; ++i) {
    const std::string_view name = kIndexedHeaderNames[i];
    for (std::size_t j = 0; j < name.size(); ++j) names[i].bytes[j] = name[j];
    names[i].size = name.size();
  }
  return names;
}

constexpr PaddedNames kPaddedNames = make_padded_names();
static_assert([] {
  for (std::string_view name : kIndexedHeaderNames) {
    if (name.size() > kPadded) return false;
  }
  return true;
}());

// Slot -> 1 + index into kIndexedHeaderNames, or 0 when empty; linear probing.
using SlotTable = std::array<std::uint8_t, kSlots>;

constexpr SlotTable make_slot_table() {
  SlotTable table{};
  for (std::size_t i = 0; i < kNameCount; ++i) {
    const std::string_view name = kIndexedHeaderNames[i];
    std::size_t slot = slot_of(name.data(), name.size());
    while (table[slot] != 0) slot = (slot + 1) & (kSlots - 1);
    table[slot] = static_cast<std::uint8_t>(i + 1);
  }
  return table;
}

constexpr SlotTable kSlotTable = make_slot_table();

// IndexedHeader ids name the entries of kIndexedHeaderNames.
constexpr bool ids_match_names() {
  constexpr std::pair<IndexedHeader, std::string_view> kIds[] = {
      {IndexedHeader::kProxy, "x-dd-proxy"},
      {IndexedHeader::kProxyRequestTimeMs, "x-dd-proxy-request-time-ms"},
      {IndexedHeader::kProxyHttpMethod, "x-dd-proxy-httpmethod"},
      {IndexedHeader::kProxyPath, "x-dd-proxy-path"},
      {IndexedHeader::kProxyDomainName, "x-dd-proxy-domain-name"},
      {IndexedHeader::kProxyRegion, "x-dd-proxy-region"},
      {IndexedHeader::kProxyStage, "x-dd-proxy-stage"},
      {IndexedHeader::kProxyResourcePath, "x-dd-proxy-resource-path"},
      {IndexedHeader::kProxyAccountId, "x-dd-proxy-account-id"},
      {IndexedHeader::kProxyApiId, "x-dd-proxy-api-id"},
      {IndexedHeader::kProxyUser, "x-dd-proxy-user"},
      {IndexedHeader::kUserAgent, "user-agent"},
      {IndexedHeader::kHost, "host"},
  };
  for (const auto& [id, name] : kIds) {
    if (kIndexedHeaderNames[static_cast<std::size_t>(id)] != name) return false;
  }
  return true;
}
static_assert(ids_match_names());

std::uint64_t load8(const char* p) noexcept {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// Lowercases the ASCII letters of 8 bytes at once (as in common/dict.cpp): a byte is
// 'A'..'Z' exactly when adding (0x80 - 'A') to its low 7 bits sets bit 7 while adding
// (0x80 - 'Z' - 1) does not; bytes with bit 7 set are left alone. No carry crosses a
// byte: a low-7-bit value plus at most 0x3F stays below 0x100.
std::uint64_t lower8(std::uint64_t word) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
  const std::uint64_t low7 = word & ~kHighBits;
  const std::uint64_t at_least_a = low7 + kOnes * (0x80 - 'A');
  const std::uint64_t above_z = low7 + kOnes * (0x80 - 'Z' - 1);
  const std::uint64_t upper = (at_least_a ^ above_z) & ~word & kHighBits;
  return word | (upper >> 2);  // 0x80 >> 2 == 0x20, the case bit
}

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Whether `name` (any case) is the lowercase `padded`: as the indexed side is already
// folded, folding `name` alone decides ASCII-case-insensitive equality. Names of 8
// bytes or more are read a word at a time, the last word overlapping the one before it
// rather than reading past the end of `name`. Out of line: see is_name.
[[gnu::noinline]] bool is_name_folded(std::string_view name, const PaddedName& padded) noexcept {
  const std::size_t size = name.size();
  const char* p = name.data();
  const char* q = padded.bytes.data();
  if (size >= 8) {
    for (std::size_t i = 0; i + 8 < size; i += 8) {
      if (lower8(load8(p + i)) != load8(q + i)) return false;
    }
    return lower8(load8(p + size - 8)) == load8(q + size - 8);
  }
  for (std::size_t i = 0; i < size; ++i) {
    if (lower(p[i]) != q[i]) return false;
  }
  return true;
}

// Whether `name` (any case) is the indexed name `padded`. Names mostly arrive lowercase
// (HTTP/2 requires it, and gatetrace's own keys are), so a plain comparison decides
// first, and only a mismatch pays for folding.
inline bool is_name(std::string_view name, const PaddedName& padded) noexcept {
  const std::size_t size = name.size();
  if (size != padded.size) return false;
  const char* p = name.data();
  const char* q = padded.bytes.data();
  bool same = true;
  if (size >= 8) {
    for (std::size_t i = 0; i + 8 < size; i += 8) same &= load8(p + i) == load8(q + i);
    same &= load8(p + size - 8) == load8(q + size - 8);
  } else {
    for (std::size_t i = 0; i < size; ++i) same &= p[i] == q[i];
  }
  return same || is_name_folded(name, padded);
}

// The index of `name` (any case) in kIndexedHeaderNames, or -1 when it is not indexed.
int find_name(std::string_view name) noexcept {
  if (name.empty()) return -1;
  for (std::size_t slot = slot_of(name.data(), name.size());; slot = (slot + 1) & (kSlots - 1)) {
    const int entry = kSlotTable[slot];
    if (entry == 0) return -1;
    if (is_name(name, kPaddedNames[entry - 1])) return entry - 1;
  }
}

}  // namespace

HeaderIndex::HeaderIndex(const DictReader& headers) : headers_(headers) {
  if (!headers.visit_is_indexable()) return;
  indexed_ = true;
  headers.visit([this](std::string_view name, std::string_view value) {
    const int i = find_name(name);
    if (i < 0) return;
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (present_ & bit) return;  // a repeated header: the first value wins, as in lookup
    present_ |= bit;
    values_[i] = value;
  });
}

std::optional<std::string_view> HeaderIndex::lookup(std::string_view key) const {
  if (indexed_) {
    const int i = find_name(key);
    if (i >= 0) {
      if (present_ & (std::uint64_t{1} << i)) return values_[i];
      return std::nullopt;
    }
  }
  return headers_.lookup(key);
}

void HeaderIndex::visit(
    const std::function<void(std::string_view, std::string_view)>& visitor) const {
  headers_.visit(visitor);
}

}  // namespace gatetrace
