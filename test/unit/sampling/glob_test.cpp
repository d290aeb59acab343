#include "gatetrace/sampling/glob.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
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

// The byte path compares eight bytes at a time, then the overlapping last eight, or
// two overlapping four-byte halves, or up to three single bytes: lengths around those
// boundaries, with the difference (or the case change) in the last byte.
INSTANTIATE_TEST_SUITE_P(
    BytePath, GlobTable,
    ::testing::Values(
        GlobCase{"abc", "ABC", true}, GlobCase{"abc", "abd", false}, GlobCase{"abcd", "abcD", true},
        GlobCase{"abcd", "abce", false}, GlobCase{"abcdefg", "ABCDEFg", true},
        GlobCase{"abcdefg", "abcdefh", false}, GlobCase{"abcdefgh", "abcdefgH", true},
        GlobCase{"abcdefgh", "abcdefgi", false}, GlobCase{"abcdefghi", "ABCDEFGHI", true},
        GlobCase{"abcdefghi", "abcdefghj", false},
        GlobCase{"abcdefghijklmnop", "abcdefghijklmnoP", true},
        GlobCase{"abcdefghijklmnopq", "abcdefghijklmnopr", false},
        GlobCase{"web-back*", "WEB-BACKEND", true}, GlobCase{"*-backend", "web-BACKEND", true},
        GlobCase{"*-backend", "web-backenf", false}, GlobCase{"*/users/*", "GET /USERS/7", true},
        GlobCase{"*/users/*", "GET /uzers/7", false},
        // Only ASCII letters fold, also within a word: '@' / '`', '[' / '{', and bytes
        // 0xC1 / 0xE1 and 0x89 / 0xA9, which differ by the case bit too.
        GlobCase{"abcdefg@", "abcdefg`", false}, GlobCase{"[bcdefghi", "{bcdefghi", false},
        GlobCase{"caf\xC3\xA9-au-lait", "CAF\xC3\xA9-AU-LAIT", true},
        GlobCase{"caf\xC3\xA9-au-lait", "caf\xC3\x89-au-lait", false},
        GlobCase{"*\xE1\x80\x80", "xx\xC1\x80\x80", false},
        // A valid UTF-8 pattern without `?` meets a subject with stray bytes: the
        // pattern's characters still match where they occur whole.
        GlobCase{"*\xC3\xA9*", "\xE0\xC3\xA9x", true},
        GlobCase{"*\xC3\xA9", "\xF0\x90\xC3\xA9", true},
        // A stray continuation byte in a pattern is a character of its own: it does not
        // match the end of a subject's valid character.
        GlobCase{"*\xA9", "caf\xC3\xA9", false}, GlobCase{"*\xA9", "caf\xA9", true},
        // `?` over an ASCII subject is one byte; over a non-ASCII one, one character.
        GlobCase{"web-back?nd", "WEB-BACKEND", true}, GlobCase{"web-back?nd", "web-backnd", false},
        GlobCase{"web-back?nd", "web-back\xC3\xA9nd", true}, GlobCase{"*?\xC3\xA9", "ab", false},
        GlobCase{"?\xC3\xA9*", "abc", false}, GlobCase{"*a?c*", "xxABCxx", true},
        GlobCase{"*a?c*", "xxAB", false}));

