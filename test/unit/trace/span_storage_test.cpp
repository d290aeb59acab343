// The compact span storage (span_string.h, span_meta.h, span_metrics.h, span_links.h):
// interned and owned SpanStrings, Meta's area as it grows past its inline room, erases
// and overwrites, long keys and values, many tags, recycling, spans that outlive the
// rest of their trace, and span links. Everything is checked through what a collector
// reads.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gatetrace/span_data.h"
#include "gatetrace/span_keys.h"
#include "gatetrace/trace/span_pool.h"
#include "gatetrace/tracer.h"
#include "meta_keys.h"
#include "support/test_doubles.h"

namespace gatetrace {
namespace {

using testing::meta_keys;

std::map<std::string, std::string> as_map(const Meta& meta) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : meta) out.emplace(key, value);
  return out;
}

TEST(SpanStringTest, InternedTextIsSharedAndReadsLikeAView) {
  SpanString a;
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a, "");
  EXPECT_EQ(a.size(), 0u);
  a = "web.request";
  SpanString b;
  b = std::string("web.") + "request";
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.id(), b.id()) << "the same text interns to the same id";
  EXPECT_NE(a.id(), 0u);
  EXPECT_FALSE(a.owned());
  EXPECT_EQ(a.data(), b.data()) << "one copy of the text for both";
  const std::string_view view = a;
  EXPECT_EQ(view, "web.request");
  EXPECT_EQ(a.size(), 11u);
  EXPECT_EQ(std::string(a), "web.request");
  EXPECT_EQ(a.c_str()[a.size()], '\0');
  EXPECT_TRUE(a == std::string("web.request"));
  EXPECT_TRUE("web.request" == a);
  EXPECT_TRUE(a != "web.response");
  SpanString c;
  c = "web.response";
  EXPECT_NE(a, c);
  EXPECT_NE(a.id(), c.id());
}

TEST(SpanStringTest, LongTextIsOwnedAndCopiedDeeply) {
  const std::string long_text(1000, 'r');
  SpanString owned;
  owned = long_text;
  EXPECT_TRUE(owned.owned());
  EXPECT_EQ(owned.id(), 0u);
  EXPECT_EQ(owned, long_text);
  SpanString copy = owned;
  EXPECT_TRUE(copy.owned());
  EXPECT_NE(copy.data(), owned.data());
  EXPECT_EQ(copy, owned);
  SpanString moved = std::move(copy);
  EXPECT_EQ(moved, long_text);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  // Its own text, assigned to itself (as a view), and then a shorter interned text.
  moved = std::string_view(moved).substr(10);
  EXPECT_EQ(moved, long_text.substr(10));
  moved = "short";
  EXPECT_FALSE(moved.owned());
  EXPECT_EQ(moved, "short");
  moved = "";
  EXPECT_TRUE(moved.empty());
}

TEST(SpanStringTest, ManyThreadsInternTheSameTexts) {
  std::vector<std::thread> threads;
  std::vector<std::vector<std::uint32_t>> ids(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ids] {
      for (int i = 0; i < 200; ++i) {
        SpanString s;
        s = "threaded.key." + std::to_string(i);
        ids[t].push_back(s.id());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(ids[t], ids[0]);
}

TEST(SpanMetaStorage, GrowsFromInlineToHeapKeepingOrderAndValues) {
  Meta meta;
  std::map<std::string, std::string> expected;
  std::vector<std::string> order;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "grow.key." + std::to_string(i);
    const std::string value(static_cast<std::size_t>(i % 70), static_cast<char>('a' + i % 26));
    meta.set(key, value);
    expected[key] = value;
    order.push_back(key);
    if (i == 2) {
      EXPECT_EQ(meta.heap_bytes(), 0u) << "a few short tags stay inline";
    }
  }
  EXPECT_GT(meta.heap_bytes(), 0u);
  EXPECT_EQ(meta.size(), 200u);
  EXPECT_EQ(as_map(meta), expected);
  EXPECT_EQ(meta_keys(meta), order);
}

TEST(SpanMetaStorage, OverwritesAndErasesDoNotGrowWithoutBound) {
  Meta meta;
  meta.set("steady", std::string_view("s"));
  std::string value;
  for (int i = 0; i < 5000; ++i) {
    value = "value-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 40), 'x');
    meta.set("churn", value);
    meta.set("temp." + std::to_string(i % 7), value);
    meta.erase("temp." + std::to_string((i + 3) % 7));
  }
  EXPECT_EQ(*meta.find("churn"), value);
  EXPECT_EQ(*meta.find("steady"), "s");
  // Live: at most 9 tags of under 60 bytes; dead text is dropped when the area grows.
  EXPECT_LT(meta.heap_bytes(), 4096u);
}

TEST(SpanMetaStorage, LongValuesAndKeysTooLongToIntern) {
  Meta meta;
  const std::string stack(100 * 1024, 's');
  const std::string long_key(500, 'k');
  meta.set("error.stack", stack);
  meta.set(long_key, std::string_view("v1"));
  meta.set("after", std::string_view("a"));
  EXPECT_EQ(*meta.find("error.stack"), stack);
  EXPECT_EQ(*meta.find(long_key), "v1");
  meta.set(long_key, std::string_view("a longer value than before"));  // moves its key too
  EXPECT_EQ(*meta.find(long_key), "a longer value than before");
  meta.set(long_key, std::string_view("v"));  // shorter: in place
  EXPECT_EQ(*meta.find(long_key), "v");
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"error.stack", long_key, "after"}));
  EXPECT_TRUE(meta.erase(long_key));
  EXPECT_FALSE(meta.contains(long_key));
  EXPECT_EQ(meta.find(long_key), nullptr);
  EXPECT_NE(meta.find("after"), nullptr);
  Meta copy = meta;
  EXPECT_EQ(as_map(copy), as_map(meta));
}

