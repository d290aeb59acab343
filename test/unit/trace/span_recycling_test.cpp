// The tracer recycles SpanData between traces (span_pool.h) and Meta keeps erased
// entries' text in its area until it is copied: a recycled span must look exactly like
// a new one, and a map's dead entries and text must never show through its interface.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "gatetrace/span_data.h"
#include "gatetrace/trace/span_pool.h"
#include "meta_keys.h"

namespace gatetrace {
namespace {

using testing::meta_keys;

TEST(SpanMetaDeadText, EraseKeepsTheOrderOfTheOthers) {
  Meta meta;
  meta.set("a", std::string("1"));
  meta.set("b", std::string("2"));
  meta.set("c", std::string("3"));
  EXPECT_TRUE(meta.erase("a"));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(meta.size(), 2u);
  EXPECT_FALSE(meta.contains("a"));
  meta.set("d", std::string_view("4"));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(*meta.find("d"), "4");
}

TEST(SpanMetaDeadText, ClearedEntriesAreInvisibleAndReused) {
  Meta meta;
  meta.set("key.one", std::string("a value longer than the small-string buffer"));
  meta.set("key.two", std::string("x"));
  meta.clear();
  EXPECT_TRUE(meta.empty());
  EXPECT_EQ(meta.begin(), meta.end());
  EXPECT_FALSE(meta.find("key.one"));
  meta.set("other", std::string_view("y"));
  EXPECT_EQ(meta_keys(meta), (std::vector<std::string>{"other"}));
  EXPECT_EQ(*meta.find("other"), "y");
}

TEST(SpanMetaDeadText, CopiesAndMovesTakeOnlyLiveEntries) {
  Metrics metrics;
  metrics.set("m1", 1.0);
  metrics.set("m2", 2.0);
  metrics.erase("m1");
  Metrics copy = metrics;
  EXPECT_EQ(copy.size(), 1u);
  EXPECT_EQ(*copy.find("m2"), 2.0);
  EXPECT_FALSE(copy.find("m1"));
  Metrics assigned;
  assigned.set("old", 9.0);
  assigned = copy;
  EXPECT_EQ(assigned.size(), 1u);
  EXPECT_FALSE(assigned.find("old"));
  Metrics moved = std::move(copy);
  EXPECT_EQ(moved.size(), 1u);
  EXPECT_EQ(copy.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(SpanPool, RecycledSpanLooksNew) {
  SpanData* span = acquire_span_data();
  span->trace_id = TraceId{1, 2};
  span->span_id = 3;
  span->parent_id = 4;
  span->service = "svc";
  span->name = "name";
  span->resource = "res";
  span->type = "web";
  span->start = TimePoint{5, 6};
  span->duration_ns = 7;
  span->error = true;
  span->meta.set("k", std::string("v"));
  span->metrics.set("m", 1.0);
  span->links.push_back(SpanLink{});
  release_span_data(span);
  // This thread's pool hands the same span back first.
  SpanData* again = acquire_span_data();
  EXPECT_EQ(again, span);
  EXPECT_EQ(again->trace_id, TraceId{});
  EXPECT_EQ(again->span_id, 0u);
  EXPECT_EQ(again->parent_id, 0u);
  EXPECT_TRUE(again->service.empty());
  EXPECT_TRUE(again->name.empty());
  EXPECT_TRUE(again->resource.empty());
  EXPECT_TRUE(again->type.empty());
  EXPECT_EQ(again->start.wall_ns, 0);
  EXPECT_EQ(again->start.steady_ns, 0);
  EXPECT_EQ(again->duration_ns, 0);
  EXPECT_FALSE(again->error);
  EXPECT_TRUE(again->meta.empty());
  EXPECT_TRUE(again->metrics.empty());
  EXPECT_TRUE(again->links.empty());
  release_span_data(again);
}

TEST(SpanPool, BatchReleaseHandsTheFirstSpanOutFirst) {
  // As a delivered trace returns its spans: root first in the array.
  SpanData* spans[3] = {acquire_span_data("root", "svc"), nullptr, acquire_span_data("child")};
  spans[0]->span_id = 1;
  spans[0]->meta.set("k", std::string_view("v"));
  spans[2]->metrics.set("m", 2.0);
  spans[2]->error = true;
  release_span_data(spans, 3);  // the null entry is skipped
  SpanData* first = acquire_span_data();
  SpanData* second = acquire_span_data();
  EXPECT_EQ(first, spans[0]);
  EXPECT_EQ(second, spans[2]);
  for (SpanData* span : {first, second}) {
    EXPECT_EQ(span->span_id, 0u);
    EXPECT_TRUE(span->name.empty());
    EXPECT_TRUE(span->meta.empty());
    EXPECT_TRUE(span->metrics.empty());
    EXPECT_FALSE(span->error);
  }
  release_span_data(second);
  release_span_data(first);
  release_span_data(nullptr, 0);  // nothing to do
}

TEST(SpanPool, BatchReleaseFreesLargeSpans) {
  SpanData* spans[2] = {acquire_span_data(), acquire_span_data()};
  spans[1]->meta.set("error.stack", std::string(64 * 1024, 'x'));
  release_span_data(spans, 2);
  SpanData* next = acquire_span_data();
  EXPECT_EQ(next, spans[0]) << "the small span is kept, the large one freed";
  SpanData* after = acquire_span_data();
  EXPECT_LT(after->meta.heap_bytes(), 8192u);
  release_span_data(after);
  release_span_data(next);
}

TEST(SpanPool, RecycledSpanTakesTheGivenNameAndService) {
  SpanData* span = acquire_span_data("a rather long operation name", "a-long-service-name");
  EXPECT_EQ(span->name, "a rather long operation name");
  EXPECT_EQ(span->service, "a-long-service-name");
  release_span_data(span);
  // Shorter than the recycled text, then longer, then none.
  SpanData* again = acquire_span_data("op", "svc");
  EXPECT_EQ(again, span);
  EXPECT_EQ(again->name, "op");
  EXPECT_EQ(again->service, "svc");
  release_span_data(again);
  again = acquire_span_data("an operation name longer than any before it", "");
  EXPECT_EQ(again->name, "an operation name longer than any before it");
  EXPECT_EQ(again->service, "");
  release_span_data(again);
  again = acquire_span_data();
  EXPECT_TRUE(again->name.empty());
  EXPECT_TRUE(again->service.empty());
  release_span_data(again);
}

TEST(SpanPool, LargeSpansAreNotKept) {
  SpanData* span = acquire_span_data();
  span->meta.set("error.stack", std::string(64 * 1024, 'x'));
  release_span_data(span);
  SpanData* next = acquire_span_data();
  // Whatever comes back holds no 64 KiB area.
  EXPECT_LT(next->meta.heap_bytes(), 8192u);
  release_span_data(next);
}

TEST(SpanPool, SpansWithSomeLongTextAreKeptWhileSmall) {
  // On a thread of its own: its pool starts empty, whatever spans earlier tests left in
  // this thread's pool (a recycled span's area may already be large enough for the
  // tags below without growing past the limit).
  std::thread([] {
    // Long enough to need the exact count, small enough to keep.
    SpanData* span = acquire_span_data();
    span->meta.set("http.url", std::string(300, 'u'));
    ASSERT_GT(span->meta.heap_bytes(), 0u);
    release_span_data(span);
    SpanData* again = acquire_span_data();
    EXPECT_EQ(again, span);
    EXPECT_TRUE(again->meta.empty());
    // Many long values add up past the limit: freed, not kept.
    for (int i = 0; i < 100 && again->meta.heap_bytes() <= 4096u; ++i) {
      again->meta.set("tag." + std::to_string(i), std::string(146, 'v'));
    }
    ASSERT_GT(again->meta.heap_bytes(), 4096u);
    release_span_data(again);
    SpanData* next = acquire_span_data();
    EXPECT_LE(next->meta.heap_bytes(), 4096u);
    release_span_data(next);
  }).join();
}

// Whether a span was kept shows in the heap area the next acquired span has (a freed
// span's address may well come back from malloc, so pointer equality would not tell).
class SpanPoolAreaLimit : public ::testing::TestWithParam<int> {};

TEST_P(SpanPoolAreaLimit, ShortTagsAreKeptUntilTheAreaPassesTheLimit) {
  const int tags = GetParam();
  SpanData* span = acquire_span_data();
  for (int i = 0; i < tags; ++i) span->meta.set("t" + std::to_string(i), std::string_view("v"));
  ASSERT_GT(span->meta.heap_bytes(), 0u);
  const std::size_t bytes = span->meta.heap_bytes();
  const bool small = bytes <= 4096u;
  ASSERT_EQ(small, tags <= 20) << "the cases must cover both sides of the limit";
  release_span_data(span);
  SpanData* again = acquire_span_data();
  // Kept: it comes straight back (the pool is last in, first out). Freed: whatever comes
  // back (a new span, or one another test left in this thread's pool) lacks its area.
  EXPECT_EQ(again->meta.heap_bytes() == bytes, small);
  release_span_data(again);
}

// 20 short tags fit the limit (kept), 400 do not (freed).
INSTANTIATE_TEST_SUITE_P(KeptAndFreed, SpanPoolAreaLimit, ::testing::Values(20, 400));

}  // namespace
}  // namespace gatetrace
