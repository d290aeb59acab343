// The stack-buffer formatters that injection builds header values with, and the
// append_* wrappers over them, checked against the standard library's formatting.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "gatetrace/propagation/codec.h"

namespace gatetrace {
namespace propagation {
namespace {

const std::uint64_t kSamples[] = {0,
                                  1,
                                  9,
                                  10,
                                  99,
                                  100,
                                  4294967295u,
                                  4294967296u,
                                  9532127138774266268u,
                                  10000000000000000000u,
                                  std::numeric_limits<std::uint64_t>::max()};

TEST(CodecFormat, DecimalMatchesPrintf) {
  for (const std::uint64_t value : kSamples) {
    char expected[32];
    std::snprintf(expected, sizeof expected, "%" PRIu64, value);
    char buffer[kMaxDecimalDigits];
    const std::size_t length = format_decimal(buffer, value);
    EXPECT_EQ(std::string(buffer, length), expected);
    std::string appended = "x=";
    append_decimal(appended, value);
    EXPECT_EQ(appended, std::string("x=") + expected);
  }
}

TEST(CodecFormat, DecimalCoversEveryDigitPair) {
  // Every two-digit group, in the last, middle and first positions of a number.
  for (std::uint64_t value = 0; value < 100000; value += value < 1000 ? 1 : 997) {
    for (const std::uint64_t scaled : {value, value * 1000003, value * 100000000000000u}) {
      char buffer[kMaxDecimalDigits];
      EXPECT_EQ(std::string(buffer, format_decimal(buffer, scaled)), std::to_string(scaled));
    }
  }
}

TEST(CodecFormat, IntMatchesToString) {
  for (const int value : {0, 1, -1, 2, -2, 10, -10, std::numeric_limits<int>::max(),
                          std::numeric_limits<int>::min()}) {
    char buffer[kMaxIntChars];
    const std::size_t length = format_int(buffer, value);
    EXPECT_EQ(std::string(buffer, length), std::to_string(value));
    std::string appended = "s:";
    append_int(appended, value);
    EXPECT_EQ(appended, "s:" + std::to_string(value));
  }
}

TEST(CodecFormat, Hex16IsZeroPaddedLowercase) {
  for (const std::uint64_t value : kSamples) {
    char expected[32];
    std::snprintf(expected, sizeof expected, "%016" PRIx64, value);
    char buffer[16];
    format_hex16(buffer, value);
    EXPECT_EQ(std::string(buffer, 16), expected);
    std::string appended = "p:";
    append_hex16(appended, value);
    EXPECT_EQ(appended, std::string("p:") + expected);
    EXPECT_EQ(hex16(value), expected);
  }
  char buffer[16];
  format_hex16(buffer, 0xABCDEF0123456789u);
  EXPECT_EQ(std::string(buffer, 16), "abcdef0123456789");
}

// Every byte value in every position of the id, over a background of other digits.
TEST(CodecFormat, Hex16EveryByteInEveryPosition) {
  for (int position = 0; position < 8; ++position) {
    for (std::uint64_t byte = 0; byte < 256; ++byte) {
      for (const std::uint64_t background : {std::uint64_t{0}, 0x9f3c5a7e1b2d4c6fu}) {
        const std::uint64_t value =
            (background & ~(std::uint64_t{0xff} << (8 * position))) | (byte << (8 * position));
        char expected[32];
        std::snprintf(expected, sizeof expected, "%016" PRIx64, value);
        char buffer[16];
        format_hex16(buffer, value);
        ASSERT_EQ(std::string(buffer, 16), expected);
      }
    }
  }
}

// The digit count comes from the bit length; its one correction must be right on both
// sides of every power of ten, and for 0.
TEST(CodecFormat, DecimalAroundEveryPowerOfTen) {
  std::uint64_t power = 1;
  for (int exponent = 0; exponent < 20; ++exponent) {
    for (const std::uint64_t value : {power - 1, power, power + 1}) {
      char buffer[kMaxDecimalDigits];
      EXPECT_EQ(std::string(buffer, format_decimal(buffer, value)), std::to_string(value));
    }
    if (exponent < 19) power *= 10;
  }
  for (int bit = 0; bit < 64; ++bit) {
    const std::uint64_t value = std::uint64_t{1} << bit;
    for (const std::uint64_t near : {value - 1, value, value + 1}) {
      char buffer[kMaxDecimalDigits];
      EXPECT_EQ(std::string(buffer, format_decimal(buffer, near)), std::to_string(near));
    }
  }
}

// Runs of 8 digits are formatted as one word: every value below 10^8 with a stride
// that visits every last digit pair, alone and as the middle and last run of longer
// numbers (with and without leading zeros in the run).
TEST(CodecFormat, DecimalEightDigitRuns) {
  for (std::uint64_t run = 0; run < 100000000; run += run < 20000 ? 1 : 9973) {
    for (const std::uint64_t value : {run, 7 * 100000000u + run, 12345678u * 100000000u + run,
                                      1844u * 10000000000000000u + run * 100000000u + run}) {
      char buffer[kMaxDecimalDigits];
      ASSERT_EQ(std::string(buffer, format_decimal(buffer, value)), std::to_string(value));
    }
  }
}

// The reciprocals the 16-digit formatting divides by, over every value of their ranges.
TEST(CodecFormat, DecimalReciprocalsAreExact) {
  for (std::uint64_t x = 0; x < 100000000; ++x) {
    if (((x * 0xd1b71759u) >> 45) != x / 10000) FAIL() << x;
  }
  for (std::uint32_t x = 0; x < 10000; ++x) ASSERT_EQ((x * 5243) >> 19, x / 100) << x;
  for (std::uint32_t y = 0; y < 100; ++y) ASSERT_EQ((y * 6554) >> 16, y / 10) << y;
}

// Values of 17 to 20 digits (most 64-bit ids) are formatted as 1 to 4 leading digits
// and 16 at once: random values of each length, each leading group from 1 to 1844 with
// every digit of the 16 at its extremes, and the 16 around each 4-digit group's edges.
TEST(CodecFormat, DecimalSixteenDigitsAtOnce) {
  std::mt19937_64 random(7);
  const auto check = [](std::uint64_t value) {
    char buffer[kMaxDecimalDigits];
    ASSERT_EQ(std::string(buffer, format_decimal(buffer, value)), std::to_string(value));
  };
  constexpr std::uint64_t k1e16 = 10000000000000000u;
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t value = random();
    check(value);
    check(value % (1000 * k1e16));
    check(value % (100 * k1e16));
    check(value % (10 * k1e16));
  }
  for (std::uint64_t lead = 1; lead <= 1844; ++lead) {
    for (const std::uint64_t rest :
         std::initializer_list<std::uint64_t>{0, k1e16 - 1, 1234567890123456u, 9999u, 99990000u,
                                              999999990000u, 10000u, 100000000u}) {
      check(lead * k1e16 + rest);
    }
  }
  check(std::numeric_limits<std::uint64_t>::max());
}

// The formatters may use the buffer past the value as scratch, but never more than 8
// bytes in all, so the buffers sized by kMaxDecimalDigits and kMaxIntChars suffice.
TEST(CodecFormat, DecimalScratchStaysWithinEightBytes) {
  std::uint64_t power = 1;
  for (int exponent = 0; exponent < 20; ++exponent) {
    for (const std::uint64_t value : {power - 1, power}) {
      char buffer[32];
      std::memset(buffer, '#', sizeof buffer);
      const std::size_t length = format_decimal(buffer, value);
      const std::size_t written = length < 8 ? 8 : length;
      for (std::size_t i = written; i < sizeof buffer; ++i) ASSERT_EQ(buffer[i], '#') << value;
    }
    if (exponent < 19) power *= 10;
  }
  for (const int value :
       {std::numeric_limits<int>::min(), -1, 0, std::numeric_limits<int>::max()}) {
    char buffer[32];
    std::memset(buffer, '#', sizeof buffer);
    format_int(buffer, value);
    for (std::size_t i = kMaxIntChars; i < sizeof buffer; ++i) ASSERT_EQ(buffer[i], '#') << value;
  }
}

TEST(CodecParse, DecimalBoundaries) {
  EXPECT_EQ(parse_decimal_u64("0"), 0u);
  EXPECT_EQ(parse_decimal_u64("18446744073709551615"), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(parse_decimal_u64("00000000000000000001"), 1u);  // 20 digits, leading zeros
  EXPECT_EQ(parse_decimal_u64("09999999999999999999"), 9999999999999999999u);
  EXPECT_EQ(parse_decimal_u64("9999999999999999999"), 9999999999999999999u);
  EXPECT_FALSE(parse_decimal_u64("18446744073709551616"));
  EXPECT_FALSE(parse_decimal_u64("19000000000000000000"));
  EXPECT_FALSE(parse_decimal_u64("99999999999999999999"));
  EXPECT_FALSE(parse_decimal_u64("000000000000000000001"));  // 21 digits
  EXPECT_FALSE(parse_decimal_u64(""));
  EXPECT_FALSE(parse_decimal_u64("+1"));
  EXPECT_FALSE(parse_decimal_u64("-1"));
  EXPECT_FALSE(parse_decimal_u64("1 "));
  EXPECT_FALSE(parse_decimal_u64("0x1"));
  // Every byte but the ten digits is rejected, in any position.
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    const bool digit = c >= '0' && c <= '9';
    EXPECT_EQ(parse_decimal_u64(std::string(1, c)).has_value(), digit) << byte;
    EXPECT_EQ(parse_decimal_u64(std::string("1") + c + "2").has_value(), digit) << byte;
  }
  for (const std::uint64_t value : kSamples) {
    EXPECT_EQ(parse_decimal_u64(std::to_string(value)), value);
  }
  EXPECT_EQ(parse_decimal_int("-2147483648"), std::numeric_limits<int>::min());
  EXPECT_EQ(parse_decimal_int("2147483647"), std::numeric_limits<int>::max());
  EXPECT_FALSE(parse_decimal_int("2147483648"));
  EXPECT_FALSE(parse_decimal_int("-2147483649"));
  EXPECT_FALSE(parse_decimal_int("-"));
}

TEST(CodecParse, HexDigitsOfEveryByte) {
  for (int byte = 0; byte < 256; ++byte) {
    const char c = static_cast<char>(byte);
    const bool lower = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    const bool any = lower || (c >= 'A' && c <= 'F');
    const std::string text = std::string("a") + c;
    EXPECT_EQ(parse_hex_u64(text, HexCase::kLowerOnly).has_value(), lower) << byte;
    EXPECT_EQ(parse_hex_u64(text, HexCase::kAny).has_value(), any) << byte;
    EXPECT_EQ(is_hex(text, HexCase::kLowerOnly), lower) << byte;
    EXPECT_EQ(is_hex(text, HexCase::kAny), any) << byte;
    if (any) {
      const auto value = parse_hex_u64(text, HexCase::kAny);
      EXPECT_EQ(value, std::stoull(text, nullptr, 16)) << byte;
    }
  }
}

// Sixteen digits are parsed eight at a time with word arithmetic: every byte in every
// position must be judged as the one-digit-at-a-time path judges it, and each digit
// must land in its own nibble.
TEST(CodecParse, SixteenHexDigitsOfEveryByteInEveryPosition) {
  for (int position = 0; position < 16; ++position) {
    for (int byte = 0; byte < 256; ++byte) {
      const char c = static_cast<char>(byte);
      std::string text = "0123456789abcdef";
      text[position] = c;
      const bool lower = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      const bool any = lower || (c >= 'A' && c <= 'F');
      EXPECT_EQ(parse_hex_u64(text, HexCase::kLowerOnly).has_value(), lower) << text;
      const auto value = parse_hex_u64(text, HexCase::kAny);
      ASSERT_EQ(value.has_value(), any) << text;
      if (any) {
        EXPECT_EQ(*value, std::stoull(text, nullptr, 16)) << text;
      }
    }
  }
  EXPECT_EQ(parse_hex_u64("0af7651916cd43dd", HexCase::kLowerOnly), 0x0af7651916cd43ddu);
  EXPECT_EQ(parse_hex_u64("0AF7651916cD43Dd", HexCase::kAny), 0x0af7651916cd43ddu);
  EXPECT_FALSE(parse_hex_u64("0AF7651916cD43Dd", HexCase::kLowerOnly));
  EXPECT_EQ(parse_hex_u64("ffffffffffffffff", HexCase::kLowerOnly),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(parse_hex_u64("0000000000000000", HexCase::kLowerOnly), 0u);
  EXPECT_FALSE(parse_hex_u64("000000000000000 ", HexCase::kAny));
}

TEST(CodecParse, HexRoundTripsThroughFormat) {
  for (const std::uint64_t value : kSamples) {
    EXPECT_EQ(parse_hex_u64(hex16(value), HexCase::kLowerOnly), value);
  }
  EXPECT_EQ(parse_hex_u64("FFFFFFFFFFFFFFFF", HexCase::kAny),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(parse_hex_u64("FFFFFFFFFFFFFFFF", HexCase::kLowerOnly));
  EXPECT_FALSE(parse_hex_u64("10000000000000000", HexCase::kAny));  // 17 digits
  EXPECT_FALSE(parse_hex_u64("", HexCase::kAny));
  EXPECT_TRUE(is_hex("", HexCase::kLowerOnly));
}

// Each byte position of a 64-bit id takes every value, so the byte-pair table is
// checked whole.
TEST(CodecFormat, Hex16CoversEveryByteInEveryPosition) {
  for (int position = 0; position < 8; ++position) {
    for (std::uint64_t byte = 0; byte < 256; ++byte) {
      const std::uint64_t value = (byte << (8 * position)) | 0x0100000000000000u;
      char expected[32];
      std::snprintf(expected, sizeof expected, "%016" PRIx64, value);
      char buffer[16];
      format_hex16(buffer, value);
      EXPECT_EQ(std::string(buffer, 16), expected);
    }
  }
}

TEST(CodecParse, FindByteAndTrim) {
  EXPECT_EQ(find_byte("a,b", ',', 0), 1u);
  EXPECT_EQ(find_byte("a,b", ',', 2), 3u);
  EXPECT_EQ(find_byte("a,b", ',', 3), 3u);
  EXPECT_EQ(find_byte("", ',', 0), 0u);
  EXPECT_EQ(trim_ows(" \t a b\t "), "a b");
  EXPECT_EQ(trim_ows(" \t "), "");
  EXPECT_EQ(trim_ows(""), "");
}

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