TEST(SpanMetaStorage, ValuesFromTheMapItselfWhileItGrows) {
  Meta meta;
  meta.set("seed", std::string_view("0123456789"));
  for (int i = 0; i < 40; ++i) {
    // The new value is the previous tag's text (in the area that this set may replace).
    const std::string key = "copy." + std::to_string(i);
    const std::string previous = i == 0 ? "seed" : "copy." + std::to_string(i - 1);
    meta.set(key, *meta.find(previous));
    meta.set(previous, *meta.find(previous));  // itself, same length
  }
  for (int i = 0; i < 40; ++i) EXPECT_EQ(*meta.find("copy." + std::to_string(i)), "0123456789");
  // Growing an entry with its own text doubled.
  for (int i = 0; i < 6; ++i) {
    const std::string doubled = std::string(*meta.find("seed")) + std::string(*meta.find("seed"));
    meta.set("seed", doubled);
  }
  EXPECT_EQ(meta.find("seed")->size(), 640u);
}

TEST(SpanMetaStorage, LookupIsLikeAPointerAndLikeAnOptional) {
  Meta meta;
  meta.set("k", std::string_view("v"));
  auto found = meta.find("k");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, "v");
  EXPECT_EQ(found->size(), 1u);
  EXPECT_NE(found, nullptr);
  EXPECT_EQ(found.value_or("none"), "v");
  auto missing = meta.find("absent");
  EXPECT_FALSE(missing);
  EXPECT_EQ(missing, nullptr);
  EXPECT_EQ(missing.value_or("none"), "none");
}

TEST(SpanMetaStorage, RecycledSpanReusesItsAreaWithoutOldTags) {
  SpanData* span = acquire_span_data("first", "svc");
  for (int i = 0; i < 30; ++i) span->meta.set("old." + std::to_string(i), std::string(20, 'o'));
  span->resource = std::string(400, 'r');  // owned: too long to intern
  const std::size_t area = span->meta.heap_bytes();
  ASSERT_GT(area, 0u);
  release_span_data(span);
  SpanData* again = acquire_span_data("second", "svc");
  ASSERT_EQ(again, span);
  EXPECT_EQ(again->meta.heap_bytes(), area) << "the area is kept for the next tags";
  EXPECT_TRUE(again->meta.empty());
  EXPECT_TRUE(again->resource.empty());
  EXPECT_EQ(again->name, "second");
  again->meta.set("new", std::string_view("n"));
  EXPECT_EQ(meta_keys(again->meta), (std::vector<std::string>{"new"}));
  EXPECT_FALSE(again->meta.contains("old.0"));
  release_span_data(again);
}

TEST(SpanMetaStorage, SpanOutlivingTheRestOfItsTrace) {
  testing::TestTracerSetup setup;
  TracerConfig config = setup.config();
  config.startup_logs = false;
  config.partial_flush_enabled = true;
  config.partial_flush_min_spans = 1;
  auto finalized = finalize_config(config);
  ASSERT_TRUE(finalized);
  Tracer tracer(*finalized);
  Span root = tracer.create_span({.name = "root"});
  Span survivor = root.create_child({.name = "survivor"});
  survivor.set_tag("kept", std::string(300, 'k'));
  {
    Span sibling = root.create_child({.name = "sibling"});
    sibling.set_tag("gone", "soon");
  }  // delivered on its own (partial flush), its SpanData recycled
  // New spans (possibly the recycled one) must not disturb the survivor's tags.
  for (int i = 0; i < 5; ++i) {
    Span other = tracer.create_span({.name = "other"});
    other.set_tag("kept", "overwritten?");
  }
  EXPECT_EQ(*survivor.lookup_tag("kept"), std::string(300, 'k'));
  survivor.set_tag("late", "tag");
  survivor.finish();
  root.finish();
  const auto spans = setup.collector->spans_by_name();
  ASSERT_EQ(spans.count("survivor"), 1u);
  const SpanData& data = spans.at("survivor");
  EXPECT_EQ(*data.meta.find("kept"), std::string(300, 'k'));
  EXPECT_EQ(*data.meta.find("late"), "tag");
  EXPECT_EQ(*spans.at("sibling").meta.find("gone"), "soon");
}

