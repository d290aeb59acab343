// read_proxy_header_fields reads a request's proxy headers the same whichever way it
// gets them: from an index that indexed them (array reads, tested once per request),
// from a HeaderIndex over a reader that cannot be indexed (by name), and from the reader
// itself. And the 13-digit timestamp read in one go agrees with the strict rule for
// every byte in every position.
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gatetrace/proxy/proxy_headers.h"

namespace gatetrace {
namespace {

using Headers = HeaderListReader::Headers;

// A reader HeaderIndex does not index: it answers by name.
class NotIndexable final : public DictReader {
 public:
  explicit NotIndexable(const Headers& headers) : list_(headers) {}
  std::optional<std::string_view> lookup(std::string_view key) const override {
    return list_.lookup(key);
  }
  void visit(
      const std::function<void(std::string_view, std::string_view)>& visitor) const override {
    list_.visit(visitor);
  }

 private:
  HeaderListReader list_;
};

std::string describe(const ProxyHeaderReading& reading) {
  std::string out = std::to_string(reading.valid) + "/" +
                    std::to_string(static_cast<int>(reading.problem)) + "/" +
                    std::string(reading.detail);
  if (!reading.valid) return out;
  const ProxyHeaderFields& f = reading.fields;
  out += "/" + std::string(f.kind->header_value) + "/" + std::to_string(f.start_wall_ns) + "/" +
         std::string(f.path_prefix());
  for (const std::string_view value :
       {f.method, f.path, f.domain, f.region, f.stage, f.resource_path, f.account_id, f.api_id,
        f.user, f.user_agent}) {
    out += "|" + std::to_string(value.size()) + ":" + std::string(value);
  }
  return out;
}

constexpr std::int64_t kNowMs = 1'750'000'000'000;
const TimePoint kNow{kNowMs * 1'000'000, 5};

TEST(ProxyReadingPaths, IndexedUnindexedAndPlainReadersAgree) {
  const char* const names[] = {"x-dd-proxy",
                               "x-dd-proxy-request-time-ms",
                               "x-dd-proxy-httpmethod",
                               "x-dd-proxy-path",
                               "x-dd-proxy-domain-name",
                               "x-dd-proxy-region",
                               "x-dd-proxy-stage",
                               "x-dd-proxy-resource-path",
                               "x-dd-proxy-account-id",
                               "x-dd-proxy-api-id",
                               "x-dd-proxy-user",
                               "user-agent"};
  const char* const values[] = {
      "azure-apim",  "1749999999000", "GET",     "api/x", "my.azure-api.net",
      "West Europe", "prod",          "/r/{id}", "123",   "abc",
      "me",          "curl/8"};
  std::mt19937_64 random(11);
  std::size_t valid = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::string> storage;
    Headers headers;
    storage.reserve(2 * 14);
    for (std::size_t n = 0; n < std::size(names); ++n) {
      if (random() % 8 == 0) continue;  // absent
      std::string value = values[n];
      switch (random() % 8) {
        case 0:
          value = " " + value + "\t";
          break;
        case 1:
          value = "";
          break;
        case 2:
          value = "aws-apigateway";
          break;
        case 3:
          value.append(300 + random() % 800, 'x');
          break;
        default:
          break;
      }
      std::string name = names[n];
      if (random() % 4 == 0) name[0] = 'X';
      storage.push_back(std::move(name));
      storage.push_back(std::move(value));
    }
    for (std::size_t k = 0; k < storage.size(); k += 2)
      headers.emplace_back(storage[k], storage[k + 1]);
    if (!headers.empty() && random() % 5 == 0) {
      const auto repeated = headers[random() % headers.size()];
      headers.push_back(repeated);
    }
    const HeaderListReader list(headers);
    const NotIndexable plain(headers);
    const HeaderIndex indexed(list);
    const HeaderIndex unindexed(plain);
    ASSERT_TRUE(indexed.indexed());
    ASSERT_FALSE(unindexed.indexed());
    const std::string expected = describe(read_proxy_header_fields(list, kNow, {}));
    EXPECT_EQ(describe(read_proxy_header_fields(indexed, kNow, {})), expected);
    EXPECT_EQ(describe(read_proxy_header_fields(unindexed, kNow, {})), expected);
    EXPECT_EQ(describe(read_proxy_header_fields(plain, kNow, {})), expected);
    valid += expected[0] == '1';
  }
  EXPECT_GT(valid, 100u);  // the generated sets reach the fields, not only the problems
}

std::int64_t strict_timestamp(const std::string& text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  if (begin == end || end - begin > 19) return -1;
  std::uint64_t value = 0;
  for (std::size_t i = begin; i < end; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 1'000'000)) {
    return -1;
  }
  return static_cast<std::int64_t>(value);
}

TEST(ProxyTimestampThirteen, EveryByteInEveryPosition) {
  for (const char* digits : {"1749999999000", "9223372036854", "9223372036855", "0000000000000"}) {
    ASSERT_EQ(parse_proxy_timestamp_ms(digits), strict_timestamp(digits)) << digits;
    for (std::size_t at = 0; at < 13; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string text = digits;
        text[at] = static_cast<char>(byte);
        EXPECT_EQ(parse_proxy_timestamp_ms(text), strict_timestamp(text))
            << digits << " " << at << " " << byte;
      }
    }
  }
}

TEST(ProxyTimestampThirteen, AroundTheLargestMillisecondCount) {
  // INT64_MAX nanoseconds is 9223372036854 ms and a bit: 13 digits, so the one-go read
  // must keep the limit.
  for (std::uint64_t ms = 9'223'372'036'800; ms <= 9'223'372'036'900; ++ms) {
    const std::string text = std::to_string(ms);
    EXPECT_EQ(parse_proxy_timestamp_ms(text), strict_timestamp(text)) << text;
  }
  EXPECT_EQ(parse_proxy_timestamp_ms("9999999999999"), -1);
}

}  // namespace
}  // namespace gatetrace
