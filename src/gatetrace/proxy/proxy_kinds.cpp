#include "gatetrace/proxy/proxy_kinds.h"

#include "gatetrace/dict_reader.h"

namespace gatetrace {

const ProxyKind* find_proxy_kind(std::string_view value) {
  for (const ProxyKind& kind : kProxyKinds) {
    if (equals_ignore_case(kind.header_value, value)) return &kind;
  }
  return nullptr;
}

}  // namespace gatetrace
