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

// The exact comparison reads a value as its first and last 8 bytes: a byte changed
// anywhere (the middle of the longer values included), a byte more or less, and a value
// whose words match a kind's at another length name no kind.
TEST(ProxyKinds, NearMissesAtEveryPositionAndLength) {
  for (const ProxyKind& kind : kProxyKinds) {
    const std::string value(kind.header_value);
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::string changed = value;
      changed[i] = value[i] == '-' ? '_' : '-';
      EXPECT_EQ(find_proxy_kind(changed), nullptr) << changed;
    }
    EXPECT_EQ(find_proxy_kind(value.substr(0, value.size() - 1)), nullptr);
    EXPECT_EQ(find_proxy_kind(value + value.back()), nullptr);
    // The first 8 bytes then the last 8: the same words as the value's, 16 bytes long.
    const std::string words = value.substr(0, 8) + value.substr(value.size() - 8);
    if (words.size() != value.size()) {
      EXPECT_EQ(find_proxy_kind(words), nullptr) << words;
    }
  }
}

}  // namespace
}  // namespace gatetrace
