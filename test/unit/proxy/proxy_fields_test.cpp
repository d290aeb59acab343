// read_proxy_header_fields (views, nothing copied) must validate exactly as
// read_proxy_headers does, and its path plus `path_prefix()` must be the owned path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gatetrace/proxy/proxy_headers.h"

namespace gatetrace {
namespace {

using Headers = HeaderListReader::Headers;

constexpr std::int64_t kNowMs = 1'750'000'000'000;
const TimePoint kNow{kNowMs * 1'000'000, 77};

Headers apim(std::string_view path) {
  return {{"x-dd-proxy", " azure-apim "},
          {"x-dd-proxy-request-time-ms", "1749999999000"},
          {"x-dd-proxy-httpmethod", "GET"},
          {"x-dd-proxy-path", path},
          {"x-dd-proxy-domain-name", "my-api.azure-api.net"},
          {"user-agent", "curl/8"}};
}

void expect_same(const Headers& headers, const std::vector<Glob>& allowed = {}) {
  const HeaderListReader reader(headers);
  const ProxyHeaderReading reading = read_proxy_header_fields(reader, kNow, allowed);
  const ProxyHeaderResult result = read_proxy_headers(reader, kNow, allowed);
  EXPECT_EQ(reading.problem, result.problem);
  EXPECT_EQ(reading.detail, result.detail);
  ASSERT_EQ(reading.valid, result.request.has_value());
  if (!reading.valid) return;
  const ProxyHeaderFields& fields = reading.fields;
  const InferredProxyRequest& request = *result.request;
  EXPECT_EQ(fields.kind, request.kind);
  EXPECT_EQ(fields.start_wall_ns, request.start_wall_ns);
  EXPECT_EQ(std::string(fields.path_prefix()) + std::string(fields.path), request.path);
  EXPECT_EQ(fields.method, request.method);
  EXPECT_EQ(fields.domain, request.domain);
  EXPECT_EQ(fields.user_agent, request.user_agent);
}

TEST(ProxyHeaderFields, PathWithItsSlashIsAView) {
  const Headers headers = apim("/users/{id}");
  const HeaderListReader reader(headers);
  const ProxyHeaderReading reading = read_proxy_header_fields(reader, kNow, {});
  ASSERT_TRUE(reading.valid);
  EXPECT_FALSE(reading.fields.path_slash);
  EXPECT_EQ(reading.fields.path, "/users/{id}");
  EXPECT_EQ(reading.fields.path.data(), headers[3].second.data()) << "not copied";
  expect_same(headers);
}

TEST(ProxyHeaderFields, PathWithoutSlashIsMarked) {
  const Headers headers = apim("  users/{id}\t");
  const HeaderListReader reader(headers);
  const ProxyHeaderReading reading = read_proxy_header_fields(reader, kNow, {});
  ASSERT_TRUE(reading.valid);
  EXPECT_TRUE(reading.fields.path_slash);
  EXPECT_EQ(reading.fields.path_prefix(), "/");
  EXPECT_EQ(reading.fields.path, "users/{id}");
  expect_same(headers);
}

TEST(ProxyHeaderFields, CapsAgreeWithTheOwnedReading) {
  const std::string long_path(1100, 'a');
  expect_same(apim(long_path));
  expect_same(apim("/" + long_path));
  expect_same(apim(std::string(1024, 'b')));
  expect_same(apim(std::string(1023, 'b')));
  // A two-byte UTF-8 character straddling the cap is dropped whole.
  std::string utf8(1023, 'c');
  utf8 += "\xC3\xA9tail";
  expect_same(apim(utf8));
  expect_same(apim("/" + utf8));
  expect_same(apim(""));
  expect_same(apim("   "));
}

TEST(ProxyHeaderFields, ProblemsAgreeWithTheOwnedReading) {
  Headers headers = apim("/x");
  headers[0].second = " unknown-gateway ";
  expect_same(headers);
  headers = apim("/x");
  headers[1].second = " 12.5 ";
  expect_same(headers);
  headers = apim("/x");
  headers.erase(headers.begin() + 1);
  expect_same(headers);
  headers = apim("/x");
  headers[0].second = "azure-fd";
  headers[1].second = "abc";
  expect_same(headers);
  expect_same(apim("/x"), {Glob("*.example.com")});
  expect_same(apim("/x"), {Glob("*.azure-api.net")});
  expect_same(Headers{});
}

}  // namespace
}  // namespace gatetrace
