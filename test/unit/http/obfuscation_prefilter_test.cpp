// The default pattern's prefilter (may_match_default_pattern): it may say "maybe" too
// often, never "no" for a query the pattern matches. Checked word by word, in any case,
// against non-ASCII letters RE2's (?i) folds onto ASCII ones, and on many generated
// queries against the same pattern run without the prefilter (a custom pattern with the
// default's text, which QueryObfuscator does not treat as the default).
#include <gtest/gtest.h>

#include <cctype>
#include <iterator>
#include <random>
#include <string>
#include <string_view>

#include "gatetrace/http/query_obfuscator.h"

namespace gatetrace {
namespace {

std::string obfuscate(const QueryObfuscator& obfuscator, std::string url) {
  obfuscator.obfuscate_url(url);
  return url;
}

TEST(QueryPrefilter, OrdinaryQueriesNeedNoSearch) {
  EXPECT_FALSE(may_match_default_pattern(""));
  EXPECT_FALSE(may_match_default_pattern("fields=name,email&sort=asc"));
  EXPECT_FALSE(may_match_default_pattern("q=shoes&page=2&size=10"));
  EXPECT_FALSE(may_match_default_pattern("p=1&w=2&s=3&a=4&-=5"));
}

TEST(QueryPrefilter, EveryWordOfThePatternInAnyCase) {
  for (std::string_view word : {"pw", "pass", "secret", "ey", "token", "consumer", "sign", "auth",
                                "bearer", "gh", "-----", "ssh-", "ecdsa-"}) {
    std::string lower = "a=1&" + std::string(word) + "=x";
    std::string upper = lower;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(may_match_default_pattern(lower)) << lower;
    EXPECT_TRUE(may_match_default_pattern(upper)) << upper;
    EXPECT_TRUE(may_match_default_pattern(std::string(word))) << "at the very end: " << word;
  }
  EXPECT_TRUE(may_match_default_pattern("api_key=1"));
  EXPECT_TRUE(may_match_default_pattern("x=eyJhbGciOi.eyJzdWIi"));
  EXPECT_FALSE(may_match_default_pattern("p")) << "a word's first letter at the end";
  EXPECT_FALSE(may_match_default_pattern("toke=1&secre=2&beare=3"));
}

TEST(QueryPrefilter, NonAsciiIsLeftToRe2) {
  // U+017F (long s) and U+212A (Kelvin sign) fold onto 's' and 'k' under (?i).
  const std::string long_s_secret =
      "\xC5\xBF"
      "ecret=hunter2";
  const std::string kelvin_key =
      "api_\xE2\x84\xAA"
      "ey=1234";
  EXPECT_TRUE(may_match_default_pattern(long_s_secret));
  EXPECT_TRUE(may_match_default_pattern(kelvin_key));
  EXPECT_TRUE(may_match_default_pattern("q=\xC3\xA9t\xC3\xA9"));

  QueryObfuscator by_default(std::nullopt, nullptr);
  QueryObfuscator unfiltered(std::string(kDefaultQueryObfuscationPattern), nullptr);
  for (const std::string& query : {long_s_secret, kelvin_key}) {
    EXPECT_EQ(obfuscate(by_default, "/p?" + query), obfuscate(unfiltered, "/p?" + query));
  }
}

TEST(QueryPrefilter, MayChange) {
  QueryObfuscator by_default(std::nullopt, nullptr);
  EXPECT_FALSE(by_default.may_change("http://h/p"));
  EXPECT_FALSE(by_default.may_change("http://h/p?"));
  EXPECT_FALSE(by_default.may_change("http://h/p?#token=x")) << "only the query counts";
  EXPECT_FALSE(by_default.may_change("http://h/token=x?a=1"));
  EXPECT_FALSE(by_default.may_change("http://h/p?fields=name,email&sort=asc"));
  EXPECT_TRUE(by_default.may_change("http://h/p?a=1&password=x"));
  EXPECT_TRUE(by_default.may_change("http://h?password=x"));

  // A custom pattern is not prefiltered: any query may change.
  QueryObfuscator custom(std::string("ssn=[0-9]+"), nullptr);
  EXPECT_TRUE(custom.may_change("/p?fields=name"));
  EXPECT_FALSE(custom.may_change("/p"));
  EXPECT_FALSE(custom.may_change("/p?"));

  QueryObfuscator disabled(std::string(), nullptr);
  EXPECT_FALSE(disabled.may_change("/p?password=x"));
}

// The vectorized scan answers as the bytewise one: every word and non-ASCII byte at every
// offset around the 16-byte blocks (split across two blocks, in the zero-padded tail, at
// the very end), and generated queries of every length up to 80 bytes made of the
// words' letters in both cases, their first letters alone, CR (which passes for '-'
// with its case bit set), separators and non-ASCII bytes.
TEST(QueryPrefilter, SixteenBytesAtATimeAnswersAsByteByByte) {
  const std::string_view needles[] = {"pw",     "pass",     "secret", "sign",       "ssh-",
                                      "ey",     "ecdsa-",   "token",  "consumer",   "auth",
                                      "bearer", "gh",       "-----",  "PW",         "Ey",
                                      "GH",     "\xC5\xBF", "\x80",   "\r\r\r\r\r", "-\r-\r-"};
  for (std::string_view needle : needles) {
    for (std::size_t offset = 0; offset < 50; ++offset) {
      for (std::size_t after : {0, 1, 7, 16}) {
        const std::string query =
            std::string(offset, 'x') + std::string(needle) + std::string(after, 'z');
        ASSERT_EQ(may_match_default_pattern(query), may_match_default_pattern_bytewise(query))
            << query;
        ASSERT_TRUE(may_match_default_pattern(query)) << query;
        // Cut one byte short of the needle's end: mostly no match, as the bytewise scan says.
        const std::string cut = query.substr(0, offset + needle.size() - 1);
        ASSERT_EQ(may_match_default_pattern(cut), may_match_default_pattern_bytewise(cut)) << cut;
      }
    }
  }

  const std::string_view alphabet =
      "pwasecrtignhyodkumbPWASECRTIGNHYODKUMB-\r=&%,._ 0123\x80\xC5\xBF\xFF";
  std::mt19937 random(777);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  int maybe = 0;
  int no = 0;
  for (int round = 0; round < 100000; ++round) {
    std::string query(static_cast<std::size_t>(round % 81), 'x');
    // Mostly ASCII, so that both answers come up often.
    const bool ascii_only = round % 4 != 0;
    for (char& c : query) {
      do {
        c = alphabet[pick(random)];
      } while (ascii_only && static_cast<unsigned char>(c) >= 0x80);
    }
    const bool expected = may_match_default_pattern_bytewise(query);
    ASSERT_EQ(may_match_default_pattern(query), expected) << query;
    ++(expected ? maybe : no);
  }
  EXPECT_GT(maybe, 10000);
  EXPECT_GT(no, 10000);
}

// Queries built from pieces of the pattern's words and of its value syntax, so that many
// come close to a match or are one: the prefilter must never hide one from RE2.
TEST(QueryPrefilter, NeverHidesAMatch) {
  QueryObfuscator by_default(std::nullopt, nullptr);
  QueryObfuscator unfiltered(std::string(kDefaultQueryObfuscationPattern), nullptr);
  const std::string_view pieces[] = {"p",
                                     "w",
                                     "d",
                                     "pass",
                                     "word",
                                     "old_",
                                     "new-",
                                     "phrase",
                                     "secret",
                                     "key",
                                     "_id",
                                     "api",
                                     "token",
                                     "con",
                                     "sumer",
                                     "sign",
                                     "ature",
                                     "auth",
                                     "orization",
                                     "bearer",
                                     "gh",
                                     "o_",
                                     "ey",
                                     "J",
                                     "I",
                                     ".",
                                     "-----",
                                     "BEGIN",
                                     "ssh-",
                                     "rsa",
                                     "ecdsa-",
                                     "=",
                                     "%3D",
                                     "%22",
                                     "\"",
                                     ":",
                                     "%3A",
                                     "&",
                                     " ",
                                     "%20",
                                     "a",
                                     "0",
                                     "x",
                                     "Z",
                                     "\xC5\xBF",
                                     "K",
                                     "E",
                                     "Y",
                                     "T",
                                     "S",
                                     "abcdefghijklm",
                                     "1234567890123"};
  const std::string_view words[] = {"password",  "passwd",          "pwd",         "pass_phrase",
                                    "secret",    "api-key",         "private_key", "access_key_id",
                                    "token",     "consumer_secret", "signed",      "authorization",
                                    "authentic", "passw0rd"};
  std::mt19937 random(12345);
  std::uniform_int_distribution<std::size_t> pick_word(0, std::size(words) - 1);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(pieces) - 1);
  std::uniform_int_distribution<int> length(1, 8);
  int matched = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string query;
    for (int n = length(random); n > 0; --n) query += pieces[pick(random)];
    // Every other query: a whole key name, in random case, then "=" and a value.
    if (round % 2 == 0) {
      std::string key(words[pick_word(random)]);
      for (char& c : key) {
        if (random() % 2) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      query += key + (random() % 4 ? "=" : "%3D") + std::string(pieces[pick(random)]);
    }
    const std::string url = "/p?" + query;
    const std::string expected = obfuscate(unfiltered, url);
    if (expected != url) {
      ++matched;
      ASSERT_TRUE(may_match_default_pattern(query)) << query;
    }
    ASSERT_EQ(obfuscate(by_default, url), expected) << query;
  }
  EXPECT_GT(matched, 5000) << "the generated queries exercise the pattern";
}

}  // namespace
}  // namespace gatetrace
