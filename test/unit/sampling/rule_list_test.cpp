// RuleList must answer exactly as trying each rule's SpanMatcher in turn; these tests
// compare the two, aiming at its compiled forms: whole literals interned per field,
// inline literals (0 to 16 bytes, at both word-load boundaries), longer literals and
// other globs, tag keys shared by rules (looked up once) and the uncached keys.
#include "gatetrace/sampling/rule_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gatetrace/sampling/span_matcher.h"
#include "unit/sampling/sampling_test_util.h"

namespace gatetrace {
namespace {

using testing::span_of;

using Tags = std::vector<std::pair<std::string, std::string>>;

struct RuleSpec {
  std::string service, name, resource;
  Tags tags;
};

class Reference {
 public:
  explicit Reference(const std::vector<RuleSpec>& specs) {
    for (const RuleSpec& spec : specs) {
      matchers_.emplace_back(spec.service, spec.name, spec.resource, spec.tags);
      list_.add(spec.service, spec.name, spec.resource, spec.tags);
    }
  }
  std::size_t expected(const SpanData& span) const {
    for (std::size_t i = 0; i < matchers_.size(); ++i) {
      if (matchers_[i].matches(span)) return i;
    }
    return RuleList::kNoMatch;
  }
  const RuleList& list() const { return list_; }

