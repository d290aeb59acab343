// The stack-buffer formatters that injection builds header values with, and the
// append_* wrappers over them, checked against the standard library's formatting.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <limits>
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

}  // namespace
}  // namespace propagation
}  // namespace gatetrace