// Patterns are classified when compiled: only stars; an exact literal; a literal then a
// star (prefix); a star then a literal (suffix); anything else. Each class against
// subjects it must accept and reject, around the length check, case folding, `?`
// (one byte only when the subject is ASCII) and non-ASCII patterns and subjects.
INSTANTIATE_TEST_SUITE_P(
    Classes, GlobTable,
    ::testing::Values(
        // Only stars.
        GlobCase{"*", "", true}, GlobCase{"**", "x", true}, GlobCase{"***", "\xC3\xA9\xFF", true},
        // Exact.
        GlobCase{"", "", true}, GlobCase{"", "\xC3\xA9", false},
        GlobCase{"web-backend", "WEB-Backend", true}, GlobCase{"web-backend", "web-backen", false},
        GlobCase{"web-backend", "web-backendx", false},
        GlobCase{"web-backend", "web_backend", false},
        GlobCase{"auth-service", "auth-servicE", true},
        GlobCase{"auth-service", "auth-servicf", false},
        GlobCase{"\xC3\xA9t\xC3\xA9", "\xC3\xA9T\xC3\xA9", true},
        GlobCase{"\xC3\xA9t\xC3\xA9", "\xC3\xA9t\xC3\xA9 ", false}, GlobCase{"5??", "500", true},
        GlobCase{"5??", "5000", false}, GlobCase{"5??", "50", false},
        GlobCase{"5??", "5\xC3\xA9", false}, GlobCase{"5??", "5\xC3\xA9x", true},
        GlobCase{"5?", "5\xC3\xA9", true}, GlobCase{"?", "\xE6\x97\xA5", true},
        GlobCase{"???", "\xE6\x97\xA5", false},
        GlobCase{"a?c",
                 "a\xC3"
                 "c",
                 true},
        // Prefix (a trailing star, or several).
        GlobCase{"billing-*", "billing-", true}, GlobCase{"billing-*", "BILLING-eu", true},
        GlobCase{"billing-*", "billing", false}, GlobCase{"billing-*", "web-backend", false},
        GlobCase{"get /health**", "GET /healthz", true},
        GlobCase{"get /health**", "GET /heal", false},
        GlobCase{"enterprise*", "enterprise-annual", true},
        GlobCase{"enterprise*", "Enterprisf-annual", false},
        GlobCase{"\xC3\xA9*", "\xC3\xA9t\xC3\xA9", true}, GlobCase{"\xC3\xA9*", "\xC3\x89", false},
        GlobCase{"n?-*", "ny-x", true}, GlobCase{"n?-*", "n\xC3\xA9-x", true},
        GlobCase{"n?"
                 "?-*",
                 "n\xC3\xA9-x", false},
        GlobCase{"?*", "\xE6\x97\xA5", true}, GlobCase{"??*", "\xE6\x97\xA5", false},
        GlobCase{"??*",
                 "\xE6\x97\xA5"
                 "a",
                 true},
        // Suffix (a leading star, or several).
        GlobCase{"*-backend", "-backend", true}, GlobCase{"**-backend", "WEB-BACKEND", true},
        GlobCase{"*-backend", "backend", false}, GlobCase{"*-backend", "web-backends", false},
        GlobCase{"*\xC3\xA9", "caf\xC3\xA9", true}, GlobCase{"*\xC3\xA9", "caf\xC3\x89", false},
        GlobCase{"*\xC3\xA9", "\xE6\xC3\xA9", true}, GlobCase{"*?x", "\xC3\xA9x", true},
        GlobCase{"*??x", "\xC3\xA9x", false}, GlobCase{"*?", "\xF0\x9F\x98\x80", true},
        // Neither: a literal at both ends, or in the middle.
        GlobCase{"web-back*nd", "web-backend", true}, GlobCase{"web-back*nd", "web-backn", false},
        GlobCase{"*/users/*", "/users/", true}, GlobCase{"*users*", "GET /api/USERS/1", true},
        // Invalid UTF-8 in the pattern keeps the character path for any subject: a lone
        // lead byte is not the start of a subject's character.
        GlobCase{"\xC3*", "\xC3\xA9", false}, GlobCase{"\xC3*", "\xC3x", true},
        GlobCase{"*\xA9", "\xC3\xA9", false}, GlobCase{"\xC3", "\xC3", true}));

TEST(Glob, CopiesAndMovesKeepTheirPattern) {
  std::vector<Glob> globs;
  for (const char* pattern : {"a", "abcdefghijklmnopqrstuvwxyz*", "*-backend", "x*y", "*"}) {
    globs.emplace_back(pattern);  // reallocations move the earlier ones
  }
  const std::vector<Glob> copies = globs;
  for (const std::vector<Glob>* list : std::vector<const std::vector<Glob>*>{&globs, &copies}) {
    const std::vector<Glob>& g = *list;
    EXPECT_TRUE(g[0].match("A"));
    EXPECT_TRUE(g[1].match("ABCDEFGHIJKLMNOPQRSTUVWXYZ!"));
    EXPECT_FALSE(g[1].match("ABCDEFGHIJKLMNOPQRSTUVWXY!"));
    EXPECT_TRUE(g[2].match("web-backend"));
    EXPECT_TRUE(g[3].match("x-y"));
    EXPECT_TRUE(g[4].match(""));
  }
}

// Every pattern of up to three tokens against every subject of up to three tokens, from
// alphabets chosen to exercise both the byte path and the character path: the compiled
// Glob agrees with a plain backtracking matcher over decoded characters.
std::vector<std::uint32_t> decode_for_reference(const std::string& text) {
  std::vector<std::uint32_t> units;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&text](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
      units.push_back((lead >= 'A' && lead <= 'Z') ? lead + 32u : lead);
      ++i;
    } else if (lead >= 0xC2 && lead <= 0xDF && i + 1 < text.size() &&
               (byte(i + 1) & 0xC0) == 0x80) {
      units.push_back(((lead & 0x1Fu) << 6) | (byte(i + 1) & 0x3Fu));
      i += 2;
    } else {
      units.push_back(0x110000u + lead);  // only two-byte characters in these alphabets
      ++i;
    }
  }
  return units;
}

