#include "gatetrace/proxy/proxy_kinds.h"

#include "gatetrace/dict_reader.h"
#include "gatetrace/span_string.h"

namespace gatetrace {
namespace {

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
  // folding case byte by byte, and as words (every kind's value has 8 to 16 bytes: its
  // first and last 8), without a call to memcmp.
  for (const ProxyKind& kind : kProxyKinds) {
    if (kind.header_value.size() == value.size() &&
        detail::same_short_text(kind.header_value.data(), value)) {
      return &kind;
    }
  }
  return find_folded(value);
}

}  // namespace gatetrace
