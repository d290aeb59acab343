// Client IP selection from forwarding headers (DD_TRACE_CLIENT_IP_ENABLED).
#include <gtest/gtest.h>

#include <string>

#include "gatetrace/http/client_ip.h"

namespace gatetrace {
namespace {

using Headers = HeaderListReader::Headers;

std::string resolve(const Headers& headers, std::string_view peer = "") {
  HeaderListReader reader(headers);
  return resolve_client_ip(reader, peer).value_or("<none>");
}

TEST(ParseIp, FormsAndPrivacy) {
  EXPECT_EQ(parse_ip("8.8.8.8")->text, "8.8.8.8");
  EXPECT_TRUE(parse_ip("8.8.8.8")->is_public);
  EXPECT_EQ(parse_ip(" 8.8.4.4:443 ")->text, "8.8.4.4");
  EXPECT_EQ(parse_ip("\"[2001:DB8::1]:4711\"")->text, "2001:db8::1");
  EXPECT_TRUE(parse_ip("2001:db8::1")->is_public);
  for (const char* address :
       {"10.1.2.3", "127.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.1.1",
        "100.64.0.1", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1"}) {
    auto ip = parse_ip(address);
    ASSERT_TRUE(ip) << address;
    EXPECT_FALSE(ip->is_public) << address;
  }
  EXPECT_TRUE(parse_ip("172.32.0.1")->is_public);
  EXPECT_TRUE(parse_ip("100.128.0.1")->is_public);
  EXPECT_FALSE(parse_ip("unknown"));
  EXPECT_FALSE(parse_ip(""));
  EXPECT_FALSE(parse_ip("1.2.3"));
  EXPECT_FALSE(parse_ip(std::string(200, '1')));
}

TEST(ResolveClientIp, FirstPublicAddressInTheListWins) {
  EXPECT_EQ(resolve({{"X-Forwarded-For", "10.0.0.1, 203.0.113.7, 198.51.100.2"}}), "203.0.113.7");
}

TEST(ResolveClientIp, HeadersAreTriedInOrder) {
  EXPECT_EQ(resolve({{"cf-connecting-ip", "198.51.100.9"}, {"x-real-ip", "203.0.113.1"}}),
            "203.0.113.1");
  EXPECT_EQ(resolve({{"x-forwarded-for", "10.0.0.1"}, {"true-client-ip", "203.0.113.2"}}),
            "203.0.113.2")
      << "a later header's public address beats an earlier header's private one";
}

TEST(ResolveClientIp, ForwardedHeaderSyntax) {
  EXPECT_EQ(resolve({{"forwarded", "for=10.0.0.2;proto=https, For=\"[2001:db8::5]:8080\""}}),
            "2001:db8::5");
  EXPECT_EQ(resolve({{"forwarded", "proto=http;for=203.0.113.60;by=10.0.0.1"}}), "203.0.113.60");
}

TEST(ResolveClientIp, PrivateFallbackThenPeer) {
  EXPECT_EQ(resolve({{"x-forwarded-for", "garbage, 10.0.0.3"}}, "203.0.113.9"), "10.0.0.3");
  EXPECT_EQ(resolve({{"x-forwarded-for", "garbage"}}, "127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(resolve({}, ""), "<none>");
}

}  // namespace
}  // namespace gatetrace
