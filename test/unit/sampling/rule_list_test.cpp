// RuleList must answer exactly as trying each rule's SpanMatcher in turn; these tests
// compare the two, aiming at its compiled forms: whole literals interned per field,
// inline literals (0 to 16 bytes, at both word-load boundaries), longer literals and
// other globs, tag keys shared by rules (looked up once) and the uncached keys.
#include "gatetrace/sampling/rule_list.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gatetrace/sampling/span_matcher.h"

namespace gatetrace {
namespace {

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

SpanData span_of(std::string service, std::string name, std::string resource) {
  SpanData span;
  span.service = std::move(service);
  span.name = std::move(name);
  span.resource = std::move(resource);
  return span;
}

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

}  // namespace
}  // namespace gatetrace
