// EdgeLiteral must answer exactly as Glob::match. These tests aim at what its word
// layout could get wrong: every subject length from 0 to 40 (the load classes 0, 1-3,
// 4-7, 8-15 and 16+, and their boundaries), literals of 0 to 16 bytes at the start, at
// the end and whole, `?` with ASCII and non-ASCII subjects, case, and bytes that are
// not letters but differ from one by the case bit.
#include "gatetrace/sampling/edge_words.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "gatetrace/sampling/glob.h"

namespace gatetrace {
namespace {

bool edge_match(const Glob& glob, std::string_view subject) {
  return EdgeLiteral(glob).holds(subject, EdgeWords(subject));
}

TEST(EdgeWords, LoadsFirstAndLastSixteenBytesWithZerosWhereMissing) {
  const std::string text = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (std::size_t size = 0; size <= text.size(); ++size) {
    const std::string_view subject(text.data(), size);
    const EdgeWords words(subject);
    char head[16];
    char tail[16];
    std::memcpy(head, words.words + EdgeWords::kHead, 16);
    std::memcpy(tail, words.words + EdgeWords::kTail, 16);
    for (std::size_t i = 0; i < 16; ++i) {
      EXPECT_EQ(head[i], i < size ? subject[i] : '\0') << size << " head " << i;
      const std::ptrdiff_t at =
          static_cast<std::ptrdiff_t>(size) - 16 + static_cast<std::ptrdiff_t>(i);
      EXPECT_EQ(tail[i], at >= 0 ? subject[static_cast<std::size_t>(at)] : '\0')
          << size << " tail " << i;
    }
    EXPECT_EQ(words.size, size);
  }
}

TEST(EdgeLiteral, AppliesToShortLiteralClassesOnly) {
  EXPECT_TRUE(EdgeLiteral::applies_to(Glob("web")));
  EXPECT_TRUE(EdgeLiteral::applies_to(Glob("web*")));
  EXPECT_TRUE(EdgeLiteral::applies_to(Glob("*web")));
  EXPECT_TRUE(EdgeLiteral::applies_to(Glob("w?b*")));
  EXPECT_TRUE(EdgeLiteral::applies_to(Glob("")));
  EXPECT_TRUE(EdgeLiteral::applies_to(Glob("0123456789abcdef")));
  EXPECT_FALSE(EdgeLiteral::applies_to(Glob("0123456789abcdefg")));
  EXPECT_FALSE(EdgeLiteral::applies_to(Glob("*")));
  EXPECT_FALSE(EdgeLiteral::applies_to(Glob("a*b")));
  EXPECT_FALSE(EdgeLiteral::applies_to(Glob("*a*")));
  EXPECT_FALSE(EdgeLiteral::applies_to(Glob("\xff*")));  // not UTF-8
}

TEST(EdgeLiteral, CaseAndCaseBitNeighbours) {
  EXPECT_TRUE(edge_match(Glob("Web-Backend"), "wEB-bACKEND"));
  EXPECT_FALSE(edge_match(Glob("web-backend"), "web\rbackend"));  // '-' | 0x20 is '-'
  EXPECT_FALSE(edge_match(Glob("a@"), "a`"));                     // '@' | 0x20 is '`'
  EXPECT_FALSE(edge_match(Glob("[*"), "{x"));
  EXPECT_TRUE(edge_match(Glob("*/{ID}"), "GET /users/{id}"));
}

TEST(EdgeLiteral, QuestionMarkWithNonAsciiSubjectsTakesCharacters) {
  EXPECT_TRUE(edge_match(Glob("caf?"), "caf\xc3\xa9"));  // 5 bytes, 4 characters
  EXPECT_FALSE(edge_match(Glob("caf??"), "caf\xc3\xa9"));
  EXPECT_TRUE(edge_match(Glob("?a*"),
                         "\xc3\xa9"
                         "abc"));
  EXPECT_TRUE(edge_match(Glob("*?x"),
                         "\xff"
                         "x"));
  EXPECT_FALSE(edge_match(Glob("5??"), "50"));
  EXPECT_TRUE(edge_match(Glob("5??"), "503"));
}

// Random subjects of every length, and literals cut from them (so that many match),
// altered at random: `?`, the other case, a changed byte, a star at either end.
TEST(EdgeLiteral, AgreesWithGlobOnRandomSubjectsAndLiterals) {
  const std::string alphabet =
      "abcXYZ09-_./{}@`[]\x01\x7f"
      "\xc3\xa9\xff";
  std::mt19937 random(11);
  int compared = 0;
  int matched = 0;
  for (int round = 0; round < 60000; ++round) {
    std::string subject;
    for (std::size_t n = random() % 41; n > 0; --n) subject += alphabet[random() % alphabet.size()];
    std::string literal;
    const std::size_t length = random() % 17;
    if (length <= subject.size() && random() % 4 != 0) {
      const std::size_t start = random() % 2 ? 0 : subject.size() - length;
      literal = subject.substr(start, length);
    } else {
      for (std::size_t n = length; n > 0; --n) literal += alphabet[random() % alphabet.size()];
    }
    for (char& c : literal) {
      const unsigned roll = random() % 12;
      if (roll == 0) c = '?';
      if (roll == 1 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) c ^= 0x20;
      if (roll == 2) c = alphabet[random() % alphabet.size()];
      if (c == '*') c = '?';
    }
    std::string pattern;
    switch (random() % 3) {
      case 0:
        pattern = literal;
        break;
      case 1:
        pattern = literal + "*";
        break;
      default:
        pattern = "*" + literal;
        break;
    }
    const Glob glob(pattern);
    if (!EdgeLiteral::applies_to(glob)) continue;
    ++compared;
    const bool expected = glob.match(subject);
    matched += expected;
    ASSERT_EQ(edge_match(glob, subject), expected)
        << "pattern '" << pattern << "' subject '" << subject << "'";
  }
  // The generator must exercise both answers.
  EXPECT_GT(compared, 15000);
  EXPECT_GT(matched, 2000);
}

// EdgeWords::is_ascii reads the words, not the text, up to 32 bytes: a non-ASCII byte
// at any position of any length must still be seen (and past 32 bytes the text is read).
TEST(EdgeWords, IsAsciiSeesEveryByteOfEveryLength) {
  for (std::size_t size = 0; size <= 40; ++size) {
    const std::string ascii(size, 'a');
    EXPECT_TRUE(EdgeWords(ascii).is_ascii(ascii)) << size;
    for (std::size_t at = 0; at < size; ++at) {
      for (const char byte : {'\x80', '\xc3', '\xff'}) {
        std::string text = ascii;
        text[at] = byte;
        EXPECT_FALSE(EdgeWords(text).is_ascii(text)) << size << " " << at;
        EXPECT_EQ(EdgeWords(text).is_ascii(text), is_ascii(text));
      }
    }
  }
}

TEST(EdgeLiteral, SizeFitsIsTheLengthCheckOfHoldsBytes) {
  const Glob whole("web");
  const Glob prefix("web*");
  const Glob suffix("*web");
  for (std::size_t size = 0; size < 8; ++size) {
    EXPECT_EQ(EdgeLiteral(whole).size_fits(size), size == 3) << size;
    EXPECT_EQ(EdgeLiteral(prefix).size_fits(size), size >= 3) << size;
    EXPECT_EQ(EdgeLiteral(suffix).size_fits(size), size >= 3) << size;
  }
}

}  // namespace
}  // namespace gatetrace
