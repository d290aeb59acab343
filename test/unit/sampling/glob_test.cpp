#include "gatetrace/sampling/glob.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace gatetrace {
namespace {

struct GlobCase {
  std::string pattern;
  std::string subject;
  bool expected;
};

void PrintTo(const GlobCase& c, std::ostream* os) {
  *os << "pattern \"" << c.pattern << "\" subject \"" << c.subject << "\"";
}

class GlobTable : public ::testing::TestWithParam<GlobCase> {};

TEST_P(GlobTable, MatchesAsSpecified) {
  const GlobCase& c = GetParam();
  EXPECT_EQ(glob_match(c.pattern, c.subject), c.expected);
  // A compiled Glob answers the same, and keeps answering the same.
  const Glob glob(c.pattern);
  EXPECT_EQ(glob.match(c.subject), c.expected);
  EXPECT_EQ(glob.match(c.subject), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Datadog, GlobTable,
    ::testing::Values(
        // Datadog's reference table for sampling-rule globs.
        GlobCase{"foo", "foo", true}, GlobCase{"foo.*", "foo.you", true},
        GlobCase{"foo.*", "snafoo.", false}, GlobCase{"hi*there", "hithere", true},
        GlobCase{"*stuff", "lots of stuff", true},
        GlobCase{"*stuff", "stuff to think about", false},
        GlobCase{"*a*a*a*a*a*a", "aaaaaaaaaaaaaaaaaaaaaaaaaax", false},
        GlobCase{"*a*a*a*a*a*a", "aaaaaaaarrrrrrraaaraaarararaarararaarararaaa", true},
        GlobCase{"aok*", "aok**", true}, GlobCase{"mysql??", "mysql01", true},
        GlobCase{"mysql??", "mysql1x", true}, GlobCase{"n?-ingress-*", "ny-ingress-backup", true},
        GlobCase{"n?-ingress-*", "nj-ingress-leader", true},
        GlobCase{"n?-ingress-*", "nj-ingress", false}));

INSTANTIATE_TEST_SUITE_P(
    EdgeCases, GlobTable,
    ::testing::Values(
        GlobCase{"", "", true}, GlobCase{"", "a", false}, GlobCase{"a", "", false},
        GlobCase{"*", "", true}, GlobCase{"**", "", true}, GlobCase{"*", "anything at all", true},
        GlobCase{"?", "", false}, GlobCase{"?", "a", true}, GlobCase{"?", "ab", false},
        GlobCase{"??", "ab", true}, GlobCase{"*?", "", false}, GlobCase{"?*", "x", true},
        GlobCase{"a*", "a", true}, GlobCase{"*a", "a", true}, GlobCase{"*a", "ba", true},
        GlobCase{"*a", "ab", false}, GlobCase{"a*b", "ab", true}, GlobCase{"a*b", "a", false},
        GlobCase{"a*b", "b", false}, GlobCase{"a**b", "axxb", true},
        GlobCase{"ab*ba", "aba", false}, GlobCase{"ab*ba", "abba", true},
        GlobCase{"*ab*ab*", "abab", true}, GlobCase{"*ab*ab*", "aab", false},
        GlobCase{"*aab", "aaab", true}, GlobCase{"*abc*", "ababc", true},
        GlobCase{"x*y*z", "xyz", true}, GlobCase{"x*y*z", "xzy", false},
        GlobCase{"*.*", "a.b", true}, GlobCase{"*.*", "ab", false}));

INSTANTIATE_TEST_SUITE_P(
    CaseFolding, GlobTable,
    ::testing::Values(GlobCase{"GET /Users", "get /users", true},
                      GlobCase{"get /users", "GET /USERS", true},
                      GlobCase{"Web-*", "WEB-api", true}, GlobCase{"*-API", "web-api", true},
                      // Only ASCII letters fold: É (C3 89) and é (C3 A9) differ.
                      GlobCase{"caf\xC3\xA9", "caf\xC3\xA9", true},
                      GlobCase{"caf\xC3\xA9", "CAF\xC3\xA9", true},
                      GlobCase{"caf\xC3\xA9", "caf\xC3\x89", false},
                      GlobCase{"\xC3\x89*", "\xC3\xA9t\xC3\xA9", false},
                      // Non-letters never fold: '@' is 0x40, '`' is 0x60.
                      GlobCase{"@", "`", false}, GlobCase{"[", "{", false}));

INSTANTIATE_TEST_SUITE_P(
    Utf8, GlobTable,
    ::testing::Values(
        // `?` is one character, whatever its byte length (é: 2, 日: 3, 😀: 4 bytes).
        GlobCase{"caf?", "caf\xC3\xA9", true}, GlobCase{"caf??", "caf\xC3\xA9", false},
        GlobCase{"?", "\xE6\x97\xA5", true}, GlobCase{"?", "\xF0\x9F\x98\x80", true},
        GlobCase{"??", "\xF0\x9F\x98\x80", false},
        GlobCase{"*\xE6\x97\xA5*", "abc\xE6\x97\xA5\xE6\x9C\xAC", true},
        GlobCase{"*?\xE6\x9C\xAC", "\xE6\x97\xA5\xE6\x9C\xAC", true},
        GlobCase{"*?\xE6\x9C\xAC", "\xE6\x9C\xAC", false},
        GlobCase{"\xE6\x97\xA5*", "\xE6\x97\xA6", false},
        // Bytes that are not UTF-8 are one character each and compare exactly.
        GlobCase{"?", "\xFF", true}, GlobCase{"??", "\xC3", false}, GlobCase{"?x", "\xC3x", true},
        GlobCase{"\xFF", "\xFF", true}, GlobCase{"\xFF", "\xFE", false},
        // An overlong encoding of 'A' is not 'A'.
        GlobCase{"A", "\xC1\x81", false}, GlobCase{"??", "\xC1\x81", true}));

// Subjects and patterns of many thousand characters.
TEST(Glob, LongPatternsAndSubjects) {
  const std::string as(5000, 'a');
  EXPECT_TRUE(glob_match(as, as));
  EXPECT_FALSE(glob_match(as, as + "a"));
  EXPECT_TRUE(glob_match("*" + as, "b" + as));
  EXPECT_TRUE(glob_match("*" + as + "*", "b" + as + "b"));
  EXPECT_FALSE(glob_match("*" + as + "b*", as + as));
  EXPECT_TRUE(glob_match("*" + std::string(100, '?') + "*", std::string(100, 'z')));
  EXPECT_FALSE(glob_match("*" + std::string(101, '?') + "*", std::string(100, 'z')));
  // A middle segment longer than 64 characters (several words of NFA state), with a
  // near miss before the real occurrence.
  const std::string segment = std::string(70, 'a') + "?" + std::string(60, 'b');
  const std::string subject =
      "x" + std::string(70, 'a') + "c" + std::string(59, 'b') + "y" + segment + "zz";
  EXPECT_TRUE(glob_match("x*" + segment + "*zz", subject));
  EXPECT_FALSE(glob_match("x*" + segment + "b*zz", subject));
  EXPECT_TRUE(glob_match("*" + segment + "zz", subject));
}

// The classic adversarial inputs for backtracking matchers: each must answer at once.
TEST(Glob, ManyStarsAreFast) {
  const auto start = std::chrono::steady_clock::now();
  std::string stars;
  for (int i = 0; i < 2000; ++i) stars += "*a";
  EXPECT_FALSE(glob_match(stars + "*b", std::string(100000, 'a')));
  EXPECT_TRUE(glob_match(stars + "*", std::string(100000, 'a')));
  // One long segment after a star against a long subject that almost matches everywhere.
  EXPECT_FALSE(glob_match("*" + std::string(3000, 'a') + "b", std::string(100000, 'a')));
  EXPECT_FALSE(glob_match("*" + std::string(30, 'a') + "b", std::string(1000000, 'a')));
  std::string many_segments;
  for (int i = 0; i < 1000; ++i) many_segments += "*ab?";
  EXPECT_FALSE(glob_match(many_segments + "*c", std::string(100000, 'a') + "bx"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Quadratic matchers take minutes here; linear ones milliseconds (even unoptimized).
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST(Glob, MatchesEverythingOnlyForStars) {
  EXPECT_TRUE(Glob("*").matches_everything());
  EXPECT_TRUE(Glob("***").matches_everything());
  EXPECT_FALSE(Glob("").matches_everything());
  EXPECT_FALSE(Glob("*?").matches_everything());
  EXPECT_FALSE(Glob("a*").matches_everything());
}

}  // namespace
}  // namespace gatetrace
