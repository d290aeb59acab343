// EdgeLiteral must answer exactly as Glob::match. These tests aim at what its word
// layout could get wrong: every subject length from 0 to 40 (the load classes 0, 1-3,
// 4-7, 8-15 and 16+, and their boundaries), literals of 0 to 16 bytes at the start, at
// the end and whole, `?` with ASCII and non-ASCII subjects, case, and bytes that are
// not letters but differ from one by the case bit.
#include "gatetrace/sampling/edge_words.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// bytes_hold_at skips the size check for prefixes and suffixes whose far byte (the
// last of a prefix, the first of a suffix) must match and is not NUL: a subject too
// short for the literal has a 0 byte there. Compared with Glob::match on random
// subjects of every length (NUL bytes included, shorter subjects cut from the literal
// often), for every literal that qualifies.
TEST(EdgeLiteral, BytesHoldAtAgreesWithGlobWhereBytesShowTheSize) {
  const std::string alphabet("abcXYZ09-_./{}@`\x01\x7f\0\xc3\xa9", 21);
  std::mt19937 random(17);
  int compared = 0;
  int matched = 0;
  int too_short = 0;
  for (int round = 0; round < 60000; ++round) {
    std::string literal;
    for (std::size_t n = 1 + random() % 16; n > 0; --n) {
      literal += random() % 16 == 0 ? '?' : alphabet[random() % alphabet.size()];
    }
    std::string subject;
    if (random() % 2) {
      // A piece of the literal from the anchored end: often shorter than it.
      const std::size_t keep = random() % (literal.size() + 3);
      subject = literal.substr(0, std::min(keep, literal.size()));
      for (char& c : subject) {
        if (c == '?') c = 'q';
      }
    }
    for (std::size_t n = random() % 24; n > 0; --n) subject += alphabet[random() % alphabet.size()];
    const bool at_end = random() % 2;
    if (at_end) std::reverse(subject.begin(), subject.end());
    const std::string pattern = at_end ? "*" + literal : literal + "*";
    const Glob glob(pattern);
    if (!EdgeLiteral::applies_to(glob)) continue;
    const EdgeLiteral edge(glob);
    if (!edge.size_shown_by_bytes()) continue;
    if (edge.needs_ascii() && !is_ascii(subject)) continue;
    ++compared;
    const bool expected = glob.match(subject);
    matched += expected;
    too_short += subject.size() < literal.size();
    const EdgeWords words(subject);
    ASSERT_EQ(edge.bytes_hold_at(words.words + edge.words()), expected)
        << "pattern '" << pattern << "' subject '" << subject << "'";
  }
  EXPECT_GT(compared, 15000);
  EXPECT_GT(matched, 2000);
  EXPECT_GT(too_short, 3000);
}

TEST(EdgeLiteral, BytesShowTheSizeOnlyForAFarByteThatMustMatchAndIsNotNul) {
  EXPECT_TRUE(EdgeLiteral(Glob("web*")).size_shown_by_bytes());
  EXPECT_TRUE(EdgeLiteral(Glob("*web")).size_shown_by_bytes());
  EXPECT_TRUE(EdgeLiteral(Glob(std::string("a\0b*", 4))).size_shown_by_bytes());
  EXPECT_TRUE(EdgeLiteral(Glob("?b*")).size_shown_by_bytes());
  EXPECT_FALSE(EdgeLiteral(Glob("web")).size_shown_by_bytes());  // whole: size must be equal
  EXPECT_FALSE(EdgeLiteral(Glob("")).size_shown_by_bytes());
  EXPECT_FALSE(EdgeLiteral(Glob("we?*")).size_shown_by_bytes());
  EXPECT_FALSE(EdgeLiteral(Glob("*?eb")).size_shown_by_bytes());
  EXPECT_FALSE(EdgeLiteral(Glob(std::string("ab\0*", 4))).size_shown_by_bytes());
  EXPECT_FALSE(EdgeLiteral(Glob(std::string("*\0ab", 4))).size_shown_by_bytes());
  EXPECT_EQ(EdgeLiteral(Glob("web*")).words(), EdgeWords::kHead);
  EXPECT_EQ(EdgeLiteral(Glob("*web")).words(), EdgeWords::kTail);
  // Too short, as prefix and suffix: the far byte meets a 0 of the edge words.
  const EdgeLiteral prefix(Glob("Web*"));
  const EdgeLiteral suffix(Glob("*Web"));
  for (const char* subject : {"", "w", "we", "WE", "eb", "web", "WEBS", "sweb"}) {
    const EdgeWords words{std::string_view(subject)};
    EXPECT_EQ(prefix.bytes_hold_at(words.words + EdgeWords::kHead), glob_match("Web*", subject))
        << subject;
    EXPECT_EQ(suffix.bytes_hold_at(words.words + EdgeWords::kTail), glob_match("*Web", subject))
        << subject;
  }
}

}  // namespace
}  // namespace gatetrace
