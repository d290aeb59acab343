// find_proxy_kind: the exact lowercase value (the fast path), any other case of it, and
// values that name no kind.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "gatetrace/proxy/proxy_kinds.h"

namespace gatetrace {
namespace {

TEST(ProxyKinds, EveryKindByItsValueInAnyCase) {
  for (const ProxyKind& kind : kProxyKinds) {
    EXPECT_EQ(find_proxy_kind(kind.header_value), &kind);
    std::string upper(kind.header_value);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(find_proxy_kind(upper), &kind);
  }
  EXPECT_EQ(find_proxy_kind("Aws-HttpApi"), &kProxyKinds[2]);
}

TEST(ProxyKinds, UnknownValues) {
  EXPECT_EQ(find_proxy_kind(""), nullptr);
  EXPECT_EQ(find_proxy_kind("azure"), nullptr);
  EXPECT_EQ(find_proxy_kind("azure-apim "), nullptr) << "the caller trims";
  EXPECT_EQ(find_proxy_kind("azure-apimx"), nullptr);
  EXPECT_EQ(find_proxy_kind("azure_apim"), nullptr);
}

}  // namespace
}  // namespace gatetrace
