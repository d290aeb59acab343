// The proxy headers' value handling on its fast paths: the timestamp parsed eight
// digits a word (against digit by digit, every length and every bad byte position),
// and values returned as they are only when they have no blank at either end and fit
// their cap (else trimmed and cut, never inside a UTF-8 sequence).
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "gatetrace/proxy/proxy_headers.h"

namespace gatetrace {
namespace {

using Headers = HeaderListReader::Headers;

std::int64_t reference_timestamp(std::string text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.erase(0, 1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
  if (text.empty() || text.size() > 19) return -1;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 1'000'000)) {
    return -1;
  }
  return static_cast<std::int64_t>(value);
}

TEST(ProxyTimestamp, EveryLengthAndEveryBadBytePosition) {
  for (std::size_t length = 0; length <= 21; ++length) {
    std::string digits;
    for (std::size_t i = 0; i < length; ++i) digits.push_back(static_cast<char>('1' + i % 9));
    EXPECT_EQ(parse_proxy_timestamp_ms(digits), reference_timestamp(digits)) << digits;
    for (const std::string& padded : {" " + digits, digits + "\t", "\t " + digits + "  "}) {
      EXPECT_EQ(parse_proxy_timestamp_ms(padded), reference_timestamp(padded)) << padded;
    }
    for (std::size_t at = 0; at < length; ++at) {
      for (const char bad : {'/', ':', 'a', ' ', '\0', '\x80', '\xff', '\x06'}) {
        std::string text = digits;
        text[at] = bad;
        EXPECT_EQ(parse_proxy_timestamp_ms(text), reference_timestamp(text))
            << length << " " << at << " " << static_cast<int>(bad);
      }
    }
  }
}

TEST(ProxyTimestamp, TheLimitsOfNineteenDigits) {
  for (const char* text :
       {"9223372036854", "9223372036855", "9999999999999999999", "0000000000000000001",
        "9223372036854775807", "0", "00000000000000000000", "1000000000000000000"}) {
    EXPECT_EQ(parse_proxy_timestamp_ms(text), reference_timestamp(text)) << text;
  }
}

constexpr std::int64_t kNowMs = 1'750'000'000'000;
const TimePoint kNow{kNowMs * 1'000'000, 0};

ProxyHeaderFields fields_with(std::string_view method, std::string_view region,
                              std::string_view agent) {
  static std::string kept_method;
  static std::string kept_region;
  static std::string kept_agent;
  kept_method = method;
  kept_region = region;
  kept_agent = agent;
  static Headers headers;
  headers = {{"x-dd-proxy", "azure-apim"},
             {"x-dd-proxy-request-time-ms", "1749999999000"},
             {"x-dd-proxy-httpmethod", kept_method},
             {"x-dd-proxy-region", kept_region},
             {"user-agent", kept_agent}};
  static HeaderListReader reader(headers);
  const HeaderIndex index(reader);
  const ProxyHeaderReading reading = read_proxy_header_fields(index, kNow, {});
  EXPECT_TRUE(reading.valid);
  return reading.fields;
}

TEST(ProxyValues, TidyValuesAreTakenWhole) {
  const ProxyHeaderFields fields = fields_with("GET", "West Europe", "curl/8");
  EXPECT_EQ(fields.method, "GET");
  EXPECT_EQ(fields.region, "West Europe");
  EXPECT_EQ(fields.user_agent, "curl/8");
}

TEST(ProxyValues, BlanksAtEitherEndAreTrimmed) {
  const ProxyHeaderFields fields = fields_with(" GET", "West Europe\t", " \t ");
  EXPECT_EQ(fields.method, "GET");
  EXPECT_EQ(fields.region, "West Europe");
  EXPECT_EQ(fields.user_agent, "");
}

TEST(ProxyValues, EmptyValuesStayEmpty) {
  const ProxyHeaderFields fields = fields_with("", "", "");
  EXPECT_EQ(fields.method, "");
  EXPECT_EQ(fields.region, "");
  EXPECT_EQ(fields.user_agent, "");
}

TEST(ProxyValues, ValuesAtAndAboveTheirCap) {
  const std::string at_cap(128, 'm');
  const std::string over_cap(129, 'r');
  const std::string agent_at_cap(512, 'u');
  std::string agent_cut_in_utf8(511, 'u');
  agent_cut_in_utf8 += "\xc3\xa9";  // bytes 511 and 512: the cut falls inside it
  ProxyHeaderFields fields = fields_with(at_cap, over_cap, agent_at_cap);
  EXPECT_EQ(fields.method, at_cap);
  EXPECT_EQ(fields.region, std::string(128, 'r'));
  EXPECT_EQ(fields.user_agent, agent_at_cap);
  fields = fields_with(" " + at_cap + " ", over_cap, agent_cut_in_utf8);
  EXPECT_EQ(fields.method, at_cap);
  EXPECT_EQ(fields.user_agent, std::string(511, 'u'));
}

// The cut backs over a straddling character of 2, 3 or 4 bytes whole, and never over
// more than 3 continuation bytes: a longer run is not UTF-8, and dropping it would empty
// a value (as it did before: a fuzzed value of 130 continuation bytes came out empty).
TEST(ProxyValues, CutsKeepUtf8WholeAndNotUtf8AtTheCap) {
  const auto cut_method = [](std::string value) {
    return std::string(fields_with(value, "r", "a").method);
  };
  const std::string four_byte = "\xf0\x9f\x98\x80";  // U+1F600
  for (std::size_t before = 124; before <= 128; ++before) {
    // The character starts at `before`: kept only when it ends within the 128 bytes.
    const std::string value = std::string(before, 'm') + four_byte + "tail";
    const std::string expected =
        before + 4 <= 128 ? value.substr(0, 128) : std::string(before, 'm');
    EXPECT_EQ(cut_method(value), expected) << before;
  }
  const std::string three_byte = "\xe2\x82\xac";  // U+20AC
  EXPECT_EQ(cut_method(std::string(126, 'm') + three_byte), std::string(126, 'm'));
  EXPECT_EQ(cut_method(std::string(125, 'm') + three_byte + "x"),
            std::string(125, 'm') + three_byte);
  // Only continuation bytes, or a run of 4 of them at the cap: no sequence to keep.
  const std::string garbage(200, '\x80');
  EXPECT_EQ(cut_method(garbage), std::string(128, '\x80'));
  const std::string run = std::string(124, 'm') + std::string(10, '\xbf');
  EXPECT_EQ(cut_method(run), run.substr(0, 128));
  // A lead byte followed by too many continuation bytes: cut at the cap too.
  const std::string overlong = std::string(123, 'm') + "\xf0" + std::string(8, '\x9f');
  EXPECT_EQ(cut_method(overlong), overlong.substr(0, 128));
}

}  // namespace
}  // namespace gatetrace