TEST(SpanMetricsStorage, KnownKeysShareTheEntryOfTheirText) {
  // By id first, then by text: one entry, named by the fixed record.
  Metrics metrics;
  metrics.set_known(span_keys::kSamplingPriority, 1);
  metrics.set("_sampling_priority_v1", 2);
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics.begin()->first.id(), span_keys::kSamplingPriority);
  EXPECT_EQ(*metrics.find("_sampling_priority_v1"), 2);
  // By text first, then by id.
  metrics.set("_dd.agent_psr", 0.5);
  metrics.set_known(span_keys::kAgentRate, 0.25);
  ASSERT_EQ(metrics.size(), 2u);
  EXPECT_EQ(*metrics.find("_dd.agent_psr"), 0.25);
  // A fixed key added for the request helper reads as its text, and interns to its id.
  metrics.set_known(span_keys::kInferredSpan, 1);
  EXPECT_EQ(std::string_view((metrics.end() - 1)->first), "_dd.inferred_span");
  EXPECT_EQ(SpanString::intern("_dd.inferred_span"), span_keys::kInferredSpan);
  EXPECT_TRUE(metrics.erase("_dd.inferred_span"));
  EXPECT_EQ(metrics.size(), 2u);
  // A recycled map (cleared, block kept) takes known keys again.
  metrics.clear();
  metrics.set_known(span_keys::kRuleRate, 1);
  EXPECT_EQ(*metrics.find("_dd.rule_psr"), 1);
}

TEST(SpanMetricsStorage, KnownKeyFindsAnOwnedCopyOfItsText) {
  // set_known() matches entries by record: an entry whose key was set by text before
  // the text was interned holds an owned copy, and must still be the key's entry.
  static int round = 0;  // a text new to the table each time the test runs
  const std::string key = "metrics.owned_then_interned." + std::to_string(round++);
  Metrics metrics;
  metrics.set("first", 1);
  metrics.set(key, 2);  // first sighting on this thread: the doorkeeper keeps it owned
  ASSERT_EQ(metrics.size(), 2u);
  ASSERT_TRUE((metrics.begin() + 1)->first.owned());
  const std::uint32_t id = SpanString::intern(key);
  ASSERT_NE(id, 0u);
  metrics.set_known(id, 3);
  ASSERT_EQ(metrics.size(), 2u);
  EXPECT_EQ(*metrics.find(key), 3);
  EXPECT_EQ(*metrics.find("first"), 1);
  // Another known key appends after the existing ones, in order, by its record.
  metrics.set_known(span_keys::kSamplingPriority, 1);
  metrics.set_known(span_keys::kAgentRate, 0.5);
  metrics.set_known(span_keys::kSamplingPriority, 2);
  ASSERT_EQ(metrics.size(), 4u);
  std::vector<std::pair<std::string, double>> entries;
  for (const auto& [k, v] : metrics) entries.emplace_back(std::string(k), v);
  const std::vector<std::pair<std::string, double>> expected = {
      {"first", 1}, {key, 3}, {"_sampling_priority_v1", 2}, {"_dd.agent_psr", 0.5}};
  EXPECT_EQ(entries, expected);
  EXPECT_EQ((metrics.begin() + 2)->first.id(), span_keys::kSamplingPriority);
  // Growing past the first block keeps every entry.
  for (std::uint32_t known = span_keys::kRuleRate; known <= span_keys::kLimitRate; ++known) {
    metrics.set_known(known, known);
  }
  EXPECT_EQ(metrics.size(), 6u);
  EXPECT_EQ(*metrics.find("_dd.limit_psr"), span_keys::kLimitRate);
  EXPECT_EQ(*metrics.find(key), 3);
}

TEST(SpanLinksStorage, EmptyUntilUsedAndCopiedDeeply) {
  SpanData span;
  EXPECT_TRUE(span.links.empty());
  EXPECT_EQ(span.links.begin(), span.links.end());
  SpanLink link;
  link.trace_id = TraceId{1, 2};
  link.span_id = 3;
  link.attributes = {{"reason", "terminated_context"}};
  link.flags = 1;
  span.links.push_back(link);
  span.links.emplace_back().span_id = 4;
  ASSERT_EQ(span.links.size(), 2u);
  SpanData copy = span;
  span.links[0].span_id = 99;
  EXPECT_EQ(copy.links[0].span_id, 3u);
  EXPECT_EQ(copy.links[1].span_id, 4u);
  std::vector<std::uint64_t> ids;
  for (const SpanLink& l : copy.links) ids.push_back(l.span_id);
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{3, 4}));
  copy.links = {};
  EXPECT_TRUE(copy.links.empty());
  copy.links = {link};
  EXPECT_EQ(copy.links.size(), 1u);
}

TEST(SpanDataLayout, SmallEnoughForTheMemoryTarget) {
  // Benchmark 8a: a live span with a handful of short tags in one allocation.
  EXPECT_LE(sizeof(SpanData), 312u);
}

}  // namespace
}  // namespace gatetrace
