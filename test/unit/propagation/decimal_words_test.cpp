// Decimal digits read as whole words: the 13 digits of a millisecond timestamp in two
// words, and the leading digits of a 17- to 20-digit id in one, against a digit-by-digit
// reading with every byte value in every position.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "gatetrace/propagation/codec.h"
#include "propagation_test_util.h"

namespace gatetrace {
namespace propagation {
namespace {

using testing::reference_decimal;

std::optional<std::uint64_t> thirteen(const std::string& text) {
  std::uint64_t value = 0;
  if (!parse_decimal13(text.data(), value)) return std::nullopt;
  return value;
}

TEST(DecimalThirteen, EveryByteInEveryPosition) {
  const std::string digits = "1764000123456";
  ASSERT_EQ(thirteen(digits), 1764000123456u);
  for (std::size_t at = 0; at < digits.size(); ++at) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string text = digits;
      text[at] = static_cast<char>(byte);
      EXPECT_EQ(thirteen(text), reference_decimal(text)) << at << " " << byte;
    }
  }
}

TEST(DecimalThirteen, GeneratedValues) {
  std::mt19937_64 random(13);
  for (const char* text :
       {"0000000000000", "9999999999999", "9223372036854", "0000000000001", "1000000000000"}) {
    EXPECT_EQ(thirteen(text), reference_decimal(text)) << text;
  }
  for (int i = 0; i < 20000; ++i) {
    std::string text = std::to_string(random() % 10'000'000'000'000u);
    text.insert(0, 13 - text.size(), '0');
    EXPECT_EQ(thirteen(text), reference_decimal(text)) << text;
  }
}

TEST(DecimalLeadingWord, EveryByteInEveryLeadingPosition) {
  // 17 to 20 digits: 1 to 4 leading ones before the last sixteen.
  for (std::size_t length = 17; length <= 20; ++length) {
    const std::string digits = std::string("13235353014750950193").substr(20 - length);
    ASSERT_EQ(parse_decimal_u64(digits), reference_decimal(digits));
    for (std::size_t at = 0; at < length - 16 + 1; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string text = digits;
        text[at] = static_cast<char>(byte);
        EXPECT_EQ(parse_decimal_u64(text), reference_decimal(text))
            << length << " " << at << " " << byte;
      }
    }
  }
}

TEST(DecimalLeadingWord, GeneratedIdsAndTheOverflowEdge) {
  std::mt19937_64 random(20);
  for (int i = 0; i < 20000; ++i) {
    const std::string text = std::to_string(random() | std::uint64_t{1} << (56 + i % 8));
    EXPECT_EQ(parse_decimal_u64(text), reference_decimal(text)) << text;
  }
  for (const char* text : {"18446744073709551615", "18446744073709551616", "18450000000000000000",
                           "99999999999999999999", "00000000000000000001", "10000000000000000000",
                           "09999999999999999999", "1844674407370955161"}) {
    EXPECT_EQ(parse_decimal_u64(text), reference_decimal(text)) << text;
  }
}

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