bool reference_match(const std::vector<std::uint32_t>& pattern, std::size_t p,
                     const std::vector<std::uint32_t>& subject, std::size_t s) {
  if (p == pattern.size()) return s == subject.size();
  if (pattern[p] == '*') {
    for (std::size_t k = s; k <= subject.size(); ++k) {
      if (reference_match(pattern, p + 1, subject, k)) return true;
    }
    return false;
  }
  if (s == subject.size()) return false;
  if (pattern[p] != '?' && pattern[p] != subject[s]) return false;
  return reference_match(pattern, p + 1, subject, s + 1);
}

std::vector<std::string> strings_of(const std::vector<std::string>& tokens, int max_tokens) {
  std::vector<std::string> all = {""};
  std::vector<std::string> last = {""};
  for (int n = 0; n < max_tokens; ++n) {
    std::vector<std::string> next;
    for (const std::string& prefix : last) {
      for (const std::string& token : tokens) next.push_back(prefix + token);
    }
    all.insert(all.end(), next.begin(), next.end());
    last = std::move(next);
  }
  return all;
}

TEST(Glob, AgreesWithCharacterMatcherOnAllSmallCases) {
  // é, É, a lone lead byte, a lone continuation byte, letters in both cases.
  const std::vector<std::string> pattern_tokens = {"a",        "B",        "?",    "*",
                                                   "\xC3\xA9", "\xC3\x89", "\xC3", "\xA9"};
  const std::vector<std::string> subject_tokens = {"A", "b", "z", "\xC3\xA9", "\xC3", "\xA9"};
  const std::vector<std::string> subjects = strings_of(subject_tokens, 3);
  int checked = 0;
  for (const std::string& pattern : strings_of(pattern_tokens, 3)) {
    const Glob glob(pattern);
    std::vector<std::uint32_t> pattern_units = decode_for_reference(pattern);
    // In the reference, `*` and `?` are the ASCII codes themselves: no other unit of
    // these alphabets has those values.
    for (const std::string& subject : subjects) {
      const bool expected = reference_match(pattern_units, 0, decode_for_reference(subject), 0);
      ASSERT_EQ(glob.match(subject), expected)
          << "pattern \"" << pattern << "\" subject \"" << subject << "\"";
      ++checked;
    }
  }
  EXPECT_EQ(checked, 585 * 259);
}

// Subjects and patterns of many thousand characters.
TEST(Glob, LongPatternsAndSubjects) {
  const std::string as(5000, 'a');
  EXPECT_TRUE(glob_match(as, as));
  EXPECT_FALSE(glob_match(as, as + "a"));
  EXPECT_TRUE(glob_match(std::string("*") + as, std::string("b") + as));
  EXPECT_TRUE(glob_match(std::string("*") + as + "*", std::string("b") + as + "b"));
  EXPECT_FALSE(glob_match(std::string("*") + as + "b*", as + as));
  EXPECT_TRUE(glob_match(std::string("*") + std::string(100, '?') + "*", std::string(100, 'z')));
  EXPECT_FALSE(glob_match(std::string("*") + std::string(101, '?') + "*", std::string(100, 'z')));
  // A middle segment longer than 64 characters (several words of NFA state), with a
  // near miss before the real occurrence.
  const std::string segment = std::string(70, 'a') + "?" + std::string(60, 'b');
  const std::string subject =
      std::string("x") + std::string(70, 'a') + "c" + std::string(59, 'b') + "y" + segment + "zz";
  EXPECT_TRUE(glob_match("x*" + segment + "*zz", subject));
  EXPECT_FALSE(glob_match("x*" + segment + "b*zz", subject));
  EXPECT_TRUE(glob_match(std::string("*") + segment + "zz", subject));
}

// The classic adversarial inputs for backtracking matchers: each must answer at once.
TEST(Glob, ManyStarsAreFast) {
  const auto start = std::chrono::steady_clock::now();
  std::string stars;
  for (int i = 0; i < 2000; ++i) stars += "*a";
  EXPECT_FALSE(glob_match(stars + "*b", std::string(100000, 'a')));
  EXPECT_TRUE(glob_match(stars + "*", std::string(100000, 'a')));
  // One long segment after a star against a long subject that almost matches everywhere.
  EXPECT_FALSE(
      glob_match(std::string("*") + std::string(3000, 'a') + "b", std::string(100000, 'a')));
  EXPECT_FALSE(
      glob_match(std::string("*") + std::string(30, 'a') + "b", std::string(1000000, 'a')));
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
