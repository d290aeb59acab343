#include "gatetrace/proxy/proxy_kinds.h"

#include "gatetrace/dict_reader.h"

namespace gatetrace {

const ProxyKind* find_proxy_kind(std::string_view value) {
  // Gateway policies send the lowercase value: an exact comparison finds it without
  // folding case byte by byte.
  for (const ProxyKind& kind : kProxyKinds) {
    if (kind.header_value == value) return &kind;
  }
  for (const ProxyKind& kind : kProxyKinds) {
    if (equals_ignore_case(kind.header_value, value)) return &kind;
  }
  return nullptr;
}

}  // namespace gatetrace