 private:
  std::vector<SpanMatcher> matchers_;
  RuleList list_;
};

TEST(RuleList, EmptyListMatchesNothing) {
  RuleList list;
  EXPECT_EQ(list.first_match(span_of("a", "b", "c")), RuleList::kNoMatch);
}

TEST(RuleList, FirstMatchingRuleWins) {
  RuleList list;
  list.add("web", "*", "*");
  list.add("*", "*", "*");
  list.add("web", "*", "*");
  EXPECT_EQ(list.first_match(span_of("web", "x", "y")), 0u);
  EXPECT_EQ(list.first_match(span_of("api", "x", "y")), 1u);
}

TEST(RuleList, WholeLiteralsAreInternedCaseInsensitively) {
  RuleList list;
  list.add("Web-Backend", "x", "*");
  list.add("web-backend", "y", "*");
  list.add("WEB-BACKEND", "*", "*");
  list.add("web-backenD2", "*", "*");
  EXPECT_EQ(list.first_match(span_of("web-BACKEND", "y", "")), 1u);
  EXPECT_EQ(list.first_match(span_of("web-backend", "z", "")), 2u);
  EXPECT_EQ(list.first_match(span_of("Web-Backend2", "z", "")), 3u);
  EXPECT_EQ(list.first_match(span_of("web-backend3", "z", "")), RuleList::kNoMatch);
}

TEST(RuleList, LiteralsThatShareTheirLoadedWordsStillDiffer) {
  // 9 to 16 bytes load two overlapping words; 17+ bytes are not inline. Equal first
  // and last eight bytes with different lengths or middles must not be confused.
  RuleList list;
  list.add("abcdefgh12345678", "*", "*");   // 16
  list.add("abcdefgh2345678", "*", "*");    // 15: same first word, shifted last
  list.add("abcdefghX12345678", "*", "*");  // 17: same first and last eight bytes
  list.add("abcdefghY12345678*", "*", "*");
  EXPECT_EQ(list.first_match(span_of("abcdefgh12345678", "", "")), 0u);
  EXPECT_EQ(list.first_match(span_of("abcdefgh2345678", "", "")), 1u);
  EXPECT_EQ(list.first_match(span_of("abcdefghX12345678", "", "")), 2u);
  EXPECT_EQ(list.first_match(span_of("abcdefghZ12345678", "", "")), RuleList::kNoMatch);
  EXPECT_EQ(list.first_match(span_of("abcdefghY12345678", "", "")), 3u);
}

TEST(RuleList, TagKeysSharedByRulesAndMetrics) {
  RuleList list;
  list.add("*", "*", "*", {{"tier", "free"}});
  list.add("*", "*", "*", {{"code", "5??"}});
  list.add("*", "*", "*", {{"tier", "ent*"}, {"code", "2*"}});
  list.add("*", "*", "*", {{"tier", "*"}});
  SpanData span = span_of("s", "n", "r");
  EXPECT_EQ(list.first_match(span), RuleList::kNoMatch);
  span.meta.set("tier", std::string("Enterprise"));
  EXPECT_EQ(list.first_match(span), 3u);
  span.metrics.set("code", 200.0);
  EXPECT_EQ(list.first_match(span), 2u);
  span.metrics.set("code", 503.0);
  EXPECT_EQ(list.first_match(span), 1u);
  span.metrics.set("code", 503.5);
  EXPECT_EQ(list.first_match(span), 3u);
}

// Random rules over small pools, checked against SpanMatcher on random spans.
TEST(RuleList, AgreesWithSpanMatcherOnRandomRulesAndSpans) {
  const std::vector<std::string> patterns = {"",
                                             "*",
                                             "**",
                                             "a",
                                             "A",
                                             "ab",
                                             "abc",
                                             "abcd",
                                             "web",
                                             "Web-Backend",
                                             "web-backend",
                                             "web-backend-1",
                                             "web-backend-12345",
                                             "web-*",
                                             "*-backend",
                                             "web-back?nd",
                                             "w*d",
                                             "GET /api/users/*",
                                             "GET /API/users/{id}",
                                             "GET /api/users/{id}",
                                             "get /api/users/{id}!",
                                             "caf\xc3\xa9",
                                             "caf?",
                                             "\xc3\xa9*",
                                             "*\xc3\xa9",
                                             "\xff",
                                             "ab*cd*ef",
                                             "?",
                                             "??",
                                             "12345678",
                                             "1234567",
                                             "123456789",
                                             "2??",
                                             "200",
                                             "ent*"};
  const std::vector<std::string> subjects = {"",
                                             "a",
                                             "A",
                                             "ab",
                                             "abc",
                                             "abcd",
                                             "web",
                                             "WEB",
                                             "web-backend",
                                             "Web-Backend",
                                             "web-backend-1",
                                             "web-backend-12345",
                                             "web-backend-123456",
                                             "web-frontend",
                                             "x-backend",
                                             "GET /api/users/{id}",
                                             "get /api/users/{id}",
                                             "GET /api/users/{id}!",
                                             "caf\xc3\xa9",
                                             "CAF\xc3\xa9",
                                             "cafe",
                                             "\xc3\xa9t\xc3\xa9",
                                             "\xff",
                                             "abXcdYef",
                                             "12345678",
                                             "1234567",
                                             "123456789",
                                             "200",
                                             "enterprise"};
  const std::vector<std::string> keys = {"k0", "tier", "http.status_code", "customer.tier.x"};
  std::mt19937 random(7);
  const auto pick = [&random](const auto& pool) { return pool[random() % pool.size()]; };
  for (int round = 0; round < 300; ++round) {
    std::vector<RuleSpec> specs(1 + random() % 12);
    for (RuleSpec& spec : specs) {
      // Mostly literals on some fields and stars on others, as real rules are.
      spec.service = random() % 3 ? pick(patterns) : "*";
      spec.name = random() % 2 ? pick(patterns) : "*";
      spec.resource = random() % 2 ? pick(patterns) : "*";
      for (std::size_t t = random() % 3; t > 0; --t)
        spec.tags.emplace_back(pick(keys), pick(patterns));
    }
    const Reference reference(specs);
    for (int s = 0; s < 40; ++s) {
      SpanData span = span_of(pick(subjects), pick(subjects), pick(subjects));
      for (const std::string& key : keys) {
        switch (random() % 4) {
          case 0:
            span.meta.set(key, pick(subjects));
            break;
          case 1:
            span.metrics.set(key, (random() % 2) ? 200.0 : 12345678.5);
            break;
          default:
            break;
        }
      }
      ASSERT_EQ(reference.list().first_match(span), reference.expected(span))
          << "round " << round << " span " << span.service << " / " << span.name << " / "
          << span.resource;
    }
  }
}

// Subjects of random lengths (every edge-word load class) and rules whose literals are
// cut from them, with `?`, other cases and stars, so that fields match often and the
// first match is decided at many depths: checked against SpanMatcher. Rule counts go
// past 64 (a second and third group of rules).
TEST(RuleList, AgreesWithSpanMatcherOnGeneratedSubjectsAndRules) {
  const std::string alphabet = "abcWXY019-/. {}\xc3\xa9\xff";
  const std::vector<std::string> keys = {"tier", "http.status_code", "k", "customer.tier.long"};
  std::mt19937 random(23);
  const auto text = [&](std::size_t max) {
    std::string out;
    for (std::size_t n = random() % (max + 1); n > 0; --n) {
      out += alphabet[random() % alphabet.size()];
    }
    return out;
  };
  const auto pattern_from = [&](const std::string& subject) -> std::string {
    const unsigned roll = random() % 8;
    if (roll == 0) return "*";
    if (roll == 1) return text(20);
    std::string literal = subject;
    const std::size_t keep = std::min<std::size_t>(subject.size(), random() % 20);
    const bool at_start = random() % 2;
    literal = at_start ? subject.substr(0, keep) : subject.substr(subject.size() - keep);
    for (char& c : literal) {
      const unsigned change = random() % 10;
      if (change == 0) c = '?';
      if (change == 1 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) c ^= 0x20;
    }
    if (roll == 2) return literal + "*" + literal;
    if (keep == subject.size() && random() % 2) return literal;
    return at_start ? literal + "*" : "*" + literal;
  };
  int matched = 0;
  int matched_later = 0;
  int matched_past_64 = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<SpanData> spans(40);
    for (SpanData& span : spans) {
      span = span_of(text(24), text(24), text(40));
      for (const std::string& key : keys) {
        switch (random() % 4) {
          case 0:
            span.meta.set(key, text(18));
            break;
          case 1:
            span.metrics.set(key, static_cast<double>(random() % 1000));
            break;
          default:
            break;
        }
      }
    }
    std::vector<RuleSpec> specs(1 + random() % (round % 10 == 0 ? 150 : 20));
    for (RuleSpec& spec : specs) {
      const SpanData& model = spans[random() % spans.size()];
      spec.service = pattern_from(model.service);
      spec.name = random() % 2 ? pattern_from(model.name) : "*";
      spec.resource = random() % 2 ? pattern_from(model.resource) : "*";
      for (std::size_t t = random() % 3; t > 0; --t) {
        const std::string& key = keys[random() % keys.size()];
        const auto found = model.meta.find(key);
        const std::string value = found ? std::string(*found) : std::string();
        spec.tags.emplace_back(key, found ? pattern_from(value) : random() % 2 ? "*" : "?*");
      }
    }
    const Reference reference(specs);
    for (const SpanData& span : spans) {
      const std::size_t expected = reference.expected(span);
      ASSERT_EQ(reference.list().first_match(span), expected)
          << "round " << round << " span " << span.service << " / " << span.name << " / "
          << span.resource;
      if (expected != RuleList::kNoMatch) {
        ++matched;
        if (expected > 0) ++matched_later;
        if (expected >= 64) ++matched_past_64;
      }
    }
  }
  // The generator must reach both answers, and first matches past the first rule and
  // past the first 64 rules.
  EXPECT_GT(matched, 2000);
  EXPECT_GT(matched_later, 1000);
  EXPECT_GT(matched_past_64, 20);
}

TEST(RuleList, RulesPastSixtyFourKeepTheirOrder) {
  RuleList list;
  for (int i = 0; i < 130; ++i) list.add("s" + std::to_string(i), "*", "*");
  list.add("s5", "n", "*");
  list.add("*", "*", "*");
  EXPECT_EQ(list.size(), 132u);
  EXPECT_EQ(list.first_match(span_of("s0", "", "")), 0u);
  EXPECT_EQ(list.first_match(span_of("s63", "", "")), 63u);
  EXPECT_EQ(list.first_match(span_of("s64", "", "")), 64u);
  EXPECT_EQ(list.first_match(span_of("s127", "", "")), 127u);
  EXPECT_EQ(list.first_match(span_of("S128", "", "")), 128u);
  EXPECT_EQ(list.first_match(span_of("s129", "", "")), 129u);
  EXPECT_EQ(list.first_match(span_of("s130", "", "")), 131u);
}

TEST(RuleList, RepeatedPatternsAndTagsOnlyRules) {
  RuleList list;
  list.add("web", "a", "*");
  list.add("web", "b", "*", {{"t", "x"}});
  list.add("web", "b", "*");
  list.add("*", "*", "*", {{"t", "*"}});
  EXPECT_EQ(list.first_match(span_of("web", "a", "")), 0u);
  EXPECT_EQ(list.first_match(span_of("WEB", "b", "")), 2u);
  SpanData span = span_of("web", "b", "");
  span.meta.set("t", std::string("X"));
  EXPECT_EQ(list.first_match(span), 1u);
  span.name = "c";
  EXPECT_EQ(list.first_match(span), 3u);
}

TEST(RuleList, MoreTagKeysThanCachedAgree) {
  // Keys past the per-decision cache are looked up each time.
  std::vector<RuleSpec> specs;
  for (int i = 0; i < 40; ++i) {
    specs.push_back({"*", "*", "*", {{"key" + std::to_string(i), i % 2 ? "v*" : "x"}}});
  }
  specs.push_back({"*", "*", "*", {{"key39", "v1"}, {"key38", "*"}}});
  const Reference reference(specs);
  for (int present = 0; present < 45; ++present) {
    SpanData span = span_of("s", "n", "r");
    span.meta.set("key" + std::to_string(present), std::string("v1"));
    if (present % 3 == 0) span.meta.set("key38", std::string("y"));
    EXPECT_EQ(reference.list().first_match(span), reference.expected(span)) << present;
  }
}

TEST(RuleList, SeveralGlobsOnOneTagKeyMustAllHold) {
  // A rule's second glob on a key is in the key's second slot: both must hold.
  RuleList list;
  list.add("*", "*", "*", {{"tier", "ent*"}, {"tier", "*prise"}});
  list.add("*", "*", "*", {{"tier", "*prise"}, {"code", "2*"}, {"tier", "e*"}});
  list.add("*", "*", "*", {{"tier", "*"}});
  SpanData span = span_of("s", "n", "r");
  span.meta.set("tier", std::string("enterprise"));
  EXPECT_EQ(list.first_match(span), 0u);
  span.meta.set("tier", std::string("entry"));
  EXPECT_EQ(list.first_match(span), 2u);
  span.meta.set("tier", std::string("surprise"));
  EXPECT_EQ(list.first_match(span), 2u);
  span.metrics.set("code", 204.0);
  EXPECT_EQ(list.first_match(span), 2u);
  span.meta.set("tier", std::string("Enterprise"));
  EXPECT_EQ(list.first_match(span), 0u);
}

TEST(RuleList, StarGlobsOnTagsNeedTheTagInMetaOrMetrics) {
  RuleList list;
  list.add("*", "*", "*", {{"code", "**"}, {"tier", "free"}});
  list.add("*", "*", "*", {{"code", "*"}});
  list.add("*", "*", "*", {{"code", "2*"}});
  SpanData span = span_of("s", "n", "r");
  EXPECT_EQ(list.first_match(span), RuleList::kNoMatch);
  span.metrics.set("code", 0.5);  // not a whole number: only stars match it
  EXPECT_EQ(list.first_match(span), 1u);
  span.meta.set("tier", std::string("FREE"));
  EXPECT_EQ(list.first_match(span), 0u);
  span.meta.set("code", std::string(""));  // meta first, empty or not
  EXPECT_EQ(list.first_match(span), 0u);
  span.meta.set("tier", std::string("paid"));
  span.meta.set("code", std::string("204"));
  EXPECT_EQ(list.first_match(span), 1u);
}

// The shapes of the benchmark's rules (test/bench/sampling_bench.cpp): the first nine
// fail on different fields, the tenth matches.
TEST(RuleList, BenchmarkRulesDecideAtTheTenth) {
  const std::vector<RuleSpec> specs = {
      {"billing-*", "*", "*", {}},
      {"auth-service", "*", "*", {}},
      {"web-frontend", "web.request", "*", {}},
      {"web-backend", "grpc.server", "*", {}},
      {"web-backend", "web.request", "POST *", {}},
      {"web-backend", "web.request", "GET /health*", {}},
      {"*-backend", "web.request", "GET /api/orders/*", {}},
      {"web-backend", "web.*", "*", {{"customer.tier", "free"}}},
      {"web-back?nd", "web.request", "*", {{"http.status_code", "5??"}}},
      {"web-back*", "web.request", "GET /api/users/*", {{"customer.tier", "enterprise*"}}},
  };
  {
    const Reference reference(specs);
    SpanData span = span_of("web-backend", "web.request", "GET /api/users/{id}");
    span.meta.set("customer.tier", std::string("enterprise-annual"));
    span.meta.set("http.status_code", std::string("200"));
    EXPECT_EQ(reference.list().first_match(span), 9u);
    span.meta.set("http.status_code", std::string("503"));
    EXPECT_EQ(reference.list().first_match(span), 8u);
    span.meta.set("customer.tier", std::string("Free"));
    EXPECT_EQ(reference.list().first_match(span), 7u);
    span.service = "WEB-BACKEND";
    span.resource = "get /health/live";
    EXPECT_EQ(reference.list().first_match(span), 5u);
    span.service = "web-back\xc3\xa4nd";  // `?` is one character, two bytes here
    EXPECT_EQ(reference.list().first_match(span), 8u);
    span.service = "billing-eu";
    EXPECT_EQ(reference.list().first_match(span), 0u);
    EXPECT_EQ(reference.list().first_match(span), reference.expected(span));
  }
}

TEST(RuleList, TagLiteralsRuledOutBySizeAndQuestionMarksOnMultibyteValues) {
  // A plain literal is skipped on size alone; a literal with `?` is not: `?` is one
  // character, which may be several bytes.
  std::vector<RuleSpec> specs = {
      {"*", "*", "*", {{"tier", "free"}}},
      {"*", "*", "*", {{"tier", "caf?"}}},
      {"*", "*", "*", {{"tier", "Caf\xc3\xa9*"}}},
      {"*", "*", "*", {{"tier", "*?"}}},
  };
  const Reference reference(specs);
  for (const char* value : {"free", "FREE", "freebie", "fre", "caf\xc3\xa9", "cafe", "CAF\xc3\xa9s",
                            "caf\xc3\xa9\xc3\xa9", "", "\xff"}) {
    SpanData span = span_of("s", "n", "r");
    span.meta.set("tier", std::string(value));
    EXPECT_EQ(reference.list().first_match(span), reference.expected(span)) << value;
  }
  SpanData span = span_of("s", "n", "r");
  span.meta.set("tier", std::string("caf\xc3\xa9"));
  EXPECT_EQ(reference.list().first_match(span), 1u);
}

// Tag keys of 8 bytes or more are found by their first and last eight bytes (loaded
// when compiling), and the middle of longer ones: keys in `meta` that share the size
// and one or both edge words (or the middle) must not be taken for them.
TEST(RuleList, TagKeysAreFoundByTheirEdgeWordsAndMiddle) {
  const std::vector<std::string> keys = {"k",
                                         "tier",
                                         "abcdefg",
                                         "abcdefgh",
                                         "abcdefgX",
                                         "Xbcdefgh",
                                         "abcdefgh1",
                                         "abcdefgh12345678",
                                         "abcdefgh02345678",
                                         "abcdefgh12345670",
                                         "abcdefgh_middle_12345678",
                                         "abcdefgh_MIDDLE_12345678",
                                         "abcdefgh_middle!12345678"};
  std::mt19937 random(41);
  for (int round = 0; round < 200; ++round) {
    std::vector<RuleSpec> specs;
    for (std::size_t n = 1 + random() % 6; n > 0; --n) {
      Tags tags = {{keys[random() % keys.size()], random() % 2 ? "v*" : "*1"}};
      if (random() % 3 == 0) tags.emplace_back(keys[random() % keys.size()], "*");
      specs.push_back({"*", "*", "*", tags});
    }
    const Reference reference(specs);
    for (int s = 0; s < 20; ++s) {
      SpanData span = span_of("s", "n", "r");
      for (const std::string& key : keys) {
        if (random() % 3 == 0) span.meta.set(key, std::string(random() % 2 ? "v1" : "x1"));
      }
      ASSERT_EQ(reference.list().first_match(span), reference.expected(span)) << round;
    }
  }
  // One key beside others of its size that differ only in one word.
  RuleList list;
  list.add("*", "*", "*", {{"abcdefgh_middle_12345678", "yes"}});
  SpanData span = span_of("s", "n", "r");
  span.meta.set("abcdefgh_MIDDLE_12345678", std::string("yes"));
  span.meta.set("abcdefgh_middle_12345670", std::string("yes"));
  span.meta.set("bbcdefgh_middle_12345678", std::string("yes"));
  EXPECT_EQ(list.first_match(span), RuleList::kNoMatch);
  span.meta.set("abcdefgh_middle_12345678", std::string("YES"));
  EXPECT_EQ(list.first_match(span), 0u);
}

// Prefixes and suffixes compared without a size check (their far byte shows it) next to
// those that keep it (a NUL or `?` far byte), on subjects shorter than, as long as and
// longer than the literals, with NUL bytes in subjects and patterns.
TEST(RuleList, PrefixesAndSuffixesOnShortSubjectsAgree) {
  const std::vector<std::string> patterns = {"web*",
                                             "*web",
                                             "w*",
                                             "*b",
                                             std::string("we\0*", 4),
                                             std::string("*\0eb", 4),
                                             "we?*",
                                             "*?eb",
                                             "web-backend-1234*",
                                             "*-backend",
                                             "0123456789abcdef*",
                                             "*0123456789abcdef",
                                             "W*",
                                             std::string("\0*", 2)};
  const std::vector<std::string> subjects = {"",
                                             "w",
                                             "W",
                                             "we",
                                             "web",
                                             "eb",
                                             std::string("we\0", 3),
                                             std::string("\0eb", 3),
                                             std::string("\0", 1),
                                             "web-backend",
                                             "web-backend-1234",
                                             "web-backend-12345",
                                             "0123456789abcde",
                                             "0123456789abcdef",
                                             "x0123456789abcdef",
                                             "0123456789abcdefx"};
  std::vector<RuleSpec> specs;
  for (const std::string& pattern : patterns) {
    specs.push_back({pattern, "*", "*", {}});
    specs.push_back({"*", pattern, "x", {}});
  }
  const Reference reference(specs);
  for (const std::string& subject : subjects) {
    for (const std::string& other : {std::string("x"), std::string("y")}) {
      const SpanData span = span_of(subject, subject, other);
      EXPECT_EQ(reference.list().first_match(span), reference.expected(span)) << subject;
    }
  }
}

// The field tests of all three fields run in one pass that collects the rules they rule
// out: one glob on different fields stays one test per field, and a glob repeated on one
// field is one test for all its rules (in each of the compiled lists: literals whose
// bytes show the size, literals with a size check, `?` literals and other globs).
TEST(RuleList, OneGlobOnSeveralFieldsAndRules) {
  for (const std::string pattern : {"web*", "web", "w?b", "w*b*", "web-backend-12345678*"}) {
    const std::vector<RuleSpec> specs = {
        {pattern, "x", "*", {}},         {"*", pattern, "y", {}}, {"*", "*", pattern, {}},
        {pattern, pattern, "z", {}},     {pattern, "*", "*", {}}, {"*", pattern, "*", {}},
        {pattern, pattern, pattern, {}}, {"*", "*", "*", {}},
    };
    const Reference reference(specs);
    const std::vector<std::string> subjects = {"web",
                                               "WEB",
                                               "wab",
                                               "x",
                                               "y",
                                               "z",
                                               "web-backend-12345678",
                                               "w\xc3\xa9"
                                               "b",
                                               ""};
    for (const std::string& service : subjects) {
      for (const std::string& name : subjects) {
        for (const std::string& resource : subjects) {
          const SpanData span = span_of(service, name, resource);
          ASSERT_EQ(reference.list().first_match(span), reference.expected(span))
              << pattern << ": " << service << " / " << name << " / " << resource;
        }
      }
    }
  }
}

// With more than a few literals on the name and the resource, each is skipped once its
// rules are out (on an earlier field or test): the answer must not change, whichever
// rule or field rules the others out, with few and with many such literals.
TEST(RuleList, SkippedLaterFieldLiteralsAgree) {
  for (const int count : {3, 9, 40, 64, 100}) {
    std::vector<RuleSpec> specs;
    for (int i = 0; i < count; ++i) {
      const std::string n = std::to_string(i);
      const std::string service = i % 4 == 0 ? "*" : "svc" + std::to_string(i % 5);
      const std::string name = i % 3 == 0 ? "name" + n + "*" : "name" + n;
      const std::string resource = i % 2 == 0 ? "*/r" + std::to_string(i % 7) : "GET /" + n;
      specs.push_back({service, name, resource, {}});
    }
    const Reference reference(specs);
    int matched = 0;
    for (int s = 0; s < 5; ++s) {
      for (int i = 0; i < count + 5; ++i) {
        for (const std::string& resource :
             {"GET /" + std::to_string(i), "x/r" + std::to_string(i % 7), std::string("none")}) {
          const SpanData span =
              span_of("svc" + std::to_string(s), "name" + std::to_string(i), resource);
          const std::size_t expected = reference.expected(span);
          matched += expected != RuleList::kNoMatch;
          ASSERT_EQ(reference.list().first_match(span), expected) << count << " " << i;
        }
      }
    }
    EXPECT_GT(matched, count / 2) << count;
  }
}

// Keys past the per-decision cache share one slot: two of them in one rule, each with
// its own value, must not see each other's.
TEST(RuleList, UncachedKeysInOneRuleKeepTheirOwnValues) {
  std::vector<RuleSpec> specs;
  for (int i = 0; i < 36; ++i)
    specs.push_back({"nope", "*", "*", {{"key" + std::to_string(i), "*"}}});
  specs.push_back({"*", "*", "*", {{"key34", "a*"}, {"key35", "b*"}, {"key34", "*1"}}});
  specs.push_back({"*", "*", "*", {{"key35", "b*"}, {"key0", "c"}}});
  const Reference reference(specs);
  SpanData span = span_of("s", "n", "r");
  span.meta.set("key34", std::string("a1"));
  span.meta.set("key35", std::string("b2"));
  EXPECT_EQ(reference.list().first_match(span), 36u);
  span.meta.set("key34", std::string("b1"));
  EXPECT_EQ(reference.list().first_match(span), RuleList::kNoMatch);
  span.meta.set("key0", std::string("C"));
  EXPECT_EQ(reference.list().first_match(span), 37u);
  span.meta.set("key35", std::string("a1"));
  EXPECT_EQ(reference.list().first_match(span), reference.expected(span));
  EXPECT_EQ(reference.list().first_match(span), RuleList::kNoMatch);
}

// A span may hold a rule's key as text rather than by intern id: set before the rules
// interned it (the doorkeeper keeps a key seen once on a thread as text), or too long
// for the table (never interned, so the rule has no id for it either). Both are found,
// next to keys held by id, in `meta` and in `metrics`.
TEST(RuleList, TagKeysHeldAsTextAreFound) {
  static int fresh = 0;
  const std::string long_key(300, 'k');
  std::mt19937 random(5);
  for (int round = 0; round < 100; ++round) {
    const std::string text_key = "rule.list.text.key." + std::to_string(fresh++);
    const std::string other_key = "rule.list.other.key." + std::to_string(fresh++);
    const std::vector<std::string> keys = {text_key, other_key, long_key, "tier"};
    std::vector<SpanData> spans(10);
    for (SpanData& span : spans) {
      span = span_of("s", "n", "r");
      for (const std::string& key : keys) {
        switch (random() % 3) {
          case 0:
            span.meta.set(key, std::string(random() % 2 ? "v1" : "w2"));
            break;
          case 1:
            span.metrics.set(key, random() % 2 ? 1.0 : 2.0);
            break;
          default:
            break;
        }
      }
    }
    // The rules come after the spans: text_key is interned only now.
    std::vector<RuleSpec> specs;
    for (std::size_t n = 1 + random() % 5; n > 0; --n) {
      Tags tags;
      for (std::size_t t = 1 + random() % 2; t > 0; --t) {
        tags.emplace_back(keys[random() % keys.size()], random() % 2 ? "v*" : "*1");
      }
      specs.push_back({"*", "*", "*", tags});
    }
    const Reference reference(specs);
    for (const SpanData& span : spans) {
      ASSERT_EQ(reference.list().first_match(span), reference.expected(span)) << round;
    }
  }
  RuleList list;
  list.add("*", "*", "*", {{long_key, "v"}});
  SpanData span = span_of("s", "n", "r");
  EXPECT_EQ(list.first_match(span), RuleList::kNoMatch);
  span.meta.set(long_key, std::string("V"));
  EXPECT_EQ(list.first_match(span), 0u);
}

}  // namespace
}  // namespace gatetrace
