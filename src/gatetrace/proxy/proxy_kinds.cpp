#include "gatetrace/proxy/proxy_kinds.h"

#include <cstdint>
#include <cstring>

#include "gatetrace/dict_reader.h"

namespace gatetrace {
namespace {

std::uint64_t word_at(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// The comparison in any case, out of line (values mostly come lowercase), so that the
// exact one saves no registers.
[[gnu::noinline]] const ProxyKind* find_folded(std::string_view value) {
  for (const ProxyKind& kind : kProxyKinds) {
    if (equals_ignore_case(kind.header_value, value)) return &kind;
  }
  return nullptr;
}

}  // namespace

const ProxyKind* find_proxy_kind(std::string_view value) {
  // Gateway policies send the lowercase value: an exact comparison finds it without
  // folding case byte by byte, and as two words (every kind's value has 8 to 16 bytes),
  // without a call to memcmp.
  const std::size_t size = value.size();
  if (size >= 8 && size <= 16) {
    const std::uint64_t first = word_at(value.data());
    const std::uint64_t last = word_at(value.data() + size - 8);
    for (const ProxyKind& kind : kProxyKinds) {
      const char* known = kind.header_value.data();
      if (kind.header_value.size() == size && word_at(known) == first &&
          word_at(known + size - 8) == last) {
        return &kind;
      }
    }
  }
  return find_folded(value);
}

}  // namespace gatetrace
