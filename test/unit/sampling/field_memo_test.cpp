// RuleList remembers, per thread, what its field tests answered for a span's interned
// service, name and resource (field_memo.h). These tests aim at what would make a
// remembered answer wrong: another rule list asking for the same texts, a list changed
// after it answered, a list made where a freed one was, fields held as owned copies,
// more texts than the memo has entries, and groups past the first 64 rules.
#include "gatetrace/sampling/field_memo.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gatetrace/sampling/rule_list.h"
#include "gatetrace/sampling/span_matcher.h"
#include "unit/sampling/sampling_test_util.h"

namespace gatetrace {
namespace {

using testing::span_of;

TEST(FieldMemo, KeyNamesInternedAndEmptyFieldsOnly) {
  const SpanData interned = span_of("memo-service", "memo.name", "");
  const std::uint64_t key = FieldMemo::key_of(interned);
  EXPECT_NE(key, 0u);
  EXPECT_EQ(key, FieldMemo::key_of(span_of("memo-service", "memo.name", "")));
  EXPECT_NE(key, FieldMemo::key_of(span_of("memo-service", "memo.name2", "")));
  EXPECT_NE(key, FieldMemo::key_of(span_of("memo.name", "memo-service", "")));
  // Longer than the intern table takes: an owned copy, which has no key.
  const SpanData owned = span_of("memo-service", "memo.name", std::string(300, 'r'));
  ASSERT_TRUE(owned.resource.owned());
  EXPECT_EQ(FieldMemo::key_of(owned), 0u);
  EXPECT_NE(FieldMemo::with_group(key, 1), FieldMemo::with_group(key, 0));
}

TEST(FieldMemo, ListsWithOtherRulesDoNotShareAnswers) {
  RuleList web;
  web.add("web", "*", "*");
  RuleList api;
  api.add("api", "*", "*");
  const SpanData span = span_of("web", "n", "r");
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(web.first_match(span), 0u);
    EXPECT_EQ(api.first_match(span), RuleList::kNoMatch);
  }
}

TEST(FieldMemo, RuleAddedAfterAnAnswerCounts) {
  RuleList list;
  list.add("web", "*", "*");
  const SpanData span = span_of("api", "n", "r");
  EXPECT_EQ(list.first_match(span), RuleList::kNoMatch);
  // Had the answer for the first rule been kept, the second rule (no test run for it)
  // would not be ruled out.
  list.add("billing", "*", "*");
  EXPECT_EQ(list.first_match(span), RuleList::kNoMatch);
  list.add("API", "*", "*");
  EXPECT_EQ(list.first_match(span), 2u);
}

TEST(FieldMemo, ListMadeWhereAFreedOneWasStartsAfresh) {
  const SpanData span = span_of("web", "n", "r");
  for (int i = 0; i < 50; ++i) {
    auto list = std::make_unique<RuleList>();
    list->add(i % 2 == 0 ? "web" : "api", "*", "*");
    EXPECT_EQ(list->first_match(span), i % 2 == 0 ? 0u : RuleList::kNoMatch) << i;
  }
}

TEST(FieldMemo, OwnedFieldsAreTestedEveryTime) {
  RuleList list;
  list.add("*", "*", "r*");
  list.add("*", "*", "x*");
  const std::string long_r = "r" + std::string(300, 'a');
  const std::string long_x = "x" + std::string(300, 'a');
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(list.first_match(span_of("s", "n", long_r)), 0u);
    EXPECT_EQ(list.first_match(span_of("s", "n", long_x)), 1u);
    EXPECT_EQ(list.first_match(span_of("s", "n", "y")), RuleList::kNoMatch);
  }
}

TEST(FieldMemo, TagsAreTriedOnEveryDecision) {
  RuleList list;
  list.add("web", "*", "*", {{"tier", "free"}});
  list.add("web", "*", "*");
  SpanData span = span_of("web", "n", "r");
  EXPECT_EQ(list.first_match(span), 1u);
  span.meta.set("tier", std::string("Free"));
  EXPECT_EQ(list.first_match(span), 0u);
  span.meta.set("tier", std::string("paid"));
  EXPECT_EQ(list.first_match(span), 1u);
}

// More distinct texts than the memo's entries, over several groups of rules, asked in
// rounds so that entries are replaced and found again: always SpanMatcher's answer.
TEST(FieldMemo, ManyTextsAndGroupsAgreeWithSpanMatcher) {
  std::vector<SpanMatcher> matchers;
  RuleList list;
  for (int i = 0; i < 150; ++i) {
    const std::string service = "svc-" + std::to_string(i % 37);
    const std::string resource = i % 3 == 0 ? "GET /" + std::to_string(i % 11) + "*" : "*";
    const std::string name = i % 5 == 0 ? "*" : "op." + std::to_string(i % 7);
    matchers.emplace_back(service, name, resource);
    list.add(service, name, resource);
  }
  std::size_t matched = 0;
  for (int round = 0; round < 3; ++round) {
    for (int s = 0; s < 40; ++s) {
      for (int n = 0; n < 8; ++n) {
        for (int r = 0; r < 3; ++r) {
          const SpanData span = span_of("svc-" + std::to_string(s), "op." + std::to_string(n),
                                        "GET /" + std::to_string(r * 5) + "/x");
          std::size_t expected = RuleList::kNoMatch;
          for (std::size_t i = 0; i < matchers.size(); ++i) {
            if (matchers[i].matches(span)) {
              expected = i;
              break;
            }
          }
          ASSERT_EQ(list.first_match(span), expected) << s << " " << n << " " << r;
          matched += expected != RuleList::kNoMatch && expected >= 64;
        }
      }
    }
  }
  EXPECT_GT(matched, 0u);  // rules past the first group decided some
}

// Each thread has its own memo: threads asking one list about the same texts, each
// with other tags, get their own answers, and a thread's exit frees its memo.
TEST(FieldMemo, ThreadsAskingOneListGetTheirOwnAnswers) {
  RuleList list;
  list.add("web", "*", "*", {{"tier", "free"}});
  list.add("web", "*", "r*");
  list.add("*", "*", "*", {{"tier", "paid"}});
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&list, &wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        SpanData span = span_of(i % 2 == 0 ? "web" : "api", "n", (i + t) % 3 == 0 ? "r1" : "x");
        if (t % 2 == 0) span.meta.set("tier", std::string("free"));
        if (t == 3) span.meta.set("tier", std::string("paid"));
        std::size_t expected = RuleList::kNoMatch;
        if (span.service == "web" && t % 2 == 0) {
          expected = 0;
        } else if (span.service == "web" && span.resource == "r1") {
          expected = 1;
        } else if (t == 3) {
          expected = 2;
        }
        wrong[t] += list.first_match(span) != expected;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace gatetrace
