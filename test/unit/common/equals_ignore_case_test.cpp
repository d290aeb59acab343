// equals_ignore_case compares 8 bytes at a time with ASCII case folding; these tests
// pin it to the byte-by-byte definition: ASCII letters fold, nothing else does.
#include <gtest/gtest.h>

#include <string>

#include "gatetrace/dict_reader.h"

namespace gatetrace {
namespace {

// The definition the fast version must agree with.
bool reference_equals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

TEST(EqualsIgnoreCase, EmptyStrings) {
  EXPECT_TRUE(equals_ignore_case("", ""));
  EXPECT_FALSE(equals_ignore_case("", "a"));
  EXPECT_FALSE(equals_ignore_case("a", ""));
}

TEST(EqualsIgnoreCase, LengthsDiffer) {
  EXPECT_FALSE(equals_ignore_case("traceparent", "traceparen"));
  EXPECT_FALSE(equals_ignore_case("x-datadog-trace-id", "X-DATADOG-TRACE-ID "));
  // Equal prefixes of 8 and 16 bytes do not make longer strings equal.
  EXPECT_FALSE(equals_ignore_case("abcdefgh", "abcdefghi"));
  EXPECT_FALSE(equals_ignore_case("abcdefghabcdefgh", "ABCDEFGHABCDEFGHX"));
}

TEST(EqualsIgnoreCase, EveryAsciiLetterPairFoldsAtEveryPosition) {
  // Positions 0..16 cover both the 8-byte words and the byte-wise tail.
  for (std::size_t length = 1; length <= 17; ++length) {
    for (std::size_t at = 0; at < length; ++at) {
      for (char c = 'a'; c <= 'z'; ++c) {
        std::string lower(length, '-');
        std::string upper = lower;
        lower[at] = c;
        upper[at] = static_cast<char>(c - 'a' + 'A');
        EXPECT_TRUE(equals_ignore_case(lower, upper)) << lower << " vs " << upper;
        EXPECT_TRUE(equals_ignore_case(upper, lower));
        EXPECT_TRUE(equals_ignore_case(upper, upper));
        // A different letter never matches, in either case.
        std::string other = lower;
        other[at] = c == 'z' ? 'a' : static_cast<char>(c + 1);
        EXPECT_FALSE(equals_ignore_case(other, upper)) << other << " vs " << upper;
      }
    }
  }
}

TEST(EqualsIgnoreCase, OnlyLettersFold) {
  // Pairs that differ by the case bit (0x20) but are not letters: '@' and '`', '['
  // and '{', '^' and '~', '0' and 0x10, ' ' and '\0'.
  EXPECT_FALSE(equals_ignore_case("@", "`"));
  EXPECT_FALSE(equals_ignore_case("[", "{"));
  EXPECT_FALSE(equals_ignore_case("^^^^^^^^^", "~~~~~~~~~"));
  EXPECT_FALSE(equals_ignore_case(std::string(9, '@'), std::string(9, '`')));
  EXPECT_FALSE(equals_ignore_case(std::string(8, ' '), std::string(8, '\0')));
}

TEST(EqualsIgnoreCase, NonAsciiBytesEqualOnlyWhenIdentical) {
  for (int x = 0x80; x <= 0xff; ++x) {
    for (int y = 0x80; y <= 0xff; ++y) {
      // In an 8-byte word and in the tail.
      for (const std::size_t length : {std::size_t{1}, std::size_t{8}, std::size_t{12}}) {
        const std::string a(length, static_cast<char>(x));
        const std::string b(length, static_cast<char>(y));
        ASSERT_EQ(equals_ignore_case(a, b), x == y) << x << " " << y << " " << length;
      }
    }
    // A non-ASCII byte never equals an ASCII letter 0x20 or 0x80 away from it.
    const std::string high(8, static_cast<char>(x));
    const std::string low(8, static_cast<char>(x - 0x80));
    EXPECT_FALSE(equals_ignore_case(high, low)) << x;
    const std::string folded(8, static_cast<char>(x ^ 0x20));
    EXPECT_FALSE(equals_ignore_case(high, folded)) << x;
  }
}

TEST(EqualsIgnoreCase, AgreesWithByteWiseDefinitionOnAllBytePairs) {
  // Every pair of byte values, placed in the middle of an 8-byte word and in the tail.
  for (int x = 0; x < 256; ++x) {
    for (int y = 0; y < 256; ++y) {
      std::string a = "Header-Name-Xy";
      std::string b = "hEADER-nAME-xY";
      a[3] = static_cast<char>(x);
      b[3] = static_cast<char>(y);
      a[12] = static_cast<char>(x);
      b[12] = static_cast<char>(y);
      ASSERT_EQ(equals_ignore_case(a, b), reference_equals(a, b)) << x << " " << y;
    }
  }
}

TEST(HeaderListReader, LookupMatchesMixedCaseNamesLongerThanAWord) {
  const HeaderListReader::Headers headers = {
      {"X-Datadog-Trace", "no: shorter"},
      {"X-DATADOG-TRACE-ID", "first"},
      {"x-datadog-trace-id", "second"},
  };
  const HeaderListReader reader(headers);
  ASSERT_TRUE(reader.lookup("x-datadog-trace-id").has_value());
  EXPECT_EQ(*reader.lookup("x-datadog-trace-id"), "first");
  EXPECT_FALSE(reader.lookup("x-datadog-trace-ix").has_value());
  EXPECT_FALSE(reader.lookup("").has_value());
}

}  // namespace
}  // namespace gatetrace
